#!/usr/bin/env bash
# `npm test`: every test layer. Each layer installs what it needs,
# idempotently, so this is all a fresh machine needs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== dev dependencies: npm install"
npm install --no-audit --no-fund --loglevel=error

echo "== engine: cargo clippy --all-targets, warnings as errors"
if command -v rustup >/dev/null 2>&1; then rustup component add clippy >/dev/null 2>&1 || true; fi
cargo clippy --all-targets -- -D warnings

# The `checked` profile (Cargo.toml) is release with debug assertions: the
# engine's invariants are asserted in every engine test and the simulation.
echo "== engine: cargo test --profile checked (unit, property, simulation; invariants asserted)"
cargo test --profile checked

# The npm package: build pkg/ (installs the wasm toolchain on a fresh
# machine), then run the Node tests against the built package.
# --test-force-exit: a failing test that leaves a session running must fail,
# not hang CI; that stopped sessions leave no timers is tested on its own in
# tests/node/exit.test.mjs with a child process.
echo "== package: npm run build"
bash scripts/build.sh
echo "== bindings: cargo clippy for wasm32, warnings as errors"
cargo clippy --target wasm32-unknown-unknown -- -D warnings

echo "== postgres: start a local server for the PostgresBackend tests"
SKILIFT_PG_URL=$(bash scripts/start-postgres.sh)
export SKILIFT_PG_URL

echo "== redis: start a standalone server and a cluster (3 masters, 1 replica each) for the RedisBackend tests"
eval "$(bash scripts/start-redis.sh)"
export SKILIFT_REDIS_URL SKILIFT_REDIS_CLUSTER SKILIFT_REDIS_DIR
trap 'bash scripts/start-redis.sh stop' EXIT

echo "== node: API, backends (conformance on all Node backends, HTTP, PostgreSQL, Redis, crash and stress tests)"
node --test --test-timeout=180000 --test-force-exit \
  tests/node/ tests/conformance/ tests/backends/

# The example has its own dependencies (Colyseus 0.16, colyseus.js; skilift
# from pkg/, built above); npm install is idempotent and fetches nothing when
# they are up to date.
echo "== colyseus: the example's game servers on FsBackend and PostgreSQL, colyseus.js players, a SIGKILL, audited to the coin"
(cd examples/colyseus && npm install --no-audit --no-fund --loglevel=error --prefer-offline)
node --test --test-timeout=300000 --test-force-exit examples/colyseus/test/

echo "== stress: the campaigns, short (npm run stress runs them at full size)"
node tests/stress/run.mjs --short

echo "== package: npm pack, install into a fresh project, use from CommonJS, ESM and TypeScript (tsc --strict)"
bash tests/package/run.sh
echo "== package: Vite, webpack, esbuild, Rollup at their defaults in headless Chromium; Bun and Deno"; bash tests/package/bundlers.sh

echo "== wasm: wasm-bindgen tests of the bindings (wasm-pack test --node, --headless --chrome)"
bash scripts/test-wasm.sh

echo "== browser: headless Chromium (IndexedDB, two tabs, the engine, FetchBackend across origins)"
bash scripts/setup-browser.sh
node tests/browser/run.mjs
node tests/browser/preview.test.mjs
echo "== browser: skilift studio (a real studio process on FsBackend, PostgreSQL, the Redis Cluster, createHandler; refusals; at scale)"
node --test --test-timeout=300000 --test-force-exit --test-concurrency=1 \
  tests/browser/studio.test.mjs tests/browser/studio-http.test.mjs tests/browser/studio-scale.test.mjs

echo "== demo: the simulated game backend, short run (exits non-zero if its audit fails)"
SKILIFT_DEMO_SHORT=1 bash scripts/demo.sh
echo "== demo: the same on PostgreSQL and on the Redis Cluster (--backend postgres, --backend redis)"
SKILIFT_DEMO_SHORT=1 bash scripts/demo.sh --backend postgres
SKILIFT_DEMO_SHORT=1 bash scripts/demo.sh --backend redis
echo "== demo: the same on one SQLite database file (--backend sqlite)"
SKILIFT_DEMO_SHORT=1 bash scripts/demo.sh --backend sqlite
