// The browser build (pkg/esm: ES modules + wasm-bindgen `--target web`),
// loaded in Node: the code browsers and bundlers run. It fetches nothing:
// the wasm is embedded in pkg/esm/wasm/skilift_bytes.js and instantiated
// synchronously on import (docs/packaging.md#bundlers).

import { test } from "node:test";
import assert from "node:assert/strict";

test("the ES module build instantiates its embedded wasm on import and works", async () => {
  const web = await import("../../pkg/esm/index.js");
  const node = await import("../../pkg/node.mjs");
  assert.notEqual(web.Store, node.Store, "a separate engine instance from the Node build");
  const store = new web.Store({ name: "web", defaultData: () => ({ n: 0 }), backend: new web.MemoryBackend(), pullDelay: 0.02 });
  const add = store.action((d, k) => ({ ...d, n: d.n + k }));
  const s = store.load("k");
  let seen;
  s.updated((d) => (seen = d.n));
  s.patch(add, 2);
  await s.stop();
  assert.equal(seen, 2);
  assert.equal((await store.view("k").latest()).n, 2);
  assert.throws(() => s.patch(add, 1), (e) => e instanceof web.SkiliftError && e.code === "session_already_stopped");
});
