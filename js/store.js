// The public `Store` (docs/api.md): one namespace of keys in a backend,
// its options and its registered actions.
// User-facing docs: index.d.ts.

import { wasm } from "./engine/engine.js";
import { Session } from "./session.js";
import { View } from "./view.js";
import { insideAction } from "./engine/glue.js";
import { snapshot } from "./engine/documents.js";
import { invalidOptions } from "./errors.js";

export class Store {
  #inner;
  /** Registered function -> its registration index in the engine, so a
   * patch names its action by index (session.js) instead of the engine
   * comparing it with every registered function. */
  #actions = new Map();

  constructor(options) {
    this.#inner = new wasm.WasmStore(options);
  }

  get name() {
    return this.#inner.name;
  }

  load(key) {
    return new Session(this.#inner.load(key), this.#actions);
  }

  view(key) {
    return new View(this.#inner.view(key));
  }

  action(fn) {
    this.#actions.set(fn, this.#inner.action(fn));
    return fn;
  }

  transaction(name, fn) {
    this.#actions.set(fn, this.#inner.transaction(name, fn));
    return fn;
  }

  update(key, fn, ...args) {
    // As for patch: the action is replayed on the stored data, so it must
    // not patch from inside an action, and its arguments are frozen copies.
    if (insideAction()) {
      throw invalidOptions("store.update was called from inside an action; actions must be pure functions of (data, ...args)");
    }
    return this.#inner.update(key, fn, snapshot(args));
  }

  stats() {
    return this.#inner.stats();
  }

  close() {
    return this.#inner.close();
  }
}
