// Types of `skilift/indexeddb` (docs/packaging.md): the browser backend.

import type { Backend, Entry, HistoryOptions, ListOptions, VersionInfo } from "../../index.js";

/** Options of {@link IndexedDbBackend}. */
export interface IndexedDbBackendOptions {
  /**
   * Versions kept per key, the current one included: an integer >= 1, or
   * `Infinity` to keep every version. Default 100. Older versions are
   * deleted in the same transaction as the write that makes them too old;
   * `getVersion` of a pruned version and `getAtTime` before the oldest kept
   * version answer null.
   */
  keepVersions?: number;
  /**
   * The IndexedDB factory to use instead of `globalThis.indexedDB` (for
   * example from `fake-indexeddb` under Node).
   */
  indexedDB?: IDBFactory;
  /** `IDBKeyRange` to use instead of the global (it must match `indexedDB`). */
  IDBKeyRange?: typeof IDBKeyRange;
}

/**
 * A backend that keeps records in the browser's IndexedDB, with history, for
 * offline previews. Tabs of one origin that use the same `dbName` share the
 * data; compare-and-set runs in one readwrite transaction, so it is atomic
 * across tabs. The database (layout version 2; one of version 1 is
 * upgraded in place, every record kept) is opened on first use and the
 * connection reused; when another tab upgrades or deletes the database, the connection
 * is closed at once and opened again on the next call.
 *
 * Bad arguments throw (constructor) or reject (methods) with a
 * `SkiliftError` of code `invalid_options`; storage failures reject with an
 * `Error` whose `cause` is the browser's error.
 *
 * @example
 * import { Store } from "skilift";
 * import { IndexedDbBackend } from "skilift/indexeddb";
 * const backend = new IndexedDbBackend("my-game", { keepVersions: 20 });
 * const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
 * @see docs/api.md#new-indexeddbbackenddbname-options
 */
export class IndexedDbBackend implements Backend {
  /**
   * @param dbName IndexedDB database name, default `"skilift"`.
   * @param options history retention and the IndexedDB factory.
   */
  constructor(dbName?: string, options?: IndexedDbBackendOptions);
  /** The IndexedDB database name. */
  readonly dbName: string;
  /** The current entry of a key, or null if it was never written. */
  get(store: string, key: string): Promise<Entry | null>;
  /**
   * Atomic compare-and-set: writes `value` only if the key's current version
   * is `expected` (null: the key must not exist). Resolves the new version
   * token (an opaque string) once committed, or null if the version did not
   * match (nothing written). Rejects on failure.
   */
  put(
    store: string,
    key: string,
    value: string,
    expected: string | null,
    meta: { userIds: number[] },
  ): Promise<string | null>;
  /** A past or current version by its token, or null if unknown or pruned. */
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  /** The version current at `timeMs` (the last written at or before it), or null. */
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /** The retained versions of a key written before `before`, newest first (no values). */
  history(store: string, key: string, options?: HistoryOptions): Promise<VersionInfo[]>;
  /** One page of the keys of `store` in JavaScript string order (one cursor step per key). */
  list(store: string, options?: ListOptions): Promise<string[]>;
  /** The keys of `store` whose current version carries `userId`, sorted (reads the newest row of every key of the store). */
  keysByUser(store: string, userId: number): Promise<string[]>;
  /**
   * Deletes every row of the key in one readwrite transaction, keeping only
   * its last write number (no data), so tokens from before never match again.
   */
  remove(store: string, key: string): Promise<void>;
  /**
   * Closes the connection once running transactions finish. A later call on
   * this backend opens the database again.
   * @see docs/api.md#indexeddbbackendclose
   */
  close(): Promise<void>;
}
