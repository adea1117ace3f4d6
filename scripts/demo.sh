#!/usr/bin/env bash
# `npm run demo`: builds the package if pkg/ is missing (scripts/build.sh
# installs its own toolchain), then runs the simulated game backend of
# demo/. Arguments go to demo/coordinator.mjs: --short (or
# SKILIFT_DEMO_SHORT=1) for the ~20 s version, --seed N to repeat a run,
# --backend fs|postgres|redis|sqlite for where the data lives (fs by default).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f pkg/node.mjs ] || [ ! -f pkg/cjs/backends/fs/index.cjs ]; then
  echo "demo: pkg/ is missing; building the package first (npm run build)"
  bash scripts/build.sh
fi
exec node demo/coordinator.mjs "$@"
