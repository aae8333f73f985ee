#!/usr/bin/env bash
# Builds the site as it is shipped: the release server (stripped) and the
# WebAssembly at its smallest, with brotli and gzip copies of every asset.
#
# The WebAssembly's standard library is compiled again for size, with panics
# that stop at once instead of formatting a message (`-Z build-std`,
# `-C panic=immediate-abort`, std's `optimize_for_size`): 300,605 bytes of
# brotli instead of 325,576. Those options are unstable in the pinned stable
# compiler; RUSTC_BOOTSTRAP=1 enables them for this build only, and they
# change only the WebAssembly (the release build already aborted on a panic
# without a message: `panic = "abort"` and no panic hook). The standard
# library's sources come with the toolchain (`rust-src` in
# rust-toolchain.toml).
#
# Two more unstable options, for the WebAssembly only: `-Z fmt-debug=none`
# (`{:?}` writes nothing: the client shows no Debug text to anyone, and the
# framework uses it only in server-side rendering and console diagnostics)
# and `-Z location-detail=none` (no source file names for panics that abort
# anyway): 7 KB less brotli.
#
#   scripts/build-release.sh                  server and WebAssembly
#   scripts/build-release.sh --frontend-only  the WebAssembly only
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
exec cargo leptos build --release --precompress \
  --lib-cargo-args=-Zbuild-std=std,panic_abort \
  --lib-cargo-args=-Zbuild-std-features=optimize_for_size \
  "$@"
