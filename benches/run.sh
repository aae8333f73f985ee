#!/usr/bin/env bash
# Runs the closed-loop cycle benchmark (benches/cycles.rs) in one go against
# the project (release build, fresh SQLite, synchronous=FULL), the two peers
# of the same contract (FastAPI and Node, from the team's shared folder),
# and two project instances on one PostgreSQL database (patients on one,
# researchers on the other), at 1, 10 and 50 pairs, then the memory of 1,000
# idle sockets on each single server. Prints one line per run; BENCHMARKS.md
# holds the figures and their ratios.
#
#   benches/run.sh                      everything
#   SECONDS_PER_RUN=8 PAIRS="10 50" benches/run.sh
#
# The peers: PEER_FASTAPI_DIR (default ../shared/bench-peer, needs
# `pip install fastapi uvicorn argon2-cffi websockets`) and PEER_NODE_DIR (a
# copy of ../shared/bench-peer-node where `npm ci` has run). A peer that is
# not there is skipped. The Node peer also runs as shipped but with
# `synchronous = FULL` (one line of its server.js, in a copy made here): the
# project's own setting, which the issue's bar at 1 pair names.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/lib.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
seconds=${SECONDS_PER_RUN:-8}
pairs_list=${PAIRS:-"1 10 50"}
fastapi_dir=${PEER_FASTAPI_DIR:-../shared/bench-peer}
node_dir=${PEER_NODE_DIR:-../shared/bench-peer-node}
ulimit -n 20000 2>/dev/null || true

# The server as `cargo leptos build --release` builds it (Cargo.toml sets
# always-erase-components), so both share their compiled dependencies.
RUSTFLAGS="--cfg erase_components" cargo build --release --features ssr --bin meeting-requests --bench cycles >&2
bench=$(ls -t "$CARGO_TARGET_DIR"/release/deps/cycles-* | grep -v '\.d$' | head -1)
server="$CARGO_TARGET_DIR/release/meeting-requests"

pids=()
node_full_dir=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -z "$node_full_dir" ] || rm -rf "$node_full_dir"
}
trap cleanup EXIT
if [ -d "$node_dir/node_modules/better-sqlite3" ]; then
  node_full_dir=$(mktemp -d)
  cp "$node_dir"/server.js "$node_dir"/start.sh "$node_dir"/package.json "$node_full_dir"/
  ln -s "$(cd "$node_dir" && pwd)/node_modules" "$node_full_dir/node_modules"
  sed -i "s/db.pragma('synchronous = NORMAL');/db.pragma('synchronous = FULL');/" "$node_full_dir/server.js"
  grep -q "synchronous = FULL" "$node_full_dir/server.js" || { echo "could not switch the Node peer to synchronous = FULL" >&2; exit 1; }
fi
# The peers read their limits from the environment: lift them for the load.
export APP_REQUESTS_PER_PAIR_PER_DAY=0 APP_AUTH_RATE_PER_MINUTE=100000

start_peer() { # dir -> "port pid"
  local out
  out=$("$1/start.sh") || return 1
  set -- $out
  pids+=("$2")
  echo "$1 $2"
}

for pairs in $pairs_list; do
  "$bench" --server "$server" --pairs "$pairs" --seconds "$seconds" --label project
  if [ -x "$fastapi_dir/start.sh" ] && read -r port pid < <(start_peer "$fastapi_dir"); then
    "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --pairs "$pairs" --seconds "$seconds" --label fastapi
    kill "$pid"
  fi
  if [ -d "$node_dir/node_modules/better-sqlite3" ] && read -r port pid < <(start_peer "$node_dir"); then
    "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --pairs "$pairs" --seconds "$seconds" --label node
    kill "$pid"
  fi
  if [ -n "$node_full_dir" ] && read -r port pid < <(start_peer "$node_full_dir"); then
    "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --pairs "$pairs" --seconds "$seconds" --label "node, synchronous=FULL"
    kill "$pid"
  fi
done

# Memory per idle socket: 1,000 sockets, 10 per account.
"$bench" --server "$server" --pairs 1 --seconds 1 --idle 1000 --label project
if [ -x "$fastapi_dir/start.sh" ] && read -r port pid < <(start_peer "$fastapi_dir"); then
  "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --pairs 1 --seconds 1 --idle 1000 --label fastapi
  kill "$pid"
fi
if [ -d "$node_dir/node_modules/better-sqlite3" ] && read -r port pid < <(start_peer "$node_dir"); then
  "$bench" --url "http://127.0.0.1:$port" --pid "$pid" --pairs 1 --seconds 1 --idle 1000 --label node
  kill "$pid"
fi

# Two instances on one PostgreSQL database: patients on A, researchers on B.
admin_url=$(scripts/test-postgres.sh)
db="mr_bench_$$"
$as_root su postgres -c "psql -qtAX -c 'CREATE DATABASE $db OWNER meetings_test'" >/dev/null
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port_a=$(free_port); port_b=$(free_port)
for port in "$port_a" "$port_b"; do
  APP_ENV=test DATABASE_URL="${admin_url%/*}/$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn "$server" &
  pids+=($!)
done
sleep 3
"$bench" --url "http://127.0.0.1:$port_a" --researcher-url "http://127.0.0.1:$port_b" --pairs 10 --seconds "$seconds" --label "project, 2 instances on PostgreSQL"
# The instances go before their database does.
cleanup
pids=()
sleep 1
$as_root su postgres -c "psql -qtAX -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'" >/dev/null 2>&1 || true
