// options.schema as a Standard Schema v1 validator (docs/api.md#schema):
// a real Zod schema, hand-written validators for the corners of the spec
// (path segments `{ key }`, keys that are not identifiers, issues without a
// path, a validator that is a function like ArkType's), asynchronous
// validators refused at `new Store` or at the first check that shows them,
// and a patch that passed on the cache but fails on replay.

import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Store, MemoryBackend, SkiliftError, errorLog, quickStore, stored, throwsCode, until } from "./helpers.mjs";

/** A Standard Schema v1 validator whose validate is `fn`. */
function validator(fn, vendor = "test") {
  return { "~standard": { version: 1, vendor, validate: fn } };
}

const inventory = z.object({
  coins: z.number().min(0),
  inventory: z.array(z.object({ name: z.string(), count: z.number().int() })),
});

test("a Zod schema: a valid patch applies, an invalid one throws schema_validation_error naming each issue's path and message", async () => {
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { schema: inventory, defaultData: () => ({ coins: 0, inventory: [] }) });
  const add = store.action((d, name, count) => ({ ...d, inventory: [...d.inventory, { name, count }] }));
  const spend = store.action((d, n) => ({ ...d, coins: d.coins - n }));
  const s = store.load("p1");
  for (let i = 0; i < 3; i++) assert.equal(s.patch(add, `item${i}`, 1), true);
  let seen;
  s.updated((d) => (seen = d));
  const before = seen;
  throwsCode(assert, () => s.patch(add, "bad", "3"), "schema_validation_error");
  try {
    s.patch(add, "bad", "3");
  } catch (e) {
    assert.match(e.message, /schema of store "players"/);
    assert.match(e.message, /data\.inventory\[3\]\.count: [^;]*expected number/);
  }
  // Two issues at once: both are listed, each with its path.
  const both = store.action((d) => ({ ...d, coins: -1, inventory: [{ name: 7, count: 1 }] }));
  assert.throws(
    () => s.patch(both),
    (e) => e instanceof SkiliftError && e.code === "schema_validation_error" &&
      /data\.coins: /.test(e.message) && /data\.inventory\[0\]\.name: /.test(e.message) && e.message.includes("; "),
  );
  throwsCode(assert, () => s.patch(spend, 1), "schema_validation_error");
  assert.equal(seen, before, "a refused patch changes nothing and fires no updated");
  await s.stop();
  assert.deepEqual(await stored(backend, "p1"), {
    coins: 0,
    inventory: [0, 1, 2].map((i) => ({ name: `item${i}`, count: 1 })),
  });
  assert.deepEqual(log.codes(), []);
});

test("issue paths in the library's style: segments { key }, numbers, keys that are not identifiers, symbols, no path", () => {
  const issues = [
    { message: "segments", path: [{ key: "inventory" }, { key: 3 }, { key: "count" }] },
    { message: "mixed", path: ["inventory", 0, { key: "display name" }] },
    { message: "symbol", path: [Symbol("tag")] },
    { message: "root", path: [] },
    { message: "no path" },
  ];
  const { store } = quickStore(new MemoryBackend(), {
    schema: validator((value) => (value.coins === 0 ? { value } : { issues })),
  });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const s = store.load("p1");
  assert.throws(
    () => s.patch(add),
    (e) => {
      assert.equal(e.code, "schema_validation_error");
      const listed = e.message.slice(e.message.indexOf(": ") + 2);
      assert.equal(
        listed,
        'data.inventory[3].count: segments; data.inventory[0]["display name"]: mixed; data[Symbol(tag)]: symbol; data: root; data: no path',
      );
      return true;
    },
  );
  s.stop();
});

test("validate gets the data and runs with ~standard as this; its exception passes through unchanged", () => {
  const seen = [];
  const props = {
    version: 1,
    vendor: "test",
    validate(value) {
      seen.push({ self: this, value });
      if (value.coins > 1) throw new RangeError("validator broke");
      return { value };
    },
  };
  const { store } = quickStore(new MemoryBackend(), { schema: { "~standard": props } });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const s = store.load("p1");
  assert.equal(s.patch(add), true);
  assert.equal(seen.at(-1).self, props);
  assert.equal(seen.at(-1).value.coins, 1);
  assert.throws(() => s.patch(add), RangeError);
  s.stop();
});

test("a validator that is a function with ~standard (like an ArkType type) is used as a Standard Schema, not as a predicate", () => {
  const arkLike = () => true; // as a predicate it would pass everything
  arkLike["~standard"] = { version: 1, vendor: "arktype-like", validate: (v) => (v.coins < 2 ? { value: v } : { issues: [{ message: "too rich", path: ["coins"] }] }) };
  const { store } = quickStore(new MemoryBackend(), { schema: arkLike });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const s = store.load("p1");
  assert.equal(s.patch(add), true);
  assert.throws(() => s.patch(add), (e) => e.code === "schema_validation_error" && e.message.endsWith("data.coins: too rich"));
  s.stop();
});

test("the plain predicate keeps working", () => {
  const { store } = quickStore(new MemoryBackend(), { schema: (d) => d.coins < 1 });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const s = store.load("p1");
  assert.throws(() => s.patch(add), (e) => e.code === "schema_validation_error" && e.message.endsWith('schema of store "players"'));
  s.stop();
});

test("an asynchronous validator is refused with invalid_options when the Store is made", () => {
  const valid = { name: "s", defaultData: () => ({ coins: 0 }), backend: new MemoryBackend() };
  let unhandled = 0;
  const count = () => unhandled++;
  process.on("unhandledRejection", count);
  try {
    for (const schema of [
      validator(async (value) => ({ value })),
      validator((value) => Promise.resolve({ value })),
      validator(() => Promise.reject(new Error("async and failing"))),
      z.object({ coins: z.number() }).refine(async () => true),
    ]) {
      assert.throws(
        () => new Store({ ...valid, schema }),
        (e) => e instanceof SkiliftError && e.code === "invalid_options" && /answered a Promise for the default data/.test(e.message),
      );
    }
  } finally {
    setImmediate(() => process.off("unhandledRejection", count));
  }
  return new Promise((r) => setImmediate(r)).then(() => assert.equal(unhandled, 0, "the refused Promise's rejection is handled"));
});

test("malformed ~standard objects are refused with invalid_options", () => {
  const valid = { name: "s", defaultData: () => ({ coins: 0 }), backend: new MemoryBackend() };
  for (const schema of [
    { "~standard": { version: 2, vendor: "v", validate: (value) => ({ value }) } },
    { "~standard": { version: 1, vendor: "v" } },
    { "~standard": "yes" },
    { notASchema: true },
  ]) {
    throwsCode(assert, () => new Store({ ...valid, schema }), "invalid_options");
  }
});

test("a validator that turns asynchronous only for some data is refused at that patch with invalid_options; nothing changes", async () => {
  // The refinement is only reached once `item` is set: the default data
  // validates synchronously, so the Store can be made.
  const schema = z.object({
    coins: z.number(),
    item: z.string().refine(async () => true).optional(),
  });
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend, { schema, defaultData: () => ({ coins: 0 }) });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const give = store.action((d, item) => ({ ...d, item }));
  const s = store.load("p1");
  assert.equal(s.patch(add), true);
  assert.throws(
    () => s.patch(give, "sword"),
    (e) => e instanceof SkiliftError && e.code === "invalid_options" && /answered a Promise for this data/.test(e.message),
  );
  await s.stop();
  assert.deepEqual(await stored(backend, "p1"), { coins: 1 });
  assert.deepEqual(log.codes(), []);
});

test("validate answering something that is not a result throws invalid_options", () => {
  const { store } = quickStore(new MemoryBackend(), { schema: validator((value) => (value.coins === 0 ? { value } : 42)) });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const s = store.load("p1");
  throwsCode(assert, () => s.patch(add), "invalid_options");
  s.stop();
});

test("a patch valid on the cache but invalid on the fresh data is dropped on replay and reported with its issues", async () => {
  const backend = new MemoryBackend();
  const schema = z.object({ coins: z.number().max(10) });
  const log = errorLog();
  const options = { name: "players", defaultData: () => ({ coins: 0 }), backend, schema, pullDelay: 3600, onError: log.onError };
  const a = new Store(options);
  const b = new Store(options);
  const addA = a.action((d, n) => ({ ...d, coins: d.coins + n }));
  const addB = b.action((d, n) => ({ ...d, coins: d.coins + n }));
  const sa = a.load("p1");
  const sb = b.load("p1");
  // The pull delay is an hour: after the loads, only stop() pulls.
  await until(() => sa.loaded() && sb.loaded(), "both loads");
  assert.equal(sb.patch(addB, 8), true);
  await sb.stop(); // stored: coins 8
  assert.equal(sa.patch(addA, 5), true); // 0 + 5 on A's cache: valid
  await sa.stop(); // replayed on 8: 13 > 10, dropped
  assert.deepEqual(log.codes(), ["schema_validation_error"]);
  assert.match(log.errors[0].error.message, /data\.coins: /);
  assert.equal(log.errors[0].key, "p1");
  assert.deepEqual(await stored(backend, "p1"), { coins: 8 });
});
