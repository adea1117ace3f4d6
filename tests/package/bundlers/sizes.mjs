// What each bundler put in the page, gzipped: every .js, .mjs and .wasm file
// of its output, each gzipped at level 9 (as scripts/build.sh reports the
// wasm), added up. Fails a bundler whose page downloads more than the limit
// (issue 26: skilift and skilift/indexeddb at most 110 KB gzipped, JS and
// wasm together).
//
//   node sizes.mjs PAGES_DIR NAME...

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const LIMIT = 110_000;
const [pages, ...names] = process.argv.slice(2);

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let failed = 0;
for (const name of names) {
  const shipped = files(join(pages, name)).filter((f) => /\.(m?js|wasm)$/.test(f));
  let raw = 0;
  let gzipped = 0;
  for (const f of shipped) {
    const bytes = readFileSync(f);
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  const line = `${name} page: ${shipped.length} file(s), ${raw} bytes, ${gzipped} gzipped (limit ${LIMIT})`;
  if (shipped.length === 0 || gzipped > LIMIT) {
    failed++;
    console.log(`FAIL size ${line}`);
  } else {
    console.log(`ok size ${line}`);
  }
}
process.exit(failed ? 1 : 0);
