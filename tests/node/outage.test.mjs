// Storage trouble through the public API (docs/backend-contract.md): an outage, calls
// that hang, and a transaction coordinator that can never decide. Nothing
// is lost or applied twice, await() waits for storage, and every key of the
// transaction reaches the same outcome.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, quickStore, stored, transaction, until } from "./helpers.mjs";

/** A backend in front of `memory` that can be switched down, or made to hang. */
function switchable(memory) {
  const state = { down: false, hang: false, calls: 0 };
  const gate = () => {
    state.calls++;
    if (state.hang) return new Promise(() => {}); // never answers
    if (state.down) return Promise.reject(new Error("storage is down"));
    return null;
  };
  const backend = {
    get: (store, key) => gate() ?? memory.get(store, key),
    put: (store, key, value, expected, meta) => gate() ?? memory.put(store, key, value, expected, meta),
  };
  return { backend, state };
}

function dataOf(session) {
  let data;
  session.updated((d) => (data = d))();
  return data;
}

test("an outage: patches keep applying locally, await waits for storage, nothing is lost", async () => {
  const memory = new MemoryBackend();
  const { backend, state } = switchable(memory);
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const session = store.load("fay");
  await session.await();
  state.down = true;
  let settled = false;
  for (let i = 0; i < 5; i++) session.patch(add, 2);
  session.await().then(() => (settled = true));
  assert.equal(dataOf(session).coins, 10, "the game sees its changes at once");
  const failures = state.calls;
  await until(() => state.calls >= failures + 3, "retries while down");
  assert.equal(settled, false, "await() waits while storage is down");
  assert.ok(log.errors.length > 0, "the failures were reported");
  state.down = false;
  await until(() => settled, "await() after storage is back");
  await session.stop();
  assert.equal((await stored(memory, "fay")).coins, 10);
});

test("calls that hang time out and are retried; stop saves everything", async () => {
  const memory = new MemoryBackend();
  const { backend, state } = switchable(memory);
  const { store, log } = quickStore(backend, { requestTimeout: 0.05 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const session = store.load("gus");
  await session.await();
  state.hang = true;
  session.patch(add, 3);
  await until(() => log.codes().includes("backend_failed"), "a timeout reported as backend_failed");
  state.hang = false;
  session.patch(add, 4);
  await session.stop();
  assert.equal((await stored(memory, "gus")).coins, 7);
});

test("an answer that comes after its call timed out reaches nobody, not even the call that retried it", async () => {
  // The engine names each backend call by a slot and a serial
  // (src/bindings/storage_calls.rs); a timed-out call's slot is free for the
  // retry, so only the serial tells the retry's answer from the late one.
  const memory = new MemoryBackend();
  const held = [];
  let hold = false;
  const backend = {
    get: (store, key) => (hold ? new Promise((resolve) => held.push(resolve)) : memory.get(store, key)),
    put: (store, key, value, expected, meta) => memory.put(store, key, value, expected, meta),
  };
  const { store, log } = quickStore(backend, { requestTimeout: 0.2 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const session = store.load("ivy");
  await session.await();
  hold = true;
  session.patch(add, 5);
  await until(() => held.length >= 2, "a get retried after the first one timed out");
  hold = false;
  // The first get answers at last, with garbage the retry must never see...
  held[0]({ value: 42 });
  await new Promise((resolve) => setImmediate(resolve));
  // ...then the retry's get answers with the real entry.
  held[1](await memory.get("players/global", "ivy"));
  await session.stop();
  assert.ok(log.codes().includes("backend_failed"), "the first get timed out");
  assert.deepEqual(
    log.codes().filter((code) => code !== "backend_failed"),
    [],
    "no answer of the wrong shape reached the engine",
  );
  assert.equal((await stored(memory, "ivy")).coins, 5);
});

test("a coordinator that can never decide: a reader presumes the abort and every key agrees", async () => {
  const memory = new MemoryBackend();
  // The coordinator's backend refuses decision records (as if it lost its
  // connection right after preparing); another server's backend works.
  const coordinatorBackend = {
    get: (store, key) => memory.get(store, key),
    put: (store, key, value, expected, meta) =>
      store === "skilift:transactions" ? Promise.reject(new Error("cut off")) : memory.put(store, key, value, expected, meta),
  };
  const options = { defaultData: () => ({ money: 0 }), transactionTimeout: 0.2 };
  const a = quickStore(coordinatorBackend, options);
  const deposit = a.store.action((d, n) => ({ ...d, money: d.money + n }));
  const give = a.store.transaction("give", (d, n) => ({ ...d, money: d.money + n }));
  const bob = a.store.load("bob");
  const tom = a.store.load("tom");
  bob.patch(deposit, 10);
  await bob.await();
  bob.patch(deposit, -10); // escrow
  let outcome;
  transaction(
    () => tom.patch(give, 10),
    () => bob.patch(give, 10),
  ).then((ok) => (outcome = ok));

  // Both keys hold the pending record; A cannot write the decision.
  await until(() => a.log.errors.length > 0, "the coordinator failing to decide");
  assert.equal(outcome, undefined, "undecided: the coordinator cannot tell yet");

  // Another server loads both keys after the timeout: it writes "aborted".
  const b = quickStore(memory, options);
  b.store.action((d, n) => ({ ...d, money: d.money + n }));
  b.store.transaction("give", (d, n) => ({ ...d, money: d.money + n }));
  const bob2 = b.store.load("bob");
  const tom2 = b.store.load("tom");
  await until(() => outcome !== undefined, "the coordinator learning the decision");
  assert.equal(outcome, false, "the coordinator reports the abort that stands");
  await Promise.all([bob2.stop(), tom2.stop(), bob.stop(), tom.stop()]);
  const [id] = await listDecisions(memory);
  assert.equal(JSON.parse((await memory.get("skilift:transactions", id)).value).decision, "aborted");
  assert.equal((await stored(memory, "bob")).money, 10, "the escrow is refunded");
  assert.equal((await stored(memory, "tom")).money, 0, "tom was not paid");
});

/** The ids of decision records, found through bob's history (MemoryBackend has no listing). */
async function listDecisions(memory) {
  const ids = new Set();
  for (let v = 1; v < 200; v++) {
    const entry = await memory.getVersion("players/global", "bob", String(v));
    if (!entry) continue;
    for (const p of JSON.parse(entry.value).pending) ids.add(p.id);
  }
  return ids;
}
