// IndexedDbBackend in a real browser: the backend kit (js/testing/kit.js,
// the same suites as `skilift/testing`: the contract, and the operations API
// through the browser build when pkg/ is built), then what is particular to
// IndexedDB (retention, clock steps, one lazy connection,
// other connections upgrading or deleting the database, bad arguments).
// Loaded by indexeddb.html; results go to tests/browser/run.mjs.

import { describe, it, skip, assert } from "./harness.js";
import { registerKit } from "../../js/testing/kit.js";
import { contractTests } from "../../js/testing/contract.js";
import { IndexedDbBackend } from "../../js/backends/indexeddb/index.js";
import { freshName, deleteDatabase } from "./databases.js";

const STORE = "players/global";

/** Runs `fn(backend, name)` on a fresh database and always deletes it. */
async function withDb(options, fn) {
  const name = freshName();
  const backend = new IndexedDbBackend(name, options);
  try {
    await fn(backend, name);
  } finally {
    await backend.close();
    await deleteDatabase(name);
  }
}

/** Runs `fn` with Date.now answering `now()`, then puts the clock back. */
async function withClock(now, fn) {
  const real = Date.now;
  Date.now = now;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

// One database is the shared storage; every client is a new connection to
// it, as another tab would open. The kit keeps the tests apart by store name.
const shared = freshName();
const open = () => new IndexedDbBackend(shared);
const close = (client) => client.close();
const built = await fetch("../../pkg/esm/index.js", { method: "HEAD" })
  .then((r) => r.ok)
  .catch(() => false);
if (built) {
  const skilift = await import("../../pkg/esm/index.js");
  registerKit("IndexedDbBackend", open, { close }, { skilift, describe, it, assert });
} else {
  // The contract suite alone: the operations API needs the built Store.
  contractTests("IndexedDbBackend", async () => {
    const backend = open();
    return { backend, another: async () => backend, close: () => close(backend) };
  }, { describe, it, assert });
  skip("operations API on IndexedDbBackend", "pkg/ not built (scripts/build.sh)");
}

const invalid = { code: "invalid_options" };

describe("IndexedDbBackend", () => {
  it("bad constructor arguments throw invalid_options", () => {
    assert.throws(() => new IndexedDbBackend(5), invalid);
    assert.throws(() => new IndexedDbBackend(""), invalid);
    assert.throws(() => new IndexedDbBackend("x", null), invalid);
    for (const keepVersions of [0, -1, 1.5, NaN, "3"]) {
      assert.throws(() => new IndexedDbBackend("x", { keepVersions }), invalid, `keepVersions ${keepVersions}`);
    }
    assert.throws(() => new IndexedDbBackend("x", { indexedDB: {} }), invalid);
    assert.equal(new IndexedDbBackend().dbName, "skilift");
    assert.equal(new IndexedDbBackend(undefined, { keepVersions: Infinity }).dbName, "skilift");
  });

  it("bad method arguments reject with invalid_options", () =>
    withDb({}, async (b) => {
      await assert.rejects(b.get(1, "k"), invalid);
      await assert.rejects(b.get(STORE, null), invalid);
      await assert.rejects(b.put(STORE, "k", { a: 1 }, null, { userIds: [] }), invalid);
      await assert.rejects(b.put(STORE, "k", "1", 5, { userIds: [] }), invalid);
      await assert.rejects(b.put(STORE, "k", "1", null, { userIds: "7" }), invalid);
      await assert.rejects(b.put(STORE, "k", "1", null, { userIds: [NaN] }), invalid);
      await assert.rejects(b.put(STORE, "k", "1", null, null), invalid);
      await assert.rejects(b.getVersion(STORE, "k", 1), invalid);
      await assert.rejects(b.getAtTime(STORE, "k", NaN), invalid);
      await assert.rejects(b.getAtTime(STORE, "k", "now"), invalid);
      assert.equal(await b.get(STORE, "k"), null, "nothing was written");
    }));

  it("version tokens are opaque strings; foreign tokens find nothing", () =>
    withDb({}, async (b) => {
      const v1 = await b.put(STORE, "k", "1", null, { userIds: [] });
      const v2 = await b.put(STORE, "k", "2", v1, { userIds: [] });
      assert.equal(typeof v1, "string");
      assert.notEqual(v1, v2);
      // Upper case only when it differs: a random part of hex digits alone (1 in 280) has none.
      const upper = v1.toUpperCase() === v1 ? [] : [v1.toUpperCase()];
      for (const token of ["1", "", "1.zz", "0.000000000000", ...upper, `${v1}x`]) {
        assert.equal(await b.getVersion(STORE, "k", token), null, `token ${JSON.stringify(token)}`);
      }
      // The same seq on another key is another token.
      const w1 = await b.put(STORE, "other", "1", null, { userIds: [] });
      assert.notEqual(w1, v1);
      assert.equal(await b.getVersion(STORE, "k", w1), null);
    }));

  it("a version token from a deleted and rebuilt database never matches", async () => {
    const name = freshName();
    const b = new IndexedDbBackend(name);
    try {
      const old = await b.put(STORE, "k", "1", null, { userIds: [] });
      await b.close();
      await deleteDatabase(name);
      await b.put(STORE, "k", "fresh", null, { userIds: [] });
      assert.equal(await b.put(STORE, "k", "2", old, { userIds: [] }), null);
      assert.equal((await b.get(STORE, "k")).value, "fresh");
    } finally {
      await b.close();
      await deleteDatabase(name);
    }
  });

  it("keepVersions prunes old versions; the current one always stays", () =>
    withDb({ keepVersions: 3 }, async (b) => {
      const versions = [];
      let v = null;
      for (let i = 1; i <= 6; i++) {
        v = await b.put(STORE, "k", String(i), v, { userIds: [i] });
        versions.push(v);
      }
      for (const [i, token] of versions.entries()) {
        const e = await b.getVersion(STORE, "k", token);
        if (i < 3) assert.equal(e, null, `version ${i + 1} pruned`);
        else assert.equal(e?.value, String(i + 1), `version ${i + 1} kept`);
      }
      assert.equal((await b.get(STORE, "k")).value, "6");
      const oldestKept = await b.getVersion(STORE, "k", versions[3]);
      assert.equal(await b.getAtTime(STORE, "k", oldestKept.time - 1), null, "before the oldest kept version");
      // Another key is pruned on its own.
      await b.put(STORE, "j", "x", null, { userIds: [] });
      assert.equal((await b.getVersion(STORE, "k", versions[5])).value, "6");
    }));

  it("keepVersions: 1 keeps only the current version", () =>
    withDb({ keepVersions: 1 }, async (b) => {
      const v1 = await b.put(STORE, "k", "1", null, { userIds: [] });
      const v2 = await b.put(STORE, "k", "2", v1, { userIds: [] });
      assert.equal(await b.getVersion(STORE, "k", v1), null);
      assert.equal((await b.getVersion(STORE, "k", v2)).value, "2");
      assert.equal(await b.put(STORE, "k", "3", v1, { userIds: [] }), null, "a pruned version is stale");
    }));

  it("by default the last 100 versions are kept; Infinity keeps all", async () => {
    for (const [options, kept] of [
      [{}, 100],
      [{ keepVersions: Infinity }, 103],
    ]) {
      await withDb(options, async (b) => {
        const versions = [];
        let v = null;
        for (let i = 1; i <= 103; i++) versions.push((v = await b.put(STORE, "k", String(i), v, { userIds: [] })));
        let found = 0;
        for (const token of versions) if (await b.getVersion(STORE, "k", token)) found++;
        assert.equal(found, kept, JSON.stringify(options));
        assert.equal(await b.getVersion(STORE, "k", versions[103 - kept - 1] ?? "none"), null);
      });
    }
  });

  it("time never goes back, even when the clock does", () =>
    withDb({}, async (b) => {
      const real = Date.now();
      const v1 = await withClock(() => real, () => b.put(STORE, "k", "1", null, { userIds: [] }));
      const v2 = await withClock(() => real - 3_600_000, () => b.put(STORE, "k", "2", v1, { userIds: [] }));
      const e1 = await b.getVersion(STORE, "k", v1);
      const e2 = await b.getVersion(STORE, "k", v2);
      assert.equal(e1.time, real);
      assert.ok(e2.time >= e1.time, `${e2.time} >= ${e1.time}`);
      assert.equal((await b.getAtTime(STORE, "k", e1.time)).value, "2", "the last written at that time");
    }));

  it("getAtTime with several versions at the same time answers the last written", () =>
    withDb({}, async (b) => {
      const t = 1_700_000_000_000;
      await withClock(
        () => t,
        async () => {
          let v = null;
          for (const value of ["a", "b", "c"]) v = await b.put(STORE, "k", value, v, { userIds: [] });
        },
      );
      assert.equal((await b.getAtTime(STORE, "k", t)).value, "c");
      assert.equal((await b.getAtTime(STORE, "k", t + 1)).value, "c");
      assert.equal(await b.getAtTime(STORE, "k", t - 1), null);
      assert.equal((await b.getAtTime(STORE, "k", Infinity)).value, "c");
      assert.equal(await b.getAtTime(STORE, "k", -Infinity), null);
    }));

  it("userIds are copied in and out", () =>
    withDb({}, async (b) => {
      const ids = [3, 1];
      await b.put(STORE, "k", "1", null, { userIds: ids });
      ids.push(99);
      const e = await b.get(STORE, "k");
      assert.deepEqual(e.userIds, [3, 1]);
      e.userIds.push(5);
      assert.deepEqual((await b.get(STORE, "k")).userIds, [3, 1]);
      const v = await b.put(STORE, "j", "1", null, undefined);
      assert.deepEqual((await b.getVersion(STORE, "j", v)).userIds, [], "no meta: no user ids");
    }));

  it("store and key never run together (arrays, not joined strings)", () =>
    withDb({}, async (b) => {
      await b.put("a\u0000b", "c", "1", null, { userIds: [] });
      await b.put("a", "b\u0000c", "2", null, { userIds: [] });
      await b.put("a", "b", "3", null, { userIds: [] });
      assert.equal((await b.get("a\u0000b", "c")).value, "1");
      assert.equal((await b.get("a", "b\u0000c")).value, "2");
      assert.equal((await b.get("a", "b")).value, "3");
      assert.equal(await b.get("a", ""), null);
    }));

  it("opens the database once, lazily, and reuses the connection", async () => {
    const name = freshName();
    let opens = 0;
    const factory = {
      open: (...args) => {
        opens++;
        return indexedDB.open(...args);
      },
    };
    const b = new IndexedDbBackend(name, { indexedDB: factory });
    try {
      assert.equal(opens, 0, "not opened by the constructor");
      await Promise.all(Array.from({ length: 20 }, (_, i) => b.put(STORE, `k${i}`, "1", null, { userIds: [] })));
      await Promise.all(Array.from({ length: 20 }, (_, i) => b.get(STORE, `k${i}`)));
      await b.getAtTime(STORE, "k1", Date.now() + 1000);
      assert.equal(opens, 1);
      await b.close();
      assert.equal((await b.get(STORE, "k3")).value, "1", "usable after close");
      assert.equal(opens, 2);
    } finally {
      await b.close();
      await deleteDatabase(name);
    }
  });

  it("calls racing close() still answer", () =>
    withDb({}, async (b) => {
      await b.put(STORE, "k", "1", null, { userIds: [] });
      const [, , e] = await Promise.all([b.get(STORE, "k"), b.close(), b.get(STORE, "k"), b.close()]);
      assert.equal(e.value, "1");
      const [v] = await Promise.all([b.put(STORE, "k", "2", e.version, { userIds: [] }), b.close()]);
      assert.equal(typeof v, "string");
      assert.equal((await b.get(STORE, "k")).version, v);
    }));

  it("a failed open rejects that call; the next call opens again", async () => {
    const name = freshName();
    let opens = 0;
    const factory = {
      open: (...args) => {
        opens++;
        if (opens === 1) throw new DOMException("storage is off", "UnknownError");
        return indexedDB.open(...args);
      },
    };
    const b = new IndexedDbBackend(name, { indexedDB: factory });
    try {
      const error = await b.get(STORE, "k").then(
        () => null,
        (e) => e,
      );
      assert.ok(error instanceof Error, "rejects with an Error");
      assert.notEqual(error.code, "invalid_options", "a storage failure is not a bad argument");
      assert.equal(error.cause?.name, "UnknownError");
      assert.equal(await b.get(STORE, "k"), null);
      assert.equal(opens, 2);
    } finally {
      await b.close();
      await deleteDatabase(name);
    }
  });

  it("another tab deleting the database is not blocked; the backend reopens afterwards", () =>
    withDb({}, async (b, name) => {
      await b.put(STORE, "k", "1", null, { userIds: [] });
      const { blocked } = await deleteDatabase(name);
      assert.equal(blocked, false, "the open connection stepped aside");
      assert.equal(await b.get(STORE, "k"), null, "the data went with the database");
      assert.equal(typeof (await b.put(STORE, "k", "2", null, { userIds: [] })), "string");
      assert.equal((await b.get(STORE, "k")).value, "2");
    }));

  it("a database upgraded by a newer version rejects with a clear error, not a hang", () =>
    withDb({}, async (b, name) => {
      await b.put(STORE, "k", "1", null, { userIds: [] });
      const newer = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name, 3);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        // Stays unresolved if blocked: the hang guard reports that.
      });
      newer.close();
      await assert.rejects(b.get(STORE, "k"), { message: /newer skilift/ });
    }));

  it("a write resolves only once committed: a second connection sees it at once", () =>
    withDb({}, async (b, name) => {
      const other = new IndexedDbBackend(name);
      try {
        const v = await b.put(STORE, "k", "1", null, { userIds: [4] });
        const e = await other.get(STORE, "k");
        assert.equal(e?.version, v);
        assert.deepEqual(e.userIds, [4]);
      } finally {
        await other.close();
      }
    }));

  it("two backends on one database (two connections) racing lose nothing", () =>
    withDb({}, async (b, name) => {
      const other = new IndexedDbBackend(name);
      try {
        const increment = async (backend, times) => {
          for (let i = 0; i < times; i++) {
            for (;;) {
              const e = await backend.get(STORE, "race");
              const n = e ? JSON.parse(e.value).n : 0;
              const v = await backend.put(STORE, "race", JSON.stringify({ n: n + 1 }), e?.version ?? null, {
                userIds: [],
              });
              if (v !== null) break;
            }
          }
        };
        const writers = [b, other].flatMap((backend) => Array.from({ length: 4 }, () => increment(backend, 10)));
        await Promise.all(writers);
        assert.equal(JSON.parse((await b.get(STORE, "race")).value).n, 80);
      } finally {
        await other.close();
      }
    }));
});

// With the engine (when the package has been built into pkg/ by scripts/build.sh).
if (built) {
  describe("IndexedDbBackend with the engine", () => {
    it("a Store saves through IndexedDB and a second Store sees it", () =>
      withDb({}, async (backend) => {
        const { Store } = await import("../../pkg/esm/index.js");
        const options = { name: "players", defaultData: () => ({ coins: 0 }), backend, pullDelay: 0.05 };
        const a = new Store(options);
        const addCoins = a.action((data, n) => ({ ...data, coins: data.coins + n }));
        const session = a.load("alice");
        session.userid(42);
        session.patch(addCoins, 5);
        await session.stop();
        const b = new Store(options);
        assert.deepEqual(await b.view("alice").latest(), { coins: 5 });
        const entry = await backend.get("players/global", "alice");
        assert.deepEqual(entry.userIds, [42]);
        await a.close();
        await b.close();
      }));
  });
} else {
  skip("IndexedDbBackend with the engine", "pkg/ not built (scripts/build.sh)");
}
