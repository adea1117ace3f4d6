#!/usr/bin/env bash
# A copy of pkg/ (built by `npm run build`) whose Node engine keeps its Rust
# function names, for bench/PROFILE-save-paths.md: the same cargo output and
# the same wasm-opt passes as scripts/build.sh, plus -g (keep the name
# section), then wasm-bindgen --keep-debug. Usage: bash build-named.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build-named.sh OUT_DIR}
cd "$(dirname "$0")/../.."
[ -f pkg/node.mjs ] || npm run build
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
wasm="$target_dir/wasm32-unknown-unknown/release/skilift.wasm"
rm -rf "$out" && mkdir -p "$out/bg" && cp -r pkg "$out/pkg"
wasm-opt -Oz --converge -g --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue "$wasm" -o "$out/named.wasm"
wasm-bindgen --keep-debug --target nodejs --out-dir "$out/bg" --out-name skilift "$out/named.wasm"
cp "$out/bg/skilift_bg.wasm" "$out/bg/skilift.js" "$out/pkg/cjs/wasm/"
echo "$out/pkg"
