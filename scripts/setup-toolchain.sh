#!/usr/bin/env bash
# Installs what the WebAssembly build needs, idempotently: each piece is
# skipped when it is already there at the right version (see TOOLCHAIN notes
# in ARCHITECTURE.md). Safe to run on every build.
#
#   wasm32 target     rustup target add (seconds)
#   wasm-bindgen CLI  cargo install at exactly the wasm-bindgen version in
#                     Cargo.lock (about 3 minutes the first time). Not
#                     --locked: one of its locked dependencies is newer than
#                     the registry these machines reach.
#   wasm-opt          Debian package binaryen, only if missing and apt is
#                     there; optional (the build skips optimisation without it)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

locked_version() {
  awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock 2>/dev/null || true
}
version=$(locked_version)
if [ -z "$version" ]; then
  # No lock entry yet (fresh checkout without Cargo.lock): let cargo resolve it.
  cargo metadata --format-version 1 >/dev/null
  version=$(locked_version)
fi
if [ -z "$version" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi

installed=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$installed" != "$version" ]; then
  echo "setup: installing wasm-bindgen-cli $version (found: ${installed:-none}); takes a few minutes"
  cargo install wasm-bindgen-cli --version "$version" --force
fi

if ! command -v wasm-opt >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing binaryen for wasm-opt (optional)"
  apt-get install -y binaryen >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y binaryen >/dev/null 2>&1; } ||
    echo "setup: binaryen not installed; the build will skip wasm-opt"
fi

# wasm-pack, only when asked (`setup-toolchain.sh --wasm-pack`, used by
# scripts/test-wasm.sh): the build does not need it. A few minutes the first
# time (10 min measured on 2 cores busy with other builds). It downloads nothing when
# `wasm-bindgen` at the locked version and `chromedriver` are on PATH
# (installed above and by scripts/setup-browser.sh); test-wasm.sh also runs it
# with `--mode no-install`, so a missing piece fails instead of downloading.
wasm_pack_version=0.15.1
if [ "${1:-}" = "--wasm-pack" ]; then
  installed=$(wasm-pack --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$installed" != "$wasm_pack_version" ]; then
    echo "setup: installing wasm-pack $wasm_pack_version (found: ${installed:-none}); takes a few minutes"
    cargo install wasm-pack --version "$wasm_pack_version" --force
  fi
fi
