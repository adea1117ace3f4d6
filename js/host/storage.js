// The engine's calls to a backend (src/bindings/js_storage.rs): one glue
// call starts one backend call, and its answer goes back through one of the
// functions the engine connected (connectStorage), named by the call's
// ticket (slot, serial; src/bindings/storage_calls.rs).
// The shape of an answer is checked here, where the value lives, instead of
// field by field across the boundary, by backend_calls.js (the one door to a
// backend: its checks and the wording of `backend_invalid_response`,
// docs/backend-contract.md).
//
// Every answer is asynchronous (a backend that returns a plain value is
// answered on the next microtask, as a promise would be), so the engine is
// never re-entered from inside the call that starts it.

import { garbageMessage, notAVersion, readEntry } from "./backend_calls.js";
import { splitRecord } from "./records.js";

/** The kinds of `engine.answer` (storage_calls.rs). */
const NOTHING = 0;
const VERSION = 1;
const INVALID = 2;

/** The engine's `{ entry, answer, failed }`, set once when the glue is installed. */
let engine;

/** Called by the engine (installGlue) with the functions answers go to. */
export function connectStorage(entry, answer, failed) {
  engine = { entry, answer, failed };
}

/** Where readEntry puts an entry's fields; emptied again before the engine runs. */
const entryRead = { value: undefined, version: undefined, time: 0, userIds: undefined };

/** Answers the call with `answer` read as an entry, or says why it is not one. */
function answerEntry(answer, method, known, slot, serial, split) {
  if (answer === null || answer === undefined) return engine.answer(slot, serial, NOTHING);
  const why = readEntry(answer, entryRead);
  if (why !== undefined) return engine.answer(slot, serial, INVALID, garbageMessage(method, why));
  const { version, time, userIds } = entryRead;
  // Not copied into wasm: the engine holds this version decoded.
  let value = version === known ? undefined : entryRead.value;
  entryRead.value = entryRead.userIds = undefined;
  // A pull's read: the data is parsed here, and only the envelope enters
  // wasm (records.js `splitRecord`).
  let data;
  const parts = split && value !== undefined ? splitRecord(value) : undefined;
  if (parts !== undefined) [value, data] = parts;
  engine.entry(slot, serial, value, version, time, userIds, data);
}

/** `backend[method](store, key[, extra])`; false when there is no such method. `split`: a pull's read (`answerEntry`). */
export function getEntry(backend, method, store, key, extra, known, slot, serial, split) {
  const fn = backend[method];
  if (typeof fn !== "function") return false;
  const returned = extra === undefined ? fn.call(backend, store, key) : fn.call(backend, store, key, extra);
  Promise.resolve(returned).then(
    (answer) => answerEntry(answer, method, known, slot, serial, split),
    (error) => engine.failed(slot, serial, error),
  );
  return true;
}

/** `backend.put(store, key, value, expected, { userIds })`. */
export function putRecord(backend, store, key, value, expected, userIds, slot, serial) {
  const fn = backend.put;
  if (typeof fn !== "function") return false;
  const meta = { userIds: userIds ?? [] };
  const returned = fn.call(backend, store, key, value, expected ?? null, meta);
  Promise.resolve(returned).then(
    (answer) => {
      if (answer === null) engine.answer(slot, serial, NOTHING);
      else if (typeof answer === "string") engine.answer(slot, serial, VERSION, answer);
      else engine.answer(slot, serial, INVALID, garbageMessage("put", notAVersion(answer)));
    },
    (error) => engine.failed(slot, serial, error),
  );
  return true;
}

/** `backend.remove(store, key)`: whatever it resolves to, resolving is the answer. */
export function removeKey(backend, store, key, slot, serial) {
  const fn = backend.remove;
  if (typeof fn !== "function") return false;
  Promise.resolve(fn.call(backend, store, key)).then(
    () => engine.answer(slot, serial, NOTHING),
    (error) => engine.failed(slot, serial, error),
  );
  return true;
}
