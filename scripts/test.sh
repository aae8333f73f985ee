#!/usr/bin/env bash
# Runs every check: formatting, clippy for both builds, the Rust unit and
# integration tests (real server, on SQLite and again on PostgreSQL; the
# email tests against a real SMTP server, aiosmtpd), the
# Playwright tests in headless Chromium against the real app built by
# cargo-leptos, schemathesis fuzzing the JSON API from its OpenAPI
# description on both databases, and one more browser test with two
# instances on PostgreSQL behind the nginx of deploy/.
#
#   scripts/test.sh        everything
#   scripts/test.sh e2e    only the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

if [ "${1:-}" != "e2e" ]; then
  step "cargo fmt --check"
  cargo fmt --all -- --check

  step "vendored tachys: crates.io's 0.2.19 plus its one patch"
  scripts/check-vendor.sh

  step "clippy (server build)"
  cargo clippy --all-targets --features ssr -- -D warnings

  step "clippy (WebAssembly client build)"
  cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

  step "Rust unit and integration tests (SQLite)"
  # The email tests start a real SMTP server (aiosmtpd) with this Python.
  TEST_SMTP_PYTHON=$(scripts/test-smtp.sh)
  export TEST_SMTP_PYTHON
  cargo test --features ssr

  step "integration tests against PostgreSQL"
  TEST_POSTGRES_URL=$(scripts/test-postgres.sh) cargo test --features ssr --test api
fi

if [ "${1:-}" != "e2e" ]; then
  step "release WebAssembly size (wasm-opt -Oz, brotli)"
  scripts/wasm-size.sh
fi

step "end-to-end tests (cargo leptos end-to-end, Playwright + Chromium)"
e2e_dir=$(mktemp -d)
trap 'rm -rf "$e2e_dir"' EXIT
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
export E2E_BASE_URL="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$e2e_dir/e2e.db?mode=rwc"
export APP_DEMO=true
export APP_ENV=test
# Many logins come from one address during the tests, and the demo patient
# sends the demo researcher more requests than a day allows (the limits
# themselves are tested in tests/api/hostile.rs).
export APP_AUTH_RATE_PER_MINUTE=10000
export APP_REQUESTS_PER_PAIR_PER_DAY=0
# A request a few seconds ahead expires while the test watches.
export APP_EXPIRY_SWEEP_SECS=1
export RUST_LOG="${RUST_LOG:-warn}"
# The restart test runs a second server of its own from this binary.
export E2E_SERVER_BIN="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/debug/meeting-requests"
cargo leptos end-to-end

if [ "${1:-}" != "e2e" ]; then
  step "API fuzzing from the OpenAPI description (schemathesis; SQLite and PostgreSQL)"
  scripts/fuzz.sh "$E2E_SERVER_BIN"
fi

step "two instances on PostgreSQL behind nginx (Playwright + Chromium)"
scripts/test-cluster.sh "$E2E_SERVER_BIN"

printf '\n\033[32mall tests passed\033[0m in %ss\n' "$(( $(date +%s) - started ))"
