// The glue: the object the Rust side calls for all document work
// (src/bindings/glue.rs imports each method by name, so the names of the
// `glue` object below are a contract with Rust: never rename one here
// alone). It is installed once at load (engine.js, engine.node.cjs) rather
// than being a wasm-bindgen snippet, so one .wasm serves both targets.
// The document operations themselves are documents.js; this file adds what
// the engine needs around user code: running actions and defaultData,
// reporting background errors, building SkiliftErrors.

import { SkiliftError } from "../errors.js";
import { copy, describe, firstDifference, freeze, fromJson, jsonProblem, parseJson, snapshot, toJson } from "./documents.js";

/** How many actions are running (an action that patches nests them). */
let actionsRunning = 0;

/** Whether an action (or migration) is running right now. */
export function insideAction() {
  return actionsRunning > 0;
}

/** Runs an action on a copy of frozen `data`; its result, frozen, or undefined. */
export function callAction(fn, data, args) {
  actionsRunning++;
  try {
    const result = fn(copy(data), ...args);
    return result === undefined ? undefined : freeze(result);
  } finally {
    actionsRunning--;
  }
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

/** Runs `defaultData()`; a frozen copy, so the user's object stays theirs. */
export function callDefault(fn) {
  return snapshot(fn());
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

/** What the engine calls (src/bindings/glue.rs names each method). */
export const glue = {
  callAction,
  callActionInPlace,
  freeze,
  parseJson,
  callDefault,
  toJson,
  fromJson,
  jsonProblem,
  firstDifference,
  makeError: (code, message) => new SkiliftError(code, message),
  report,
  describe,
};
