// Types of the `skilift/fs` entry point (index.js beside it).

import type { Backend } from "../../index.js";

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
export class FsBackend {
  constructor(dir: string, options?: FsBackendOptions);
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

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`. Where FsBackend differs: key files are named by hash,
 * so `list` and `keysByUser` read one header per key of the store, and
 * `history` one per version; `remove` deletes every version file and keeps
 * a small removal record (the store and key names and the last version
 * number, no data), so version numbers go on rising and old tokens never
 * match again.
 */
export interface FsBackend extends Required<Backend> {}
