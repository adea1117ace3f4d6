// Document operations: everything that touches the contents of a document
// (a deeply frozen plain-JSON value) happens here, in JS, so a patch never
// converts a document to Rust. The engine reaches these through the glue
// object (glue.js); session.js uses `snapshot` for patch arguments.
//
// Actions do not copy documents: they run on copy-on-write drafts
// (draft.js). `copy` is for values the game hands in (patch arguments,
// defaultData's result), which must be the library's own. `freeze` skips
// what is frozen already, so a value that shares parts with a document
// costs only its new parts.

import { SkiliftError } from "../errors.js";
import { MAX_DEPTH, isArrayIndex, isPlainArray, isPlainJson, isPlainObject, wellFormed } from "./json_values.js";

/**
 * A mutable deep copy of plain objects and arrays; other values (which are
 * not JSON and are caught by the JSON checks) are shared as they are.
 * No cycle bookkeeping on the hot path: a cycle (possible only outside
 * strict mode) ends in a clear error at MAX_DEPTH.
 */
function copyObject(value, depth) {
  if (depth > MAX_DEPTH) {
    throw new SkiliftError(
      "not_json",
      `a value is nested more than ${MAX_DEPTH} levels deep or contains a cycle; data and action arguments must be plain JSON`,
    );
  }
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = value[i];
      out[i] = typeof v === "object" && v !== null ? copyObject(v, depth + 1) : v;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out = {};
  for (const key in value) {
    const v = value[key];
    out[key] = typeof v === "object" && v !== null ? copyObject(v, depth + 1) : v;
  }
  return out;
}

export function copy(value) {
  return typeof value === "object" && value !== null ? copyObject(value, 0) : value;
}

/**
 * Freezes plain objects and arrays all the way down; returns `value`.
 * A frozen object is taken to be frozen all the way down and skipped: every
 * object this library freezes is, and skipping is what lets a document that
 * shares parts with the previous one be frozen at the cost of its new parts.
 * (An object the game froze only shallowly itself keeps its unfrozen inside.)
 */
export function freeze(value) {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "object" && v !== null) freeze(v);
    }
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const key in value) {
    const v = value[key];
    if (typeof v === "object" && v !== null) freeze(v);
  }
  return value;
}

/**
 * `freeze` for data (not arguments): also turns -0 into 0, as JSON stores
 * it, so the snapshot shows what is stored. Each object is frozen after its
 * values, so a cycle is cut at MAX_DEPTH (and refused by the JSON check).
 */
export function freezeData(value, depth = 0) {
  if (typeof value !== "object" || value === null || Object.isFrozen(value) || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "object" && v !== null) freezeData(v, depth + 1);
      else if (v === 0 && 1 / v < 0) value[i] = 0;
    }
    return Object.freeze(value);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  for (const key in value) {
    const v = value[key];
    if (typeof v === "object" && v !== null) freezeData(v, depth + 1);
    else if (v === 0 && 1 / v < 0) value[key] = 0;
  }
  return Object.freeze(value);
}

/**
 * Frozen one-element argument lists, shared: `undefined`, `null`, the
 * booleans and the integers 0 to 255 (counts, slots, amounts: what most
 * patches pass). A queued patch keeps its arguments until it is saved:
 * with many patches between saves (the benchmark queues a million), one
 * array per patch made a 1 KB patch 1.3x slower, mostly in garbage
 * collection. Nothing can tell a shared list from a new one: it is frozen,
 * and actions get its elements, not the list.
 */
const SMALL = Array.from({ length: 256 }, (_, i) => Object.freeze([i]));
const ONE_UNDEFINED = Object.freeze([undefined]);
const ONE_NULL = Object.freeze([null]);
const ONE_TRUE = Object.freeze([true]);
const ONE_FALSE = Object.freeze([false]);

/** The shared list holding just `v`, or undefined when there is none. */
function sharedOne(v) {
  switch (typeof v) {
    case "undefined":
      return ONE_UNDEFINED;
    case "boolean":
      return v ? ONE_TRUE : ONE_FALSE;
    case "number":
      // -0 passes `v === (v | 0)`; it keeps its own list, so it stays -0.
      return v >= 0 && v < 256 && v === (v | 0) && !Object.is(v, -0) ? SMALL[v] : undefined;
    default:
      return v === null ? ONE_NULL : undefined;
  }
}

/**
 * A patch's rest-parameter array made the library's own: it is new already,
 * so only its object elements are copied; then all of it is frozen. A
 * single small argument gets its shared list (see `SMALL`).
 */
export function ownArgs(args) {
  if (args.length === 1) {
    const shared = sharedOne(args[0]);
    if (shared !== undefined) return shared;
  }
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (typeof v === "object" && v !== null) args[i] = copy(v);
  }
  return freeze(args);
}

/** A frozen copy: what the caller does to the original afterwards is not seen. */
export function snapshot(value) {
  return freeze(copy(value));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path, key) {
  if (typeof key === "number") return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * The path of the first own property of plain object or array `v` that
 * JSON would not keep as it is (see `exactShape`), or `undefined`.
 */
function shapeProblem(v, isArray, path) {
  for (const key of Reflect.ownKeys(v)) {
    if (typeof key !== "string") return `${path}[${String(key)}]`;
    const d = Reflect.getOwnPropertyDescriptor(v, key);
    if (isArray && key === "length") continue;
    if (!("value" in d) || !d.enumerable || (isArray && !isArrayIndex(key))) return child(path, key);
  }
  return undefined;
}

/**
 * The path (from `root`) of the first value that is not plain JSON:
 * NaN/±Infinity, undefined, functions, symbols, BigInt, objects of another
 * prototype (Map, Set, Date, class instances, null, Array subclasses),
 * symbol-keyed, non-enumerable or accessor properties, named properties of
 * arrays, cycles, lone surrogates, array holes. `undefined` when the whole
 * value is plain JSON.
 */
export function jsonProblem(value, root = "data") {
  // The common answer is "none": check without building paths or tracking
  // ancestors, and only walk again with both when something is wrong.
  if (isPlainJson(value, 0)) return undefined;
  const ancestors = new Set();
  // `depth` too: a value nested deeper than MAX_DEPTH is not refused for a
  // cycle, and walking all of it could overflow the stack.
  function walk(v, path, depth) {
    switch (typeof v) {
      case "string":
        return wellFormed(v) ? undefined : path;
      case "number":
        return Number.isFinite(v) ? undefined : path;
      case "boolean":
        return undefined;
      case "object":
        break;
      default: // undefined, function, symbol, bigint
        return path;
    }
    if (v === null) return undefined;
    const isArray = Array.isArray(v);
    if (isArray ? !isPlainArray(v) : !isPlainObject(v)) return path;
    if (ancestors.has(v) || depth > MAX_DEPTH) return path;
    const shape = shapeProblem(v, isArray, path);
    if (shape !== undefined) return shape;
    ancestors.add(v);
    if (isArray) {
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) return child(path, i);
        const p = walk(v[i], child(path, i), depth + 1);
        if (p !== undefined) return p;
      }
    } else {
      for (const key of Object.keys(v)) {
        const p = wellFormed(key) ? walk(v[key], child(path, key), depth + 1) : child(path, key);
        if (p !== undefined) return p;
      }
    }
    ancestors.delete(v);
    return undefined;
  }
  return walk(value, root, 0);
}

/**
 * The last document whose JSON check is known, so `toJson` need not walk
 * it: a finished in-place draft (draft.js `seal`) whose base was JSON and
 * whose new parts were checked as they were finished, `marked` holding
 * whether they all passed. (That answer is also the only one for a shape
 * problem: `isPlainJsonOver` trusts the shape of objects, see there.) The
 * engine encodes a sealed document right after sealing it, so one slot is
 * enough; any other document is walked. (A `WeakSet` of them was 0.6 to
 * 0.8 µs of self time per 1 KB save in the profile.) Frozen, a document
 * cannot stop being JSON.
 */
let marked = Symbol("nothing marked yet");
let markedJson = false;

/** Records the JSON check of a frozen document just finished (see `marked`). */
export function markChecked(value, json) {
  if (typeof value === "object" && value !== null) {
    marked = value;
    markedJson = json;
  }
}

/**
 * JSON text of a value, or `undefined` when it is not plain JSON. `base`,
 * if given, is a frozen document known to be plain JSON (a record's data
 * the engine encoded or decoded): the parts of `value` it shares, at the
 * same place, are not walked again.
 */
export function toJson(value, base) {
  if (value === marked ? !markedJson : !isPlainJsonOver(value, base, 0)) return undefined;
  return JSON.stringify(value);
}

const isOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * `isPlainJson(v)`, skipping what `v` shares with `b` at the same place: a
 * save of a document that changed one field walks one object, not the
 * document. Only own properties and elements of `b` count: an inherited
 * `constructor` is not JSON, and `undefined` is what a missing one reads as.
 * Not a third parameter of `isPlainJson`: that walk finds a cycle only at
 * MAX_DEPTH frames deep, and with the bigger frames it overflowed the stack
 * first (tests/node/draft.test.mjs, the cycle in strict mode).
 * The shape of the objects walked (`exactShape`) is not checked again: with
 * a base, `v` is what drafts made (draft.js), whose traps refuse a property
 * JSON would not keep and whose finish checks the shape of new objects;
 * what is new here is checked in full by `isPlainJson`.
 */
function isPlainJsonOver(v, b, depth) {
  if (typeof b !== "object" || b === null || typeof v !== "object" || v === null) return isPlainJson(v, depth);
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    if (!Array.isArray(b)) return isPlainJson(v, depth);
    if (!isPlainArray(v)) return false;
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return false;
      const x = v[i];
      if (i < b.length && x === b[i]) continue;
      if (!isPlainJsonOver(x, i < b.length ? b[i] : undefined, depth + 1)) return false;
    }
    return true;
  }
  if (!isPlainObject(v) || Array.isArray(b)) return isPlainJson(v, depth);
  for (const key in v) {
    const x = v[key];
    if (isOwn(b, key)) {
      const y = b[key];
      if (x === y) continue;
      if (!isPlainJsonOver(x, y, depth + 1)) return false;
    } else if (!wellFormed(key) || !isPlainJson(x, depth + 1)) {
      return false;
    }
  }
  return true;
}

/** Parses JSON text into a deeply frozen value. Throws on bad text. */
export function fromJson(text) {
  return freeze(JSON.parse(text));
}

function sameNumber(a, b) {
  return a === b || (a !== a && b !== b); // NaN equals NaN here; 0 equals -0, as in JSON
}

/** Whether two values are equal as JSON: the fast half of `firstDifference`. */
function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return sameNumber(a, b);
  if (a === null || b === null || typeof a !== "object") return false;
  const aArray = Array.isArray(a);
  // Prototypes first, for arrays too: after a save that dropped an action
  // (not_json), the data must count as changed if only a prototype did.
  if (aArray !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (aArray) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  // Keys in the same order too: JSON text keeps the order, and so does
  // what a game that lists keys sees.
  const bKeys = Object.keys(b);
  let count = 0;
  for (const key in a) {
    if (key !== bKeys[count] || !sameJson(a[key], b[key])) return false;
    count++;
  }
  return count === bKeys.length;
}

/** The path of the first place where two values differ as JSON, or `undefined`. */
export function firstDifference(a, b, path = "data") {
  if (path === "data" && sameJson(a, b)) return undefined;
  if (a === b) return undefined;
  if (typeof a !== typeof b) return path;
  if (typeof a === "number") return sameNumber(a, b) ? undefined : path;
  if (a === null || b === null || typeof a !== "object") return path;
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return path;
  if (aArray) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= a.length || i >= b.length) return child(path, i);
      const p = firstDifference(a[i], b[i], child(path, i));
      if (p !== undefined) return p;
    }
    return undefined;
  }
  const aKeys = Object.keys(a);
  for (const key of aKeys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return child(path, key);
    const p = firstDifference(a[key], b[key], child(path, key));
    if (p !== undefined) return p;
  }
  const bKeys = Object.keys(b);
  for (const key of bKeys) {
    if (!Object.prototype.hasOwnProperty.call(a, key)) return child(path, key);
  }
  // The same keys with the same values, maybe in another order.
  const moved = aKeys.findIndex((key, i) => key !== bKeys[i]);
  return moved < 0 ? undefined : child(path, aKeys[moved]);
}

/** A short description of a value for error messages. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "object") {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  if (type === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (type === "number" || type === "boolean" || type === "bigint") return `${type} ${String(value)}`;
  return type === "undefined" ? "undefined" : `a ${type}`;
}
