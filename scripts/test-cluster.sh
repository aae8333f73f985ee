#!/usr/bin/env bash
# The browser test of SPEC 10: two instances on one fresh PostgreSQL database
# behind the nginx of deploy/nginx.conf, a patient's browser on one instance
# and a researcher's on the other. Run by scripts/test.sh after the other
# browser tests (it reuses the server binary and site they built).
#
#   scripts/test-cluster.sh SERVER_BINARY
#   CLUSTER_HOLD=1 scripts/test-cluster.sh SERVER_BINARY   # start it all and wait
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
server_bin=${1:?usage: scripts/test-cluster.sh SERVER_BINARY}
say() { printf '\033[1m[cluster]\033[0m %s\n' "$*" >&2; }

command -v nginx >/dev/null || PATH="$PATH:/usr/sbin"
command -v nginx >/dev/null || { echo "nginx is missing (scripts/setup.sh --test installs it)" >&2; exit 1; }

admin_url=$(scripts/test-postgres.sh)
db="mr_cluster_$$"
$as_root su postgres -c "psql -qtAX -c 'CREATE DATABASE $db OWNER meetings_test'" >/dev/null
database_url="${admin_url%/*}/$db"

work=$(mktemp -d)
# nginx workers run as an unprivileged user: they must reach their temp dirs.
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  $as_root su postgres -c "psql -qtAX -c 'DROP DATABASE IF EXISTS $db'" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port_a=$(free_port); port_b=$(free_port); port_proxy=$(free_port)

# Both instances start at the same moment on the fresh database.
for port in "$port_a" "$port_b"; do
  APP_ENV=test APP_DEMO=true APP_TRUST_PROXY=true APP_AUTH_RATE_PER_MINUTE=10000 APP_REQUESTS_PER_PAIR_PER_DAY=0 \
    DATABASE_URL="$database_url" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-warn}" \
    "$server_bin" >"$work/instance-$port.log" 2>&1 &
  pids+=($!)
done

# The deploy configuration, pointed at these two instances and this port.
sed -e "s/127.0.0.1:8081/127.0.0.1:$port_a/" -e "s/127.0.0.1:8082/127.0.0.1:$port_b/" \
    -e "s/listen 8080;/listen 127.0.0.1:$port_proxy;/" deploy/nginx.conf >"$work/carebridge.conf"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    # For the test only: which instance answered.
    add_header X-Upstream \$upstream_addr always;
    include $work/carebridge.conf;
}
CONF
nginx -p "$work" -c "$work/nginx.conf"

for port in "$port_a" "$port_b" "$port_proxy"; do
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
say "instances on :$port_a and :$port_b, nginx on :$port_proxy"
if [ -n "${CLUSTER_HOLD:-}" ]; then
  say "holding: http://127.0.0.1:$port_proxy (Ctrl-C to stop)"
  sleep infinity
fi
status=0
(cd end2end && E2E_BASE_URL="http://127.0.0.1:$port_proxy" npx playwright test --config playwright.cluster.config.ts) || status=$?
if [ "$status" -ne 0 ]; then
  for log in "$work"/instance-*.log "$work/nginx-error.log"; do
    echo "--- $log" >&2; tail -n 30 "$log" >&2 || true
  done
fi
exit "$status"
