#!/usr/bin/env bash
# Builds the npm package into pkg/ (npm run build):
#   1. toolchain (scripts/setup-toolchain.sh, idempotent)
#   2. cargo build for wasm32 twice (profiles `release` for Node, `browser`
#      for the page), then wasm-bindgen: `nodejs` (CommonJS,
#      synchronous instantiation: Node's require and import) and `web`
#      (ES module: browsers and bundlers), whose wasm is then embedded in
#      pkg/esm/wasm/skilift_bytes.js (scripts/embed-wasm.mjs) and
#      instantiated synchronously by js/host/engine.js: no .wasm file and no
#      top-level await, so bundlers need no plugin and no config
#   3. wasm-opt -Oz when available (before wasm-bindgen; see below)
#   4. js/ as ES modules (pkg/esm, minified with source maps: the browser
#      build) and as CommonJS (pkg/cjs), keeping its
#      folders, the types, and pkg-template/ (package.json with the exports
#      map, README)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-toolchain.sh

target_dir=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

# Two builds of the same engine: `release` (opt-level "s") for Node, where
# the engine's speed is a server's throughput, and `browser` (opt-level "z",
# Cargo.toml) for the page, where the download is what the user waits for:
# 5 KB less of gzipped page for an engine that does the JSON work in JS
# either way (bench/PROFILE-save-paths.md,
# "The browser engine: built for size (2026-12-06)").
cargo build --target wasm32-unknown-unknown --release
cargo build --target wasm32-unknown-unknown --profile browser

# wasm-opt runs on cargo's output, before wasm-bindgen: binaryen 108 (the
# Debian version) misnumbers the externref table that wasm-bindgen adds (its
# export ends up pointing at the function table, and the module fails to
# instantiate), while the input still has a single table. wasm-bindgen
# interprets its descriptor functions from the optimised module; if it ever
# cannot, the build falls back to the unoptimised one.
# optimise PROFILE: prints the path of the module to hand to wasm-bindgen.
optimise() {
  local wasm="$target_dir/wasm32-unknown-unknown/$1/skilift.wasm"
  local optimised="$target_dir/wasm32-unknown-unknown/$1/skilift.opt.wasm"
  if ! command -v wasm-opt >/dev/null 2>&1; then
    echo "build: wasm-opt not found; the wasm is not size-optimised" >&2
    echo "$wasm"
    return
  fi
  # The features rustc enables by default for wasm32-unknown-unknown.
  local features="--enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int
    --enable-sign-ext --enable-reference-types --enable-multivalue"
  # --converge: run the passes again until the module stops shrinking
  # (about 230 bytes gzipped).
  # shellcheck disable=SC2086
  if wasm-opt -Oz --converge $features "$wasm" -o "$optimised" >&2; then
    echo "$optimised"
  else
    echo "build: wasm-opt failed on the $1 build; continuing without it" >&2
    echo "$wasm"
  fi
}

# bindgen TARGET OUT_DIR PROFILE: wasm-bindgen of the optimised module, or
# of cargo's own output if wasm-bindgen refuses the optimised one.
bindgen() {
  local target=$1 out=$2 profile=$3 input
  input=$(optimise "$profile")
  local flags=(--target "$target" --out-dir "$out" --out-name skilift)
  # --omit-default-module-path drops the web glue's `new URL("skilift_bg.wasm",
  # import.meta.url)`, which webpack and Vite would otherwise copy as an
  # asset nobody loads.
  [ "$target" = web ] && flags+=(--omit-default-module-path)
  wasm-bindgen "${flags[@]}" "$input" && return
  local plain="$target_dir/wasm32-unknown-unknown/$profile/skilift.wasm"
  [ "$input" != "$plain" ] || return 1
  echo "build: wasm-bindgen refused the optimised $profile module; using the unoptimised one"
  wasm-bindgen "${flags[@]}" "$plain"
}
rm -rf pkg
mkdir -p pkg/cjs/wasm pkg/esm/wasm
bindgen nodejs pkg/cjs/wasm release
bindgen web pkg/esm/wasm browser

# The browser build's wasm as a JS module.
node scripts/embed-wasm.mjs pkg/esm/wasm/skilift_bg.wasm pkg/esm/wasm/skilift_bytes.js
rm pkg/esm/wasm/skilift_bg.wasm

# js/ is copied tree for tree: pkg/esm/<path>.js as written, pkg/cjs/<path>.cjs
# converted, and the types at pkg/<path>.d.ts (one copy for both builds). The
# exports map in pkg-template/package.json names each entry point's files.
js_files=$(cd js && find . -name '*.js' | sed 's|^\./||' | sort)
for f in $js_files; do
  mkdir -p "pkg/esm/$(dirname "$f")"
  cp "js/$f" "pkg/esm/$f"
done
echo '{ "type": "module" }' > pkg/esm/package.json
# The browser build minified (names kept, source maps beside): see
# scripts/minify-esm.mjs for why. esbuild is a dev dependency; `npm run demo`
# on a fresh machine builds before anything ran `npm install`.
[ -f node_modules/esbuild/package.json ] || npm install --no-audit --no-fund --loglevel=error
node scripts/minify-esm.mjs pkg/esm
# shellcheck disable=SC2046
node scripts/esm-to-cjs.mjs js pkg/cjs --provided=host/engine.js $(printf '%s\n' $js_files | grep -vx 'host/engine.js')
echo '{ "type": "commonjs" }' > pkg/cjs/package.json

# The engine loaders (js/host/): pkg/esm/host/engine.js (browsers and
# bundlers, copied above as is); for Node, engine.node.cjs takes its place
# as pkg/cjs/host/engine.cjs.
cp js/host/engine.node.cjs pkg/cjs/host/engine.cjs

# The inspector, the package's bin (`npx skilift inspect`): a shebang, executable.
cli=pkg/cjs/cli/main.cjs
{ echo '#!/usr/bin/env node'; cat "$cli"; } > "$cli.tmp"
mv "$cli.tmp" "$cli"
chmod +x "$cli"

# The studio's page (`skilift studio`, js/cli/studio/server.js serves it
# from pkg/studio): static files, no bundler, nothing fetched at run time.
mkdir -p pkg/studio
cp -R studio/. pkg/studio/
studio_raw=0 studio_gz=0
for f in $(find pkg/studio -type f | sort); do
  studio_raw=$((studio_raw + $(wc -c < "$f"))) studio_gz=$((studio_gz + $(gzip -9c "$f" | wc -c)))
done
echo "build: pkg/studio $studio_raw bytes, $studio_gz gzipped (the studio's page, each file gzipped)"

for f in $(cd js && find . -name '*.d.ts' | sed 's|^\./||'); do
  mkdir -p "pkg/$(dirname "$f")"
  cp "js/$f" "pkg/$f"
done
cp pkg-template/node.mjs pkg-template/README.md pkg/
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" pkg-template/package.json > pkg/package.json

for f in pkg/cjs/wasm/skilift_bg.wasm pkg/esm/wasm/skilift_bytes.js; do
  echo "build: $f $(wc -c < "$f") bytes, $(gzip -9c "$f" | wc -c) gzipped"
done

# What this pkg/ was built from, for the packaging test's staleness warning
# (not in the tarball: package.json's "files" leaves it out).
bash scripts/sources-digest.sh > pkg/.sources
