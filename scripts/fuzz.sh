#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI description (GET /api/openapi.json)
# with schemathesis, against the real server on a fresh SQLite database and
# on a fresh PostgreSQL database: logged out, as a patient and as a
# researcher, with positive and negative data. Any server error, any status
# the description does not list, or any answer that does not match its
# schema fails. Run by scripts/test.sh.
#
#   scripts/fuzz.sh SERVER_BINARY
#   FUZZ_EXAMPLES=200 scripts/fuzz.sh SERVER_BINARY    # longer run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/lib.sh
server_bin=${1:?usage: scripts/fuzz.sh SERVER_BINARY}
examples=${FUZZ_EXAMPLES:-40}
say() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }

schemathesis_version=4.32.5
venv="$MEETINGS_TOOLS_DIR/schemathesis-$schemathesis_version"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  say "installing schemathesis $schemathesis_version"
  python_venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

work=$(mktemp -d)
pids=()
databases=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "${databases[@]}"; do
    $as_root su postgres -c "psql -qtAX -c 'DROP DATABASE IF EXISTS $db'" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

cookie_of() {
  curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"password123\"}" "$1/api/auth/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(session=[0-9a-f]*\).*/\1/p'
}

fuzz() {
  local name=$1 database_url=$2
  local port base log
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$work/server-$name.log"
  # Limits that would only slow the fuzzer are lifted; they have tests of their own.
  APP_ENV=test APP_DEMO=true APP_AUTH_RATE_PER_MINUTE=1000000 APP_REQUESTS_PER_PAIR_PER_DAY=0 \
    DATABASE_URL="$database_url" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
    "$server_bin" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  local who cookie
  for who in anonymous patient researcher; do
    local auth=()
    if [ "$who" != anonymous ]; then
      cookie=$(cookie_of "$base" "$who@test.com")
      [ -n "$cookie" ] || { say "could not log in as $who"; exit 1; }
      # Logging out would end the session the rest of the run uses.
      auth=(-H "Cookie: $cookie" --exclude-path /api/auth/logout)
    fi
    say "$name, $who: $examples examples per operation"
    local attempt
    for attempt in 1 2 3; do
      if "$venv/bin/schemathesis" run "$base/api/openapi.json" "${auth[@]}" \
          --checks not_a_server_error,status_code_conformance,response_schema_conformance \
          --mode all --max-examples "$examples" --workers 1 --warnings off \
          --request-timeout 10 --no-color >"$work/$name-$who.txt" 2>&1; then
        break
      fi
      # An error inside the fuzzer itself is not a finding: run again, at
      # most twice. (Hypothesis on CPython 3.11.7 failed with "AST constructor
      # recursion depth mismatch" while describing a lambda, a CPython bug
      # with ast.parse in several threads at once; hence one worker above.)
      # Any failure of a check always stops the tests.
      if [ "$attempt" -lt 3 ] && ! grep -q "= FAILURES =" "$work/$name-$who.txt" &&
          grep -q "Runtime Error" "$work/$name-$who.txt"; then
        say "the fuzzer itself failed ($(grep -m1 -A1 'Runtime Error' "$work/$name-$who.txt" | tail -1)); again"
        continue
      fi
      cat "$work/$name-$who.txt"
      say "failures on $name as $who; the server's log:"
      tail -50 "$log"
      exit 1
    done
    grep -E "generated|Seed" "$work/$name-$who.txt" | sed 's/^/  /' >&2
  done
  if grep -qiE "panicked|database is locked" "$log"; then
    cat "$log"
    say "the server's log shows a panic or a locked database"
    exit 1
  fi
}

fuzz sqlite "sqlite://$work/fuzz.db?mode=rwc"

admin_url=$(scripts/test-postgres.sh)
db="mr_fuzz_$$"
$as_root su postgres -c "psql -qtAX -c 'CREATE DATABASE $db OWNER meetings_test'" >/dev/null
databases+=("$db")
fuzz postgres "${admin_url%/*}/$db"
say "no failures"
