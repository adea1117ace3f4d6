// Every error code of docs/errors.md that JS can reach, each from the call
// that raises it.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Store, MemoryBackend, transaction, quickStore, rejectsCode, stored, throwsCode, until,
} from "./helpers.mjs";

const valid = () => ({ name: "s", defaultData: () => ({ n: 0 }), backend: new MemoryBackend() });

test("invalid_options: bad store options throw at once", () => {
  const cases = [
    undefined,
    null,
    "players",
    { ...valid(), name: undefined },
    { ...valid(), name: 5 },
    { ...valid(), name: "a/b" },
    { ...valid(), scope: "x/y" },
    { ...valid(), defaultData: undefined },
    { ...valid(), defaultData: {} },
    { ...valid(), backend: undefined },
    { ...valid(), backend: {} },
    { ...valid(), backend: { get() {} } },
    { ...valid(), pullDelay: "15" },
    { ...valid(), pullDelay: -1 },
    { ...valid(), pullDelay: NaN },
    { ...valid(), transactionTimeout: 0 },
    { ...valid(), migrations: {} },
    { ...valid(), migrations: [{ step: "a" }] },
    { ...valid(), migrations: [{ step: "a", migrate: (x) => x }, { step: "a", migrate: (x) => x }] },
    { ...valid(), schema: true },
    { ...valid(), onError: "log" },
    { ...valid(), pulldelay: 1 },
  ];
  for (const options of cases) {
    throwsCode(assert, () => new Store(options), "invalid_options");
  }
});

test("invalid_options: bad arguments to calls throw at once", async () => {
  const store = new Store(valid());
  throwsCode(assert, () => store.load(5), "invalid_options");
  throwsCode(assert, () => store.load(), "invalid_options");
  throwsCode(assert, () => store.view({}), "invalid_options");
  throwsCode(assert, () => store.action("fn"), "invalid_options");
  throwsCode(assert, () => store.transaction(1, () => {}), "invalid_options");
  throwsCode(assert, () => store.transaction("", () => {}), "invalid_options");
  const f = store.transaction("one", (d) => d);
  throwsCode(assert, () => store.transaction("two", f), "invalid_options");
  throwsCode(assert, () => store.transaction("one", (d) => d), "invalid_options");
  const s = store.load("k");
  throwsCode(assert, () => s.updated("nope"), "invalid_options");
  throwsCode(assert, () => s.userid("42"), "invalid_options");
  throwsCode(assert, () => s.userid(Infinity), "invalid_options");
  const view = store.view("k");
  throwsCode(assert, () => view.version(3), "invalid_options");
  throwsCode(assert, () => view.timestamp("yesterday"), "invalid_options");
  throwsCode(assert, () => transaction("nope"), "invalid_options");
  throwsCode(assert, () => transaction(() => {}, 5), "invalid_options");
  await s.stop();
});

test("invalid_options: numbers in messages are printed as JavaScript prints them", async () => {
  const message = (fn) => {
    try {
      fn();
    } catch (e) {
      return e.message;
    }
    assert.fail("it did not throw");
  };
  assert.match(message(() => new Store({ ...valid(), pullDelay: -0.25 })), /got -0\.25$/);
  assert.match(message(() => new Store({ ...valid(), pullDelay: NaN })), /got NaN$/);
  assert.match(message(() => new Store({ ...valid(), onceRetention: -1e21 })), /got -1e\+21$/);
  const s = new Store(valid()).load("k");
  assert.match(message(() => s.userid(-Infinity)), /got -Infinity$/);
  await s.stop();
});

test("action_invalid_function: patching with an unregistered function", async () => {
  const a = new Store(valid());
  const b = new Store({ ...valid(), name: "t" });
  const onB = b.action((d) => d);
  const s = a.load("k");
  throwsCode(assert, () => s.patch((d) => d), "action_invalid_function");
  throwsCode(assert, () => s.patch(onB), "action_invalid_function");
  throwsCode(assert, () => s.patch("not a function"), "action_invalid_function");
  await s.stop();
});

test("schema_validation_error: a patch whose result fails the schema is refused", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend, { schema: (d) => d.coins >= 0 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("k");
  s.patch(add, 2);
  throwsCode(assert, () => s.patch(add, -5), "schema_validation_error");
  await s.stop();
  assert.equal((await stored(backend, "k")).coins, 2);
});

test("history_unsupported: a backend without getVersion/getAtTime", async () => {
  const memory = new MemoryBackend();
  const backend = { get: (...a) => memory.get(...a), put: (...a) => memory.put(...a) };
  const store = new Store({ ...valid(), backend });
  const view = store.view("k");
  assert.equal(await view.latest(), undefined);
  await rejectsCode(assert, view.version("1"), "history_unsupported");
  await rejectsCode(assert, view.timestamp(Date.now()), "history_unsupported");
});

test("bad_data: an undecodable record makes the session bad and is never overwritten", async () => {
  const backend = new MemoryBackend();
  await backend.put("players/global", "k", "this is not json", null, { userIds: [] });
  await backend.put("players/global", "j", JSON.stringify({ some: "json without the envelope" }), null, { userIds: [] });
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  for (const key of ["k", "j"]) {
    const s = store.load(key);
    s.patch(add, 1);
    await s.await();
    await until(() => s.bad(), "the session to go bad");
    assert.equal(typeof s.bad(), "string");
    throwsCode(assert, () => s.patch(add, 1), "session_already_stopped");
    await s.stop();
    await rejectsCode(assert, store.view(key).latest(), "bad_data");
    const { version } = await backend.get("players/global", key);
    await rejectsCode(assert, store.view(key).version(version), "bad_data");
  }
  assert.equal((await backend.get("players/global", "k")).value, "this is not json");
  assert.ok(log.codes().includes("bad_data"));
});

test("needs_newer_version: a migration step this server does not know (data from a newer server)", async () => {
  const backend = new MemoryBackend();
  const newer = quickStore(backend, { migrations: [{ step: "v2", migrate: (d) => ({ ...d, v: 2 }) }] }).store;
  const touch = newer.action((d) => ({ ...d, coins: 1 }));
  const s = newer.load("k");
  s.patch(touch);
  await s.stop();
  const { store: older, log } = quickStore(backend);
  const t = older.load("k");
  await until(() => t.bad(), "the session to go bad");
  assert.match(t.bad(), /"v2".*not marked backwardsCompatible.*newer version/);
  assert.deepEqual(log.codes(), ["needs_newer_version"]);
  assert.deepEqual([older.stats().bad, older.stats().needsNewerVersion], [0, 1]);
});

test("a migration that throws or returns undefined makes the session bad, naming the step", async () => {
  const backend = new MemoryBackend();
  const first = quickStore(backend).store;
  const touch = first.action((d) => ({ ...d, coins: 1 }));
  const s = first.load("k");
  s.patch(touch);
  await s.stop();
  for (const migrate of [() => undefined, () => { throw new Error("migration broke"); }]) {
    const { store } = quickStore(backend, { migrations: [{ step: "addGems", migrate }] });
    const t = store.load("k");
    await until(() => t.bad(), "the session to go bad");
    assert.match(t.bad(), /addGems/);
  }
});

test("backend_invalid_response: garbage is reported and retried, never written over", async () => {
  const memory = new MemoryBackend();
  let garbage = 2;
  const backend = {
    get: async (...a) => (garbage-- > 0 ? { value: 1, version: 2 } : memory.get(...a)),
    put: (...a) => memory.put(...a),
  };
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("k");
  s.patch(add, 1);
  await s.await();
  await s.stop();
  assert.ok(log.codes().includes("backend_invalid_response"));
  assert.equal((await stored(memory, "k")).coins, 1);
  assert.equal(s.bad(), undefined);
});

test("not_json (outside strict mode): the bad action is dropped, the rest saved, stop rejects", async () => {
  const { strict } = await import("./helpers.mjs");
  strict(false);
  try {
    const backend = new MemoryBackend();
    const { store, log } = quickStore(backend, { pullDelay: 60 });
    const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
    const when = store.action((d) => ({ ...d, when: new Date(0) }));
    const s = store.load("k");
    await s.await(); // loaded: the next save is the final one
    s.patch(add, 1);
    s.patch(when);
    s.patch(add, 2);
    await rejectsCode(assert, s.stop(), "not_json");
    const data = await stored(backend, "k");
    assert.equal(data.coins, 3);
    assert.equal("when" in data, false);
    assert.ok(log.codes().includes("not_json"));
  } finally {
    strict(true);
  }
});
