// Rolling deploys through the public API (docs/api.md#rolling-deploys): an
// older and a newer Store on one key, a migration step marked
// backwardsCompatible, records carrying fields and `requires` names of newer
// engines, and `needs_newer_version` from every entry point (onError,
// session.bad(), update, updateOnce, restore, views, stats, the CLI restore).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { MemoryBackend, closedAfterEach, rejectsCode, throwsCode, until, Store } from "./helpers.mjs";

const quickStore = closedAfterEach();

const NS = "players/global";
const addGems = (d) => ({ ...d, gems: 0 });
const GEMS = { step: "gems", migrate: addGems, backwardsCompatible: true };

/** The stored envelope of a key, parsed. */
async function envelope(backend, key) {
  const entry = await backend.get(NS, key);
  return entry === null ? null : JSON.parse(entry.value);
}

/** An older store (no steps) and a newer one (`steps`), with coin and gem actions. */
function fleet(backend, steps = [GEMS]) {
  const older = quickStore(backend);
  // Default data is in the newest shape: the steps count as done on it.
  const newer = quickStore(backend, { migrations: steps, defaultData: () => ({ coins: 0, items: [], gems: 0 }) });
  return {
    older,
    newer,
    coin: older.store.action((d, n) => ({ ...d, coins: d.coins + n })),
    newCoin: newer.store.action((d, n) => ({ ...d, coins: d.coins + n })),
    gem: newer.store.action((d, n) => ({ ...d, gems: d.gems + n })),
  };
}

test("backwardsCompatible must be a boolean, and a step has no other keys", () => {
  const backend = new MemoryBackend();
  const migrate = (d) => d;
  throwsCode(assert, () => quickStore(backend, { migrations: [{ step: "a", migrate, backwardsCompatible: "yes" }] }), "invalid_options");
  assert.throws(() => quickStore(backend, { migrations: [{ step: "a", migrate, backwardsCompatible: 1 }] }), /options\.migrations\[0\]\.backwardsCompatible must be true or false, got number 1/);
  assert.throws(() => quickStore(backend, { migrations: [{ step: "a", migrate, backwardCompatible: true }] }), /options\.migrations\[0\] has unknown key "backwardCompatible"/);
  for (const backwardsCompatible of [true, false, undefined]) quickStore(backend, { migrations: [{ step: "a", migrate, backwardsCompatible }] });
});

test("an older and a newer server patch one key at once: nothing stops, every change lands, the new field and its mark survive", async () => {
  const backend = new MemoryBackend();
  const { older, newer, coin, newCoin, gem } = fleet(backend);
  const a = older.store.load("p");
  await a.await();
  const b = newer.store.load("p");
  await b.await();
  for (let i = 0; i < 40; i++) {
    a.patch(coin, 1);
    b.patch(newCoin, 10);
    b.patch(gem, 1);
    if (i % 8 === 0) await new Promise((r) => setTimeout(r, 25));
  }
  await Promise.all([a.stop(), b.stop()]);
  const record = await envelope(backend, "p");
  assert.deepEqual(record.data, { coins: 440, items: [], gems: 40 });
  assert.deepEqual([record.migrations, record.compatible], [["gems"], ["gems"]]);
  assert.equal(a.bad(), undefined);
  assert.deepEqual(older.log.codes(), []);
  assert.deepEqual(newer.log.codes(), []);
  assert.deepEqual([older.store.stats().bad, older.store.stats().needsNewerVersion], [0, 0]);
  // The older server's writes kept the newer server's field: its own last
  // write came after gems existed (it loaded a record with the step).
  assert.ok(older.store.stats().writes > 0);
});

test("an older server views, updates and restores a key with a compatible step it lacks, keeping step, mark and fields", async () => {
  const backend = new MemoryBackend();
  const { older, newer, coin, gem } = fleet(backend);
  await newer.store.update("p", gem, 5);
  const first = (await backend.get(NS, "p")).version;
  assert.deepEqual(await older.store.view("p").latest(), { coins: 0, items: [], gems: 5 });
  assert.equal(await older.store.update("p", coin, 3), true);
  assert.equal(await older.store.updateOnce("p", "r1", coin, 1), true);
  let record = await envelope(backend, "p");
  assert.deepEqual(record.data, { coins: 4, items: [], gems: 5 });
  assert.deepEqual([record.migrations, record.compatible], [["gems"], ["gems"]]);
  await older.store.restore("p", first);
  record = await envelope(backend, "p");
  assert.deepEqual(record.data, { coins: 0, items: [], gems: 5 });
  assert.deepEqual([record.migrations, record.compatible], [["gems"], ["gems"]]);
  assert.deepEqual(older.log.codes(), []);
});

test("a newer server migrates an older server's record, and restoring an older version there keeps its steps for the newer one to run", async () => {
  const backend = new MemoryBackend();
  const { older, newer, coin, newCoin } = fleet(backend);
  await older.store.update("p", coin, 2);
  const old = (await backend.get(NS, "p")).version;
  await newer.store.update("p", newCoin, 1);
  let record = await envelope(backend, "p");
  assert.deepEqual(record.data, { coins: 3, items: [], gems: 0 });
  assert.deepEqual(record.compatible, ["gems"]);
  // The older server restores a version without the step: the record says
  // so (no step, no mark), and the newer server migrates it again.
  await older.store.restore("p", old);
  record = await envelope(backend, "p");
  assert.deepEqual([record.data, record.migrations, record.compatible], [{ coins: 2, items: [] }, [], undefined]);
  assert.deepEqual(await newer.store.view("p").latest(), { coins: 2, items: [], gems: 0 });
});

test("needs_newer_version: a step not marked compatible stops the older server everywhere, counted apart from bad data", async () => {
  const backend = new MemoryBackend();
  const { older, newer, coin, gem } = fleet(backend, [{ step: "gems", migrate: addGems }]);
  await newer.store.update("p", gem, 1);
  const version = (await backend.get(NS, "p")).version;
  const before = (await backend.get(NS, "p")).value;
  const s = older.store.load("p");
  await until(() => s.bad(), "the session to stop");
  assert.match(s.bad(), /migration step "gems", which this server does not know and which is not marked backwardsCompatible/);
  assert.match(s.bad(), /move this player to a server running the newer version/);
  throwsCode(assert, () => s.patch(coin, 1), "session_already_stopped");
  await rejectsCode(assert, older.store.update("p", coin, 1), "needs_newer_version");
  await rejectsCode(assert, older.store.updateOnce("p", "r", coin, 1), "needs_newer_version");
  await rejectsCode(assert, older.store.restore("p", version), "needs_newer_version");
  await rejectsCode(assert, older.store.view("p").latest(), "needs_newer_version");
  // Reported once per session stopped: the load's, and the one-shot
  // sessions of update and updateOnce (restore refuses before writing).
  assert.deepEqual(older.log.codes(), Array(3).fill("needs_newer_version"));
  const stats = older.store.stats();
  assert.deepEqual([stats.bad, stats.needsNewerVersion], [0, 3]);
  assert.equal((await backend.get(NS, "p")).value, before, "nothing was written");
});

test("needs_newer_version: an unknown `requires` name, a newer format, an unregistered pending action; garbage stays bad_data", async () => {
  const backend = new MemoryBackend();
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const base = '"migrations":[],"pending":[],"writers":{},"data":{"coins":1,"items":[]}';
  const pending = `[{"id":"t1","success":[{"action":"gift","args":[1]}],"failure":[],"created":${Date.now()}}]`;
  const records = {
    requires: `{"skilift":1,"requires":["sharded"],${base}}`,
    format: `{"skilift":2,${base},"shards":4}`,
    action: `{"skilift":1,"migrations":[],"pending":${pending},"writers":{},"data":{"coins":1,"items":[]}}`,
    garbage: `{"skilift":1,"migrations":[]}`,
  };
  for (const [key, value] of Object.entries(records)) await backend.put(NS, key, value, null, { userIds: [] });
  for (const key of Object.keys(records)) {
    const code = key === "garbage" ? "bad_data" : "needs_newer_version";
    const s = store.load(key);
    await until(() => s.bad(), `${key} to stop`);
    await rejectsCode(assert, store.update(key, add, 1), code);
    assert.equal((await backend.get(NS, key)).value, records[key], `${key} is never written`);
  }
  const s = store.load("requires");
  await until(() => s.bad());
  assert.match(s.bad(), /requires feature "sharded"/);
  assert.deepEqual([store.stats().bad, store.stats().needsNewerVersion], [2, 7]);
  const codes = log.codes();
  assert.deepEqual([codes.filter((c) => c === "bad_data").length, codes.filter((c) => c === "needs_newer_version").length], [2, 7]);
});

test("fields of a newer engine survive every write of this one: patches, update, updateOnce, restore", async () => {
  const backend = new MemoryBackend();
  const value = '{"skilift":1,"migrations":[],"pending":[],"writers":{},"shards":{"n":[1, 2]},"data":{"coins":1,"items":[]},"z":null}';
  await backend.put(NS, "p", value, null, { userIds: [] });
  const first = (await backend.get(NS, "p")).version;
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const s = store.load("p");
  s.patch(add, 1);
  await s.stop();
  await store.update("p", add, 10);
  await store.updateOnce("p", "r", add, 100);
  const kept = (text) => {
    assert.ok(text.includes(',"shards":{"n":[1, 2]},"z":null,"data":'), text);
  };
  kept((await backend.get(NS, "p")).value);
  assert.equal((await envelope(backend, "p")).data.coins, 112);
  await store.restore("p", first);
  kept((await backend.get(NS, "p")).value);
  assert.equal((await envelope(backend, "p")).data.coins, 1);
  assert.deepEqual(log.codes(), []);
});

test("the CLI's restore keeps the fields of a newer engine and the marks of the version restored", async () => {
  const dir = await mkdtemp(join(tmpdir(), "skilift-rolling-"));
  try {
    const backend = new FsBackend(dir);
    const newer = new Store({ name: "players", defaultData: () => ({ coins: 0, gems: 0 }), migrations: [GEMS], backend, pullDelay: 3600 });
    const gem = newer.action((d, n) => ({ ...d, gems: d.gems + n }));
    await newer.update("p", gem, 1);
    const first = (await backend.get(NS, "p")).version;
    await newer.update("p", gem, 1);
    await newer.close();
    // A newer engine's field on the current record.
    const current = await backend.get(NS, "p");
    const withField = current.value.replace(',"data":', ',"future":[1,{"a":2}],"data":');
    await backend.put(NS, "p", withField, current.version, { userIds: [] });
    const bin = fileURLToPath(new URL("../../pkg/cjs/cli/main.cjs", import.meta.url));
    const out = await new Promise((resolve) => {
      const child = execFile(bin, ["restore", dir, "players", "p", "--version", first], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
      child.stdin.end();
    });
    assert.equal(out.code, 0, out.stderr);
    const record = await envelope(backend, "p");
    assert.deepEqual(record.data, { coins: 0, gems: 1 });
    assert.deepEqual(record.future, [1, { a: 2 }]);
    assert.deepEqual([record.migrations, record.compatible], [["gems"], ["gems"]]);
    const shown = await new Promise((resolve) => execFile(bin, ["inspect", dir, "players", "p"], (error, stdout) => resolve(stdout)));
    assert.match(shown, /^compatible gems \(older servers may write this key\)$/m);
    assert.match(shown, /^fields     future \(of a newer skilift; kept by every write\)$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
