// Types of `skilift/sqlite`. `better-sqlite3` is an optional peer dependency:
// these types describe the part of its Database that is used, so
// `@types/better-sqlite3` is not needed.
import type { Backend } from "../../index.js";

/** The part of a better-sqlite3 `Database` that SqliteBackend uses. */
export interface SqliteDatabaseLike {
  prepare(sql: string): unknown;
  transaction(fn: (...args: any[]) => unknown): unknown;
  pragma(source: string): unknown;
  exec(source: string): unknown;
}

export interface SqliteBackendOptions {
  /** Prefix of the table names: 1-40 letters, digits or `_`, not starting with a digit. Default "skilift_". */
  tablePrefix?: string;
  /** Versions kept per key, the current one included (for View.version / View.timestamp). Default 100. */
  history?: number;
}

/**
 * Every method of the backend contract (docs/backend-contract.md): get,
 * put, the history (getVersion, getAtTime, history), list and keysByUser
 * in JavaScript string order, remove.
 */
export interface SqliteBackend extends Required<Backend> {}

/**
 * The backend on one SQLite database file, through better-sqlite3 (version
 * 12; an optional peer dependency). Any number of processes may share the
 * file: it is put in WAL mode, and every write is one BEGIN IMMEDIATE
 * transaction, so compare-and-set is exact across processes and a process
 * killed at any instant leaves each write whole or absent. A write that
 * finds the file locked for longer than the Database's busy timeout
 * (better-sqlite3's `timeout`, default 5000 ms) rejects, having written
 * nothing, and the engine retries it. Creates its tables on first use;
 * keeps the last `history` versions of every key. Bad arguments throw a
 * SkiliftError with code `invalid_options`.
 *
 * @example
 * import Database from "better-sqlite3";
 * import { Store } from "skilift";
 * import { SqliteBackend } from "skilift/sqlite";
 * const backend = new SqliteBackend(new Database("./game.db"), { history: 50 });
 * const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
 *
 * @see docs/api.md#new-sqlitebackenddatabase-options
 */
export class SqliteBackend {
  constructor(database: SqliteDatabaseLike, options?: SqliteBackendOptions);
}
