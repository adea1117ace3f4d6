// FsBackend: the embedded default backend for Node (entry point
// `skilift/fs`, docs/backend-contract.md and docs/packaging.md). Records live in files under one
// directory that any number of processes on the machine may share. Plain JS
// on `node:` built-ins; semantics follow js/backends/memory/index.js.
//
// Layout: <dir>/<store>/<shard>/<key>/ holds `current`, `v-<n>` (version n,
// for the retained history), `lock` and temp files. Names are hashed
// (names.js); record files carry the original store and key
// (record.js); the lock is in lock.js. Tools that look at a whole directory
// (the inspector) go through inspect.js, never through these files.
//
// Why it is correct
//
// Atomic writes. A record is written whole to a fresh temp file and fsynced
// before any name points at it; names are only added with link() and
// replaced with rename(), both atomic, and the directory is fsynced before
// put resolves. Every name a reader opens is therefore a complete file: a
// process killed at any instant leaves the old record or the new one, plus at
// most a temp file that nothing reads and a later put sweeps away.
//
// Compare-and-set. Version n exists iff the file v-<n> exists, and v-<n> is
// created only by link(temp, "v-<n>"), which fails with EEXIST if anyone, in
// any process, created it first. A writer links v-<n+1> only after reading
// version n as the newest and finding it equal to `expected`. The versions
// thus form one chain, each written by someone who read its predecessor, so
// no update is lost. The link is put's commit point; the steps after it
// (rename, sync, prune) are repaired or redone if they fail.
//
// The newest version. `current` is a second name (a hard link) for the
// newest version file, renamed into place just after the link, so get reads
// one file. A writer killed between link and rename leaves `current` one
// version behind: a reader therefore also tries v-<n+1> after reading
// version n (a single failed open when nothing is wrong), and the next
// writer repairs `current`, under the lock, before comparing.
//
// Locks. A per-key queue inside the process plus a lock file between
// processes let one writer at a time do the write, fsync and link (the
// others wait instead of writing in vain) and keep repairs and pruning to
// one writer. Locks of dead processes are broken (pid check on this host,
// age otherwise). Safety does not rest on that judgement: if a live owner's
// lock is broken by mistake (a reused pid, a paused process), two writers run
// at once, the link makes one of them answer null, and a briefly stale
// `current` is corrected as above. (This holds while a stale `current` is
// within the retained history, i.e. always unless history is tiny and
// several mistakes coincide.)
//
// History. After each put the version `history` places back is removed, and
// every 16th put (or after breaking a stale lock) a sweep removes any older
// version files and the temp files of dead writers. Times never decrease
// along the chain (each is at least its predecessor's), so getAtTime
// binary-searches the version files' headers.
//
// Removal. remove() links a removal record (record.js) as the next version
// file, like a put, so it commits at one link() and a racing put that read
// the older version loses at its own link; then `current` is moved to it and
// every older version file and temp file is deleted. Version numbers go on
// from the removal, so a token from before it never matches again. Every
// read treats a key whose newest record is a removal as absent, so the
// files a remove killed midway leaves behind are never read; the next put or
// remove of the key deletes them before it links anything.
// The listing reads (list, keysByUser, history) are in listing.js.
// User-facing docs (options, examples): index.d.ts.

import { mkdirSync } from "node:fs";
import { link, mkdir, readdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { invalidOptions } from "../../errors.js";
import { checkNames, checkStore, checkUserId, entryOf, historyOptions, listOptions, pageOf } from "../shared.js";
import { CURRENT, keyPath, safeName, tempFile, versionFile, versionOfFile, versionOfToken } from "./names.js";
import { encodeRecord, fsError, readHeader, readRecord, replaceFile, syncDirectory, writeDurably } from "./record.js";
import { inQueue, purgeBefore, sweepKeyDirectory, withFileLock } from "./lock.js";
import { historyOf, listKeys } from "./listing.js";

/** The record if it holds the key's data; null for none or a removal. */
const live = (record) => (record && !record.removed ? record : null);

const DEFAULTS = { history: 100, lockTimeout: 15000, staleLockAge: 10000 };
const SWEEP_EVERY = 16;

function checkOptions(options) {
  if (options === null || typeof options !== "object") throw invalidOptions("FsBackend: options must be an object");
  for (const name of Object.keys(options)) {
    if (!(name in DEFAULTS)) throw invalidOptions(`FsBackend: unknown option ${JSON.stringify(name)}`);
  }
  const merged = { ...DEFAULTS, ...options };
  if (!Number.isSafeInteger(merged.history) || merged.history < 1) {
    throw invalidOptions("FsBackend: history must be a whole number of versions, at least 1");
  }
  for (const name of ["lockTimeout", "staleLockAge"]) {
    if (typeof merged[name] !== "number" || !(merged[name] > 0) || merged[name] === Infinity) {
      throw invalidOptions(`FsBackend: ${name} must be a positive number of milliseconds`);
    }
  }
  return merged;
}

export class FsBackend {
  #root;
  #options;

  constructor(dir, options = {}) {
    if (typeof dir !== "string" || dir === "") throw invalidOptions("FsBackend: dir must be a non-empty path string");
    this.#options = checkOptions(options);
    this.#root = resolve(dir);
    mkdirSync(this.#root, { recursive: true });
  }

  #keyDir(store, key) {
    return join(this.#root, ...keyPath(store, key));
  }

  /**
   * The newest record of a key directory (a removal included): `current`,
   * or a newer version file left by a writer killed before it renamed
   * `current`. With `repair` (only under the lock) `current` is brought up
   * to date.
   */
  async #newest(keyDir, store, key, repair) {
    let record = await readRecord(join(keyDir, CURRENT));
    let behind = false;
    for (;;) {
      const next = await readRecord(join(keyDir, versionFile(record ? Number(record.version) + 1 : 1)));
      if (next === null) break;
      record = next;
      behind = true;
    }
    if (record && (record.store !== store || record.key !== key)) {
      throw fsError("fs_corrupt_record", `FsBackend: ${keyDir} holds a record of another key`);
    }
    if (behind && repair) {
      const temp = join(keyDir, tempFile("tmp", randomBytes(8).toString("hex")));
      await link(join(keyDir, versionFile(record.version)), temp);
      await replaceFile(temp, join(keyDir, CURRENT));
    }
    return record;
  }

  /** The current entry, or null. */
  async get(store, key) {
    checkNames("FsBackend.get", store, key);
    const record = live(await this.#newest(this.#keyDir(store, key), store, key, false));
    return record ? entryOf(record) : null;
  }

  /** Writes `value` if the current version is `expected`; the new version, or null. */
  async put(store, key, value, expected, meta) {
    checkNames("FsBackend.put", store, key);
    if (typeof value !== "string") throw invalidOptions("FsBackend.put: value must be a string");
    if (expected !== null && expected !== undefined && typeof expected !== "string") {
      throw invalidOptions("FsBackend.put: expected must be a version string or null");
    }
    const userIds = meta?.userIds ?? [];
    if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number" && Number.isFinite(id))) {
      throw invalidOptions("FsBackend.put: meta.userIds must be an array of numbers");
    }
    const keyDir = this.#keyDir(store, key);
    return inQueue(keyDir, () => this.#putInQueue(keyDir, store, key, value, expected, userIds));
  }

  async #putInQueue(keyDir, store, key, value, expected, userIds) {
    // A mismatch seen without the lock file is final (versions only move
    // forward, and a token that is not current now fails now), so the losers
    // of a race answer without taking the lock.
    const seen = await this.#newest(keyDir, store, key, false);
    if ((live(seen)?.version ?? null) !== (expected ?? null)) return null;
    if (seen === null) {
      const created = await mkdir(keyDir, { recursive: true });
      if (created !== undefined) await this.#syncNewDirectories(keyDir);
    }
    return withFileLock(keyDir, this.#options, async ({ brokeStale }) => {
      const newest = await this.#newest(keyDir, store, key, true);
      if ((live(newest)?.version ?? null) !== (expected ?? null)) return null;
      // Re-created after a removal: first finish it, if a crash cut it short.
      if (newest?.removed) await purgeBefore(keyDir, Number(newest.version));
      const n = newest ? Number(newest.version) + 1 : 1;
      const version = String(n);
      // Never earlier than the previous version, so getAtTime stays ordered
      // even if the clock steps back or another host's clock is ahead.
      const time = Math.max(Date.now(), newest?.time ?? -Infinity);
      const temp = join(keyDir, tempFile("tmp", randomBytes(8).toString("hex")));
      try {
        await writeDurably(temp, encodeRecord({ store, key, version, time, userIds: [...userIds], value }));
        await link(temp, join(keyDir, versionFile(n)));
      } catch (e) {
        await unlink(temp).catch(() => {});
        if (e.code === "EEXIST") return null; // another writer committed version n first
        throw e;
      }
      // Committed. Bring `current` forward; if that fails, readers and the
      // next writer find v-<n> anyway. If syncing the directory fails, put
      // rejects: the write happened but may not survive a power cut, an
      // ambiguous failure the engine is built for (docs/backend-contract.md).
      await replaceFile(temp, join(keyDir, CURRENT)).catch(() => unlink(temp).catch(() => {}));
      await syncDirectory(keyDir);
      const { history, staleLockAge } = this.#options;
      if (brokeStale || n % SWEEP_EVERY === 0) {
        await sweepKeyDirectory(keyDir, n, history, staleLockAge).catch(() => {});
      } else if (n > history) {
        await unlink(join(keyDir, versionFile(n - history))).catch(() => {});
      }
      return version;
    });
  }

  /** Fsyncs the parents of a newly created key directory, so the key survives a power loss. */
  async #syncNewDirectories(keyDir) {
    let dir = keyDir;
    while (dir !== this.#root) {
      dir = resolve(dir, "..");
      await syncDirectory(dir);
    }
  }

  /** A retained past version by token, or null. */
  async getVersion(store, key, version) {
    checkNames("FsBackend.getVersion", store, key);
    if (typeof version !== "string") throw invalidOptions("FsBackend.getVersion: version must be a string");
    const n = versionOfToken(version);
    if (n === null) return null;
    const keyDir = this.#keyDir(store, key);
    const record = await readRecord(join(keyDir, versionFile(n)));
    // The newest record says whether the key was removed since (then
    // version n may be a file a crashed remove left behind); and a version
    // file lost with a power cut before its directory was synced can still
    // be the current record.
    const newest = await this.#newest(keyDir, store, key, false);
    if (newest === null || newest.removed) return null;
    return this.#entryIf(record ?? newest, store, key, version);
  }

  #entryIf(record, store, key, version) {
    if (record === null || record.removed || record.version !== version) return null;
    if (record.store !== store || record.key !== key) return null;
    return entryOf(record);
  }

  /**
   * The version current at `timeMs` (the last written at or before it), or
   * null if there is none among the retained versions.
   */
  async getAtTime(store, key, timeMs) {
    checkNames("FsBackend.getAtTime", store, key);
    if (typeof timeMs !== "number" || Number.isNaN(timeMs)) {
      throw invalidOptions("FsBackend.getAtTime: timeMs must be a number (ms since the epoch)");
    }
    const keyDir = this.#keyDir(store, key);
    // A concurrent put may prune a file between listing and reading: look again.
    for (let attempt = 0; ; attempt++) {
      const found = await this.#searchTime(keyDir, store, key, timeMs);
      if (found !== undefined) return found;
      if (attempt >= 5) return null;
    }
  }

  /** getAtTime once: the entry, null, or undefined if a file vanished meanwhile. */
  async #searchTime(keyDir, store, key, timeMs) {
    const newest = await this.#newest(keyDir, store, key, false);
    if (newest === null || newest.removed) return null;
    if (newest.time <= timeMs) return entryOf(newest);
    const newestN = Number(newest.version);
    const versions = (await readdir(keyDir))
      .map(versionOfFile)
      .filter((n) => n !== null && n < newestN)
      .sort((a, b) => a - b);
    let lo = 0;
    let hi = versions.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const header = await readHeader(join(keyDir, versionFile(versions[mid])));
      if (header === null) return undefined;
      if (header.time <= timeMs) {
        best = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best < 0) return null;
    const record = await readRecord(join(keyDir, versionFile(versions[best])));
    if (record === null) return undefined;
    // Between a removal and the next write nothing was current.
    return record.removed ? null : entryOf(record);
  }

  /** `{ version, time, userIds }` of the retained versions before `before`, newest first, at most `limit`. */
  async history(store, key, options) {
    checkNames("FsBackend.history", store, key);
    const wanted = historyOptions("FsBackend.history", options);
    const keyDir = this.#keyDir(store, key);
    const newest = live(await this.#newest(keyDir, store, key, false));
    return newest ? historyOf(keyDir, store, key, newest, wanted) : [];
  }

  /**
   * Erases a key: links a removal record as its next version (the commit
   * point), points `current` at it, then deletes every older version and
   * temp file. A key that does not exist is left alone; a removal cut short
   * by a crash is finished.
   */
  async remove(store, key) {
    checkNames("FsBackend.remove", store, key);
    const keyDir = this.#keyDir(store, key);
    return inQueue(keyDir, async () => {
      // Never written (taking the lock would create its directory).
      if (!(await stat(keyDir).then(() => true, () => false))) return;
      await withFileLock(keyDir, this.#options, async () => {
        for (;;) {
          const newest = await this.#newest(keyDir, store, key, true);
          if (live(newest) === null) break;
          const n = Number(newest.version) + 1;
          const time = Math.max(Date.now(), newest.time);
          const temp = join(keyDir, tempFile("tmp", randomBytes(8).toString("hex")));
          try {
            await writeDurably(temp, encodeRecord({ store, key, version: String(n), time, userIds: [], value: "", removed: true }));
            await link(temp, join(keyDir, versionFile(n)));
          } catch (e) {
            await unlink(temp).catch(() => {});
            if (e.code === "EEXIST") continue; // a writer that broke the lock by mistake linked n first: remove that too
            throw e;
          }
          await replaceFile(temp, join(keyDir, CURRENT)).catch(() => unlink(temp).catch(() => {}));
          break;
        }
        const newest = await this.#newest(keyDir, store, key, true);
        await purgeBefore(keyDir, newest ? Number(newest.version) : Infinity);
        await syncDirectory(keyDir);
      });
    });
  }

  /** One page of the keys of `store`, in JavaScript string order (reads one header per key of the store). */
  async list(store, options) {
    checkStore("FsBackend.list", store);
    const page = listOptions("FsBackend.list", options);
    return pageOf(await this.keys(store), page);
  }

  /** The keys of `store` whose current entry carries `userId`, sorted (reads one header per key of the store). */
  async keysByUser(store, userId) {
    checkStore("FsBackend.keysByUser", store);
    checkUserId("FsBackend.keysByUser", userId);
    return listKeys(join(this.#root, safeName(store)), store, (header) => header.userIds.includes(userId));
  }

  /** Every key of `store` that exists, sorted (for tools such as the inspector). */
  async keys(store) {
    checkStore("FsBackend.keys", store);
    return listKeys(join(this.#root, safeName(store)), store);
  }
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ FsBackend });
export default entry;
