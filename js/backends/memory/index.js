// MemoryBackend: the in-process backend (docs/backend-contract.md), with history.
// Pure JS. Good for tests, previews and single-process games; data is gone
// when the process ends. Its semantics are the reference for other adapters.
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames, entryOf } from "../shared.js";

export class MemoryBackend {
  /** `store\0key` → versions, oldest first. */
  #keys = new Map();
  #nextVersion = 1;

  #history(store, key) {
    return this.#keys.get(`${store}\u0000${key}`);
  }

  /** The current entry, or null. */
  async get(store, key) {
    checkNames("MemoryBackend.get", store, key);
    const history = this.#history(store, key);
    return history ? entryOf(history[history.length - 1]) : null;
  }

  /** Writes `value` if the current version is `expected`; the new version, or null. */
  async put(store, key, value, expected, meta) {
    checkNames("MemoryBackend.put", store, key);
    if (typeof value !== "string") throw invalidOptions("MemoryBackend.put: value must be a string");
    const history = this.#history(store, key);
    const current = history ? history[history.length - 1].version : null;
    if (current !== (expected ?? null)) return null;
    const previousTime = history ? history[history.length - 1].time : -Infinity;
    const version = {
      value,
      version: String(this.#nextVersion++),
      // Never earlier than the previous version, so getAtTime stays ordered
      // even if the clock steps back.
      time: Math.max(Date.now(), previousTime),
      userIds: [...(meta?.userIds ?? [])],
    };
    if (history) history.push(version);
    else this.#keys.set(`${store}\u0000${key}`, [version]);
    return version.version;
  }

  /** A past version by token, or null. */
  async getVersion(store, key, version) {
    checkNames("MemoryBackend.getVersion", store, key);
    const found = this.#history(store, key)?.find((v) => v.version === version);
    return found ? entryOf(found) : null;
  }

  /** The version current at `timeMs` (the last written at or before it), or null. */
  async getAtTime(store, key, timeMs) {
    checkNames("MemoryBackend.getAtTime", store, key);
    const history = this.#history(store, key) ?? [];
    let found = null;
    for (const v of history) {
      if (v.time <= timeMs) found = v;
      else break;
    }
    return found ? entryOf(found) : null;
  }
}
