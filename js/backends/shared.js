// What every adapter in js/backends/ needs the same way: the argument checks
// (store and key names, the options of the optional listing and history
// methods, user ids), a fresh entry object, a pause. One copy each, so the
// adapters cannot drift apart in what they accept or hand out.

import { invalidOptions } from "../errors.js";

/** `list` answers at most this many keys unless told otherwise (docs/backend-contract.md). */
export const DEFAULT_LIST_LIMIT = 1000;
/** `history` answers at most this many versions unless told otherwise. */
export const DEFAULT_HISTORY_LIMIT = 100;

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

/** Throws `invalid_options` unless `store` is a string (passing `valid`); for the calls without a key. */
export function checkStore(where, store, { valid = () => true, must = "a string" } = {}) {
  if (typeof store !== "string" || !valid(store)) throw invalidOptions(`${where}: store must be ${must}`);
}

/** The options object of `list`/`history`: a plain object or undefined, with only `known` names. */
function optionsObject(where, options, known) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw invalidOptions(`${where}: options must be an object { ${known.join(", ")} }`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw invalidOptions(`${where}: unknown option ${JSON.stringify(name)} (known: ${known.join(", ")})`);
    }
  }
  return options;
}

function checkLimit(where, limit, fallback) {
  if (limit === undefined) return fallback;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalidOptions(`${where}: limit must be a positive whole number, got ${typeof limit === "string" ? JSON.stringify(limit) : String(limit)}`);
  }
  return limit;
}

/**
 * `{ after, limit, prefix }` of `list(store, options)`, checked: `after`
 * undefined or a string, `prefix` a string (default ""), `limit` a
 * positive whole number (default 1000). `valid` as in checkNames: a string
 * the backend cannot store is refused here too.
 */
export function listOptions(where, options, { valid = () => true, must = "strings" } = {}) {
  const { after, limit, prefix = "" } = optionsObject(where, options, ["after", "limit", "prefix"]);
  for (const [name, value] of [["after", after ?? ""], ["prefix", prefix]]) {
    if (typeof value !== "string" || !valid(value)) throw invalidOptions(`${where}: ${name} must be a string (keys are ${must})`);
  }
  return { after, limit: checkLimit(where, limit, DEFAULT_LIST_LIMIT), prefix };
}

/** `{ limit, before }` of `history(store, key, options)`, checked: `before` a number of ms (default Infinity). */
export function historyOptions(where, options) {
  const { limit, before = Infinity } = optionsObject(where, options, ["limit", "before"]);
  if (typeof before !== "number" || Number.isNaN(before)) {
    throw invalidOptions(`${where}: before must be a time in ms since the epoch`);
  }
  return { limit: checkLimit(where, limit, DEFAULT_HISTORY_LIMIT), before };
}

/** Throws `invalid_options` unless `userId` is a finite number (user ids are stored as numbers). */
export function checkUserId(where, userId) {
  if (typeof userId !== "number" || !Number.isFinite(userId)) {
    throw invalidOptions(`${where}: userId must be a finite number`);
  }
}

/**
 * One page of `list` from every key of a namespace, in any order: sorted in
 * JavaScript string order (UTF-16 code units), strictly after `after`,
 * starting with `prefix`, at most `limit`. For backends that have the whole
 * key set at hand (memory, files).
 */
export function pageOf(keys, { after, limit, prefix }) {
  const page = keys.filter((key) => (after === undefined || key > after) && key.startsWith(prefix)).sort();
  return page.length > limit ? page.slice(0, limit) : page;
}

/** `{ version, time, userIds }` of one version, for `history`: everything but the value. */
export function versionInfo({ version, time, userIds }) {
  return { version, time, userIds: [...(userIds ?? [])] };
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
