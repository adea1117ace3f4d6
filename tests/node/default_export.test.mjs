// `import skilift from "skilift"` (and from each adapter's subpath) works at
// run time in every build, as the types promise: the default export holds
// the same names as the named exports. The Node builds are checked here
// through pkg/node.mjs and pkg/cjs; the browser build (pkg/esm) is loaded in
// Node, as in browser_build.test.mjs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const NAMES = ["Store", "Session", "View", "transaction", "strict", "SkiliftError", "MemoryBackend"];

function assertHoldsNames(defaultExport, named, names) {
  for (const name of names) assert.equal(defaultExport[name], named[name], `default.${name}`);
}

test("Node: import and require give the same default export, holding the named exports", async () => {
  const node = await import("../../pkg/node.mjs");
  assertHoldsNames(node.default, node, NAMES);
  assert.equal(require("../../pkg/cjs/index.cjs").default, node.default);
  assert.ok(Object.isFrozen(node.default));
});

test("Node: each adapter's CommonJS module has a default export with its names", () => {
  const adapters = {
    "backends/fs/index.cjs": ["FsBackend"],
    "backends/http/fetch.cjs": ["FetchBackend", "FetchBackendError"],
    "backends/http/server.cjs": ["createHandler"],
    "backends/indexeddb/index.cjs": ["IndexedDbBackend"],
    "backends/postgres/index.cjs": ["PostgresBackend"],
    "backends/redis/index.cjs": ["RedisBackend"],
    "backends/sqlite/index.cjs": ["SqliteBackend"],
    "testing/index.cjs": ["backendContract"],
  };
  for (const [path, names] of Object.entries(adapters)) {
    const module = require(`../../pkg/cjs/${path}`);
    assertHoldsNames(module.default, module, names);
  }
});

test("browser build: the ES modules have the same default exports", async () => {
  const web = await import("../../pkg/esm/index.js");
  assertHoldsNames(web.default, web, NAMES);
  const indexeddb = await import("../../pkg/esm/backends/indexeddb/index.js");
  assertHoldsNames(indexeddb.default, indexeddb, ["IndexedDbBackend"]);
  const fetchEntry = await import("../../pkg/esm/backends/http/fetch.js");
  assertHoldsNames(fetchEntry.default, fetchEntry, ["FetchBackend", "FetchBackendError"]);
});
