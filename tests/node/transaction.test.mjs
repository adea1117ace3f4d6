// Transactions (docs/transactions.md): escrow that commits, one that aborts, and
// the programming errors that reject.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MemoryBackend, transaction, quickStore, rejectsCode, stored, throwsCode, until,
} from "./helpers.mjs";

function bank(backend = new MemoryBackend(), extra = {}) {
  const { store, log } = quickStore(backend, { defaultData: () => ({ money: 0 }), ...extra });
  const deposit = store.action((d, n) => ({ ...d, money: d.money + n }));
  const takeMoney = store.action((d, n) => (d.money >= n ? { ...d, money: d.money - n } : undefined));
  const giveMoney = store.transaction("giveMoney", (d, n) => ({ ...d, money: d.money + n }));
  return { backend, store, log, deposit, takeMoney, giveMoney };
}

test("escrow, then a transaction that commits", async () => {
  const { backend, store, log, deposit, takeMoney, giveMoney } = bank();
  const bob = store.load("bob");
  const tom = store.load("tom");
  bob.patch(deposit, 10);
  assert.equal(bob.patch(takeMoney, 10), true);
  let tomSeen;
  tom.updated((d) => (tomSeen = d.money));
  const ok = await transaction(
    () => { assert.equal(tom.patch(giveMoney, 10), true); },
    () => { bob.patch(giveMoney, 10); },
  );
  assert.equal(ok, true);
  assert.equal(tomSeen, 10, "the decided actions apply to the cache at once");
  await Promise.all([bob.stop(), tom.stop()]);
  assert.equal((await stored(backend, "bob")).money, 0);
  assert.equal((await stored(backend, "tom")).money, 10);
  const tomRecord = JSON.parse((await backend.get("players/global", "tom")).value);
  assert.deepEqual(tomRecord.pending ?? [], [], "the pending entry is resolved and removed");
  assert.deepEqual(log.errors, []);
});

test("a transaction whose prepare fails aborts and applies the failure side", async () => {
  const { backend, store, log, deposit, takeMoney, giveMoney } = bank();
  const bob = store.load("bob");
  const tom = store.load("tom");
  bob.patch(deposit, 10);
  bob.patch(takeMoney, 10);
  await Promise.all([bob.await(), tom.await()]);
  // Tom's key is broken behind the session's back: its prepare cannot be
  // written (the key goes bad), so the transaction must abort.
  const current = await backend.get("players/global", "tom");
  await backend.put("players/global", "tom", "garbage", current?.version ?? null, { userIds: [] });
  const ok = await transaction(
    () => { tom.patch(giveMoney, 10); },
    () => { bob.patch(giveMoney, 10); },
  );
  assert.equal(ok, false);
  await bob.stop();
  assert.equal((await stored(backend, "bob")).money, 10, "the escrow is returned");
  assert.equal((await backend.get("players/global", "tom")).value, "garbage", "a bad key is never written");
  assert.equal(typeof tom.bad(), "string");
  assert.ok(log.codes().includes("bad_data"));
});

test("every key of a transaction reaches the same outcome across servers", async () => {
  const backend = new MemoryBackend();
  const one = bank(backend);
  const two = bank(backend);
  const bobHere = one.store.load("bob");
  const tomHere = one.store.load("tom");
  const tomThere = two.store.load("tom");
  bobHere.patch(one.deposit, 5);
  bobHere.patch(one.takeMoney, 5);
  const ok = await transaction(() => tomHere.patch(one.giveMoney, 5), () => bobHere.patch(one.giveMoney, 5));
  assert.equal(ok, true);
  let seenThere;
  tomThere.updated((d) => (seenThere = d.money));
  await until(() => seenThere === 5, "the other server to see the committed money");
  await Promise.all([bobHere.stop(), tomHere.stop(), tomThere.stop()]);
  assert.equal((await stored(backend, "tom")).money, 5);
  assert.equal((await stored(backend, "bob")).money, 0);
});

test("a transaction with no patches resolves true", async () => {
  assert.equal(await transaction(() => {}), true);
});

test("programming errors reject the transaction and write nothing", async () => {
  const { backend, store, deposit, giveMoney } = bank();
  const other = bank(new MemoryBackend());
  const tom = store.load("tom");
  const elsewhere = other.store.load("x");
  const boom = new Error("closure threw");
  await assert.rejects(transaction(() => { throw boom; }), (e) => e === boom);
  await rejectsCode(assert, transaction(() => tom.patch(deposit, 1)), "transaction_invalid_action");
  await rejectsCode(assert, transaction(() => tom.patch((d) => d, 1)), "transaction_invalid_function");
  await rejectsCode(assert, transaction(() => tom.patch(giveMoney, new Map())), "strict_pass_not_json_into_action");
  const cancels = store.transaction("cancels", () => undefined);
  await rejectsCode(assert, transaction(() => tom.patch(cancels)), "cannot_cancel_action");
  // A caught recording error still rejects: the author meant that patch.
  await rejectsCode(assert, transaction(() => { try { tom.patch(cancels); } catch { /* swallowed */ } }), "cannot_cancel_action");
  await rejectsCode(assert, transaction(async () => tom.patch(giveMoney, 1)), "invalid_options");
  await rejectsCode(
    assert,
    transaction(() => { tom.patch(giveMoney, 1); elsewhere.patch(other.giveMoney, 1); }),
    "invalid_options",
  );
  await rejectsCode(assert, transaction(() => { transaction(() => {}); }), "invalid_options");
  assert.equal(tom.patch(deposit, 1), true, "patches outside a transaction apply again");
  await Promise.all([tom.stop(), elsewhere.stop()]);
  assert.equal((await stored(backend, "tom")).money, 1);
  throwsCode(assert, () => transaction(null), "invalid_options");
});

test("the prepares are queued when transaction() is called: stopping right after still commits, and the escrow shares the write", async () => {
  const memory = new MemoryBackend();
  const writes = [];
  const backend = {
    get: (store, key) => memory.get(store, key),
    async put(store, key, value, expected, meta) {
      const version = await memory.put(store, key, value, expected, meta);
      if (version !== null) writes.push({ key, record: JSON.parse(value) });
      return version;
    },
  };
  const { store, deposit, takeMoney, giveMoney } = bank(backend);
  const bob = store.load("bob");
  const tom = store.load("tom");
  bob.patch(deposit, 10);
  await bob.await();
  const before = writes.length;
  bob.patch(takeMoney, 10);
  const outcome = transaction(
    () => { tom.patch(giveMoney, 10); },
    () => { bob.patch(giveMoney, 10); },
  );
  // Not awaited: the sessions stop in the same turn.
  const stops = Promise.all([bob.stop(), tom.stop()]);
  assert.equal(await outcome, true);
  await stops;
  const bobWrites = writes.slice(before).filter((w) => w.key === "bob");
  assert.equal(bobWrites.length, 1, "one write for bob after the deposit");
  assert.equal(bobWrites[0].record.data.money, 0, "it carries the escrow");
  assert.equal(bobWrites[0].record.pending.length, 1, "and the pending record");
  // The final saves stored the pending records; the next load of each key
  // resolves them from the decision.
  const again = bank(backend);
  for (const [key, money] of [["bob", 0], ["tom", 10]]) {
    const s = again.store.load(key);
    await s.await();
    let seen;
    s.updated((d) => (seen = d.money))();
    assert.equal(seen, money, key);
    await s.stop();
  }
});
