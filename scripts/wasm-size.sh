#!/usr/bin/env bash
# Builds the release WebAssembly as it is shipped (scripts/build-release.sh
# --frontend-only: the standard library compiled for size, wasm-opt -Oz,
# content-hashed, brotli and gzip copies) and checks what a browser
# downloads against the budget. Run by scripts/test.sh.
#
# SPEC 14 asks for at most 250,000 bytes compressed; the build is not there
# yet (see BENCHMARKS.md, "First load"). Until it is, the budget here guards
# against growth: a change that makes the download bigger than this fails.
#
#   scripts/wasm-size.sh
#   WASM_BUDGET_BYTES=250000 scripts/wasm-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
budget=${WASM_BUDGET_BYTES:-265000}

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
