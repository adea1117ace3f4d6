// A save of plain patches on the version the session holds does not run
// the actions again (src/engine/pull/build.rs, `Known::cache_follows`): the
// cache already is their replay on that version's data, and actions are
// pure. Anything whose replay on the record can differ from what ran on the
// cache is still replayed: exactly-once patches (the record's ids decide),
// another server's newer version, transactions.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, quickStore, stored, strict } from "./helpers.mjs";

test("a save of plain patches on the known version runs no action again and stores what the game saw", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { pullDelay: 1000 });
  let runs = 0;
  const add = store.action((d, n) => {
    runs++;
    d.coins += n;
    return d;
  });
  const s = store.load("eve");
  let seen;
  let news = 0;
  s.updated((d) => {
    seen = d;
    news++;
  });
  s.patch(add, 1);
  await s.await(); // written: the session holds the version it wrote
  runs = 0;
  s.patch(add, 2);
  s.patch(add, 3);
  const shown = news;
  await s.stop();
  assert.equal(runs, 2, "each patch ran once, on the cache; the save ran none of them again");
  assert.deepEqual(await stored(backend, "eve"), seen, "what is stored is what the game was shown");
  assert.equal(seen.coins, 6);
  assert.equal(news, shown, "the save changed nothing the game had seen: no update");
  assert.deepEqual(log.errors, []);
});

test("an exactly-once patch is replayed on the record: an id it already applied is not applied again", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { pullDelay: 1000 });
  const add = store.action((d, n) => {
    d.coins += n;
    return d;
  });
  const s = store.load("fay");
  let seen;
  s.updated((d) => (seen = d));
  const first = s.patchOnce("receipt-1", add, 5);
  await s.await(); // written: the session holds the version that applied receipt-1
  assert.equal(await first, true);
  const again = s.patchOnce("receipt-1", add, 5);
  s.patch(add, 1);
  assert.equal(seen.coins, 11, "the cache runs it at once, without the record's ids");
  await s.stop();
  assert.equal(await again, false, "the record had applied receipt-1 already");
  assert.equal((await stored(backend, "fay")).coins, 6, "stored once, with the plain patch after it");
  assert.equal(seen.coins, 6, "the game is shown the stored data");
  assert.deepEqual(log.errors, []);
});

test("another server's version is replayed on: the actions run again on its data", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const a = quickStore(backend, { pullDelay: 1000 });
  const b = quickStore(backend, { pullDelay: 1000 });
  let runs = 0;
  const addA = a.store.action((d, n) => {
    runs++;
    d.coins += n;
    return d;
  });
  const addB = b.store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const sa = a.store.load("gus");
  sa.patch(addA, 1);
  await sa.await();
  const sb = b.store.load("gus");
  sb.patch(addB, 10);
  await sb.stop(); // a's version is stale now
  runs = 0;
  sa.patch(addA, 100);
  await sa.stop();
  assert.equal(runs, 2, "once on the cache, once on the record b wrote");
  assert.equal((await stored(backend, "gus")).coins, 111);
  assert.deepEqual([...a.log.errors, ...b.log.errors], []);
});

// What the cache shares with the known version is known JSON and is not
// walked again when it is written (js/host/documents.js
// `isPlainJsonOver`); everything else still is. Each of these values would
// be turned into something else, or dropped, by JSON.stringify.
const notJson = {
  "a Date in a changed object": (d) => void (d.profile.when = new Date(0)),
  "NaN in an array element": (d) => void (d.items[0].level = NaN),
  "undefined pushed on an array": (d) => void d.items.push(undefined),
  "undefined over a stored number": (d) => void (d.items[0].level = undefined),
  "undefined under a new key": (d) => void (d.fresh = undefined),
  "a function under an inherited name": (d) => void (d.constructor = Object),
  "a key with a lone surrogate": (d) => void (d["\ud800"] = 1),
  "a hole in an array": (d) => void (d.items.length = 3),
  "a Map over a stored object": (d) => void (d.profile = new Map()),
  "a cycle": (d) => {
    const loop = {};
    loop.self = loop;
    d.loop = loop;
  },
  "a BigInt": (d) => void (d.profile.gems = 10n),
};

test("on the known version, a non-JSON value is caught wherever an action stores it", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const player = () => ({ coins: 0, items: [{ id: "sword", level: 1 }], profile: { name: "ann" } });
  const { store, log } = quickStore(backend, { pullDelay: 1000, defaultData: player });
  const add = store.action((d) => {
    d.coins += 1;
    return d;
  });
  for (const [name, change] of Object.entries(notJson)) {
    const bad = store.action((d) => (change(d), d));
    const s = store.load(name);
    s.patch(add);
    await s.await(); // written: the session holds the version it wrote
    log.errors.length = 0;
    s.patch(bad);
    s.patch(add);
    await s.stop().catch((error) => log.onError(error, name));
    const codes = log.codes();
    assert.ok(codes.length > 0 && codes.every((c) => c === "not_json"), `${name}: reported ${codes}`);
    assert.deepEqual(await stored(backend, name), { ...player(), coins: 2 }, `${name}: the rest is stored, the value is not`);
  }
});
