// Types of the `skilift/fs` entry point (index.js beside it).

import type { Backend, Entry, HistoryOptions, ListOptions, VersionInfo } from "../../index.js";

/** Options of {@link FsBackend}. */
export interface FsBackendOptions {
  /** Versions kept per key, the current one included (for View.version / View.timestamp). Default 100. */
  history?: number;
  /** Milliseconds a call waits for a key's lock before it rejects (the engine then retries). Default 15000. */
  lockTimeout?: number;
  /** Milliseconds after which a lock whose owner cannot be checked (another host, a reused pid) is broken. Default 10000. */
  staleLockAge?: number;
}

/**
 * The embedded default backend for Node: records in files under `dir`
 * (created if missing). Crash-safe (atomic writes), safe for several
 * processes sharing the directory, keeps the last `history` versions of every
 * key. Keys and store names may be any strings. Needs a file system with hard
 * links. Bad arguments throw a SkiliftError with code `invalid_options`.
 *
 * @example
 * import { Store } from "skilift";
 * import { FsBackend } from "skilift/fs";
 * const backend = new FsBackend("./data", { history: 50 });
 * const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
 * @see docs/api.md#new-fsbackenddir-options
 */
export class FsBackend implements Backend {
  constructor(dir: string, options?: FsBackendOptions);
  /** The current entry of a key, or null if it was never written. */
  get(store: string, key: string): Promise<Entry | null>;
  /** Compare-and-set: the new version token, or null if `expected` is not the current version. */
  put(store: string, key: string, value: string, expected: string | null, meta: { userIds: number[] }): Promise<string | null>;
  /** A retained version by token, or null (unknown, or older than the retained history). */
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  /** The version current at `timeMs` (ms since the epoch), or null if none of the retained versions is that old. */
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /** The retained versions of a key before `before`, newest first (no values; reads one header per version). */
  history(store: string, key: string, options?: HistoryOptions): Promise<VersionInfo[]>;
  /**
   * One page of the keys of `store` in JavaScript string order. Key files
   * are named by hash, so every page reads one header per key of the store.
   */
  list(store: string, options?: ListOptions): Promise<string[]>;
  /** The keys of `store` whose current entry carries `userId`, sorted (one header read per key of the store). */
  keysByUser(store: string, userId: number): Promise<string[]>;
  /**
   * Erases the key: every version file goes, and a small removal record
   * (the store and key names and the last version number, no data) stays
   * so version numbers go on rising and old tokens never match again.
   */
  remove(store: string, key: string): Promise<void>;
  /**
   * The original keys of every record in `store` (e.g. "players/global")
   * that exists, sorted; for inspectors and tools (it reads one header per key).
   *
   * @example
   * for (const key of await backend.keys("players/global")) console.log(key);
   * @see docs/api.md#fsbackendkeysstore
   */
  keys(store: string): Promise<string[]>;
}
