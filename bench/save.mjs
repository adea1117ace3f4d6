// The saves a game makes, each measured three ways side by side: 1,000
// keys of the 1 KB player, `CHANGES.top` as every change, MemoryBackend.
// Each figure is per key, as CPU time (`process.cpuUsage`: this process's
// work) and as wall time (what a busy server's throughput follows: waits the
// engine adds itself, such as timers or promise hops, show there and not in
// CPU time).
//
// The paths (rows):
//   - one writer: 10 changes queued on a key stored before, nobody wrote
//     since: skilift's save is one put conditional on the version the
//     session holds, of the data its patches made (no read, no replay);
//   - create: 10 changes on a key never stored (a new player's first save);
//   - stale version: 10 changes, and another store wrote every key after the
//     sessions loaded: the put on the held version fails, then a read, the
//     replay of the 10 changes on the other store's data, and a put;
//   - update: `store.update(key, change)` on a stored key: read, one change,
//     compare-and-set (a gift to an offline player);
//   - updateOnce: the same, with an exactly-once id.
// The contenders (columns):
//   - the synchronous plain-JS floor: JSON.parse (or the default data),
//     the changes, JSON.stringify, a version check and set on a Map, deep
//     freeze; no promise, no record format, no history: the least any save
//     can cost (for update and updateOnce: one change; updateOnce also
//     keeps the id in a Set);
//   - the async floor: the same work, each key's read and conditional write
//     made through the same MemoryBackend skilift saves to (`await get`,
//     `await put(…, expected version)`, every key at once as skilift's
//     sessions save), still with no record format, no history of writers,
//     no JSON check; on the stale path it first makes the failed put a
//     writer holding an old version makes (its data encoded, the put
//     refused). It is what the Backend contract's promises and the
//     backend's own work add to the floor, whatever library sits on it:
//     a save cannot be faster than it on this backend;
//   - PouchDB + pouchdb-upsert on the memory adapter: `upsert` is the read →
//     change → compare-and-set (retried on a `_rev` conflict) a developer
//     would write on a document store; it reads on every path;
//   - skilift, through its public API;
//   - skilift on FsBackend / on SqliteBackend, one writer only: the same
//     save on the embedded backends that keep the data on disk (a fresh
//     directory, a fresh database file per round; fsync on every write, as
//     in a game); their CPU includes the file system's work in libuv's
//     threads and in SQLite.

import { CHANGES, DOCUMENTS, deepFreeze, jsonCopy } from "./documents.mjs";
import { ROUNDS, cpuSince, interleave, median } from "./measure.mjs";
import { PouchDB } from "./peers.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MemoryBackend, Store, failFast } from "./skilift.mjs";
import { FsBackend } from "../pkg/cjs/backends/fs/index.cjs";
import { SqliteBackend } from "../pkg/cjs/backends/sqlite/index.cjs";

export const KEYS = 1000;
export const CHANGES_PER_KEY = 10;

const doc = DOCUMENTS[0].make();
const text = JSON.stringify(doc);
const change = CHANGES.top;

let sink = 0;
const updated = (data) => {
  sink += data.money;
};

/** The save paths, in report order: `changes` each key receives, whether the key exists first. */
export const PATHS = [
  { name: "one writer", changes: CHANGES_PER_KEY, stored: true },
  { name: "create", changes: CHANGES_PER_KEY, stored: false },
  { name: "stale version", changes: CHANGES_PER_KEY, stored: true, stale: true },
  { name: "update", changes: 1, stored: true, update: true },
  { name: "updateOnce", changes: 1, stored: true, update: true, once: true },
];

/** Times `fn` (sync or async) and returns `{ cpu, wall }` in µs per key. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await fn();
  const wall = (performance.now() - w0) * 1000;
  return { cpu: cpuSince(c0) / KEYS, wall: wall / KEYS };
}

/** Throws unless the stored document carries exactly the changes of `path` (and the other store's, when stale). */
function checkStored(who, path, data) {
  if (data.money !== path.changes) throw new Error(`bench: ${who}, ${path.name}: stored money ${data.money}, not ${path.changes}`);
  if (path.stale && data.level !== doc.level + 1) throw new Error(`bench: ${who}, ${path.name}: lost the other writer's change`);
}

async function floor(path) {
  const map = new Map();
  if (path.stored) for (let k = 0; k < KEYS; k++) map.set(`k${k}`, { value: text, version: 1 });
  const seen = new Set();
  const time = await timed(() => {
    for (let k = 0; k < KEYS; k++) {
      const key = `k${k}`;
      const entry = map.get(key);
      if (path.once) {
        if (seen.has(`gift-${k}`)) continue;
        seen.add(`gift-${k}`);
      }
      let data = entry ? JSON.parse(entry.value) : jsonCopy(doc);
      for (let a = 0; a < path.changes; a++) data = change(data);
      const value = JSON.stringify(data);
      if (map.get(key)?.version !== entry?.version) throw new Error("bench: conflict in a single-threaded floor");
      map.set(key, { value, version: (entry?.version ?? 0) + 1 });
      updated(deepFreeze(data));
    }
  });
  checkStored("floor", { ...path, stale: false }, JSON.parse(map.get("k0").value));
  return time;
}

async function asyncFloor(path) {
  const backend = new MemoryBackend();
  const store = "async-floor";
  const held = [];
  // On the stale path, the data each holder made before the timer (as a
  // session's patches are applied before its save is timed).
  const mine = [];
  if (path.stored) {
    for (let k = 0; k < KEYS; k++) held.push(await backend.put(store, `k${k}`, text, null));
    if (path.stale) {
      // The other writer: every key's version moves on under the holder.
      const other = JSON.stringify({ ...doc, level: doc.level + 1 });
      for (let k = 0; k < KEYS; k++) await backend.put(store, `k${k}`, other, held[k]);
      for (let k = 0; k < KEYS; k++) {
        let data = jsonCopy(doc);
        for (let a = 0; a < path.changes; a++) data = change(data);
        mine.push(data);
      }
    }
  }
  const seen = new Set();
  const time = await timed(() =>
    Promise.all(
      Array.from({ length: KEYS }, async (_, k) => {
        const key = `k${k}`;
        if (path.once) {
          if (seen.has(`gift-${k}`)) return;
          seen.add(`gift-${k}`);
        }
        if (path.stale) {
          // The holder's optimistic put of its own data, on the version it loaded.
          if ((await backend.put(store, key, JSON.stringify(mine[k]), held[k])) !== null) throw new Error("bench: a stale put was accepted");
        }
        const entry = await backend.get(store, key);
        let data = entry ? JSON.parse(entry.value) : jsonCopy(doc);
        for (let a = 0; a < path.changes; a++) data = change(data);
        if ((await backend.put(store, key, JSON.stringify(data), entry?.version ?? null)) === null) {
          throw new Error("bench: conflict in the async floor (nobody else writes)");
        }
        updated(deepFreeze(data));
      }),
    ),
  );
  checkStored("async floor", path, JSON.parse((await backend.get(store, "k0")).value));
  return time;
}

async function pouch(path, round) {
  // A fresh database per round: the memory adapter keeps databases by name.
  const db = new PouchDB(`bench-save-${round}-${Math.random()}`, { adapter: "memory" });
  if (path.stored) await db.bulkDocs(Array.from({ length: KEYS }, (_, k) => ({ _id: `k${k}`, ...jsonCopy(doc) })));
  if (path.stale) {
    // The other writer's change: a read-modify-write of every key first.
    await Promise.all(Array.from({ length: KEYS }, (_, k) => db.upsert(`k${k}`, (d) => ({ ...d, level: d.level + 1 }))));
  }
  const time = await timed(() =>
    Promise.all(
      Array.from({ length: KEYS }, async (_, k) => {
        let saved;
        await db.upsert(`k${k}`, (stored) => {
          // A missing document is `{}` to upsert: start from the default data.
          let data = stored._rev === undefined ? jsonCopy(doc) : stored;
          for (let a = 0; a < path.changes; a++) data = change(data);
          saved = data;
          return data;
        });
        updated(deepFreeze(saved));
      }),
    ),
  );
  checkStored("PouchDB", path, await db.get("k0"));
  await db.destroy();
  return time;
}

async function skilift(path, round, backend = new MemoryBackend()) {
  const options = { name: `save${round}`, defaultData: () => jsonCopy(doc), backend, pullDelay: 1e6, onError: failFast };
  if (path.stored) {
    const seed = new Store(options);
    const touch = seed.action((data) => data);
    for (let k = 0; k < KEYS; k++) seed.load(`k${k}`).patch(touch);
    await seed.close();
  }
  const store = new Store(options);
  const action = store.action(change);
  let time;
  if (path.update) {
    time = await timed(() =>
      Promise.all(
        Array.from({ length: KEYS }, (_, k) =>
          path.once ? store.updateOnce(`k${k}`, `gift-${k}`, action) : store.update(`k${k}`, action),
        ),
      ),
    );
  } else {
    const sessions = Array.from({ length: KEYS }, (_, k) => store.load(`k${k}`));
    await Promise.all(sessions.map((s) => s.await()));
    for (const s of sessions) {
      s.updated(updated);
      for (let a = 0; a < path.changes; a++) s.patch(action);
    }
    if (path.stale) {
      const other = new Store(options);
      const level = other.action((data) => ({ ...data, level: data.level + 1 }));
      await Promise.all(Array.from({ length: KEYS }, (_, k) => other.update(`k${k}`, level)));
      await other.close();
    }
    time = await timed(() => Promise.all(sessions.map((s) => s.stop())));
  }
  checkStored("skilift", path, await new Store(options).view("k0").latest());
  const conflicts = store.stats().conflicts;
  const expected = path.stale ? KEYS : 0;
  if (conflicts !== expected) throw new Error(`bench: ${conflicts} conflicts in skilift's ${path.name} save, not ${expected}`);
  await store.close();
  return time;
}

/** `use(open(dir))` on a fresh temp directory, removed afterwards (after `close`). */
async function onDisk(open, use, close = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), "skilift-bench-save-"));
  const opened = open(dir);
  try {
    return await use(opened);
  } finally {
    close(opened);
    rmSync(dir, { recursive: true, force: true });
  }
}

const ONE_WRITER = ["one writer"];
const CONTENDERS = [
  { name: "plain-JS floor", run: floor },
  { name: "async floor", run: asyncFloor },
  { name: "PouchDB", run: pouch },
  { name: "skilift", run: skilift },
  {
    name: "skilift on FsBackend",
    paths: ONE_WRITER,
    run: (path, round) => onDisk((dir) => new FsBackend(dir), (backend) => skilift(path, round, backend)),
  },
  {
    name: "skilift on SqliteBackend",
    paths: ONE_WRITER,
    run: (path, round) =>
      onDisk(
        (dir) => new Database(join(dir, "bench.db")),
        (database) => skilift(path, round, new SqliteBackend(database)),
        (database) => database.close(),
      ),
  },
];

/**
 * Returns `[{ path, floor, async floor, PouchDB, skilift }]`, each contender's
 * `{ cpu, wall }` µs per key: medians of interleaved rounds (one untimed
 * warm-up round first), path by path.
 */
export async function benchSave(progress = () => {}) {
  const rows = [];
  for (const path of PATHS) {
    const contenders = CONTENDERS.filter((c) => !c.paths || c.paths.includes(path.name));
    for (const c of contenders) await c.run(path, -1);
    const results = await interleave(contenders, ROUNDS, (c, r) => c.run(path, r));
    const row = { path: path.name, changes: path.changes };
    contenders.forEach((c, i) => {
      row[c.name] = { cpu: median(results[i].map((t) => t.cpu)), wall: median(results[i].map((t) => t.wall)) };
    });
    rows.push(row);
    progress(`save ${path.name} done`);
  }
  if (sink === 0) throw new Error("bench: the updated callbacks never ran");
  return rows;
}
