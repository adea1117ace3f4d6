// Types of MemoryBackend (index.js beside it), exported by `skilift` itself.
import type { Backend } from "../../index.js";

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
export class MemoryBackend {
  constructor();
}

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`; history keeps every version.
 */
export interface MemoryBackend extends Required<Backend> {}
