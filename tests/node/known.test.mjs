// A pull that finds the version its session wrote or read last starts from
// the document it already holds (src/engine/session.rs, `Known`): one
// copy-on-write draft for the whole replay (js/host/draft.js `openDraft`),
// so what the queued actions did not touch stays the very same frozen
// objects from one save to the next, and what they stored is still checked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, quickStore, stored, strict } from "./helpers.mjs";

const player = () => ({ coins: 0, items: [{ id: "sword", level: 1 }], profile: { name: "ann" } });

test("a save on the version it wrote shares every untouched subtree with the data before it", async () => {
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { defaultData: player });
  const add = store.action((d, n) => {
    d.coins += n;
    return d;
  });
  const s = store.load("ann");
  let seen;
  s.updated((d) => (seen = d));
  s.patch(add, 1);
  await s.await();
  await s.await(); // the patch is written: the session knows that version now
  s.patch(add, 1);
  const before = seen;
  await s.await();
  await s.await(); // saved again, from the version it knew
  assert.deepEqual(await stored(backend, "ann"), { ...player(), coins: 2 });
  // A patch now shows what the save left: its untouched parts are the very
  // objects the game saw before the save (a decoded record would be new).
  s.patch(add, 1);
  assert.equal(seen.coins, 3);
  assert.ok(Object.isFrozen(seen) && Object.isFrozen(seen.items[0]));
  assert.equal(seen.items, before.items);
  assert.equal(seen.profile, before.profile);
  assert.deepEqual(log.errors, []);
  await s.stop();
  assert.equal((await stored(backend, "ann")).coins, 3);
});

test("another server's version is decoded: nothing of its change is lost", async () => {
  const backend = new MemoryBackend();
  const one = quickStore(backend, { defaultData: player }).store;
  const two = quickStore(backend, { defaultData: player }).store;
  const add = (store) =>
    store.action((d, n) => {
      d.coins += n;
      return d;
    });
  const mine = one.load("bob");
  mine.patch(add(one), 1);
  await mine.await();
  await mine.await();
  const theirs = two.load("bob");
  await theirs.await();
  theirs.patch(add(two), 10);
  await theirs.stop();
  mine.patch(add(one), 100);
  await mine.stop();
  assert.equal((await stored(backend, "bob")).coins, 111);
});

test("what an action stores on the draft is still checked: a non-JSON value is dropped with not_json", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { defaultData: player });
  const add = store.action((d) => {
    d.coins += 1;
    return d;
  });
  const bad = store.action((d) => {
    d.profile.when = new Date(0); // not JSON: JSON.stringify would turn it into a string
    return d;
  });
  const s = store.load("cat");
  s.patch(add);
  await s.await();
  await s.await();
  s.patch(add);
  s.patch(bad);
  s.patch(add);
  // The pull that meets it drops the action and saves the rest, and says so
  // (to onError from a background pull; stop() rejects with it as well).
  await s.stop().catch((error) => log.onError(error, "cat"));
  const codes = log.codes();
  assert.ok(codes.length > 0 && codes.every((c) => c === "not_json"), `reported: ${codes}`);
  const data = await stored(backend, "cat");
  assert.equal(data.coins, 3, "the other patches are saved");
  assert.equal(data.profile.when, undefined, "the Date was never stored, not even as a string");
});

/** `memory` behind a log of the calls the engine makes. */
function counted(memory) {
  const calls = [];
  const backend = {
    get: (store, key) => (calls.push("get"), memory.get(store, key)),
    put: (store, key, value, expected, meta) => (calls.push("put"), memory.put(store, key, value, expected, meta)),
  };
  return { backend, calls };
}

test("a save on the version the session holds is one conditional put, no read", async () => {
  const memory = new MemoryBackend();
  const { backend, calls } = counted(memory);
  const { store, log } = quickStore(backend, { pullDelay: 1000 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("bea");
  s.patch(add, 1);
  await s.await(); // written: the session holds the version it wrote
  s.patch(add, 2);
  calls.length = 0;
  await s.stop();
  assert.deepEqual(calls, ["put"], "the final save wrote on the version it knew, without reading it again");
  assert.equal((await stored(memory, "bea")).coins, 3);
  assert.deepEqual(log.errors, []);
});

/**
 * Server a saves after server b wrote the key behind its back: a holds the
 * version it wrote (`aWroteFirst`) or found the key absent. a's put (or
 * create) conflicts, then it reads, replays, and loses nothing.
 */
async function raced(key, aWroteFirst) {
  const memory = new MemoryBackend();
  const { backend, calls } = counted(memory);
  const a = quickStore(backend, { pullDelay: 1000 });
  const b = quickStore(memory, { pullDelay: 1000 });
  const addA = a.store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const addB = b.store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const sa = a.store.load(key);
  if (aWroteFirst) sa.patch(addA, 1);
  await sa.await(); // a holds the version it wrote, or knows the key is absent
  const sb = b.store.load(key);
  sb.patch(addB, 10);
  await sb.stop(); // what a holds is stale now
  sa.patch(addA, 1);
  calls.length = 0;
  await sa.stop();
  assert.deepEqual(calls, ["put", "get", "put"], "the put on what a held lost, the retry read first");
  assert.equal((await stored(memory, key)).coins, aWroteFirst ? 12 : 11, "every change of both servers is stored");
  assert.equal(a.store.stats().conflicts, 1);
  assert.deepEqual([...a.log.errors, ...b.log.errors], []);
}

test("another server wrote meanwhile: the put conflicts, the session reads, replays, and loses nothing", () => raced("cy", true));

test("another server created the key meanwhile: the create conflicts, the session reads, replays, and loses nothing", () =>
  raced("eve", false));

test("a new player's first save is one create-if-absent put: no read, no defaultData call, no replay", async () => {
  const memory = new MemoryBackend();
  const { backend, calls } = counted(memory);
  let defaults = 0;
  let runs = 0;
  const { store, log } = quickStore(backend, {
    pullDelay: 1000,
    defaultData: () => (defaults++, { coins: 0 }),
  });
  const add = store.action((d, n) => (runs++, { ...d, coins: d.coins + n }));
  const s = store.load("dee");
  await s.await(); // loaded: the key is absent, the session holds its default record
  s.patch(add, 1);
  s.patch(add, 2);
  calls.length = 0;
  const [defaultsBefore, runsBefore] = [defaults, runs];
  await s.stop();
  assert.deepEqual(calls, ["put"], "the final save created the key without reading it again");
  assert.equal(defaults - defaultsBefore, 0, "the default data was not made again");
  assert.equal(runs - runsBefore, 0, "the patches were not run again: the cache is their replay");
  assert.equal((await stored(memory, "dee")).coins, 3);
  assert.deepEqual(log.errors, []);
});
