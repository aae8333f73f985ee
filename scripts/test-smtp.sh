#!/usr/bin/env bash
# Installs the SMTP server the email tests start (aiosmtpd, pinned, in a
# virtual environment of the tools directory) and prints the Python that
# runs scripts/smtp-sink.py with it (TEST_SMTP_PYTHON). Used by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/lib.sh
version=1.4.6
venv="$MEETINGS_TOOLS_DIR/aiosmtpd-$version"
if ! "$venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$version')" 2>/dev/null; then
  printf '\033[1m[smtp]\033[0m installing aiosmtpd %s\n' "$version" >&2
  python_venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$version" >&2
fi
echo "$venv/bin/python"
