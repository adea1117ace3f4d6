// IndexedDbBackend: the browser backend (docs/backend-contract.md and docs/packaging.md), for offline
// previews. Pure JS over the IndexedDB API; entry point `skilift/indexeddb`.
//
// Layout: one database (default name "skilift") with one object store,
// `versions`, keyed by [store, key, seq], where `seq` counts the writes of
// one key from 1. The current entry of a key is its row with the highest
// seq; older rows are its history, pruned to `keepVersions` per key. An index
// on [store, key, time] answers getAtTime and history.
//
// Removal. remove deletes every row of the key and records, in the object
// store `removed` keyed [store, key], the last seq it had (no data). A put
// that creates a key numbers its row from there, so seqs go on rising
// across a removal and a token from before it never matches again (tokens
// also carry a random part). Version 2 of the database added `removed`; the
// upgrade from version 1 keeps every row.
// The reads over many rows (list, keysByUser, history) are in listing.js.
//
// Why it is safe across tabs: put reads the current row, compares, and writes
// the next row inside ONE readwrite transaction. IndexedDB runs readwrite
// transactions whose scopes overlap one after another, across every
// connection of the origin, so two tabs (or two backends in one tab) can
// never both see version v and both write v+1: the second one sees the
// first one's row and answers null.
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames, checkStore, checkUserId, entryOf, historyOptions, listOptions } from "../shared.js";
import { byUserBody, historyBody, listBody } from "./listing.js";

const DB_VERSION = 2;
const VERSIONS = "versions";
const REMOVED = "removed";
const BY_TIME = "byTime";
const DEFAULT_KEEP_VERSIONS = 100;

/** Above every number in IndexedDB key order: the end of a [store, key, seq] range. */
const AFTER_NUMBERS = [];

function checkUserIds(meta) {
  const userIds = meta?.userIds ?? [];
  if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number" && Number.isFinite(id))) {
    throw invalidOptions("IndexedDbBackend.put: meta.userIds must be an array of finite numbers");
  }
  return [...userIds];
}

/**
 * A fresh opaque version token: the write's seq and a random part. The
 * random part keeps a token from matching again after the database was
 * deleted and rebuilt (site data cleared) while an engine still held it.
 */
function versionToken(seq) {
  const bytes = new Uint8Array(6);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  const random = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${seq.toString(36)}.${random}`;
}

/** The seq a token of this backend names, or null for a token it never made. */
function seqOfToken(version) {
  const match = /^([0-9a-z]{1,11})\.[0-9a-f]{12}$/.exec(version);
  if (!match) return null;
  const seq = parseInt(match[1], 36);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/** An Error for a failed request or transaction, keeping the browser's error as the cause. */
function failure(what, error) {
  const reason = error?.name ? `${error.name}: ${error.message}` : String(error ?? "aborted");
  return new Error(`IndexedDbBackend: ${what} failed (${reason})`, { cause: error });
}

export class IndexedDbBackend {
  #dbName;
  #keepVersions;
  #factory;
  #keyRange;
  /** Promise of the open connection, or null until the next call opens one. */
  #db = null;
  /** The connection #db resolved to, once it has. */
  #connection = null;

  constructor(dbName = "skilift", options = {}) {
    if (typeof dbName !== "string" || dbName === "") {
      throw invalidOptions("IndexedDbBackend: dbName must be a non-empty string");
    }
    if (options === null || typeof options !== "object") {
      throw invalidOptions("IndexedDbBackend: options must be an object");
    }
    const keepVersions = options.keepVersions ?? DEFAULT_KEEP_VERSIONS;
    if (!(keepVersions === Infinity || (Number.isSafeInteger(keepVersions) && keepVersions >= 1))) {
      throw invalidOptions("IndexedDbBackend: options.keepVersions must be an integer >= 1 or Infinity");
    }
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (!factory || typeof factory.open !== "function") {
      throw invalidOptions("IndexedDbBackend: IndexedDB is not available here (pass options.indexedDB)");
    }
    const keyRange = options.IDBKeyRange ?? globalThis.IDBKeyRange;
    if (!keyRange || typeof keyRange.bound !== "function") {
      throw invalidOptions("IndexedDbBackend: IDBKeyRange is not available here (pass options.IDBKeyRange)");
    }
    this.#dbName = dbName;
    this.#keepVersions = keepVersions;
    this.#factory = factory;
    this.#keyRange = keyRange;
  }

  /** The IndexedDB database name. */
  get dbName() {
    return this.#dbName;
  }

  /** The current entry of a key, or null if it was never written. */
  async get(store, key) {
    checkNames("IndexedDbBackend.get", store, key);
    return this.#run("get", "readonly", ({ versions }, done) => {
      const request = versions.openCursor(this.#rowsOf(store, key), "prev");
      request.onsuccess = () => done(request.result ? entryOf(request.result.value) : null);
    });
  }

  /**
   * Writes `value` if the key's current version is `expected` (null: the key
   * must not exist). Resolves the new version token once the write is
   * committed, or null if the version did not match (nothing written).
   */
  async put(store, key, value, expected, meta) {
    checkNames("IndexedDbBackend.put", store, key);
    if (typeof value !== "string") throw invalidOptions("IndexedDbBackend.put: value must be a string");
    if (expected !== null && expected !== undefined && typeof expected !== "string") {
      throw invalidOptions("IndexedDbBackend.put: expected must be a version string or null");
    }
    if (meta !== undefined && (meta === null || typeof meta !== "object")) {
      throw invalidOptions("IndexedDbBackend.put: meta must be an object { userIds }");
    }
    const userIds = checkUserIds(meta);
    const keepVersions = this.#keepVersions;
    const rows = this.#rowsOf(store, key);
    const older = (seq) => this.#keyRange.bound([store, key, -Infinity], [store, key, seq]);
    return this.#run("put", "readwrite", ({ versions, removed }, done) => {
      // Everything below runs in request callbacks of this one transaction:
      // the read, the compare and the writes commit together or not at all.
      const write = (row, lastSeq) => {
        const seq = lastSeq + 1;
        const version = versionToken(seq);
        // Never earlier than the previous version, so getAtTime stays
        // ordered even if the clock steps back.
        const time = Math.max(Date.now(), row ? row.time : -Infinity);
        versions.add({ store, key, seq, version, time, value, userIds });
        if (seq > keepVersions) versions.delete(older(seq - keepVersions));
        done(version);
      };
      const current = versions.openCursor(rows, "prev");
      current.onsuccess = () => {
        const row = current.result?.value ?? null;
        if ((row ? row.version : null) !== (expected ?? null)) return; // mismatch: write nothing
        if (row) return write(row, row.seq);
        // A new key, or one created again after a removal: go on from its last seq.
        const gone = removed.get([store, key]);
        gone.onsuccess = () => write(null, gone.result?.seq ?? 0);
      };
    }, [VERSIONS, REMOVED]);
  }

  /** A past (or the current) version by its token, or null if unknown or pruned. */
  async getVersion(store, key, version) {
    checkNames("IndexedDbBackend.getVersion", store, key);
    if (typeof version !== "string") throw invalidOptions("IndexedDbBackend.getVersion: version must be a string");
    const seq = seqOfToken(version);
    if (seq === null) return null;
    return this.#run("getVersion", "readonly", ({ versions }, done) => {
      const request = versions.get([store, key, seq]);
      request.onsuccess = () => done(request.result?.version === version ? entryOf(request.result) : null);
    });
  }

  /**
   * The version current at `timeMs` (the last written at or before it), or
   * null if there is none, or if it was pruned.
   */
  async getAtTime(store, key, timeMs) {
    checkNames("IndexedDbBackend.getAtTime", store, key);
    if (typeof timeMs !== "number" || Number.isNaN(timeMs)) {
      throw invalidOptions("IndexedDbBackend.getAtTime: timeMs must be a number (ms since epoch)");
    }
    return this.#run("getAtTime", "readonly", ({ versions }, done) => {
      // Rows of equal time come in seq order, so "prev" finds the last written.
      const range = this.#keyRange.bound([store, key, -Infinity], [store, key, timeMs]);
      const request = versions.index(BY_TIME).openCursor(range, "prev");
      request.onsuccess = () => {
        // Nothing at or before timeMs: never written then, or pruned.
        done(request.result ? entryOf(request.result.value) : null);
      };
    });
  }

  /** `{ version, time, userIds }` of the retained versions written before `before`, newest first. */
  async history(store, key, options) {
    checkNames("IndexedDbBackend.history", store, key);
    const wanted = historyOptions("IndexedDbBackend.history", options);
    return this.#run("history", "readonly", historyBody(this.#keyRange, BY_TIME, store, key, wanted));
  }

  /** One page of the keys of `store`, in JavaScript string order (one cursor step per key). */
  async list(store, options) {
    checkStore("IndexedDbBackend.list", store);
    const page = listOptions("IndexedDbBackend.list", options);
    return this.#run("list", "readonly", listBody(this.#keyRange, store, page));
  }

  /** The keys of `store` whose current row carries `userId`, sorted (reads the newest row of every key of the store). */
  async keysByUser(store, userId) {
    checkStore("IndexedDbBackend.keysByUser", store);
    checkUserId("IndexedDbBackend.keysByUser", userId);
    return this.#run("keysByUser", "readonly", byUserBody(this.#keyRange, store, userId));
  }

  /**
   * Deletes every row of the key and keeps its last seq in `removed`, in one
   * readwrite transaction (so no put can interleave). Nothing if it does not exist.
   */
  async remove(store, key) {
    checkNames("IndexedDbBackend.remove", store, key);
    const rows = this.#rowsOf(store, key);
    await this.#run("remove", "readwrite", ({ versions, removed }) => {
      const newest = versions.openCursor(rows, "prev");
      newest.onsuccess = () => {
        const row = newest.result?.value;
        if (!row) return;
        removed.put({ store, key, seq: row.seq });
        versions.delete(rows);
      };
    }, [VERSIONS, REMOVED]);
  }

  /**
   * Closes the connection (waiting transactions finish first). Harmless to
   * call twice; a later call on this backend opens the database again.
   */
  async close() {
    const db = this.#db;
    this.#db = null;
    this.#connection = null;
    if (db) {
      try {
        (await db).close();
      } catch {
        // It never opened: nothing to close.
      }
    }
  }

  /** The rows of one key, every seq. */
  #rowsOf(store, key) {
    return this.#keyRange.bound([store, key], [store, key, AFTER_NUMBERS]);
  }

  /**
   * Runs `body({ versions, removed }, done)` in one transaction over the
   * object stores in `scope`; resolves what `done` got once the transaction
   * has committed (null if nothing), rejects if it aborted. A connection
   * that was closed under us (another tab's upgrade or deletion) is replaced
   * once: no request ran on it, so that is safe.
   */
  async #run(what, mode, body, scope = [VERSIONS], retried = false) {
    const db = await this.#open();
    let tx;
    try {
      tx = db.transaction(scope, mode);
    } catch (error) {
      this.#forget(db);
      if (retried || error?.name !== "InvalidStateError") throw failure(what, error);
      return this.#run(what, mode, body, scope, true);
    }
    return new Promise((resolve, reject) => {
      let answer = null;
      tx.oncomplete = () => resolve(answer);
      tx.onabort = () => reject(failure(what, tx.error));
      const stores = { versions: tx.objectStore(VERSIONS), removed: scope.includes(REMOVED) ? tx.objectStore(REMOVED) : undefined };
      body(stores, (value) => {
        answer = value;
      });
    });
  }

  /** The connection, opened on first use and reused; a failed open is retried by the next call. */
  #open() {
    if (!this.#db) {
      const opening = this.#connect();
      this.#db = opening;
      opening.then(
        (db) => {
          if (this.#db === opening) this.#connection = db;
          else db.close(); // close() was called while it opened
        },
        () => {
          if (this.#db === opening) this.#db = null;
        },
      );
    }
    return this.#db;
  }

  /** Drops a connection that can no longer start transactions (closed under us). */
  #forget(db) {
    if (this.#connection === db) {
      this.#connection = null;
      this.#db = null;
    }
  }

  #connect() {
    return new Promise((resolve, reject) => {
      let request;
      try {
        request = this.#factory.open(this.#dbName, DB_VERSION);
      } catch (error) {
        reject(failure("open", error));
        return;
      }
      let abandoned = false;
      request.onupgradeneeded = () => {
        const db = request.result;
        // From nothing, or from version 1 (no `removed`): rows are kept.
        if (!db.objectStoreNames.contains(VERSIONS)) {
          const versions = db.createObjectStore(VERSIONS, { keyPath: ["store", "key", "seq"] });
          versions.createIndex(BY_TIME, ["store", "key", "time"]);
        }
        if (!db.objectStoreNames.contains(REMOVED)) db.createObjectStore(REMOVED, { keyPath: ["store", "key"] });
      };
      request.onsuccess = () => {
        const db = request.result;
        if (abandoned) {
          db.close();
          return;
        }
        // Another tab upgrades or deletes this database: step aside at once,
        // and open again on the next call.
        db.onversionchange = () => {
          db.close();
          this.#forget(db);
        };
        // Closed by the browser (site data cleared, storage failure).
        db.onclose = () => this.#forget(db);
        resolve(db);
      };
      request.onerror = () => {
        const error = request.error;
        reject(
          error?.name === "VersionError"
            ? failure(`open (database "${this.#dbName}" was made by a newer skilift)`, error)
            : failure("open", error),
        );
      };
      // Only when an upgrade waits for a tab that keeps an older connection
      // open. Answer this call with an error (the engine retries) instead of
      // hanging; if the open completes later, that connection is closed.
      request.onblocked = () => {
        abandoned = true;
        reject(new Error(`IndexedDbBackend: open of "${this.#dbName}" is blocked by another tab holding it open`));
      };
    });
  }
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ IndexedDbBackend });
export default entry;
