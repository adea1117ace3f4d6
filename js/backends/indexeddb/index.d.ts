// Types of `skilift/indexeddb` (docs/packaging.md): the browser backend.

import type { Backend } from "../../index.js";

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
export class IndexedDbBackend {
  /**
   * @param dbName IndexedDB database name, default `"skilift"`.
   * @param options history retention and the IndexedDB factory.
   */
  constructor(dbName?: string, options?: IndexedDbBackendOptions);
  /** The IndexedDB database name. */
  readonly dbName: string;
  /**
   * Closes the connection once running transactions finish. A later call on
   * this backend opens the database again.
   * @see docs/api.md#indexeddbbackendclose
   */
  close(): Promise<void>;
}

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`. Where IndexedDbBackend differs: `getVersion` of a
 * version pruned by `keepVersions` answers null; `list` takes one cursor
 * step per key, `keysByUser` reads the newest row of every key of the
 * store; `remove` deletes every row of the key in one readwrite
 * transaction, keeping only its last write number (no data), so tokens
 * from before never match again.
 */
export interface IndexedDbBackend extends Required<Backend> {}
