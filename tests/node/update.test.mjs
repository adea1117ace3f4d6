// store.update(key, fn, ...args) (docs/api.md#storeupdatekey-fn-args): a
// one-shot write to a key this server does not keep loaded, with faults: an
// outage it waits out, a lost reply it does not apply twice after, writers
// racing it, a session elsewhere with its own queued changes, a quarantined
// key, and an action that cancels, throws or fails the schema on the stored
// data.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Store, MemoryBackend, ScriptedBackend, errorLog, rejectsCode, stored, throwsCode, until,
} from "./helpers.mjs";

function makeStore(backend, extra = {}) {
  const log = errorLog();
  const store = new Store({ name: "players", defaultData: () => ({ coins: 0, gifts: [] }), backend, pullDelay: 3600, onError: log.onError, ...extra });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const gift = store.action((d, from) => (d.gifts.includes(from) ? undefined : { ...d, gifts: [...d.gifts, from] }));
  return { store, add, gift, log };
}

test("update writes a key nobody has loaded; false when the action cancels on the stored data", async () => {
  const backend = new MemoryBackend();
  const { store, add, gift, log } = makeStore(backend);
  assert.equal(await store.update("p1", add, 10), true);
  assert.equal(await store.update("p1", gift, "ada"), true);
  assert.deepEqual(await stored(backend, "p1"), { coins: 10, gifts: ["ada"] });
  assert.equal(await store.update("p1", gift, "ada"), false, "the gift is already there: cancelled");
  assert.deepEqual(await stored(backend, "p1"), { coins: 10, gifts: ["ada"] });
  assert.deepEqual(log.codes(), []);
  assert.equal(store.stats().sessions, 0, "nothing stays open");
});

test("programming errors throw at once", () => {
  const { store, add } = makeStore(new MemoryBackend());
  throwsCode(assert, () => store.update("p1", (d) => d, 1), "action_invalid_function");
  throwsCode(assert, () => store.update(42, add, 1), "invalid_options");
  const other = makeStore(new MemoryBackend());
  throwsCode(assert, () => store.update("p1", other.add, 1), "action_invalid_function");
});

test("the arguments are frozen copies: changing them after the call changes nothing", async () => {
  const backend = new MemoryBackend();
  const { store } = makeStore(backend);
  const setGifts = store.action((d, list) => ({ ...d, gifts: list }));
  const list = ["a"];
  const done = store.update("p1", setGifts, list);
  list.push("b");
  assert.equal(await done, true);
  assert.deepEqual((await stored(backend, "p1")).gifts, ["a"]);
});

test("a session loaded on another server keeps its queued changes and sees the update at its next pull", async () => {
  const backend = new MemoryBackend();
  const game = makeStore(backend);
  const admin = makeStore(backend);
  const s = game.store.load("p1");
  await until(() => s.loaded(), "the load");
  const seen = [];
  s.updated((d) => seen.push(d.coins));
  s.patch(game.add, 1); // queued, not saved yet
  assert.equal(await admin.store.update("p1", admin.add, 100), true);
  assert.deepEqual(await stored(backend, "p1"), { coins: 100, gifts: [] });
  await s.stop(); // its pull: the update from storage plus its own patch
  assert.deepEqual(await stored(backend, "p1"), { coins: 101, gifts: [] });
  assert.deepEqual(seen, [0, 1, 101]);
});

test("updates racing each other from two stores all apply, once each", async () => {
  const backend = new MemoryBackend();
  const one = makeStore(backend);
  const two = makeStore(backend);
  const results = await Promise.all([
    ...[1, 2, 3].map((n) => one.store.update("p1", one.add, n)),
    ...[10, 20, 30].map((n) => two.store.update("p1", two.add, n)),
  ]);
  assert.deepEqual(results, [true, true, true, true, true, true]);
  assert.equal((await stored(backend, "p1")).coins, 66);
  assert.ok(one.store.stats().conflicts + two.store.stats().conflicts > 0, "they really raced");
});

/** The `writers` entries of the stored record of `key`. */
async function writerIds(backend, key) {
  return Object.keys(JSON.parse((await backend.get("players/global", key)).value).writers);
}

test("a key updated many times does not grow: a store's next write drops the writer entries of its finished updates", async () => {
  const backend = new MemoryBackend();
  const one = makeStore(backend);
  const two = makeStore(backend);
  for (let n = 0; n < 100; n++) {
    assert.equal(await one.store.update("p1", one.add, 1), true);
    assert.equal(await two.store.update("p1", two.add, 1), true);
  }
  assert.equal((await stored(backend, "p1")).coins, 200);
  // Each store drops its own finished updates' entries only: the latest
  // update of each store stays (the store cannot know the other's are done).
  assert.equal((await writerIds(backend, "p1")).length, 2);
  const size = (await backend.get("players/global", "p1")).value.length;
  assert.ok(size < 400, `the record is ${size} bytes after 200 updates`);
});

test("the writer entry of an update still in flight is kept; it goes at the store's next write after the update finished", async () => {
  const inner = new MemoryBackend();
  // The first update's put lands but its reply is lost. Its retry's read
  // is held until a second update of the same store has written the key:
  // the first must still find its own entry then, or it applies its change
  // again.
  let reached;
  const retrying = new Promise((r) => (reached = r));
  let release;
  const gate = new Promise((r) => (release = r));
  class Gated extends ScriptedBackend {
    gets = 0;
    async get(store, key) {
      if (++this.gets === 2) {
        reached();
        await gate;
      }
      return super.get(store, key);
    }
  }
  const { store, add } = makeStore(new Gated(inner, { put: ["ambiguous"] }));
  const first = store.update("p1", add, 1);
  await retrying;
  assert.equal((await stored(inner, "p1")).coins, 1, "the first update's write landed");
  assert.equal(await store.update("p1", add, 10), true);
  release();
  assert.equal(await first, true);
  assert.equal((await stored(inner, "p1")).coins, 11, "each applied once");
  assert.equal(store.stats().failures, 1, "the first update's reply was lost");
  assert.equal(await store.update("p1", add, 100), true);
  assert.equal((await writerIds(inner, "p1")).length, 1, "only the latest update's entry stays");
});

test("an outage is waited out, not rejected: failed reads and writes are retried until stored", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { get: ["reject", "garbage"], put: ["reject"] });
  const { store, add, log } = makeStore(backend);
  assert.equal(await store.update("p1", add, 7), true);
  assert.deepEqual(await stored(inner, "p1"), { coins: 7, gifts: [] });
  assert.equal(store.stats().failures, 3);
  assert.equal(store.stats().retries, 3);
  assert.deepEqual(log.codes(), ["host", "backend_invalid_response", "host"]);
});

test("a lost reply after the write landed: resolved true, applied once", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["ambiguous"] });
  const { store, add } = makeStore(backend);
  assert.equal(await store.update("p1", add, 5), true);
  assert.deepEqual(await stored(inner, "p1"), { coins: 5, gifts: [] });
  assert.equal(store.stats().failures, 1);
});

test("a lost reply on a cancelled update still resolves false", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["ok", "ambiguous"] });
  const { store, gift } = makeStore(backend);
  assert.equal(await store.update("p1", gift, "ada"), true);
  assert.equal(await store.update("p1", gift, "ada"), false);
  assert.deepEqual((await stored(inner, "p1")).gifts, ["ada"]);
});

test("a quarantined key rejects with bad_data and is not written", async () => {
  const backend = new MemoryBackend();
  await backend.put("players/global", "p1", "not a record", null, { userIds: [] });
  const { store, add } = makeStore(backend);
  await rejectsCode(assert, store.update("p1", add, 1), "bad_data");
  const entry = await backend.get("players/global", "p1");
  assert.equal(entry.value, "not a record");
  assert.equal(entry.version, "1");
});

test("an action that throws or fails the schema on the stored data rejects with that error; nothing of it is written", async () => {
  const backend = new MemoryBackend();
  const { store, add } = makeStore(backend, { schema: (d) => d.coins <= 10 });
  const boom = store.action(() => {
    throw new RangeError("no such item");
  });
  assert.equal(await store.update("p1", add, 10), true);
  await assert.rejects(store.update("p1", boom), RangeError);
  await rejectsCode(assert, store.update("p1", add, 1), "schema_validation_error");
  assert.deepEqual(await stored(backend, "p1"), { coins: 10, gifts: [] });
});

test("store.close waits for an update in flight", async () => {
  const inner = new MemoryBackend();
  const backend = new ScriptedBackend(inner, { put: ["reject"] });
  const { store, add } = makeStore(backend);
  let settled = false;
  const done = store.update("p1", add, 3).then((v) => (settled = v));
  await store.close();
  assert.equal(settled, true);
  await done;
  assert.deepEqual(await stored(inner, "p1"), { coins: 3, gifts: [] });
});

test("update makes the default data only when the key is absent (its session shows no snapshot before the read)", async () => {
  const backend = new MemoryBackend();
  let defaults = 0;
  const { store, add, log } = makeStore(backend, { defaultData: () => (defaults++, { coins: 0, gifts: [] }) });
  assert.equal(await store.update("absent", add, 2), true);
  assert.equal(defaults, 1, "an absent key starts from the default data, made once");
  defaults = 0;
  assert.equal(await store.update("absent", add, 3), true);
  assert.equal(await store.updateOnce("absent", "gift-1", add, 4), true);
  assert.equal(defaults, 0, "a stored key's update starts from the stored data alone");
  assert.equal((await stored(backend, "absent")).coins, 9);
  assert.deepEqual(log.errors, []);
});
