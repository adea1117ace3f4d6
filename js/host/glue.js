// The glue: the object the Rust side calls for all document work
// (src/bindings/glue.rs imports each method by name, so the names of the
// `glue` object below are a contract with Rust: never rename one here
// alone). It is installed once at load (engine.js, engine.node.cjs) rather
// than being a wasm-bindgen snippet, so one .wasm serves both targets.
// The document operations themselves are documents.js, the backend calls
// storage.js; this file adds what
// the engine needs around user code: running actions and defaultData,
// reporting background errors, building SkiliftErrors.

import { SkiliftError } from "../errors.js";
import { openDraft, produce, produceChecked, seal } from "./draft.js";
import { connectStorage, getEntry, putRecord, removeKey } from "./storage.js";
import { copy, describe, firstDifference, freezeData, fromJson, jsonProblem, toJson } from "./documents.js";
import { isPlainJson } from "./json_values.js";

/** How many actions are running (an action that patches nests them). */
let actionsRunning = 0;

/** Whether an action (or migration) is running right now. */
export function insideAction() {
  return actionsRunning > 0;
}

/**
 * Runs an action on a draft of frozen `data` (draft.js): its result, frozen
 * and sharing what the action left untouched, or undefined (cancelled).
 */
export function callAction(fn, data, args) {
  actionsRunning++;
  try {
    return produce(fn, data, args);
  } finally {
    actionsRunning--;
  }
}

/** A strict-mode refusal, thrown to the engine, which words it (strict.rs). */
class StrictFailure {
  constructor(kind, path) {
    this.kind = kind;
    this.path = path;
  }
}

/**
 * Strict mode's checked call, all in one call from the engine: the
 * arguments must be JSON, the action runs twice on drafts of `data`, what the
 * first run stored must be JSON (what it shares with `data` was checked when
 * `data` was made), and both results must be equal (a comparison that skips
 * the subtrees both share with `data`, by identity). Returns the first result.
 */
export function callActionStrict(fn, data, args) {
  if (!isPlainJson(args, 0)) throw new StrictFailure("args", jsonProblem(args, "args") ?? "args");
  let first, second;
  actionsRunning++;
  try {
    first = produceChecked(fn, data, args);
    // JSON first, before the second run: that run is not checked, and would
    // throw not_json for a shape the first one found (draft.js `badShape`).
    if (first.notJson) {
      // The fast check only says "somewhere"; the full walk finds the path.
      const path = jsonProblem(first.result);
      if (path !== undefined) throw new StrictFailure("result", path);
    }
    second = produce(fn, data, args);
  } finally {
    actionsRunning--;
  }
  const result = first.result;
  if (result === undefined && second === undefined) return undefined;
  if (result === undefined || second === undefined) throw new StrictFailure("cancel", "");
  const path = firstDifference(result, second);
  if (path !== undefined) throw new StrictFailure("differ", path);
  return result;
}

/** `"kind:path"` of a strict refusal; undefined for any other exception. */
export function strictFailure(thrown) {
  return thrown instanceof StrictFailure ? `${thrown.kind}:${thrown.path}` : undefined;
}

/**
 * Runs an action on `data` itself: the engine owns it (freshly parsed for a
 * pull) and freezes the end result once. Undefined when it cancelled.
 */
export function callActionInPlace(fn, data, args) {
  actionsRunning++;
  try {
    return fn(data, ...args);
  } finally {
    actionsRunning--;
  }
}

/** Runs `defaultData()`; a frozen copy (with 0 for -0, as stored), so the user's object stays theirs. */
export function callDefault(fn) {
  return freezeData(copy(fn()));
}

/** The default `onError`: background failures are warnings, never throws. */
export function defaultOnError(error, key) {
  console.warn(key === undefined ? "skilift:" : `skilift (key ${JSON.stringify(key)}):`, error);
}

/** Calls `onError`; a throwing handler must not break background work. */
export function report(onError, error, key) {
  const handler = typeof onError === "function" ? onError : defaultOnError;
  try {
    handler(error, key ?? undefined);
  } catch (thrown) {
    try {
      console.error("skilift: onError threw while reporting", error, "and threw", thrown);
    } catch {
      // Nothing is left to report to.
    }
  }
}

/**
 * A record's text: the engine's `head` and `tail` around the JSON text of
 * `value` (undefined when it is not plain JSON). Joined here, the data text
 * never crosses into wasm and back (src/bindings/js_host.rs `record_text`).
 * `base`: the known record's data (plain JSON) or undefined; what `value`
 * shares with it is not checked again.
 */
export function recordText(head, value, tail, base) {
  const text = toJson(value, base);
  return text === undefined ? undefined : head + text + tail;
}

/**
 * A pull's in-place copy of a record it read (the engine's
 * `from_json_owned`): one draft of the frozen parse, as for a record it
 * knows (`openDraft`). On the parse itself, nothing would see what the
 * actions store until the save, whose walk would then have to check the
 * shape of every object (a descriptor per property: 8x the walk of a 1 KB
 * document); the draft's traps and finish check only what they change, and
 * `seal` marks the result checked, so the save does not walk it at all.
 */
export function parseJson(text) {
  return openDraft(fromJson(text));
}

/** What the engine calls (src/bindings/glue.rs names each method). */
export const glue = {
  callAction,
  callActionStrict,
  strictFailure,
  callActionInPlace,
  openDraft,
  seal,
  parseJson,
  callDefault,
  toJson,
  recordText,
  fromJson,
  jsonProblem,
  firstDifference,
  makeError: (code, message) => new SkiliftError(code, message),
  report,
  describe,
  connectStorage,
  getEntry,
  putRecord,
  removeKey,
};
