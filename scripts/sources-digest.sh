#!/usr/bin/env bash
# One line per source file the package is built from (sha256 and path,
# sorted): scripts/build.sh writes it to pkg/.sources, and the packaging
# test (tests/package/run.sh) compares it with the tree it runs in, to warn
# when pkg/ was built from other sources. A digest, not a comparison of
# files: the build does not copy js/ as is (pkg/esm is minified, pkg/cjs
# converted), so comparing js/ with pkg/ would always differ.
#   bash scripts/sources-digest.sh [ROOT]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
find js src studio pkg-template Cargo.toml Cargo.lock scripts/build.sh scripts/embed-wasm.mjs \
  scripts/minify-esm.mjs scripts/esm-to-cjs.mjs -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum
