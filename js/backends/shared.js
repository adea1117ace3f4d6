// What every adapter in js/backends/ needs the same way: the argument check
// of store and key names, a fresh entry object, a pause. One copy each, so
// the adapters cannot drift apart in what they accept or hand out.

import { invalidOptions } from "../errors.js";

/**
 * Throws `invalid_options` unless `store` and `key` are strings (and pass
 * `valid`, for a backend that cannot store every string). `where` names the
 * call in the message, e.g. "FsBackend.get".
 */
export function checkNames(where, store, key, { valid = () => true, must = "strings" } = {}) {
  if (typeof store !== "string" || typeof key !== "string" || !valid(store) || !valid(key)) {
    throw invalidOptions(`${where}: store and key must be ${must}`);
  }
}

/**
 * A new entry `{ value, version, time, userIds }` from whatever a backend
 * keeps: callers get their own `userIds` array, so changing it cannot change
 * the stored version (a missing list counts as []).
 */
export function entryOf({ value, version, time, userIds }) {
  return { value, version, time, userIds: [...(userIds ?? [])] };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
