#!/usr/bin/env bash
# `npm run stress`: the stress campaigns at full size (tests/stress/run.mjs),
# one line of figures each; exits non-zero if any campaign finds a failure.
# Builds the package first if it is missing (the campaigns use pkg/).
#   npm run stress -- fs-kill http-hostile   only these campaigns
#   npm run stress -- --short                the short versions npm test runs
#   SKILIFT_STRESS_SEED=n npm run stress     replay the seeded parts of a run
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg/node.mjs ] || bash scripts/build.sh
node tests/stress/run.mjs "$@"
