#!/usr/bin/env bash
# The package in the bundlers and runtimes people use, at their defaults:
# `npm pack` the built package (pkg/), install the tarball into a fresh temp
# project with the tools pinned in tests/package/bundlers/package-lock.json,
# then
#   - build app/index.js (imports skilift and skilift/indexeddb) with
#       vite build                        no config file
#       webpack                           no config file (webpack-cli)
#       esbuild --bundle --outfile=...    nothing else
#       rollup -p node-resolve -o ...     the one plugin every Rollup user
#                                         needs to import from node_modules
#     and load each page in headless Chromium over HTTP (bundlers/browser.mjs:
#     a patch saved through IndexedDB, read back by a second Store), and
#     print what each page downloads, gzipped (bundlers/sizes.mjs: over
#     110 KB fails);
#   - run bundlers/runtimes.mjs under Bun and Deno (MemoryBackend, FsBackend),
#     both installed from their npm packages.
# Prints `bundlers: N passed, N failed` last; exits non-zero on any failure.
# SKILIFT_PKG_DIR=dir tests another build of the package.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/tests/package/bundlers
pkg=${SKILIFT_PKG_DIR:-$root/pkg}
started=$SECONDS

if [ ! -f "$pkg/package.json" ]; then
  echo "bundlers: $pkg is not built; running scripts/build.sh"
  bash scripts/build.sh || { echo "bundlers: 0 passed, 1 failed"; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/skilift-bundlers-XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/results.log
: > "$log"

label=bundlers
# shellcheck source=tests/package/step.sh
source "$root/tests/package/step.sh"

project=$work/project
pages=$work/pages
mkdir -p "$project/src" "$pages"
cp "$here/package.json" "$here/package-lock.json" "$here/runtimes.mjs" "$project/"
cp "$here/app/index.js" "$project/src/index.js"
cp "$here/app/index.html" "$project/index.html"

echo "== bundlers: npm pack $pkg, npm ci the pinned tools, npm install the tarball"
install() {
  npm pack "$pkg" --pack-destination "$work" --json --loglevel=error > "$work/pack.json" || return 1
  local tarball
  tarball=$work/$(node -e 'console.log(require(process.argv[1])[0].filename)' "$work/pack.json") &&
    cd "$project" &&
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error &&
    npm install --offline --no-save --no-audit --no-fund --loglevel=error "$tarball" &&
    echo "ok npm install $(basename "$tarball") with the pinned tools"
}
step "install" install

# build NAME HTML COMMAND...: builds the page in the project, moves what it
# wrote (dist/) to $pages/NAME, with HTML as its page when the
# bundler writes none.
build() {
  local name=$1 html=$2
  shift 2
  ( cd "$project" && rm -rf dist && "$@" ) || { echo "FAIL $name build: $*"; return 1; }
  mv "$project/dist" "$pages/$name" &&
    { [ "$html" = "-" ] || cp "$here/app/$html" "$pages/$name/index.html"; } &&
    echo "ok $name build: $* ($(du -b "$pages/$name" --max-depth=0 | cut -f1) bytes in dist/)"
}

built=()
echo "== bundlers: vite build (no config)"
step "vite" build vite - npx --no-install vite build && built+=(vite)
echo "== bundlers: webpack (no config)"
step "webpack" build webpack classic.html npx --no-install webpack && built+=(webpack)
echo "== bundlers: esbuild --bundle"
step "esbuild" build esbuild classic.html npx --no-install esbuild src/index.js --bundle --outfile=dist/main.js &&
  built+=(esbuild)
echo "== bundlers: rollup -p node-resolve"
step "rollup" build rollup module.html npx --no-install rollup src/index.js -p node-resolve -o dist/main.js &&
  built+=(rollup)

echo "== bundlers: what each page downloads, gzipped (at most 110 KB: JS and wasm together)"
if [ ${#built[@]} -gt 0 ]; then
  step "sizes" node "$here/sizes.mjs" "$pages" "${built[@]}"
fi

echo "== bundlers: the built pages in headless Chromium"
# npm test runs this before its browser layer, so install Chromium here
# (idempotent; a no-op when it is there).
step "setup-browser" bash scripts/setup-browser.sh
if [ ${#built[@]} -gt 0 ]; then
  step "chromium" timeout 300 node "$here/browser.mjs" "$pages" "${built[@]}"
fi

echo "== bundlers: Bun and Deno (MemoryBackend, FsBackend)"
cd "$project" || exit 1
step "bun" timeout 120 ./node_modules/.bin/bun runtimes.mjs
DENO_NO_UPDATE_CHECK=1 step "deno" timeout 120 ./node_modules/.bin/deno run --allow-all --no-lock runtimes.mjs

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^FAIL ' "$log")
echo "bundlers: took $((SECONDS - started))s"
echo "bundlers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
