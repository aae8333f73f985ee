#!/usr/bin/env bash
# First-load measurement (SPEC 14): Lighthouse 12.2.3 in mobile mode
# (simulated slow 4G, a mid-range phone) three times per page against the
# release build, logged out and as each role. Prints the median scores and
# LCP as a Markdown table for BENCHMARKS.md. A measurement, not a test.
#
#   scripts/build-release.sh && scripts/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
say() { printf '\033[1m[lighthouse]\033[0m %s\n' "$*" >&2; }

version=12.2.3
dir="$MEETINGS_TOOLS_DIR/lighthouse-$version"
if [ ! -x "$dir/node_modules/.bin/lighthouse" ]; then
  say "installing lighthouse $version"
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --silent "lighthouse@$version")
fi
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
server="$target_dir/release/meeting-requests"
[ -x "$server" ] || { echo "build first: scripts/build-release.sh" >&2; exit 1; }

work=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"
APP_ENV=test APP_DEMO=true DATABASE_URL="sqlite://$work/lh.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  RUST_LOG=warn "$server" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

cookie_of() {
  curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"password123\"}" "$base/api/auth/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(session=[0-9a-f]*\).*/\1/p'
}
patient=$(cookie_of patient@test.com)
researcher=$(cookie_of researcher@test.com)

run() { # name path cookie
  local name=$1 path=$2 cookie=$3 i headers
  for i in 1 2 3; do
    node scripts/lighthouse-run.mjs "$dir" "$base$path" "$cookie" "$work/$name-$i.json" >/dev/null 2>&1
  done
  node -e '
    const fs = require("fs");
    const [name, path, dir] = process.argv.slice(1);
    const runs = [1, 2, 3].map(i => JSON.parse(fs.readFileSync(`${dir}/${name}-${i}.json`)));
    const median = xs => xs.sort((a, b) => a - b)[1];
    const score = c => median(runs.map(r => Math.round(r.categories[c].score * 100)));
    const lcp = median(runs.map(r => r.audits["largest-contentful-paint"].numericValue)) / 1000;
    const tbt = median(runs.map(r => r.audits["total-blocking-time"].numericValue));
    const cls = median(runs.map(r => r.audits["cumulative-layout-shift"].numericValue));
    console.log(`| ${path} (${name}) | ${score("performance")} | ${lcp.toFixed(2)} s | ${Math.round(tbt)} ms | ${cls.toFixed(3)} | ${score("accessibility")} | ${score("best-practices")} | ${score("seo")} |`);
  ' "$name" "$path" "$work"
}

say "3 runs per page, mobile, $(date -u +%F)"
echo "| page | performance | LCP | TBT | CLS | accessibility | best practices | SEO |"
echo "|---|---|---|---|---|---|---|---|"
run anonymous /login ""
run patient /experts "$patient"
run patient /dashboard/patient "$patient"
run researcher /dashboard/researcher "$researcher"
