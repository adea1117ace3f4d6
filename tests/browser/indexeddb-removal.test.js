// IndexedDbBackend's removal and listing beyond the shared contract, in a
// real browser: a database made by version 1 of the layout (before
// `removed` existed) is upgraded with its rows kept, a removal leaves no
// row with data behind (only the last seq, in `removed`), and seqs go on
// across a removal. (The operations API runs in indexeddb.test.js, with
// the rest of the kit.) Loaded by indexeddb.html after indexeddb.test.js.

import { describe, it, skip, assert } from "./harness.js";
import { IndexedDbBackend } from "../../js/backends/indexeddb/index.js";

const STORE = "players/global";
const freshName = () => `skilift-removal-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Every record of `objectStore` in the database `name` (opened at its current version). */
async function rawRecords(name, objectStore) {
  const db = await request(indexedDB.open(name));
  try {
    if (!db.objectStoreNames.contains(objectStore)) return [];
    return await request(db.transaction(objectStore).objectStore(objectStore).getAll());
  } finally {
    db.close();
  }
}

async function withDb(fn) {
  const name = freshName();
  const backend = new IndexedDbBackend(name);
  try {
    await fn(backend, name);
  } finally {
    await backend.close();
    await request(indexedDB.deleteDatabase(name));
  }
}

describe("IndexedDbBackend removal", () => {
  it("a database of layout version 1 is upgraded with its rows kept", async () => {
    const name = freshName();
    // What version 1 made: one object store and its time index, rows seq 1..n.
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      const versions = open.result.createObjectStore("versions", { keyPath: ["store", "key", "seq"] });
      versions.createIndex("byTime", ["store", "key", "time"]);
    };
    const old = await request(open);
    const tx = old.transaction("versions", "readwrite");
    const rows = [
      { store: STORE, key: "b", seq: 1, version: "1.aaaaaaaaaaaa", time: 1000, value: "b1", userIds: [5] },
      { store: STORE, key: "b", seq: 2, version: "2.bbbbbbbbbbbb", time: 2000, value: "b2", userIds: [6] },
      { store: STORE, key: "a", seq: 1, version: "1.cccccccccccc", time: 1500, value: "a1", userIds: [6] },
    ];
    for (const row of rows) tx.objectStore("versions").add(row);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    old.close();
    const b = new IndexedDbBackend(name);
    try {
      assert.equal((await b.get(STORE, "b")).value, "b2");
      assert.deepEqual(await b.list(STORE), ["a", "b"]);
      assert.deepEqual(await b.keysByUser(STORE, 6), ["a", "b"]);
      assert.deepEqual((await b.history(STORE, "b")).map((v) => v.version), ["2.bbbbbbbbbbbb", "1.aaaaaaaaaaaa"]);
      await b.remove(STORE, "b");
      const again = await b.put(STORE, "b", "new", null, { userIds: [] });
      assert.match(again, /^3\./, "seq 3: on from the removed key's last seq");
      assert.equal(await b.put(STORE, "b", "stale", "2.bbbbbbbbbbbb", { userIds: [] }), null);
    } finally {
      await b.close();
      await request(indexedDB.deleteDatabase(name));
    }
  });

  it("a removal leaves no row with the data, only the key's last seq", () =>
    withDb(async (b, name) => {
      let v = null;
      for (let i = 0; i < 4; i++) v = await b.put(STORE, "gone", `secret-${i}`, v, { userIds: [9] });
      await b.put(STORE, "stays", "x", null, { userIds: [9] });
      await b.remove(STORE, "gone");
      const versions = await rawRecords(name, "versions");
      assert.deepEqual(versions.map((r) => r.key), ["stays"]);
      assert.deepEqual(await rawRecords(name, "removed"), [{ store: STORE, key: "gone", seq: 4 }]);
      assert.ok(!JSON.stringify(versions).includes("secret"));
    }));

  it("seqs go on across removals; removing a missing key writes nothing", () =>
    withDb(async (b, name) => {
      await b.remove(STORE, "never");
      assert.deepEqual(await rawRecords(name, "removed"), []);
      const seqOf = (token) => parseInt(token.split(".")[0], 36);
      let v = null;
      for (let i = 0; i < 3; i++) v = await b.put(STORE, "k", `${i}`, v, { userIds: [] });
      await b.remove(STORE, "k");
      v = await b.put(STORE, "k", "again", null, { userIds: [] });
      assert.equal(seqOf(v), 4);
      await b.remove(STORE, "k");
      assert.equal(seqOf(await b.put(STORE, "k", "third", null, { userIds: [] })), 5);
    }));
});
