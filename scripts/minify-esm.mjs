// Minifies the browser build (pkg/esm) in place: whitespace and comments
// out, syntax shortened, names kept (stack traces and the wasm glue's
// imports still read), each file with a linked source map that carries the
// original source. Only pkg/esm: Node runs pkg/cjs, unminified.
//
//   node scripts/minify-esm.mjs pkg/esm
//
// Why: a page that imports `skilift` and `skilift/indexeddb` downloads this
// code as it is when its bundler does not minify (esbuild and Rollup at their
// defaults). js/ is commented for its readers, and those comments were 7 KB
// of the 114 KB gzipped that Rollup put in such a page; the limit is 110 KB
// (tests/package/bundlers/sizes.mjs). Whitespace and syntax minification
// take the page to about 100 KB in every bundler; renaming identifiers too
// would save 2 KB more and cost every stack trace its names.
//
// esbuild, not a hand-written comment stripper: it parses the code, so a
// "//" inside a string or a regular expression is never taken for a comment.

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { transformSync } from "esbuild";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/minify-esm.mjs DIR");
  process.exit(2);
}

function jsFiles(d) {
  return readdirSync(d).flatMap((f) => {
    const path = join(d, f);
    return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith(".js") ? [path] : [];
  });
}

let before = 0;
let after = 0;
for (const file of jsFiles(dir)) {
  // The embedded engine is one string literal and its decoder call:
  // nothing to gain, and 100 KB to parse.
  if (file.endsWith("skilift_bytes.js")) continue;
  const source = readFileSync(file, "utf8");
  const name = relative(dir, file);
  const out = transformSync(source, {
    format: "esm",
    target: "esnext", // no lowering: the code runs as written
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    sourcemap: "external",
    sourcefile: name,
    sourcesContent: true,
  });
  const base = name.split("/").pop();
  writeFileSync(file, `${out.code}//# sourceMappingURL=${base}.map\n`);
  writeFileSync(`${file}.map`, out.map);
  before += source.length;
  after += out.code.length;
}
console.log(`minify-esm: ${dir} ${before} -> ${after} bytes of JS (source maps beside each file)`);
