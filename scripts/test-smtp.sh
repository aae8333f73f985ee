#!/usr/bin/env bash
# Installs the SMTP server the email tests start (aiosmtpd, pinned, in a
# virtual environment of the tools directory) and prints the Python that
# runs scripts/smtp-sink.py with it (TEST_SMTP_PYTHON). Used by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
version=1.4.6
venv="$MEETINGS_TOOLS_DIR/aiosmtpd-$version"
if ! "$venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$version')" 2>/dev/null; then
  printf '\033[1m[smtp]\033[0m installing aiosmtpd %s\n' "$version" >&2
  if ! python3 -m venv "$venv" 2>/dev/null; then
    as_root=""
    [ "$(id -u)" -eq 0 ] || as_root="sudo"
    $as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$version" >&2
fi
echo "$venv/bin/python"
