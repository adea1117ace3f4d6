// MemoryBackend: the in-process backend (docs/backend-contract.md), with history
// and the optional listing and removal methods. Pure JS. Good for tests,
// previews and single-process games; data is gone when the process ends. Its
// semantics are the reference for other adapters.
//
// Version tokens come from one counter for the whole backend, so a token is
// never used twice, not even for a key that was removed and written again:
// a put that still holds a token from before the removal can never match.
// Every method runs to its answer without awaiting anything in between, so
// each one is atomic against the others (a remove and a put cannot
// interleave).
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames, checkStore, checkUserId, entryOf, historyOptions, listOptions, pageOf, versionInfo } from "../shared.js";

export class MemoryBackend {
  /** store → key → versions, oldest first. A removed key has no entry. */
  #stores = new Map();
  #nextVersion = 1;

  #history(store, key) {
    return this.#stores.get(store)?.get(key);
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
    else {
      if (!this.#stores.has(store)) this.#stores.set(store, new Map());
      this.#stores.get(store).set(key, [version]);
    }
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

  /** `{ version, time, userIds }` of the versions written before `before`, newest first, at most `limit`. */
  async history(store, key, options) {
    checkNames("MemoryBackend.history", store, key);
    const { limit, before } = historyOptions("MemoryBackend.history", options);
    const versions = this.#history(store, key) ?? [];
    const found = [];
    for (let i = versions.length - 1; i >= 0 && found.length < limit; i--) {
      if (versions[i].time < before) found.push(versionInfo(versions[i]));
    }
    return found;
  }

  /** One page of the keys of `store`, in JavaScript string order. */
  async list(store, options) {
    checkStore("MemoryBackend.list", store);
    const page = listOptions("MemoryBackend.list", options);
    return pageOf([...(this.#stores.get(store)?.keys() ?? [])], page);
  }

  /** The keys of `store` whose current entry carries `userId`, sorted. */
  async keysByUser(store, userId) {
    checkStore("MemoryBackend.keysByUser", store);
    checkUserId("MemoryBackend.keysByUser", userId);
    const keys = [];
    for (const [key, versions] of this.#stores.get(store) ?? []) {
      if (versions[versions.length - 1].userIds.includes(userId)) keys.push(key);
    }
    return keys.sort();
  }

  /** Erases the key and every version of it; a key that does not exist is left alone. */
  async remove(store, key) {
    checkNames("MemoryBackend.remove", store, key);
    const keys = this.#stores.get(store);
    keys?.delete(key);
    if (keys?.size === 0) this.#stores.delete(store);
  }
}
