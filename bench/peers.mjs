// The libraries the benchmark compares skilift with, pinned in
// bench/package.json (devDependencies of the benchmark, never of the
// package). Loaded from bench/node_modules by a require rooted here, so the
// package's own dependency tree never sees them.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function load(name) {
  try {
    return require(name);
  } catch (error) {
    throw new Error(`bench: cannot load ${name} (run \`npm ci --prefix bench\`): ${error.message}`);
  }
}

export const immer = load("immer");
export const mutative = load("mutative");
export const automerge = load("@automerge/automerge");

/** PouchDB on its in-memory adapter, with `upsert` (get, change, put with the read `_rev`: a compare-and-set). */
export const PouchDB = load("pouchdb-core").plugin(load("pouchdb-adapter-memory")).plugin(load("pouchdb-upsert"));

/**
 * The installed versions, printed in the report's header. Read from the
 * files, since some packages' export maps hide their package.json.
 */
export const versions = Object.fromEntries(
  ["immer", "mutative", "@automerge/automerge", "pouchdb-core", "pouchdb-adapter-memory", "pouchdb-upsert"].map((name) => [
    name,
    JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), "utf8")).version,
  ]),
);
