#!/usr/bin/env bash
# `npm run bench`: builds the package if needed, installs the benchmark's
# pinned peers (bench/package.json: devDependencies of the benchmark, never
# of the package), then runs bench/run.mjs with --expose-gc (the memory
# figures weigh the heap after a full collection).
#   SKILIFT_BENCH_QUICK=1    short rounds, small scale (development)
#   SKILIFT_BENCH_SCALE=...  scale sizes, default 10000,100000
#   SKILIFT_BENCH_LIMIT=...  seconds one scale size may take, default 300
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/node.mjs ] || bash scripts/build.sh
# npm ci only when bench/node_modules is missing or older than the lock
# file: a second run installs nothing and needs no network.
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  npm ci --prefix bench --no-audit --no-fund
fi
node --expose-gc bench/run.mjs "$@"
