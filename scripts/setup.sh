#!/usr/bin/env bash
# Installs what building and testing need, and only what is missing:
# the pinned Rust toolchain with the wasm32 target, cargo-leptos, the
# wasm-bindgen CLI of exactly the version in Cargo.lock, wasm-opt (npm
# binaryen), and with --test Debian's Chromium and nginx and the end2end npm
# packages.
# Tools go to $MEETINGS_TOOLS_DIR (default ~/.cache/meeting-requests/tools),
# outside the clone, so later runs reuse them.
#
#   scripts/setup.sh          build tools
#   scripts/setup.sh --test   build tools + browser test tools
#
# Source scripts/env.sh afterwards to get them on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }
source scripts/lib.sh

command -v rustup >/dev/null || die "rustup is required (https://rustup.rs), then run this again."
command -v node >/dev/null || die "Node.js (18 or newer) is required, then run this again."
command -v npm >/dev/null || die "npm is required (it comes with Node.js)."
# C code in the server's dependencies: SQLite (a C compiler) and jemalloc
# (also make).
command -v cc >/dev/null || die "a C compiler is required (Debian: apt-get install build-essential)."
command -v make >/dev/null || apt_install make "it builds jemalloc"

toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$toolchain"; then
  say "installing Rust $toolchain (minimal, with rustfmt, clippy, rust-src, wasm32)"
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy,rust-src --target wasm32-unknown-unknown
fi
if ! rustup target list --installed --toolchain "$toolchain" | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
fi
# rust-src: the release WebAssembly compiles the standard library again for
# size (scripts/build-release.sh).
for component in rustfmt clippy rust-src; do
  if ! rustup component list --installed --toolchain "$toolchain" | grep -q "^$component"; then
    say "adding $component"
    rustup component add "$component" --toolchain "$toolchain"
  fi
done

mkdir -p "$MEETINGS_TOOLS_DIR"
leptos_version=0.3.11
if [ "$("$MEETINGS_TOOLS_DIR/bin/cargo-leptos" --version 2>/dev/null || true)" != "cargo-leptos $leptos_version" ]; then
  say "building cargo-leptos $leptos_version (about 10 minutes on 2 cores, once)"
  cargo +"$toolchain" install cargo-leptos --locked --version "$leptos_version" \
    --features no_downloads --root "$MEETINGS_TOOLS_DIR"
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || die "could not read the wasm-bindgen version from Cargo.lock"
if [ "$("$MEETINGS_TOOLS_DIR/bin/wasm-bindgen" --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  say "building wasm-bindgen-cli $bindgen_version (the version in Cargo.lock)"
  cargo +"$toolchain" install wasm-bindgen-cli --version "$bindgen_version" --force --root "$MEETINGS_TOOLS_DIR"
fi

binaryen_version=132
if ! "$MEETINGS_TOOLS_DIR/binaryen/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $binaryen_version"; then
  say "installing wasm-opt (npm binaryen@$binaryen_version)"
  mkdir -p "$MEETINGS_TOOLS_DIR/binaryen"
  (cd "$MEETINGS_TOOLS_DIR/binaryen" && npm install --no-audit --no-fund --silent "binaryen@$binaryen_version")
fi

if $want_tests; then
  [ -x /usr/bin/chromium ] || apt_install chromium "the browser tests, at /usr/bin/chromium"
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    # RUNLEVEL=1: installed without starting it as a service.
    RUNLEVEL=1 apt_install nginx "the several-instances test; not started as a service"
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the end2end npm packages"
    (cd end2end && npm ci --no-audit --no-fund --silent)
  fi
fi
say "tools ready"
