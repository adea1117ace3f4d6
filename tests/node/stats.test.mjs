// store.stats() (docs/api.md#storestats): exact counts through the public
// API, with faults scripted call by call (a get that rejects, answers
// garbage or never answers; a put answered null, rejected, or written with
// its reply lost), a second Store writing first, and a key that goes bad.
// Every store here has a pull delay of an hour, so the only pulls are the
// loads and the final saves, and each count below is exact.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Store, MemoryBackend, ScriptedBackend, errorLog, rejectsCode, stored, transaction, until } from "./helpers.mjs";

const ZERO = { sessions: 0, loads: 0, pulls: 0, writes: 0, conflicts: 0, retries: 0, failures: 0, bad: 0, needsNewerVersion: 0 };

function makeStore(backend, extra = {}) {
  const log = errorLog();
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0 }),
    backend,
    pullDelay: 3600,
    onError: log.onError,
    ...extra,
  });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  return { store, add, log };
}

const loaded = (...sessions) => until(() => sessions.every((s) => s.loaded()), "the loads");

test("a fresh store counts zero; loads, pulls, writes and open sessions follow a clean life", async () => {
  const { store, add } = makeStore(new MemoryBackend());
  const stats = store.stats();
  assert.deepEqual(stats, ZERO);
  assert.equal(Object.getPrototypeOf(stats), Object.prototype, "a plain object");
  assert.notEqual(store.stats(), stats, "a fresh copy each call");
  const a = store.load("a");
  const b = store.load("b");
  assert.equal(store.stats().sessions, 2);
  await loaded(a, b);
  // A key never written loads without a put.
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 2, loads: 2, pulls: 2 });
  a.patch(add, 1);
  b.patch(add, 2);
  await a.stop();
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 2, pulls: 3, writes: 1 });
  const c = store.load("c");
  await store.close();
  assert.equal(c.loaded(), true);
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 0, loads: 3, pulls: 5, writes: 2 });
});

test("a get that rejects, then one that answers garbage: two failures, two retries, one pull", async () => {
  const backend = new ScriptedBackend(new MemoryBackend(), { get: ["reject", "garbage"] });
  const { store, log } = makeStore(backend);
  const s = store.load("p1");
  await loaded(s);
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 1, pulls: 1, retries: 2, failures: 2 });
  assert.deepEqual(log.codes(), ["host", "backend_invalid_response"]);
  await s.stop();
});

test("a get that never answers counts one failure when requestTimeout passes", async () => {
  const backend = new ScriptedBackend(new MemoryBackend(), { get: ["hang"] });
  const { store, log } = makeStore(backend, { requestTimeout: 0.05 });
  const s = store.load("p1");
  await loaded(s);
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 1, pulls: 1, retries: 1, failures: 1 });
  assert.deepEqual(log.codes(), ["backend_failed"]);
  await s.stop();
});

test("puts answered null are conflicts, retried at once; a rejected put is a failure and a retry", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["null", "null", "reject"] });
  const { store, add } = makeStore(backend);
  const s = store.load("p1");
  await loaded(s);
  s.patch(add, 5);
  await s.stop();
  assert.deepEqual(store.stats(), { ...ZERO, loads: 1, pulls: 2, writes: 1, conflicts: 2, retries: 1, failures: 1 });
  assert.deepEqual(await stored(inner, "p1"), { coins: 5 });
});

test("a put whose reply is lost: one failure, one retry, and no second write (the retry finds the batch stored)", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["ambiguous"] });
  const { store, add } = makeStore(backend);
  const s = store.load("p1");
  await loaded(s);
  s.patch(add, 5);
  await s.stop();
  assert.deepEqual(store.stats(), { ...ZERO, loads: 1, pulls: 2, writes: 0, retries: 1, failures: 1 });
  assert.deepEqual(await stored(inner, "p1"), { coins: 5 });
});

test("a second Store writing the key first makes the first one's put a conflict; each store counts its own", async () => {
  const inner = new MemoryBackend();
  const hooked = new ScriptedBackend(inner);
  const one = makeStore(hooked);
  const two = makeStore(inner);
  const a = one.store.load("p1");
  const b = two.store.load("p1");
  await loaded(a, b);
  a.patch(one.add, 1);
  b.patch(two.add, 10);
  // Just before A's put, B saves: A's compare-and-set then loses.
  hooked.beforePut = () => b.stop();
  await a.stop();
  assert.deepEqual(one.store.stats(), { ...ZERO, loads: 1, pulls: 2, writes: 1, conflicts: 1 });
  assert.deepEqual(two.store.stats(), { ...ZERO, loads: 1, pulls: 2, writes: 1 });
  assert.deepEqual(await stored(inner, "p1"), { coins: 11 });
});

test("a key that goes bad counts in bad and closes its session; a view that fails counts a failure, not a retry", async () => {
  const inner = new MemoryBackend();
  await inner.put("players/global", "broken", "this is not a record", null, { userIds: [] });
  const backend = new ScriptedBackend(inner);
  const { store, log } = makeStore(backend);
  const s = store.load("broken");
  const ok = store.load("fine");
  await until(() => s.bad() && ok.loaded(), "the key to go bad");
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 1, pulls: 1, bad: 1 });
  assert.deepEqual(log.codes(), ["bad_data"]);
  backend.script.get.push("reject");
  await assert.rejects(store.view("fine").latest(), /injected: get rejected/);
  await rejectsCode(assert, store.view("broken").latest(), "bad_data");
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 1, pulls: 1, bad: 1, failures: 1 });
  await ok.stop();
  assert.equal(store.stats().sessions, 0);
});

test("a transaction decision whose write fails is a failure and a retry of the coordinating store", async () => {
  const inner = new MemoryBackend();
  // The first put is the prepare; the second, the decision, rejects once.
  const backend = new ScriptedBackend(inner, { put: ["ok", "reject"] });
  const { store, log } = makeStore(backend);
  const give = store.transaction("give", (d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("p1");
  await loaded(s);
  assert.equal(await transaction(() => s.patch(give, 3)), true);
  assert.deepEqual(store.stats(), { ...ZERO, sessions: 1, loads: 1, pulls: 2, writes: 1, retries: 1, failures: 1 });
  assert.deepEqual(log.codes(), ["host"]);
  await s.stop(); // writes the decided outcome into the record
  assert.deepEqual(store.stats(), { ...ZERO, loads: 1, pulls: 3, writes: 2, retries: 1, failures: 1 });
  assert.deepEqual(await stored(inner, "p1"), { coins: 3 });
});
