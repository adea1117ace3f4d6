// Types of MemoryBackend (index.js beside it), exported by `skilift` itself.
import type { Backend, Entry, HistoryOptions, ListOptions, VersionInfo } from "../../index.js";

/**
 * An in-memory backend that keeps every version (for `View.version` and
 * `View.timestamp`). Share one instance between stores to stand in for
 * several servers on one database; data is gone when the process ends.
 * It has every optional method of the backend contract.
 *
 * @example
 * const backend = new MemoryBackend();
 * const store = new Store({ name: "players", defaultData: () => ({}), backend });
 * @see docs/api.md#new-memorybackend
 */
export class MemoryBackend implements Backend {
  constructor();
  get(store: string, key: string): Promise<Entry | null>;
  put(store: string, key: string, value: string, expected: string | null, meta: { userIds: number[] }): Promise<string | null>;
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /** Every version of the key, newest first (no values). */
  history(store: string, key: string, options?: HistoryOptions): Promise<VersionInfo[]>;
  /**
   * One page of the keys of `store` in JavaScript string order.
   *
   * @example
   * for (let page = await backend.list("players/global"); page.length; ) {
   *   for (const key of page) console.log(key);
   *   page = await backend.list("players/global", { after: page[page.length - 1] });
   * }
   */
  list(store: string, options?: ListOptions): Promise<string[]>;
  /** The keys of `store` whose current entry carries `userId`, sorted. */
  keysByUser(store: string, userId: number): Promise<string[]>;
  /** Erases the key and all its versions; tokens from before never match again. */
  remove(store: string, key: string): Promise<void>;
}
