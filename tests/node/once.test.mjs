// Exactly-once external events (docs/api.md#sessionpatchonceid-fn-args and
// #storeupdateoncekey-id-fn-args): a purchase receipt granted once even when
// the platform delivers it to several servers, through lost replies,
// rejections and a restarted server; exactly one delivery is told `true`.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Store, MemoryBackend, FaultyBackend, LaggyBackend, ScriptedBackend, errorLog, rejectsCode, stored, throwsCode, transaction, until,
} from "./helpers.mjs";

function server(backend, extra = {}) {
  const log = errorLog();
  const store = new Store({ name: "players", defaultData: () => ({ gems: 0, coins: 0 }), backend, pullDelay: 0.02, onError: log.onError, ...extra });
  const grant = store.action((d, gems) => ({ ...d, gems: d.gems + gems }));
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  return { store, grant, add, log };
}

test("patchOnce applies at once, is true once stored, and false for the same id again", async () => {
  const backend = new MemoryBackend();
  const { store, grant } = server(backend);
  const s = store.load("p1");
  const seen = [];
  s.updated((d) => seen.push(d.gems));
  const first = s.patchOnce("receipt-1", grant, 100);
  assert.ok(first instanceof Promise);
  assert.equal(seen.at(-1), 100, "the game sees it at once");
  assert.equal(await first, true);
  assert.equal((await stored(backend, "p1")).gems, 100);

  const again = s.patchOnce("receipt-1", grant, 100);
  assert.equal(seen.at(-1), 200, "applied locally like a patch");
  assert.equal(await again, false, "the key has applied it already");
  await until(() => seen.at(-1) === 100, "updated to show the stored data");
  await s.stop();
  assert.equal((await stored(backend, "p1")).gems, 100);
  const record = JSON.parse((await backend.get("players/global", "p1")).value);
  assert.ok(record.once["receipt-1"], "the record keeps the id");
  await store.close();
});

test("the same receipts on two servers at once, with lost replies: granted once each, one true each", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const shared = new MemoryBackend();
    const a = server(new FaultyBackend(new LaggyBackend(shared), { seed, ambiguous: 0.3, reject: 0.1 }));
    const b = server(new FaultyBackend(new LaggyBackend(shared), { seed: seed + 100, ambiguous: 0.3, reject: 0.1 }));
    const sa = a.store.load("p1");
    const sb = b.store.load("p1");
    const results = [];
    for (let i = 0; i < 6; i++) {
      const id = `receipt-${i}`;
      results.push([i, sa.patchOnce(id, a.grant, 10)], [i, sb.patchOnce(id, b.grant, 10)]);
      sa.patch(a.add, 1);
      sb.patch(b.add, 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    const settled = await Promise.all(results.map(([, p]) => p));
    await Promise.all([a.store.close(), b.store.close()]);
    for (let i = 0; i < 6; i++) {
      const mine = settled.filter((_, j) => results[j][0] === i);
      assert.deepEqual(mine.sort(), [false, true], `seed ${seed}, receipt ${i}: exactly one true`);
    }
    assert.deepEqual(await stored(shared, "p1"), { gems: 60, coins: 12 }, `seed ${seed}`);
  }
});

test("a restarted server that gets the receipt again is told false", async () => {
  const backend = new MemoryBackend();
  const before = server(backend);
  const s = before.store.load("p1");
  assert.equal(await s.patchOnce("receipt-9", before.grant, 5), true);
  await before.store.close();
  const after = server(backend);
  const again = after.store.load("p1");
  assert.equal(await again.patchOnce("receipt-9", after.grant, 5), false);
  assert.equal(await after.store.updateOnce("p1", "receipt-9", after.grant, 5), false);
  await after.store.close();
  assert.equal((await stored(backend, "p1")).gems, 5);
});

test("updateOnce after a lost reply: applied once, true; then false", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["ambiguous", "reject"] });
  const { store, grant } = server(backend);
  assert.equal(await store.updateOnce("p2", "gift-1", grant, 3), true);
  assert.equal(await store.updateOnce("p2", "gift-1", grant, 3), false);
  assert.equal((await stored(inner, "p2")).gems, 3);
  const player = store.load("p2");
  assert.equal(await player.patchOnce("gift-1", grant, 3), false, "the id is shared by patchOnce and updateOnce");
  await store.close();
  assert.equal((await stored(inner, "p2")).gems, 3);
});

test("programming errors throw at once; a bad key rejects bad_data", async () => {
  const backend = new MemoryBackend();
  const { store, grant } = server(backend);
  const s = store.load("p3");
  throwsCode(assert, () => s.patchOnce(42, grant, 1), "invalid_options");
  throwsCode(assert, () => s.patchOnce("", grant, 1), "invalid_options");
  throwsCode(assert, () => s.patchOnce("r", (d) => d, 1), "action_invalid_function");
  throwsCode(assert, () => store.updateOnce("p3", 7, grant, 1), "invalid_options");
  throwsCode(assert, () => store.updateOnce("p3", "r", (d) => d), "action_invalid_function");
  const boom = store.action(() => {
    throw new Error("boom");
  });
  assert.throws(() => s.patchOnce("r", boom), /boom/, "the action's own exception, at once");
  const credit = store.transaction("credit", (d, n) => ({ ...d, coins: d.coins + n }));
  const other = store.load("p4");
  await assert.rejects(
    transaction(() => {
      other.patch(credit, 1);
      s.patchOnce("r", grant, 1);
    }),
    (e) => e.code === "invalid_options",
  );
  await s.await();
  // Nothing was stored for p3 yet (a load writes nothing): garbage appears.
  assert.notEqual(await backend.put("players/global", "p3", "not a record", null, { userIds: [] }), null);
  const doomed = s.patchOnce("r2", grant, 1);
  await rejectsCode(assert, doomed, "bad_data");
  await store.close();
  assert.equal((await backend.get("players/global", "p3")).value, "not a record", "a bad key is not written");
  await rejectsCode(assert, store.updateOnce("p3", "r3", grant, 1), "bad_data");
});

test("onceRetention is a Store option in seconds", () => {
  throwsCode(assert, () => server(new MemoryBackend(), { onceRetention: 0 }), "invalid_options");
  throwsCode(assert, () => server(new MemoryBackend(), { onceRetention: "long" }), "invalid_options");
  server(new MemoryBackend(), { onceRetention: 3600 });
});
