// Copy-on-write drafts: how an action changes a frozen document while
// copying only what it changes.
//
// An action receives a draft, a Proxy that reads like the document. The
// first write to an object copies that object (shallowly) and every object
// on the path above it; nothing else is copied. When the action returns,
// `produce` builds the new document: changed objects are the copies, frozen;
// every untouched subtree is the old one itself (same identity, already
// frozen, never walked). The old document is never changed, so a cancelled
// action (it returned undefined) leaves nothing to undo.
//
// Only plain JSON is drafted: plain objects and arrays. That is what makes
// this much simpler than Immer or Mutative: no Map, Set, class instances or
// getters to respect. Anything else an action stores (a Date, a Map) is kept
// as it is and caught by the JSON checks, as before. What JSON would keep
// differently from what the game sees (docs/api.md, "What an action may put
// in the data") never reaches a result: -0 becomes 0 as it is stored; a
// property JSON would drop or read otherwise (a symbol key, a
// non-enumerable or accessor property, a named property of an array) is
// refused by the traps, and found in new objects as they are finished.
//
// V8 facts that decide the shape of this code (Node 20, measured on frozen
// 1,000-element arrays): `Array.from(frozen)` is ~70x faster than
// `frozen.slice()` and ~18x faster than an index loop; `Object.assign({},
// frozen)` is the fastest shallow copy of an object; a symbol-keyed field on
// the proxy target is ~10x faster to reach than a WeakMap from the proxy.

import { SkiliftError } from "../errors.js";
import { copy, freezeData, markChecked } from "./documents.js";
import { MAX_DEPTH, NEGATIVE_ZERO, SHAPE, VALUE, exactShape, frozenProblems, isArrayIndex, jsonKey, jsonScalar } from "./json_values.js";

/** The field of a proxy target that holds its State. */
const STATE = Symbol("skilift draft");

const hasOwn = Object.prototype.hasOwnProperty;

/** Plain objects and arrays: the values that are drafted. */
function draftable(value) {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** One drafted object of one action run. */
class State {
  constructor(base, parent, run) {
    /** The frozen original; never changed. */
    this.base = base;
    /** Its shallow copy, made at the first write below it; null until then. */
    this.copy = null;
    /** The drafts handed out for the base's own object values, by key. */
    this.children = null;
    this.parent = parent;
    /** Shared by all drafts of one action run. */
    this.run = run;
    this.isArray = Array.isArray(base);
    /** The finished value (the base itself when nothing changed). */
    this.result = undefined;
    // The target is an empty stand-in of the right kind, so that
    // `Array.isArray(draft)` holds and the frozen base never meets the
    // proxy invariants (a frozen target would pin every value).
    const target = this.isArray ? [] : {};
    target[STATE] = this;
    this.proxy = new Proxy(target, handler);
  }
}

/** One run of one action: its drafts are usable only while it runs. */
class Run {
  constructor(check) {
    this.done = false;
    /** Whether to check that what the action stored is plain JSON. */
    this.check = check;
    /** Set when a check failed; the caller finds the path. */
    this.notJson = false;
    /** The new objects being finished right now (cycle guard), made lazily. */
    this.open = null;
  }
}

function misuse(message) {
  return new SkiliftError("invalid_options", message);
}

/** A property JSON would not keep as the game sees it, stored on a draft: refused at once, in any mode. */
function unkept(what, key) {
  return new SkiliftError("not_json", `an action stored ${what} ${String(key)} on its data; JSON would not store it as the game sees it: data must be plain JSON`);
}

/**
 * A new or foreign object whose own properties JSON would not keep: in a
 * checked run, one more reason for `notJson` (strict mode names the path,
 * a sealed replay is refused as a whole); otherwise refused at once, since
 * nothing after the patch would see it (`toJson` trusts drafts' shapes).
 */
function badShape(run) {
  if (run.check) run.notJson = true;
  else throw new SkiliftError("not_json", "an action stored an object with a symbol-keyed, non-enumerable or accessor property, or an array with a named property; JSON would not store it as the game sees it: data must be plain JSON");
}

function live(target) {
  const state = target[STATE];
  if (state.run.done) {
    throw misuse("a draft was used after its action returned; an action must not keep its data, or any part of it, for later");
  }
  return state;
}

/** Makes the copy of `state` and of every state above it that has none. */
function markChanged(state) {
  while (state !== null && state.copy === null) {
    state.copy = state.isArray ? Array.from(state.base) : Object.assign({}, state.base);
    state = state.parent;
  }
}

/** The value of `key` as the action sees it: a draft for an untouched object. */
function read(state, key) {
  const value = (state.copy ?? state.base)[key];
  if (typeof value !== "object" || value === null) return value;
  const base = state.base;
  // Only the base's own values, still in place, are drafted; a value the
  // action stored itself (a new object, or a draft it moved) is returned as is.
  if (value !== base[key] || !hasOwn.call(base, key)) return value;
  let child = state.children?.get(key);
  if (child === undefined) {
    if (!draftable(value)) return value;
    child = new State(value, state, state.run);
    (state.children ??= new Map()).set(key, child);
  }
  return child.proxy;
}

function write(state, key, value) {
  if (typeof key === "symbol") throw unkept("the symbol-keyed property", key);
  if (state.isArray && key !== "length" && !isArrayIndex(key)) throw unkept("on an array the named property", key);
  // JSON has no -0: it is stored as 0, so the game sees 0 as well.
  if (value === 0) value = 0;
  if (state.copy === null) {
    // Storing what is already there (`data.a = data.a`) changes nothing.
    const base = state.base;
    // (`undefined` is not "the child's draft" of a key that has none.)
    const child = state.children?.get(key);
    if (hasOwn.call(base, key) && (base[key] === value || (child !== undefined && child.proxy === value))) return true;
    markChanged(state);
  }
  state.copy[key] = value;
  return true;
}

const handler = {
  get(target, key) {
    if (key === STATE) return target[STATE];
    return read(live(target), key);
  },
  set(target, key, value) {
    return write(live(target), key, value);
  },
  deleteProperty(target, key) {
    const state = live(target);
    if (!hasOwn.call(state.copy ?? state.base, key)) return true;
    markChanged(state);
    delete state.copy[key];
    return true;
  },
  has(target, key) {
    const state = live(target);
    return key in (state.copy ?? state.base);
  },
  ownKeys(target) {
    const state = live(target);
    return Reflect.ownKeys(state.copy ?? state.base);
  },
  getOwnPropertyDescriptor(target, key) {
    const state = live(target);
    const own = Reflect.getOwnPropertyDescriptor(state.copy ?? state.base, key);
    if (own === undefined) return undefined;
    // Reported as a writable, configurable data property of the draft
    // (the base's are frozen); an array's `length` stays non-configurable,
    // as the stand-in target's is.
    const length = state.isArray && key === "length";
    return { value: read(state, key), writable: true, enumerable: own.enumerable, configurable: !length };
  },
  defineProperty(target, key, descriptor) {
    const state = live(target);
    if (!("value" in descriptor)) {
      throw new SkiliftError("not_json", `an action defined a getter or setter at ${String(key)}; data must be plain JSON`);
    }
    // A property defined without `enumerable` is not enumerable, unless it
    // exists already (then it keeps being enumerable).
    const enumerable = descriptor.enumerable ?? hasOwn.call(state.copy ?? state.base, key);
    if (!enumerable && !(state.isArray && key === "length")) throw unkept("the non-enumerable property", key);
    return write(state, key, descriptor.value);
  },
  preventExtensions() {
    throw misuse("an action froze or sealed its data; actions must not, skilift freezes the result itself");
  },
  setPrototypeOf() {
    throw new SkiliftError("not_json", "an action changed the prototype of its data; data must be plain JSON");
  },
};

/** The finished value of a changed (or untouched) draft: frozen, shared where untouched. */
function finishState(state) {
  if (state.result !== undefined) {
    // Reached again while its own walk is under way: a draft stored inside
    // itself. The result is a cycle, which is not JSON.
    if (!Object.isFrozen(state.result)) state.run.notJson = true;
    return state.result;
  }
  const copy = state.copy;
  if (copy === null) return (state.result = state.base);
  // Set before the walk, so a cycle ends here rather than recursing forever.
  state.result = copy;
  const base = state.base;
  const run = state.run;
  // What the action stored itself: everything that is not the base's value.
  if (state.isArray) {
    for (let i = 0; i < copy.length; i++) {
      const v = copy[i];
      if (v !== base[i]) copy[i] = finishValue(v, run, 0);
      else if (run.check && !(i in copy)) run.notJson = true; // a hole
    }
  } else {
    for (const key in copy) {
      const v = copy[key];
      if (run.check && !hasOwn.call(base, key)) {
        // A new key: its name and its value must be JSON, even `undefined`.
        if (!jsonKey(key)) run.notJson = true;
        copy[key] = finishValue(v, run, 0);
      } else if (v !== base[key]) {
        copy[key] = finishValue(v, run, 0);
      }
    }
  }
  // Drafts of the base's values that changed in place.
  if (state.children !== null) {
    for (const [key, child] of state.children) {
      if (child.copy !== null && copy[key] === child.base) copy[key] = finishState(child);
    }
  }
  return Object.freeze(copy);
}

/** Finishes a value the action stored: drafts in it are finished, new objects frozen. */
function finishValue(value, run, depth) {
  if (typeof value !== "object" || value === null) {
    if (run.check && !jsonScalar(value)) run.notJson = true;
    return value === 0 ? 0 : value; // -0 is stored as 0
  }
  const state = value[STATE];
  if (state !== undefined) {
    if (state.run !== run) throw misuse("an action stored a draft of another action run; an action must not keep its data for later");
    return finishState(state);
  }
  if (Object.isFrozen(value)) {
    // Frozen already: taken to be frozen all the way down (documents.js
    // `freeze` does the same), but not trusted to be JSON, nor to be of a
    // JSON shape or free of -0, which cannot be put right in place: a -0
    // makes a copy (an argument holding -0 is rare; copying every frozen
    // value would cost every argument an action stores).
    const problems = frozenProblems(value, 0);
    if (problems & SHAPE) badShape(run);
    if (problems & VALUE && run.check) run.notJson = true;
    return problems & NEGATIVE_ZERO ? freezeData(copy(value)) : value;
  }
  if (!draftable(value)) {
    if (run.check) run.notJson = true;
    return value;
  }
  if (depth > MAX_DEPTH) {
    throw new SkiliftError("not_json", `the data is nested more than ${MAX_DEPTH} levels deep; data must be plain JSON`);
  }
  // A new object can only be frozen after its values are finished (drafts
  // in it are replaced), so a cycle through new objects is cut here: the
  // object is already being finished further up. (A cycle is not JSON; the
  // checks report it with its path, and a save refuses it.)
  const open = (run.open ??= new Set());
  if (open.has(value)) {
    run.notJson = true;
    return value;
  }
  open.add(value);
  const isArray = Array.isArray(value);
  if (!exactShape(value, isArray)) badShape(run);
  // A null prototype, or a subclass of Array: JSON.parse would not make it.
  if (run.check && Object.getPrototypeOf(value) !== (isArray ? Array.prototype : Object.prototype)) run.notJson = true;
  if (isArray) {
    for (let i = 0; i < value.length; i++) {
      if (run.check && !(i in value)) run.notJson = true;
      value[i] = finishValue(value[i], run, depth + 1);
    }
  } else {
    for (const key in value) {
      if (run.check && !jsonKey(key)) run.notJson = true;
      value[key] = finishValue(value[key], run, depth + 1);
    }
  }
  open.delete(value);
  return Object.freeze(value);
}

function runAction(fn, base, args, run) {
  try {
    const draftless = typeof base !== "object" || base === null || !draftable(base);
    const result = fn(draftless ? base : new State(base, null, run).proxy, ...args);
    return result === undefined ? undefined : finishValue(result, run, 0);
  } finally {
    run.done = true;
  }
}

/**
 * Runs `fn(draft of base, ...args)` and returns the new document (frozen,
 * sharing every untouched subtree with `base`), or undefined when the action
 * cancelled (returned undefined).
 */
export function produce(fn, base, args) {
  return runAction(fn, base, args, new Run(false));
}

/**
 * `produce`, also checking that everything the action stored is plain JSON
 * (what `base` shares was checked before): `{ result, notJson }`.
 */
export function produceChecked(fn, base, args) {
  const run = new Run(true);
  const result = runAction(fn, base, args, run);
  return { result, notJson: run.notJson };
}

/** The run `openDraft` opened and `seal` has not finished yet, or null. */
let openRun = null;

/**
 * One draft of frozen `base` for several actions in a row: a pull's
 * in-place replay on a document it knows already (the engine's `Host::own`).
 * Each action changes the draft (or returns a new value, which the next one
 * may change), and `seal` finishes the run once at the end, copying and
 * freezing only what the actions changed. `base` itself never changes, so
 * a failed replay drops the draft and starts again from `base`. Opening a
 * draft ends a run left open by such a failure. `base` must be plain JSON
 * (the engine's known records are): what the actions store is checked as
 * the run is finished, so the result is known JSON and `toJson` skips it.
 */
export function openDraft(base) {
  if (openRun !== null) openRun.done = true;
  const run = new Run(true);
  openRun = run;
  const draftless = typeof base !== "object" || base === null || !draftable(base);
  return draftless ? base : new State(base, null, run).proxy;
}

/**
 * The engine's `Host::seal`: finishes the open draft run with its result
 * `value` (the drafts in it become frozen copies sharing the rest), or,
 * with no run open, deeply freezes `value` (freshly parsed data).
 */
export function seal(value) {
  const run = openRun;
  if (run === null) return freezeData(value);
  openRun = null;
  try {
    const result = finishValue(value, run, 0);
    markChecked(result, !run.notJson);
    return result;
  } finally {
    run.done = true;
  }
}
