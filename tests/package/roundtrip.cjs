// Checks that do not depend on how the package was loaded: given the
// package's exports (from `require` or `import`), use them as a game would.
"use strict";

const assert = require("node:assert/strict");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const http = require("node:http");
const { check, within, exportNames } = require("./check.cjs");

const MAIN_EXPORTS = ["MemoryBackend", "Session", "SkiliftError", "Store", "View", "strict", "transaction"];

/** A store of `{ coins, items }` with `addCoins` registered. */
function makeStore(skilift, backend, name = "players") {
  const store = new skilift.Store({ name, defaultData: () => ({ coins: 0, items: [] }), backend, pullDelay: 0.05 });
  const addCoins = store.action((data, n) => ({ ...data, coins: data.coins + n, items: [...data.items, n] }));
  return { store, addCoins };
}

async function saveAndReload(skilift, backend, key) {
  const first = makeStore(skilift, backend);
  const session = first.store.load(key);
  session.patch(first.addCoins, 5);
  await within(10000, session.stop(), "stop");
  const second = makeStore(skilift, backend);
  return within(10000, second.store.view(key).latest(), "view.latest");
}

/**
 * @param how "require" or "import" (for names)
 * @param skilift the main entry point
 * @param adapters `{ fs, fetch, server, postgres, redis, indexeddb }` entry points
 */
async function runAll(how, skilift, adapters) {
  await check(`${how} skilift: exports exactly the public names`, () => {
    assert.deepEqual(exportNames(skilift), MAIN_EXPORTS);
  });

  await check(`${how} skilift: load, patch, updated, stop, view on MemoryBackend`, async () => {
    const backend = new skilift.MemoryBackend();
    const { store, addCoins } = makeStore(skilift, backend);
    const session = store.load("player_1");
    assert.ok(session instanceof skilift.Session);
    const seen = [];
    const unbind = session.updated((data) => seen.push(data));
    assert.equal(session.patch(addCoins, 10), true);
    assert.deepEqual(seen.map((d) => d.coins), [0, 10]);
    assert.ok(Object.isFrozen(seen[1]) && Object.isFrozen(seen[1].items), "updated data is deeply frozen");
    unbind();
    await within(10000, session.await(), "session.await()");
    assert.equal(session.loaded(), true);
    assert.equal(session.bad(), undefined);
    session.userid(42);
    await within(10000, session.stop(), "stop");
    const view = store.view("player_1");
    assert.ok(view instanceof skilift.View);
    assert.deepEqual(await view.latest(), { coins: 10, items: [10] });
    const entry = await backend.get("players/global", "player_1");
    assert.deepEqual(entry.userIds, [42]);
    assert.deepEqual(await view.version(entry.version), { coins: 10, items: [10] });
    assert.deepEqual(await view.timestamp(Date.now()), { coins: 10, items: [10] });
    await store.close();
  });

  await check(`${how} skilift: errors are SkiliftErrors with a code; action exceptions pass through`, () => {
    const { store, addCoins } = makeStore(skilift, new skilift.MemoryBackend());
    const session = store.load("p");
    assert.throws(() => session.patch((d) => d), (e) => e instanceof skilift.SkiliftError && e instanceof Error && e.code === "action_invalid_function");
    assert.throws(() => new skilift.Store({ name: "x" }), (e) => e instanceof skilift.SkiliftError && e.code === "invalid_options");
    const mine = new RangeError("mine");
    const thrower = store.action(() => { throw mine; });
    assert.throws(() => session.patch(thrower), (e) => e === mine);
    assert.equal(typeof skilift.strict(), "boolean");
    assert.equal(skilift.strict(), true, "strict by default outside production");
    assert.throws(() => session.patch(addCoins, new Map()), (e) => e.code === "strict_pass_not_json_into_action");
    return session.stop();
  });

  await check(`${how} skilift: transaction commits`, async () => {
    const { store } = makeStore(skilift, new skilift.MemoryBackend());
    const give = store.transaction("give", (d, n) => ({ ...d, coins: d.coins + n }));
    const tom = store.load("tom");
    const bob = store.load("bob");
    const committed = await within(10000, skilift.transaction(() => { tom.patch(give, 3); }, () => { bob.patch(give, 3); }), "transaction");
    assert.equal(committed, true);
    await store.close();
    assert.equal((await store.view("tom").latest()).coins, 3);
  });

  await check(`${how} skilift/fs: FsBackend saves to disk and another store reads it`, async () => {
    assert.deepEqual(exportNames(adapters.fs), ["FsBackend"]);
    const dir = mkdtempSync(join(tmpdir(), "skilift-pkg-fs-"));
    try {
      const data = await saveAndReload(skilift, new adapters.fs.FsBackend(dir), "p1");
      assert.deepEqual(data, { coins: 5, items: [5] });
      const again = await new adapters.fs.FsBackend(dir).get("players/global", "p1");
      assert.equal(typeof again.version, "string");
      assert.throws(() => new adapters.fs.FsBackend(42), (e) => e instanceof skilift.SkiliftError && e.code === "invalid_options");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await check(`${how} skilift/server + skilift/fetch: a store over HTTP on 127.0.0.1`, async () => {
    assert.deepEqual(exportNames(adapters.server), ["createHandler"]);
    assert.deepEqual(exportNames(adapters.fetch), ["FetchBackend", "FetchBackendError"]);
    const memory = new skilift.MemoryBackend();
    const handler = adapters.server.createHandler(memory, { authorize: (req) => req.headers.authorization === "Bearer t" });
    const server = http.createServer(handler);
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${server.address().port}`;
      const data = await saveAndReload(skilift, new adapters.fetch.FetchBackend(url, { headers: { Authorization: "Bearer t" } }), "p1");
      assert.deepEqual(data, { coins: 5, items: [5] });
      assert.equal(JSON.parse((await memory.get("players/global", "p1")).value).data.coins, 5);
      const denied = new adapters.fetch.FetchBackend(url, { headers: { Authorization: "Bearer wrong" } });
      await assert.rejects(denied.get("players/global", "p1"), (e) => e instanceof adapters.fetch.FetchBackendError && e.status === 403);
    } finally {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  await check(`${how} skilift/postgres: loads without pg installed; PostgresBackend checks its pool`, () => {
    assert.deepEqual(exportNames(adapters.postgres), ["PostgresBackend"]);
    assert.throws(() => new adapters.postgres.PostgresBackend(null), (e) => e instanceof skilift.SkiliftError && e.code === "invalid_options");
  });

  await check(`${how} skilift/redis: loads without ioredis installed; RedisBackend checks its client`, () => {
    assert.deepEqual(exportNames(adapters.redis), ["RedisBackend"]);
    assert.throws(() => new adapters.redis.RedisBackend({}), (e) => e instanceof skilift.SkiliftError && e.code === "invalid_options");
  });

  await check(`${how} skilift/indexeddb: loads in Node; its errors are the SkiliftError of "skilift"`, () => {
    assert.deepEqual(exportNames(adapters.indexeddb), ["IndexedDbBackend"]);
    assert.throws(
      () => new adapters.indexeddb.IndexedDbBackend(42),
      (e) => {
        assert.equal(e.code, "invalid_options");
        assert.ok(e instanceof skilift.SkiliftError, "a second copy of SkiliftError: instanceof fails for users");
        return true;
      },
    );
  });
}

module.exports = { runAll };
