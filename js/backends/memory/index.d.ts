// Types of MemoryBackend (index.js beside it), exported by `skilift` itself.
import type { Backend, Entry } from "../../index.js";

/**
 * An in-memory backend that keeps every version (for `View.version` and
 * `View.timestamp`). Share one instance between stores to stand in for
 * several servers on one database; data is gone when the process ends.
 *
 * @example
 * const backend = new MemoryBackend();
 * const store = new Store({ name: "players", defaultData: () => ({}), backend });
 */
export class MemoryBackend implements Backend {
  constructor();
  get(store: string, key: string): Promise<Entry | null>;
  put(store: string, key: string, value: string, expected: string | null, meta: { userIds: number[] }): Promise<string | null>;
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
}
