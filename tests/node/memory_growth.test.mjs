// The wasm memory grows geometrically (src/bindings/memory_growth.rs): loading
// many sessions makes O(log n) memory.grow calls, not one per 64 KiB page.
// V8 runs a full GC on each grow of a large memory, so one grow per page was
// quadratic. This counts grows; it never times anything.

import { test } from "node:test";
import assert from "node:assert/strict";

// The nodejs glue keeps its memory private: catch the instance as it is made.
const instances = [];
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    instances.push(instance);
    return instance;
  },
});
const { Store, MemoryBackend } = await import("../../pkg/node.mjs");

test("loading 20,000 sessions grows the wasm memory a few dozen times", async (t) => {
  const memory = instances.map((i) => i.exports.memory).find(Boolean);
  assert.ok(memory instanceof WebAssembly.Memory, "the engine's memory is found");
  const defaultData = () => ({ coins: 0, items: Array.from({ length: 20 }, (_, i) => ({ id: i, n: "item" })) });
  const store = new Store({ name: "growth", defaultData, backend: new MemoryBackend() });
  // Closed even when an assertion fails: running sessions keep the process alive.
  t.after(() => store.close());
  const n = 20_000;
  const sessions = [];
  let size = memory.buffer.byteLength;
  const start = size;
  let grows = 0;
  for (let i = 0; i < n; i++) {
    sessions.push(store.load(`player_${i}`));
    // Once per load: each observed change is at least one grow.
    if (memory.buffer.byteLength !== size) {
      size = memory.buffer.byteLength;
      grows += 1;
    }
  }
  await Promise.all(sessions.map((s) => s.await()));
  if (memory.buffer.byteLength !== size) grows += 1;
  const pages = (memory.buffer.byteLength - start) / 65536;
  assert.ok(pages > 200, `the sessions need memory (${pages} pages grown)`);
  t.diagnostic(`${grows} grows for ${pages} pages`);
  // One grow per page would be hundreds; a quarter more each time is ~25.
  assert.ok(grows <= 40, `${grows} grows for ${pages} pages`);
});
