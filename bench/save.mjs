// The save cycle: 1,000 keys, each stored once before, each with 10 queued
// changes; a save reads the stored record, replays the changes on it,
// writes the result back with a compare-and-set, and hands the new frozen
// snapshot to an `updated` callback. Reported as CPU microseconds per key
// (`process.cpuUsage`, so time spent waiting counts for nobody).
//
// The contenders:
//   - synchronous plain-JS floor: JSON.parse, replay, JSON.stringify, a
//     version check and set on a Map, deep freeze; no promise, no record
//     format, no history: the least any save can cost;
//   - PouchDB + pouchdb-upsert on the memory adapter: `upsert` is the same
//     read → replay → compare-and-set (it retries on a `_rev` conflict) that
//     a developer would write on a document store;
//   - skilift: 1,000 sessions loaded on MemoryBackend, 10 patches queued on
//     each (outside the measurement, as the others' changes are queued
//     outside theirs), then the CPU of `stop()` of all of them: the final
//     save of each. A session holds the version it loaded, and nothing was
//     written since, so its save is the one that skilift makes whenever it
//     is the only writer of a key: one put conditional on that version,
//     of the data the patches already made (docs/overview.md), no read and
//     no replay. The outcome is the cycle's: what a read and a replay would
//     have written, or a conflict if anything was written since;
//   - skilift, stale version: the same, but another store wrote every key
//     after the sessions loaded (outside the measurement), so each save is
//     the whole cycle: the put on the held version fails, then a read, the
//     replay of the 10 changes on the other store's data, and the put;
//   - skilift on FsBackend / on SqliteBackend: the first skilift save, on
//     the embedded backends that keep the data on disk (a fresh directory,
//     a fresh database file per round; fsync on every write, as they do in
//     a game); their CPU includes the file system's work in libuv's
//     threads and in SQLite.
// All replay the same change (`CHANGES.top`) on the same 1 KB document.

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

/** Throws unless the stored document carries exactly the 10 replayed changes. */
function checkStored(name, data) {
  if (data.money !== CHANGES_PER_KEY) throw new Error(`bench: ${name} stored money ${data.money}, not ${CHANGES_PER_KEY}`);
}

const contenders = [
  {
    name: "plain-JS floor",
    async run() {
      const map = new Map();
      for (let k = 0; k < KEYS; k++) map.set(`k${k}`, { value: text, version: 1 });
      const t0 = process.cpuUsage();
      for (let k = 0; k < KEYS; k++) {
        const key = `k${k}`;
        const entry = map.get(key);
        let data = JSON.parse(entry.value);
        for (let a = 0; a < CHANGES_PER_KEY; a++) data = change(data);
        const value = JSON.stringify(data);
        if (map.get(key).version !== entry.version) throw new Error("bench: conflict in a single-threaded floor");
        map.set(key, { value, version: entry.version + 1 });
        updated(deepFreeze(data));
      }
      const cpu = cpuSince(t0);
      checkStored(this.name, JSON.parse(map.get("k0").value));
      return cpu / KEYS;
    },
  },
  {
    name: "PouchDB",
    async run(round) {
      // A fresh database per round: the memory adapter keeps databases by name.
      const db = new PouchDB(`bench-save-${round}-${Math.random()}`, { adapter: "memory" });
      await db.bulkDocs(Array.from({ length: KEYS }, (_, k) => ({ _id: `k${k}`, ...jsonCopy(doc) })));
      const t0 = process.cpuUsage();
      await Promise.all(
        Array.from({ length: KEYS }, async (_, k) => {
          let saved;
          await db.upsert(`k${k}`, (stored) => {
            let data = stored;
            for (let a = 0; a < CHANGES_PER_KEY; a++) data = change(data);
            saved = data;
            return data;
          });
          updated(deepFreeze(saved));
        }),
      );
      const cpu = cpuSince(t0);
      checkStored(this.name, await db.get("k0"));
      await db.destroy();
      return cpu / KEYS;
    },
  },
  {
    name: "skilift",
    run: (round) => skiliftSave(round, false),
  },
  {
    name: "skilift, stale version",
    run: (round) => skiliftSave(round, true),
  },
  {
    name: "skilift on FsBackend",
    run: (round) => onDisk((dir) => new FsBackend(dir), (backend) => skiliftSave(round, false, backend)),
  },
  {
    name: "skilift on SqliteBackend",
    run: (round) =>
      onDisk(
        (dir) => new Database(join(dir, "bench.db")),
        (database) => skiliftSave(round, false, new SqliteBackend(database)),
        (database) => database.close(),
      ),
  },
];

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

/**
 * skilift's final saves of 1,000 sessions with 10 queued patches each, in
 * CPU µs per key; `stale`: another store writes every key after the
 * sessions loaded, so that each save finds a newer version.
 */
async function skiliftSave(round, stale, backend = new MemoryBackend()) {
  const options = { name: `save${round}${stale ? "s" : ""}`, defaultData: () => jsonCopy(doc), backend, pullDelay: 1e6, onError: failFast };
  // Every key stored once before, as in the others' map and database.
  const seed = new Store(options);
  const touch = seed.action((data) => data);
  for (let k = 0; k < KEYS; k++) seed.load(`k${k}`).patch(touch);
  await seed.close();

  const store = new Store(options);
  const action = store.action(change);
  const sessions = Array.from({ length: KEYS }, (_, k) => store.load(`k${k}`));
  await Promise.all(sessions.map((s) => s.await()));
  for (const s of sessions) {
    s.updated(updated);
    for (let a = 0; a < CHANGES_PER_KEY; a++) s.patch(action);
  }
  if (stale) {
    const other = new Store(options);
    const level = other.action((data) => ({ ...data, level: data.level + 1 }));
    await Promise.all(Array.from({ length: KEYS }, (_, k) => other.update(`k${k}`, level)));
    await other.close();
  }
  const t0 = process.cpuUsage();
  await Promise.all(sessions.map((s) => s.stop()));
  const cpu = cpuSince(t0);
  const view = await new Store(options).view("k0").latest();
  checkStored(stale ? "skilift, stale version" : "skilift", view);
  if (stale && view.level !== doc.level + 1) throw new Error("bench: the stale save lost the other store's change");
  const conflicts = store.stats().conflicts;
  if (stale ? conflicts !== KEYS : conflicts !== 0) throw new Error(`bench: ${conflicts} conflicts in the ${stale ? "stale" : "plain"} save, not ${stale ? KEYS : 0}`);
  await store.close();
  return cpu / KEYS;
}

/** Returns `{ [name]: µs CPU per key }`, medians of interleaved rounds (one untimed warm-up round first). */
export async function benchSave() {
  for (const c of contenders) await c.run(-1);
  const results = await interleave(contenders, ROUNDS, (c, r) => c.run(r));
  if (sink === 0) throw new Error("bench: the updated callbacks never ran");
  return Object.fromEntries(contenders.map((c, i) => [c.name, median(results[i])]));
}
