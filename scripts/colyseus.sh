#!/usr/bin/env bash
# `npm run colyseus`: the Colyseus example (examples/colyseus) played: two
# game-server processes, players on real Colyseus clients, one process
# SIGKILLed, the stored data checked to the coin (exits non-zero if a check
# fails). Builds pkg/ first if it is missing, since the example takes
# skilift from it (`file:../../pkg`), then installs the example's own
# dependencies (idempotent: nothing is fetched when they are up to date).
# Arguments go to examples/colyseus/play.mjs: --seconds N, --seed N,
# --backend postgres (with SKILIFT_PG_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f pkg/node.mjs ] || [ ! -f pkg/cjs/backends/fs/index.cjs ]; then
  echo "colyseus: pkg/ is missing; building the package first (npm run build)"
  bash scripts/build.sh
fi
(cd examples/colyseus && npm install --no-audit --no-fund --loglevel=error --prefer-offline)
exec node examples/colyseus/play.mjs "$@"
