// Types of the backend contract (docs/backend-contract.md): what any
// storage adapter implements. Re-exported by the main entry (index.d.ts);
// each adapter's .d.ts imports them from there and declares its class as
// `interface X extends Required<Backend> {}` merged with the class (its
// constructor and its own extra methods), so the methods are declared here
// only.

/** Where records live (docs/backend-contract.md). Any object with these methods. */
export interface Backend {
  /**
   * The current entry of a key, or null if it was never written (or was removed).
   * @see docs/backend-contract.md#get
   */
  get(store: string, key: string): Promise<Entry | null>;
  /**
   * Atomic compare-and-set: writes `value` only if the key's current version
   * is `expected` (null: the key must not exist). Resolves the new version
   * token, or null if the version did not match. Rejects on failure.
   * @see docs/backend-contract.md#put
   */
  put(
    store: string,
    key: string,
    value: string,
    expected: string | null,
    meta: { userIds: number[] },
  ): Promise<string | null>;
  /**
   * Optional history, for View.version.
   * @see docs/backend-contract.md#getversion-getattime-and-history-history
   */
  getVersion?(store: string, key: string, version: string): Promise<Entry | null>;
  /**
   * Optional history, for View.timestamp.
   * @see docs/backend-contract.md#getversion-getattime-and-history-history
   */
  getAtTime?(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /**
   * Optional history: the retained versions of a key, newest first, without
   * their values; only those written before `before` (ms), at most `limit`
   * (default 100). `[]` for a key never written or removed.
   * @see docs/backend-contract.md#getversion-getattime-and-history-history
   */
  history?(store: string, key: string, options?: HistoryOptions): Promise<VersionInfo[]>;
  /**
   * Optional listing: the keys of the namespace `store` that exist now, in
   * JavaScript string order, strictly after `after`, starting with
   * `prefix`, at most `limit` (default 1000). Page with `after` = the last
   * key of the previous page.
   *
   * @example
   * for (let page = await backend.list("players/global"); page.length; ) {
   *   for (const key of page) console.log(key);
   *   page = await backend.list("players/global", { after: page[page.length - 1] });
   * }
   * @see docs/backend-contract.md#list-and-keysbyuser-listing
   */
  list?(store: string, options?: ListOptions): Promise<string[]>;
  /**
   * Optional listing: the keys of `store` whose current entry carries `userId`, sorted like `list`.
   * @see docs/backend-contract.md#list-and-keysbyuser-listing
   */
  keysByUser?(store: string, userId: number): Promise<string[]>;
  /**
   * Optional: erases the key, its current value and every retained
   * version. Tokens from before are never valid again; the key can be
   * created again with `put(..., null, ...)`. A key that does not exist is
   * left alone.
   * @see docs/backend-contract.md#remove
   */
  remove?(store: string, key: string): Promise<void>;
}

/** A stored entry; a missing userIds counts as []. */
export interface Entry {
  value: string;
  version: string;
  time: number;
  userIds?: number[];
}

/** Options of `Backend.list`. A bad one rejects with `invalid_options`. */
export interface ListOptions {
  /** Only keys after this one (not included), in JavaScript string order. */
  after?: string;
  /** At most this many keys: a positive whole number. Default 1000. */
  limit?: number;
  /** Only keys that start with this string. Default "" (every key). */
  prefix?: string;
}

/** Options of `Backend.history`. A bad one rejects with `invalid_options`. */
export interface HistoryOptions {
  /** At most this many versions: a positive whole number. Default 100. */
  limit?: number;
  /** Only versions written before this time (ms since the epoch, not included). Default: all. */
  before?: number;
}

/** One retained version of a key, as `Backend.history` lists it (no value). */
export interface VersionInfo {
  version: string;
  /** Write time, ms since the epoch. */
  time: number;
  userIds: number[];
}
