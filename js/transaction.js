// `transaction(success, failure?)` (docs/transactions.md). The closures run
// synchronously; while they run, `Session.patch` routes its calls here (the
// module-level `recording`) and they are recorded into an engine
// transaction instead of applied.
// User-facing docs: index.d.ts.

import { wasm } from "./host/engine.js";
import { invalidOptions } from "./errors.js";

/** The transaction whose closures are running, or null. */
let recording = null;

/** Where `Session.patch` sends patches while a closure runs (or null). */
export function currentRecording() {
  return recording;
}

function isThenable(value) {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof value.then === "function";
}

export function transaction(success, failure) {
  if (typeof success !== "function") {
    throw invalidOptions("transaction(success, failure?): success must be a function");
  }
  if (failure !== undefined && typeof failure !== "function") {
    throw invalidOptions("transaction(success, failure?): failure must be a function when given");
  }
  if (recording !== null) {
    throw invalidOptions("transaction() cannot be called inside another transaction's closures");
  }
  const tx = new wasm.WasmTransaction();
  // The first recording error wins even if the closure caught it: a
  // transaction missing a patch its author meant to make must not commit.
  let firstError;
  const record = (committed) => ({
    record(session, fn, args) {
      try {
        tx.record(session, committed, fn, args);
      } catch (error) {
        if (firstError === undefined) firstError = { error };
        throw error;
      }
    },
  });
  try {
    for (const [closure, committed] of [[success, true], [failure, false]]) {
      if (closure === undefined) continue;
      recording = record(committed);
      const returned = closure();
      if (isThenable(returned)) {
        throw invalidOptions("transaction closures must be synchronous; patches after an await would escape the transaction");
      }
    }
  } catch (error) {
    return Promise.reject(firstError ? firstError.error : error);
  } finally {
    recording = null;
  }
  if (firstError) return Promise.reject(firstError.error);
  return tx.commit();
}
