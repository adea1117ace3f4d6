#!/usr/bin/env bash
# `npm run bench`: builds the package if needed, then compares it with plain
# JavaScript (bench/run.mjs prints ratios and the wasm size).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/node.mjs ] || bash scripts/build.sh
node bench/run.mjs
