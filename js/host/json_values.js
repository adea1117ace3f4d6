// What a JSON value is, exactly: the checks that decide whether a value
// round-trips through JSON.stringify and JSON.parse unchanged, so that the
// snapshot the game sees is what is stored (docs/api.md, "What an action may
// put in the data").
//
// JSON.stringify does not refuse what it cannot write: it drops symbol keys,
// non-enumerable properties and the named properties of arrays, writes what
// a getter returns, turns NaN into null and -0 into 0, and JSON.parse gives
// every object Object.prototype. Each of those is a place where the game's
// snapshot and the stored record would disagree, so each is checked here:
// the value-level ones by `isPlainJson` (and `jsonProblem`, documents.js),
// the shape of an object's own properties by `exactShape`.

/**
 * How deep data and action arguments may nest (docs/api.md, "What an action
 * may put in the data"). Deeper than any real document: the walks that copy,
 * check and finish values recurse, and past this they stop with a clear
 * `not_json` (a cycle, too, shows up as depth). It was 5000, but Node's
 * default stack holds only about 4,100 frames of those walks (and
 * JSON.stringify itself gives up past about 4,170 levels), so a cycle or a
 * 5,000-deep value overflowed the stack first: a RangeError instead of a
 * SkiliftError. 1000 leaves room for a caller already deep in its own stack
 * and for engines with smaller stacks.
 */
export const MAX_DEPTH = 1000;

/** An object JSON.parse could have made: exactly Object.prototype (not null, not a class). */
export function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** An array JSON.parse could have made: not a subclass of Array. */
export const isPlainArray = (value) => Object.getPrototypeOf(value) === Array.prototype;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const wellFormed =
  typeof String.prototype.isWellFormed === "function"
    ? (s) => s.isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/** Whether an object key can be a JSON key (no lone surrogates). */
export const jsonKey = (key) => typeof key === "string" && wellFormed(key);

/** Whether a value that is not an object (or is null) is a JSON value. (-0 is: JSON writes it as 0.) */
export function jsonScalar(v) {
  switch (typeof v) {
    case "string":
      return wellFormed(v);
    case "number":
      return Number.isFinite(v);
    case "boolean":
      return true;
    default:
      return v === null;
  }
}

/** Whether `key` names an element of an array (a canonical index below 2^32 - 1), not a named property. */
export function isArrayIndex(key) {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const first = key.charCodeAt(0);
  if (first === 48) return n === 1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 10 || Number(key) < 4294967295;
}

/**
 * Whether the own properties of a plain object or array are exactly those
 * JSON keeps: string keys, enumerable data properties (for an array: its
 * elements and `length`, nothing named). Holes are the caller's to find.
 * Costs a descriptor per property: used on what an action made itself and
 * on data of unknown origin, never on the parts of a document it shares.
 */
export function exactShape(v, isArray) {
  const keys = Reflect.ownKeys(v);
  const n = keys.length;
  // An array's own keys are its elements and `length`: one more is a name.
  if (isArray && n > v.length + 1) return false;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (typeof key !== "string") return false;
    const d = Reflect.getOwnPropertyDescriptor(v, key);
    if (!("value" in d)) return false;
    if (!d.enumerable && !(isArray && key === "length")) return false;
  }
  return true;
}

/**
 * Whether a value is plain JSON, exactly (see the top of this file), without
 * paths: the fast half of `jsonProblem`. A cycle shows up as depth beyond
 * MAX_DEPTH.
 */
export function isPlainJson(v, depth) {
  if (typeof v !== "object" || v === null) return jsonScalar(v);
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    if (!isPlainArray(v) || !exactShape(v, true)) return false;
    for (let i = 0; i < v.length; i++) {
      if (!(i in v) || !isPlainJson(v[i], depth + 1)) return false;
    }
    return true;
  }
  if (!isPlainObject(v) || !exactShape(v, false)) return false;
  for (const key in v) {
    if (!wellFormed(key) || !isPlainJson(v[key], depth + 1)) return false;
  }
  return true;
}

/** What `frozenProblems` finds: a property JSON would not keep, a value it cannot hold, a -0. */
export const SHAPE = 1;
export const VALUE = 2;
export const NEGATIVE_ZERO = 4;

/**
 * The problems (a mask of SHAPE, VALUE, NEGATIVE_ZERO) of a frozen value an
 * action stored that is none of its drafts (an argument, a constant it
 * froze itself): it cannot be finished like a new object, so it is walked.
 */
export function frozenProblems(v, depth) {
  if (typeof v !== "object" || v === null) {
    if (!jsonScalar(v)) return VALUE;
    return v === 0 && 1 / v < 0 ? NEGATIVE_ZERO : 0;
  }
  if (depth > MAX_DEPTH) return VALUE;
  const isArray = Array.isArray(v);
  if (isArray ? !isPlainArray(v) : !isPlainObject(v)) return VALUE;
  let found = exactShape(v, isArray) ? 0 : SHAPE;
  if (isArray) {
    for (let i = 0; i < v.length; i++) found |= i in v ? frozenProblems(v[i], depth + 1) : VALUE;
  } else {
    for (const key in v) found |= wellFormed(key) ? frozenProblems(v[key], depth + 1) : VALUE;
  }
  return found;
}
