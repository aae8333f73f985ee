#!/usr/bin/env bash
# Runs the app at http://127.0.0.1:3000 in demo mode on SQLite (data/meetings.db),
# with the demo accounts seeded. Extra arguments go to `cargo leptos serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
export APP_DEMO="${APP_DEMO:-true}"
export DATABASE_URL="${DATABASE_URL:-sqlite://data/meetings.db?mode=rwc}"
exec cargo leptos serve --release --precompress "$@"
