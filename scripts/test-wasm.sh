#!/usr/bin/env bash
# The wasm-bindgen tests of the binding layer (tests/wasm/ in Node,
# tests/wasm_browser.rs in headless Chromium), run the way users of the crate
# run them:
#
#   wasm-pack test --node
#   wasm-pack test --headless --chrome
#
# Installs what it needs first, idempotently: the wasm toolchain and wasm-pack
# (scripts/setup-toolchain.sh --wasm-pack), Debian's Chromium and chromedriver
# (scripts/setup-browser.sh). wasm-pack runs with `--mode no-install`: it uses
# the wasm-bindgen and chromedriver on PATH and fails rather than download.
#
# SKILIFT_WASM_RUNNER=cargo skips wasm-pack (and its install) and runs the
# same wasm-bindgen-test-runner through cargo directly:
#   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
#     cargo test --target wasm32-unknown-unknown --test wasm
#   ... WASM_BINDGEN_TEST_ONLY_WEB=1 ... --test wasm_browser
set -euo pipefail
cd "$(dirname "$0")/.."

runner=${SKILIFT_WASM_RUNNER:-wasm-pack}
start=$SECONDS
if [ "$runner" = cargo ]; then
  bash scripts/setup-toolchain.sh
else
  bash scripts/setup-toolchain.sh --wasm-pack
fi
if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1; then
  bash scripts/setup-browser.sh
fi
export CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)}
setup_s=$((SECONDS - start))

start=$SECONDS
echo "== wasm: Node"
if [ "$runner" = cargo ]; then
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner WASM_BINDGEN_TEST_ONLY_NODE=1 \
    cargo test --target wasm32-unknown-unknown --test wasm
else
  wasm-pack test --mode no-install --node
fi
node_s=$((SECONDS - start))

start=$SECONDS
echo "== wasm: headless Chromium ($CHROMEDRIVER)"
if [ "$runner" = cargo ]; then
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner WASM_BINDGEN_TEST_ONLY_WEB=1 \
    cargo test --target wasm32-unknown-unknown --test wasm_browser
else
  wasm-pack test --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER"
fi
chrome_s=$((SECONDS - start))

echo "test-wasm: setup ${setup_s}s, node ${node_s}s, chrome ${chrome_s}s (runner: $runner)"
