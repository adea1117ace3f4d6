// The backend contract as types (docs/backend-contract.md): what a
// `backend` option must offer. index.d.ts re-exports them.

/** Where records live (docs/backend-contract.md). Any object with these methods. */
export interface Backend {
  /** The current entry of a key, or null if it was never written. */
  get(store: string, key: string): Promise<Entry | null>;
  /**
   * Atomic compare-and-set: writes `value` only if the key's current version
   * is `expected` (null: the key must not exist). Resolves the new version
   * token, or null if the version did not match. Rejects on failure.
   */
  put(
    store: string,
    key: string,
    value: string,
    expected: string | null,
    meta: { userIds: number[] },
  ): Promise<string | null>;
  /** Optional history, for View.version. */
  getVersion?(store: string, key: string, version: string): Promise<Entry | null>;
  /** Optional history, for View.timestamp. */
  getAtTime?(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /** Optional: keys of one namespace in string order after `after`, at most `limit` (default 1000); for store.keys. */
  list?(store: string, options: { after?: string; limit?: number; prefix?: string }): Promise<string[]>;
  /** Optional: retained versions, newest first; for view.history. */
  history?(store: string, key: string, options: { limit?: number; before?: number }): Promise<{ version: string; time: number; userIds?: number[] }[]>;
  /** Optional: erases a key and every version; for store.remove and collecting decision records. */
  remove?(store: string, key: string): Promise<void>;
  /** Optional: keys whose current entry carries the user id; for store.keysByUser. */
  keysByUser?(store: string, userId: number): Promise<string[]>;
}

/** A stored entry; a missing userIds counts as []. */
export interface Entry {
  value: string;
  version: string;
  time: number;
  userIds?: number[];
}
