#!/usr/bin/env bash
# Builds the release WebAssembly as it is shipped (scripts/build-release.sh
# --frontend-only: the standard library compiled for size, wasm-opt -Oz,
# content-hashed, brotli and gzip copies) and checks what a browser
# downloads against the budget. Run by scripts/test.sh.
#
# The budget is SPEC 14's: at most 250,000 bytes compressed, as a browser
# downloads it (brotli). A change that makes it bigger fails the tests.
#
#   scripts/wasm-size.sh
#   WASM_BUDGET_BYTES=240000 scripts/wasm-size.sh   a tighter budget, to try
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
budget=${WASM_BUDGET_BYTES:-250000}

scripts/build-release.sh --frontend-only >&2
site_pkg=target/site/pkg
wasm=$(ls "$site_pkg"/*.wasm | head -1)
[ -f "$wasm.br" ] && [ -f "$wasm.gz" ] || { echo "no precompressed copies of $wasm" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
br=$(stat -c %s "$wasm.br")
gz=$(stat -c %s "$wasm.gz")
printf 'WebAssembly %s: %s bytes, %s with gzip, %s with brotli (budget %s)\n' \
  "$(basename "$wasm")" "$raw" "$gz" "$br" "$budget"
if [ "$br" -gt "$budget" ]; then
  echo "the WebAssembly a browser downloads ($br bytes with brotli) is over the budget of $budget" >&2
  exit 1
fi
