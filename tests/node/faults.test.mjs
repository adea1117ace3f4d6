// A fault-injecting JS backend (rejections, ambiguous writes that land and
// then fail, garbage entries) under two servers: nothing lost, nothing
// applied twice, and every fault reported rather than thrown.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FaultyBackend, MemoryBackend, quickStore, stored } from "./helpers.mjs";

const tick = () => new Promise((r) => setTimeout(r, 1));

for (const seed of [1, 2, 3]) {
  test(`two servers on a faulty backend lose and double nothing (seed ${seed})`, async () => {
    const memory = new MemoryBackend();
    const faulty = new FaultyBackend(memory, { seed, reject: 0.15, ambiguous: 0.15, garbage: 0.1 });
    const servers = ["a", "b"].map((name) => {
      const { store, log } = quickStore(faulty);
      const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
      const push = store.action((d, item) => ({ ...d, items: [...d.items, item] }));
      return { name, store, log, add, push, session: store.load("shared") };
    });
    for (let i = 0; i < 15; i++) {
      for (const s of servers) {
        s.session.patch(s.add, 1);
        s.session.patch(s.push, `${s.name}${i}`);
      }
      await tick();
    }
    await Promise.all(servers.map((s) => s.session.stop()));
    const data = await stored(memory, "shared");
    assert.equal(data.items.length, 30, `items: ${data.items}`);
    assert.equal(new Set(data.items).size, 30, "no action applied twice");
    assert.equal(data.coins, 30);
    const injected = faulty.injected;
    assert.ok(injected.reject + injected.ambiguous + injected.garbage > 0, "faults were injected");
    const codes = servers.flatMap((s) => s.log.codes());
    if (injected.garbage > 0) assert.ok(codes.includes("backend_invalid_response"));
    if (injected.reject + injected.ambiguous > 0) assert.ok(codes.includes("host") || codes.includes("backend_failed"));
    for (const s of servers) assert.equal(s.session.bad(), undefined);
  });
}

test("an ambiguous write on the final save is not applied twice", async () => {
  const memory = new MemoryBackend();
  let lose = 1;
  const backend = {
    get: (...a) => memory.get(...a),
    async put(...a) {
      const version = await memory.put(...a);
      if (version !== null && lose-- > 0) throw new Error("reply lost");
      return version;
    },
  };
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("k");
  s.patch(add, 5);
  await s.stop();
  assert.equal((await stored(memory, "k")).coins, 5);
  assert.ok(log.errors.some((e) => e.error?.message === "reply lost"));
});

test("a backend that throws synchronously is a failure, retried", async () => {
  const memory = new MemoryBackend();
  let throws = 2;
  const backend = {
    get(...a) {
      if (throws-- > 0) throw new TypeError("sync throw");
      return memory.get(...a);
    },
    put: (...a) => memory.put(...a),
  };
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("k");
  s.patch(add, 1);
  await s.await();
  assert.equal(s.loaded(), true);
  await s.stop();
  assert.equal((await stored(memory, "k")).coins, 1);
  assert.ok(log.errors.some((e) => e.error instanceof TypeError && e.key === "k"), "the backend's own error is reported unchanged");
});
