// The one door from skilift's JavaScript to a backend (docs/backend-contract.md):
// what a backend's answer must look like, the deadline of a call, how a
// garbage answer is worded (`backend_invalid_response`) and what a user id
// is. Two kinds of caller use it:
//
// - the engine's ticket adapter (storage.js) makes the engine's get, put and
//   remove calls itself, so that an answer goes straight back to wasm with
//   no extra await or allocation, and reads each answer with `readEntry` and
//   `notAVersion` below; its deadline is the engine's (requestTimeout,
//   enforced in Rust);
// - everything else (operations.js: store.keys, keysByUser, remove,
//   view.history; the CLI and skilift studio) calls through a BackendDoor,
//   which makes the call, races it against the deadline if it has one, and
//   checks and copies the answer before anyone uses it.
//
// The other side of the same contract, what an adapter accepts from its
// callers (store and key names, list/history options, user ids), is
// backends/shared.js: the adapters' own helper, which imports nothing from
// here so that an adapter stays as small as it is.

import { SkiliftError, invalidOptions } from "../errors.js";
import { describe } from "./documents.js";

/** The one wording of a garbage answer; JavaScript-side calls prefix their caller's name. */
export function garbageMessage(method, why) {
  return `${method}() answered garbage: ${why}`;
}

/** Why an answer is garbage, thrown inside this module only. */
class BackendGarbage {
  constructor(why) {
    this.why = why;
  }
}

/** Reads `entry[name]`; a throwing getter is garbage, not a crash. */
function entryField(entry, name) {
  try {
    return entry[name];
  } catch {
    throw new BackendGarbage(`reading entry.${name} threw`);
  }
}

/** The `userIds` of an entry (or of a version, `of`): an array of numbers; missing (undefined or null) is []. */
function entryUserIds(ids, of = "entry") {
  if (ids === undefined || ids === null) return [];
  if (!Array.isArray(ids)) throw new BackendGarbage(`${of}.userIds must be an array of numbers, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== "number") throw new BackendGarbage(`${of}.userIds must hold numbers only, found ${describe(ids[i])}`);
  }
  return ids;
}

/**
 * Reads `answer` (anything but null or undefined, which mean "no entry") as
 * an entry `{ value, version, time, userIds }` into `into`: undefined if it
 * is one, else why not. `into.userIds` is the answer's own array (or []).
 * Allocates nothing on success: it is on the engine's read path.
 */
export function readEntry(answer, into) {
  try {
    if (typeof answer !== "object") {
      throw new BackendGarbage(`expected an entry { value, version, time, userIds } or null, got ${describe(answer)}`);
    }
    const value = entryField(answer, "value");
    if (typeof value !== "string") throw new BackendGarbage(`entry.value must be a string, got ${describe(value)}`);
    const version = entryField(answer, "version");
    if (typeof version !== "string") throw new BackendGarbage(`entry.version must be a string, got ${describe(version)}`);
    const time = entryField(answer, "time");
    if (typeof time !== "number" || !Number.isFinite(time)) {
      throw new BackendGarbage(`entry.time must be a finite number, got ${describe(time)}`);
    }
    into.userIds = entryUserIds(entryField(answer, "userIds"));
    into.value = value;
    into.version = version;
    into.time = time;
    return undefined;
  } catch (thrown) {
    // Anything else thrown while reading it (a revoked proxy, say) is
    // garbage too: an exception here would reject a promise nobody holds.
    return thrown instanceof BackendGarbage ? thrown.why : "reading the entry threw";
  }
}

/** Why `answer` is not what `put` resolves (the new version string, or null). */
export function notAVersion(answer) {
  return `expected the new version string or null, got ${describe(answer)}`;
}

/** Why a page of keys is garbage: not strings, not ascending, not after `after`, without `prefix`, over `limit`; or undefined. */
function keysProblem(keys, { after, prefix, limit }) {
  if (!Array.isArray(keys)) return `expected an array of keys, got ${describe(keys)}`;
  if (limit !== undefined && keys.length > limit) return `${keys.length} keys for a limit of ${limit}`;
  let previous = after;
  for (const key of keys) {
    if (typeof key !== "string") return `a key that is not a string (${describe(key)})`;
    if (previous !== undefined && !(key > previous)) return `keys out of order (${JSON.stringify(key)} after ${JSON.stringify(previous)})`;
    if (prefix !== undefined && !key.startsWith(prefix)) return `key ${JSON.stringify(key)} without the prefix ${JSON.stringify(prefix)}`;
    previous = key;
  }
  return undefined;
}

/** A page of `history`, checked (newest first, before `before`, at most `limit`) and copied. */
function versionsOf(versions, { limit, before }) {
  if (!Array.isArray(versions)) throw new BackendGarbage(`expected an array of versions, got ${describe(versions)}`);
  if (limit !== undefined && versions.length > limit) throw new BackendGarbage(`${versions.length} versions for a limit of ${limit}`);
  let previous = Infinity;
  return versions.map((v) => {
    const ok = v !== null && typeof v === "object" && typeof v.version === "string" && typeof v.time === "number" && Number.isFinite(v.time);
    if (!ok) throw new BackendGarbage(`a version that is not { version: string, time: number, userIds? }: ${describe(v)}`);
    const userIds = entryUserIds(v.userIds, "version");
    if (v.time > previous) throw new BackendGarbage("versions that are not newest first");
    if (before !== undefined && !(v.time < before)) throw new BackendGarbage(`a version of ${v.time}, not before ${before}`);
    previous = v.time;
    return { version: v.version, time: v.time, userIds: [...userIds] };
  });
}

/** Throws `invalid_options` unless `userId` is a user id: a finite number, as given to session.userid. */
export function checkUserIdArgument(call, userId) {
  if (typeof userId !== "number" || !Number.isFinite(userId)) {
    throw invalidOptions(`${call}(userId): userId must be a finite number (as given to session.userid), got ${typeof userId === "number" ? userId : typeof userId}`);
  }
}

/**
 * A backend as skilift's JavaScript calls it (all but the engine's own
 * get/put/remove): each method calls the backend's method of that name,
 * within `timeout` ms if given (else `backend_failed`), and checks its
 * answer (else `backend_invalid_response`, worded `label: method() answered
 * garbage: why`). Entries and versions come back as new objects.
 */
export class BackendDoor {
  /** `label` names the caller in messages ("store.keys"); `timeout` is in ms (none: no deadline). */
  constructor(backend, { label, timeout } = {}) {
    this.backend = backend;
    this.label = label;
    this.timeout = timeout;
  }

  /** The same backend and deadline, with `label` in its messages. */
  named(label) {
    return new BackendDoor(this.backend, { label, timeout: this.timeout });
  }

  /** Whether the backend has `method` (the optional ones: docs/backend-contract.md). */
  has(method) {
    return typeof this.backend?.[method] === "function";
  }

  get(store, key) {
    return this.#entry("get", store, key);
  }

  getVersion(store, key, version) {
    return this.#entry("getVersion", store, key, version);
  }

  getAtTime(store, key, timeMs) {
    return this.#entry("getAtTime", store, key, timeMs);
  }

  /** Compare-and-set; resolves the new version, or null if `expected` was not current. */
  async put(store, key, value, expected, userIds) {
    const answer = await this.#call("put", store, key, value, expected ?? null, { userIds: userIds ?? [] });
    if (answer !== null && typeof answer !== "string") throw this.#garbage("put", notAVersion(answer));
    return answer;
  }

  /** One page of keys, `options` as `list` takes them (the page is checked against them). */
  async list(store, options = {}) {
    return this.#keys("list", options, await this.#call("list", store, options));
  }

  async keysByUser(store, userId) {
    checkUserIdArgument(this.label ?? "keysByUser", userId);
    return this.#keys("keysByUser", {}, await this.#call("keysByUser", store, userId));
  }

  /** Retained versions `{ version, time, userIds }`, newest first, checked against `options`. */
  async history(store, key, options = {}) {
    const versions = await this.#call("history", store, key, options);
    try {
      return versionsOf(versions, options);
    } catch (thrown) {
      throw thrown instanceof BackendGarbage ? this.#garbage("history", thrown.why) : thrown;
    }
  }

  /** Resolves once the backend has removed the key (whatever it resolves to). */
  async remove(store, key) {
    await this.#call("remove", store, key);
  }

  async #entry(method, ...args) {
    const answer = await this.#call(method, ...args);
    if (answer === null || answer === undefined) return null;
    const entry = { value: undefined, version: undefined, time: 0, userIds: undefined };
    const why = readEntry(answer, entry);
    if (why !== undefined) throw this.#garbage(method, why);
    // `entry` is already a new object; only the ids are still the backend's array.
    entry.userIds = [...entry.userIds];
    return entry;
  }

  #keys(method, options, keys) {
    const why = keysProblem(keys, options);
    if (why !== undefined) throw this.#garbage(method, why);
    return [...keys];
  }

  #garbage(method, why) {
    const message = garbageMessage(method, why);
    return new SkiliftError("backend_invalid_response", this.label ? `${this.label}: ${message}` : message);
  }

  /** `backend[method](...args)`, failing with `backend_failed` after `timeout` ms. */
  async #call(method, ...args) {
    const promise = this.backend[method](...args);
    if (this.timeout === undefined) return promise;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => {
        const who = this.label ? `${this.label}: ` : "";
        reject(new SkiliftError("backend_failed", `${who}${method}() did not answer within ${this.timeout / 1000} s (requestTimeout)`));
      }, this.timeout);
    });
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
