// The browser build (pkg/esm: ES modules + wasm-bindgen `--target web`),
// loaded in Node. The web build fetches its .wasm by URL; Node's fetch has
// no file: URLs, so this test serves them from disk, as a browser would
// from a web server. Everything else is the code browsers run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

test("the ES module build loads its wasm by URL and works", async () => {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== "file:") return realFetch(input, init);
    return new Response(await readFile(url), { headers: { "Content-Type": "application/wasm" } });
  };
  try {
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
  } finally {
    globalThis.fetch = realFetch;
  }
});
