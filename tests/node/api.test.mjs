// Every call of the public surface (docs/api.md), on MemoryBackend.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Store, Session, View, MemoryBackend, SkiliftError, quickStore, stored, throwsCode,
} from "./helpers.mjs";

test("load, patch, updated, stop: the data is saved", async () => {
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend);
  assert.equal(store.name, "players");
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const session = store.load("p1");
  assert.ok(session instanceof Session);
  assert.equal(session.key, "p1");
  assert.equal(session.loaded(), false, "loads in the background");
  const seen = [];
  session.updated((d) => seen.push(d.coins));
  assert.deepEqual(seen, [0], "updated is called at once with the current data");
  assert.equal(session.patch(add, 5), true);
  assert.equal(session.patch(add, 2), true);
  assert.deepEqual(seen.slice(0, 3), [0, 5, 7]);
  await session.await();
  assert.equal(session.loaded(), true);
  await session.stop();
  assert.equal((await stored(backend, "p1")).coins, 7);
  assert.equal(session.bad(), undefined);
  assert.deepEqual(log.errors, []);
});

test("a cancelled patch changes nothing and returns false", async () => {
  const { store } = quickStore(new MemoryBackend());
  const never = store.action(() => undefined);
  const session = store.load("p");
  let calls = 0;
  session.updated(() => calls++);
  assert.equal(session.patch(never), false);
  assert.equal(calls, 1);
  await session.stop();
});

test("updated hands out deeply frozen data and unbinding stops the calls", async () => {
  const { store } = quickStore(new MemoryBackend());
  const push = store.action((d, item) => ({ ...d, items: [...d.items, item] }));
  const session = store.load("p");
  let last;
  let calls = 0;
  const unbind = session.updated((d) => { last = d; calls++; });
  const item = { name: "sword", stats: { atk: 3 } };
  session.patch(push, item);
  assert.ok(Object.isFrozen(last) && Object.isFrozen(last.items) && Object.isFrozen(last.items[0].stats));
  assert.throws(() => { "use strict"; last.items[0].stats.atk = 99; }, TypeError);
  item.stats.atk = 100; // the caller's object stays theirs and is not shared
  assert.equal(last.items[0].stats.atk, 3);
  assert.equal(Object.isFrozen(item), false, "arguments are copied, not frozen in place");
  unbind();
  unbind(); // harmless twice
  const before = calls;
  session.patch(push, 1);
  assert.equal(calls, before);
  await session.stop();
});

test("stop returns the same promise; stopped sessions refuse changes", async () => {
  const { store } = quickStore(new MemoryBackend());
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const session = store.load("p");
  const first = session.stop();
  assert.equal(session.stop(), first);
  await first;
  throwsCode(assert, () => session.patch(add, 1), "session_already_stopped");
  throwsCode(assert, () => session.updated(() => {}), "session_already_stopped");
  throwsCode(assert, () => session.userid(1), "session_already_stopped");
  await session.await(); // settles at once on a stopped session
});

test("patches made before the load completes are replayed on the loaded data", async () => {
  const backend = new MemoryBackend();
  const a = quickStore(backend).store;
  const add = a.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s1 = a.load("p");
  s1.patch(add, 100);
  await s1.stop();
  const s2 = a.load("p");
  s2.patch(add, 1); // before the load: applied to defaultData locally
  await s2.await();
  await s2.stop();
  assert.equal((await stored(backend, "p")).coins, 101);
});

test("userid ids are written with the entry and kept by writers that never set them", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("p");
  s.userid(42);
  s.userid(42);
  s.patch(add, 1);
  await s.stop();
  assert.deepEqual((await backend.get("players/global", "p")).userIds, [42]);
  const t = store.load("p");
  t.patch(add, 1);
  await t.stop();
  assert.deepEqual((await backend.get("players/global", "p")).userIds, [42]);
});

test("view: latest, version, timestamp, and undefined for unknown keys", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const view = store.view("p");
  assert.ok(view instanceof View);
  assert.equal(await view.latest(), undefined);
  const s = store.load("p");
  s.patch(add, 1);
  await s.await();
  const first = await backend.get("players/global", "p");
  s.patch(add, 1);
  await s.stop();
  const latest = await view.latest();
  assert.equal(latest.coins, 2);
  assert.ok(Object.isFrozen(latest));
  assert.equal((await view.version(first.version)).coins, 1);
  assert.equal(await view.version("no such version"), undefined);
  assert.equal((await view.timestamp(Date.now() + 1000)).coins, 2);
  assert.equal((await view.timestamp(new Date(first.time))).coins >= 1, true);
  assert.equal(await view.timestamp(0), undefined);
});

test("scope namespaces keys; store.close saves every session", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend, { scope: "eu" });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const a = store.load("a");
  const b = store.load("b");
  a.patch(add, 1);
  b.patch(add, 2);
  await store.close();
  assert.equal((await stored(backend, "a", "players/eu")).coins, 1);
  assert.equal((await stored(backend, "b", "players/eu")).coins, 2);
  assert.equal(await backend.get("players/global", "a"), null);
});

test("migrations run once per key, in order", async () => {
  const backend = new MemoryBackend();
  const v1 = quickStore(backend).store;
  const add = v1.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = v1.load("p");
  s.patch(add, 3);
  await s.stop();
  let runs = 0;
  const v2 = quickStore(backend, {
    migrations: [
      { step: "gems", migrate: (old) => { runs++; return { ...old, gems: 0 }; } },
      { step: "double", migrate: (old) => ({ ...old, coins: old.coins * 2 }) },
    ],
  }).store;
  v2.action(add);
  const t = v2.load("p");
  await t.await();
  t.patch(add, 1);
  await t.stop();
  const u = v2.load("p");
  await u.await();
  await u.stop();
  const data = await stored(backend, "p");
  assert.deepEqual({ coins: data.coins, gems: data.gems }, { coins: 7, gems: 0 });
  assert.equal(runs, 1, "the migration ran for the first load only");
});

test("SkiliftError is a real Error with a stack and a code", () => {
  try {
    new Store({});
    assert.fail("expected a throw");
  } catch (e) {
    assert.ok(e instanceof SkiliftError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "SkiliftError");
    assert.equal(e.code, "invalid_options");
    assert.equal(typeof e.stack, "string");
  }
});

test("a throwing action propagates unchanged and changes nothing", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const boom = new Error("boom");
  const explode = store.action((d) => { d.coins = 999; throw boom; });
  const s = store.load("p");
  s.patch(add, 1);
  let seen;
  s.updated((d) => (seen = d.coins));
  assert.throws(() => s.patch(explode), (e) => e === boom);
  assert.equal(seen, 1);
  await s.stop();
  assert.equal((await stored(backend, "p")).coins, 1);
});

test("a throwing updated callback is reported and does not poison the session", async () => {
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("p");
  const oops = new Error("callback broke");
  s.updated((d) => { if (d.coins === 1) throw oops; });
  let other = 0;
  s.updated((d) => (other = d.coins));
  assert.equal(s.patch(add, 1), true);
  assert.equal(other, 1, "later callbacks still run");
  assert.ok(log.errors.some((e) => e.error === oops && e.key === "p"));
  assert.equal(s.patch(add, 1), true);
  await s.stop();
  assert.equal((await stored(backend, "p")).coins, 2);
});

test("a throwing onError does not break anything", async () => {
  const backend = new MemoryBackend();
  const store = new Store({
    name: "players", defaultData: () => ({ coins: 0 }), backend, pullDelay: 0.02,
    onError: () => { throw new Error("onError itself throws"); },
  });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("p");
  const original = console.error;
  let consoleCalls = 0;
  console.error = () => consoleCalls++;
  try {
    s.updated(() => { throw new Error("callback"); });
  } finally {
    console.error = original;
  }
  assert.equal(consoleCalls, 1, "the failure of onError is still visible on the console");
  s.patch(add, 1);
  await s.stop();
  assert.equal((await stored(backend, "p")).coins, 1);
});

test("the default onError is console.warn", async () => {
  const { store } = { store: new Store({ name: "x", defaultData: () => ({}), backend: new MemoryBackend() }) };
  const s = store.load("k");
  const original = console.warn;
  const warned = [];
  console.warn = (...args) => warned.push(args);
  try {
    s.updated(() => { throw new Error("shown as a warning"); });
  } finally {
    console.warn = original;
  }
  assert.equal(warned.length, 1);
  assert.ok(warned[0].some((a) => a instanceof Error && a.message === "shown as a warning"));
  await s.stop();
});

test("Session and View cannot be constructed directly", () => {
  assert.throws(() => new Session({}), TypeError);
  assert.throws(() => new View({}), TypeError);
});

test("MemoryBackend alone: compare-and-set and history", async () => {
  const b = new MemoryBackend();
  assert.equal(await b.get("s", "k"), null);
  const v1 = await b.put("s", "k", "one", null, { userIds: [1] });
  assert.equal(typeof v1, "string");
  assert.equal(await b.put("s", "k", "two", null, { userIds: [] }), null, "must not exist");
  const v2 = await b.put("s", "k", "two", v1, { userIds: [] });
  assert.equal(await b.put("s", "k", "three", v1, { userIds: [] }), null, "stale expected");
  assert.deepEqual(await b.get("s", "k"), { value: "two", version: v2, time: (await b.get("s", "k")).time, userIds: [] });
  assert.equal((await b.getVersion("s", "k", v1)).value, "one");
  assert.equal(await b.getAtTime("s", "k", 0), null);
  assert.equal((await b.getAtTime("s", "k", Date.now() + 1)).value, "two");
});

test("a throwing defaultData propagates unchanged from load", () => {
  const boom = new Error("no default");
  const store = new Store({ name: "d", defaultData: () => { throw boom; }, backend: new MemoryBackend() });
  assert.throws(() => store.load("k"), (e) => e === boom);
});

test("patching from inside an action is refused; from an updated callback it is fine", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("k");
  const codes = [];
  const sneaky = store.action((d) => {
    try { s.patch(add, 100); } catch (e) { codes.push(e.code); }
    return d;
  });
  s.patch(sneaky);
  assert.deepEqual([...new Set(codes)], ["invalid_options"]);
  let once = true;
  s.updated((d) => { if (d.coins === 1 && once) { once = false; s.patch(add, 10); } });
  s.patch(add, 1);
  await s.stop();
  assert.equal((await stored(backend, "k")).coins, 11);
});
