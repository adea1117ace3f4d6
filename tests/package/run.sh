#!/usr/bin/env bash
# The packaging test: `npm pack` the built package (pkg/, built by
# scripts/build.sh if missing), install the tarball into a fresh temp project,
# and use it as users do:
#   - exports.mjs   every file the exports map points at is in the tarball
#   - cjs.cjs       require("skilift") and require("skilift/<adapter>")
#   - esm.mjs       import { Store } from "skilift" and the adapters
#   - typecheck.mjs tsc --strict --noEmit on types.ts (with negative tests)
#                   under node16 (ESM and CommonJS) and bundler resolution,
#                   with typescript@5, @types/node and zod@4 (a Standard
#                   Schema validator for the inference tests) from npm
# Prints `package: N passed, N failed` last; exits non-zero on any failure.
# SKILIFT_PKG_DIR=dir tests another build of the package.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/tests/package
pkg=${SKILIFT_PKG_DIR:-$root/pkg}

if [ ! -f "$pkg/package.json" ]; then
  echo "package: $pkg is not built; running scripts/build.sh"
  bash scripts/build.sh || { echo "package: 0 passed, 1 failed"; exit 1; }
fi

# The package under test is the build as it is; say so when its sources have
# moved on since (scripts/build.sh wrote their digest to pkg/.sources).
if ! bash "$root/scripts/sources-digest.sh" "$root" | cmp -s - "$pkg/.sources"; then
  changed=$(bash "$root/scripts/sources-digest.sh" "$root" | diff - "$pkg/.sources" 2>/dev/null | awk '/^[<>]/ { print $3; exit }')
  echo "package: warning: $pkg was not built from the current sources (${changed:-no pkg/.sources}); npm run build to test them"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/skilift-package-XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/results.log
: > "$log"

label=package
# shellcheck source=tests/package/step.sh
source "$root/tests/package/step.sh"

echo "== package: npm pack $pkg"
pack() {
  npm pack "$pkg" --pack-destination "$work" --json --loglevel=error > "$work/pack.json" &&
    node "$here/exports.mjs" "$work/pack.json" "$pkg/package.json"
}
step "npm pack" pack
tarball=$work/$(node -e 'console.log(require(process.argv[1])[0].filename)' "$work/pack.json" 2>/dev/null)

project=$work/project
mkdir -p "$project/checks"
cp "$here"/*.cjs "$here"/*.mjs "$here"/*.ts "$project/checks/"
echo '{ "name": "skilift-package-test", "private": true, "version": "0.0.0" }' > "$project/package.json"

echo "== package: npm install the tarball (offline) and typescript@5"
install() {
  cd "$project" &&
    npm install --offline --no-audit --no-fund --loglevel=error "$tarball" &&
    echo "ok npm install --offline $(basename "$tarball")" &&
    npm install --prefer-offline --no-audit --no-fund --loglevel=error typescript@5 @types/node@20 zod@4 &&
    echo "ok npm install typescript@5 @types/node@20 zod@4 ($(node -p 'require("typescript/package.json").version'))"
}
step "npm install" install

cd "$project"
echo "== package: CommonJS (require)"
step "CommonJS" timeout 120 node checks/cjs.cjs
echo "== package: ES modules (import)"
step "ES modules" timeout 120 node checks/esm.mjs
echo "== package: TypeScript"
step "TypeScript" timeout 300 node checks/typecheck.mjs

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^FAIL ' "$log")
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
