// The engine's sleeps (src/bindings/js_runtime.rs) share one JS timer and
// live in slots of a table; a cancelled sleep leaves its deadline in the
// queue, and only the slot's serial tells that stale deadline from the
// one of the sleep that holds the slot next.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, quickStore } from "./helpers.mjs";

test("a cancelled deadline never wakes the sleep that takes its slot next", async () => {
  const memory = new MemoryBackend();
  let gets = 0;
  const backend = {
    get: (store, key) => (gets++, memory.get(store, key)),
    put: (store, key, value, expected, meta) => memory.put(store, key, value, expected, meta),
  };
  // Each pull starts a 0.2 s deadline and cancels it when the pull is done;
  // the pull-delay sleep that follows takes the freed slot, due in 30 s.
  const { store, log } = quickStore(backend, { pullDelay: 30, requestTimeout: 0.2 });
  // Another session's pull-delay sleep keeps the table from emptying (an
  // empty table drops its queue, stale deadlines too).
  const other = store.load("eve");
  await other.await();
  const session = store.load("dot");
  await session.await();
  const after = gets;
  // Well past the stale deadline: a wake-up by it would pull (and get) now.
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(gets, after, "no pull before the pull delay");
  assert.deepEqual(log.errors, []);
  await Promise.all([session.stop(), other.stop()]);
});
