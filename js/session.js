// The public `Session` (docs/api.md): one loaded key. A thin wrapper
// over the engine's WasmSession that adds what is easiest in JS: varargs
// `patch`, routing patches into a running `transaction`, and `updated`
// returning its own unbind function.
// User-facing docs: index.d.ts.

import { wasm } from "./host/engine.js";
import { insideAction } from "./host/glue.js";
import { ownArgs } from "./host/documents.js";
import { invalidOptions } from "./errors.js";
import { currentRecording } from "./transaction.js";

export class Session {
  #inner;
  #stopped;
  /** The store's function -> registration index map (store.js). */
  #actions;

  /** @internal Use `store.load(key)`. */
  constructor(inner, actions) {
    if (!(inner instanceof wasm.WasmSession)) {
      throw new TypeError("Sessions are created by store.load(key)");
    }
    this.#inner = inner;
    this.#actions = actions;
  }

  get key() {
    return this.#inner.key;
  }

  patch(fn, ...args) {
    // Actions are replayed on every pull; a patch made from inside one
    // would be made again on each replay.
    if (insideAction()) {
      throw invalidOptions("patch was called from inside an action; actions must be pure functions of (data, ...args)");
    }
    // Arguments are replayed on later pulls: freeze a copy so that changing
    // the caller's objects afterwards changes nothing.
    const frozenArgs = ownArgs(args);
    const recording = currentRecording();
    if (recording !== null) {
      recording.record(this.#inner, fn, frozenArgs);
      return true;
    }
    const index = this.#actions.get(fn);
    if (index !== undefined) {
      // No arguments: none to queue (the engine has one empty list for all).
      const applied = this.#inner.patchRegistered(index, frozenArgs.length === 0 ? undefined : frozenArgs);
      if (applied !== undefined) return applied;
    }
    // An unregistered function (or not a function) takes the checked path,
    // which refuses it with the right error.
    return this.#inner.patch(fn, frozenArgs);
  }

  patchOnce(id, fn, ...args) {
    if (insideAction()) {
      throw invalidOptions("patchOnce was called from inside an action; actions must be pure functions of (data, ...args)");
    }
    // A transaction's patches are stored as its outcome, not one by one; an
    // exactly-once id has no place there.
    if (currentRecording() !== null) {
      throw invalidOptions("patchOnce cannot be used inside a transaction closure; call it outside, or make the grant a transaction action");
    }
    return this.#inner.patchOnce(id, fn, ownArgs(args));
  }

  updated(fn) {
    const id = this.#inner.updated(fn);
    let bound = true;
    return () => {
      if (bound) {
        bound = false;
        this.#inner.unbind(id);
      }
    };
  }

  stop() {
    this.#stopped ??= this.#inner.stop();
    return this.#stopped;
  }

  userid(user) {
    this.#inner.userid(user);
  }

  await() {
    return this.#inner.await();
  }

  bad() {
    return this.#inner.bad();
  }

  loaded() {
    return this.#inner.loaded();
  }
}
