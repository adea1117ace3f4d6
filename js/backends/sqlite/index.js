// SqliteBackend (entry `skilift/sqlite`): the backend contract
// (docs/backend-contract.md) on SQLite, through a better-sqlite3 Database
// the host passes in (an optional peer dependency: this module imports
// nothing from it). The worked example of docs/backends.md.
//
// One database file, any number of processes: the file is put in WAL mode,
// so readers never wait for the writer and a process killed at any instant
// leaves every transaction whole or absent (SQLite's journal).
//
// Compare-and-set. better-sqlite3 is synchronous, so each method runs as
// one transaction from BEGIN to COMMIT with nothing of this process in
// between; a write begins with BEGIN IMMEDIATE, which takes the database's
// write lock first, so the head it compares with `expected` cannot change
// before its own write commits, in this process or another.
//
// Busy. Another process holding the write lock makes BEGIN IMMEDIATE wait
// up to the Database's busy timeout (better-sqlite3's `timeout` option,
// default 5 s), then fail with SQLITE_BUSY. Nothing was written then, so
// the call rejects and the engine retries it, as after any failed write: a
// busy database slows the game down, it never loses or doubles a change.
//
// Versions. Tokens are `<epoch>.<id>`: the id of the version row (SQLite
// never reuses an AUTOINCREMENT id, so neither a removed key written again
// nor a pruned version gets an old token) and the database's epoch, made
// with its tables, so a token from a deleted and re-made file (or a
// backup restored over it) never matches either. Times never decrease
// within a key, so getAtTime is the newest version at or before a time.
// History: the last `history` versions of a key (default 100, as FsBackend).
//
// Removal deletes the head, the versions and the user rows in one
// transaction: nothing of the key can be read afterwards.
// Tables and statements: schema.js; names as BLOBs: names.js.
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames as check, checkStore, checkUserId, historyOptions, listOptions } from "../shared.js";
import { createTables, prepare } from "./schema.js";
import { nameBlob, nameOf, pastPrefix } from "./names.js";

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const DEFAULTS = { tablePrefix: "skilift_", history: 100 };
const checkNames = (method, store, key) => check(`SqliteBackend.${method}`, store, key);

function checkOptions(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw invalidOptions("SqliteBackend: options must be an object { tablePrefix, history }");
  }
  for (const name of Object.keys(options)) {
    if (!(name in DEFAULTS)) throw invalidOptions(`SqliteBackend: unknown option ${JSON.stringify(name)} (known: tablePrefix, history)`);
  }
  const merged = { ...DEFAULTS, ...options };
  if (typeof merged.tablePrefix !== "string" || !PREFIX.test(merged.tablePrefix)) {
    throw invalidOptions("SqliteBackend: tablePrefix must be letters, digits and _ (not first a digit), at most 40");
  }
  if (!Number.isSafeInteger(merged.history) || merged.history < 1) {
    throw invalidOptions("SqliteBackend: history must be a whole number of versions, at least 1");
  }
  return merged;
}

/** A random epoch for a new database: 8 bytes as hex. */
function newEpoch() {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Puts the database in WAL mode. Two processes opening a new database at
 * once can both ask for the exclusive lock the switch needs; SQLite then
 * answers one of them SQLITE_BUSY at once, without its busy handler's wait
 * (it would be a deadlock). That one waits a little and tries again, and
 * usually finds the mode set by then. Seen once in CI: a worker of the
 * sqlite-kill campaign died at startup with "database is locked". The wait
 * is synchronous, as the constructor and SQLite's own busy handler are.
 */
function useWal(database) {
  const deadline = Date.now() + 5000;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      if (database.pragma("journal_mode", { simple: true }) !== "wal") database.pragma("journal_mode = WAL");
      return;
    } catch (e) {
      if (e?.code !== "SQLITE_BUSY" || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}

export class SqliteBackend {
  #db;
  #sql;
  #history;
  #epoch;
  #write;

  constructor(database, options = {}) {
    if (database === null || typeof database !== "object" || typeof database.prepare !== "function" || typeof database.transaction !== "function") {
      throw invalidOptions("SqliteBackend: pass an open better-sqlite3 Database (new Database(file))");
    }
    const { tablePrefix, history } = checkOptions(options);
    this.#db = database;
    this.#history = history;
    useWal(database);
    // IMMEDIATE: the write lock before the tables are looked at, so two
    // processes making the tables at once do not deadlock on an upgrade.
    database.transaction(() => {
      database.exec(createTables(tablePrefix));
      database.prepare(`INSERT OR IGNORE INTO "${tablePrefix}meta" (name, value) VALUES ('epoch', ?)`).run(newEpoch());
    }).immediate();
    this.#sql = prepare(database, tablePrefix);
    this.#epoch = this.#sql.epoch.get();
    // Every write runs inside `#write(fn)`: BEGIN IMMEDIATE ... COMMIT.
    this.#write = (fn) => database.transaction(fn).immediate();
  }

  /** The token of version row `id`. */
  #token(id) {
    return `${this.#epoch}.${id}`;
  }

  /** The row id a token of this database names, or null for any other string. */
  #idOf(version) {
    if (typeof version !== "string" || !version.startsWith(`${this.#epoch}.`)) return null;
    const digits = version.slice(this.#epoch.length + 1);
    return /^[1-9][0-9]{0,15}$/.test(digits) ? Number(digits) : null;
  }

  #entry(row) {
    return row ? { value: row.value, version: this.#token(row.id), time: row.time, userIds: JSON.parse(row.userIds) } : null;
  }

  /** The current entry, or null. */
  async get(store, key) {
    checkNames("get", store, key);
    return this.#entry(this.#sql.current.get(nameBlob(store), nameBlob(key)));
  }

  /** Writes `value` if the current version is `expected`; the new version, or null. */
  async put(store, key, value, expected, meta) {
    checkNames("put", store, key);
    // better-sqlite3 stores text as UTF-8, where a lone surrogate would not come back.
    if (typeof value !== "string" || !value.isWellFormed()) {
      throw invalidOptions("SqliteBackend.put: value must be a string without lone surrogates");
    }
    if (expected !== null && expected !== undefined && typeof expected !== "string") {
      throw invalidOptions("SqliteBackend.put: expected must be a version string or null");
    }
    const userIds = meta?.userIds ?? [];
    if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number" && Number.isFinite(id))) {
      throw invalidOptions("SqliteBackend.put: meta.userIds must be an array of finite numbers");
    }
    const s = nameBlob(store);
    const k = nameBlob(key);
    const sql = this.#sql;
    return this.#write(() => {
      const head = sql.head.get(s, k);
      const stale = expected == null ? head !== undefined : head === undefined || head.id !== this.#idOf(expected);
      if (stale) return null;
      const time = Math.max(Date.now(), head?.time ?? -Infinity);
      const ids = JSON.stringify(userIds);
      const id = Number(sql.insert.run(s, k, time, ids, value).lastInsertRowid);
      sql.setHead.run(s, k, id, time, ids);
      sql.dropUsers.run(s, k);
      for (const userId of userIds) sql.addUser.run(s, userId, k);
      sql.prune.run({ store: s, key: k, keep: this.#history });
      return this.#token(id);
    });
  }

  /** A retained version by token, or null. */
  async getVersion(store, key, version) {
    checkNames("getVersion", store, key);
    const id = this.#idOf(version);
    return id === null ? null : this.#entry(this.#sql.byId.get(id, nameBlob(store), nameBlob(key)));
  }

  /** The version current at `timeMs` (the newest written at or before it), or null. */
  async getAtTime(store, key, timeMs) {
    checkNames("getAtTime", store, key);
    if (typeof timeMs !== "number" || Number.isNaN(timeMs)) throw invalidOptions("SqliteBackend.getAtTime: timeMs must be a number (ms since the epoch)");
    return this.#entry(this.#sql.atTime.get(nameBlob(store), nameBlob(key), timeMs));
  }

  /** `{ version, time, userIds }` of the retained versions before `before`, newest first. */
  async history(store, key, options) {
    checkNames("history", store, key);
    const { limit, before } = historyOptions("SqliteBackend.history", options);
    return this.#sql.history
      .all(nameBlob(store), nameBlob(key), before, limit)
      .map((row) => ({ version: this.#token(row.id), time: row.time, userIds: JSON.parse(row.userIds) }));
  }

  /** One page of the keys of `store`, in JavaScript string order. */
  async list(store, options) {
    checkStore("SqliteBackend.list", store);
    const { after, limit, prefix } = listOptions("SqliteBackend.list", options);
    const from = nameBlob(prefix);
    const past = pastPrefix(from);
    const bounds = { store: nameBlob(store), after: after === undefined ? null : nameBlob(after), from, limit };
    const rows = past ? this.#sql.listBelow.all({ ...bounds, past }) : this.#sql.list.all(bounds);
    return rows.map(nameOf);
  }

  /** The keys of `store` whose current entry carries `userId`, sorted. */
  async keysByUser(store, userId) {
    checkStore("SqliteBackend.keysByUser", store);
    checkUserId("SqliteBackend.keysByUser", userId);
    return this.#sql.byUser.all(nameBlob(store), userId).map(nameOf);
  }

  /** Erases the key, every retained version and its user rows; a missing key is left alone. */
  async remove(store, key) {
    checkNames("remove", store, key);
    const s = nameBlob(store);
    const k = nameBlob(key);
    this.#write(() => {
      this.#sql.dropHead.run(s, k);
      this.#sql.dropVersions.run(s, k);
      this.#sql.dropUsers.run(s, k);
    });
  }
}

// A default export like the main entry's (js/index.js), for `import x from "skilift/sqlite"`.
const entry = Object.freeze({ SqliteBackend });
export default entry;
