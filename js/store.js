// The public `Store` (docs/api.md): one namespace of keys in a backend,
// its options and its registered actions.
// User-facing docs: index.d.ts.

import { wasm } from "./host/engine.js";
import { Session } from "./session.js";
import { View } from "./view.js";
import { insideAction } from "./host/glue.js";
import { snapshot } from "./host/documents.js";
import { invalidOptions } from "./errors.js";
import { Operations } from "./operations.js";

export class Store {
  #inner;
  /** Registered function -> its registration index in the engine, so a
   * patch names its action by index (session.js) instead of the engine
   * comparing it with every registered function. */
  #actions = new Map();
  /** keys, keysByUser, remove and View.history: the backend's optional methods. */
  #operations;

  constructor(options) {
    this.#inner = new wasm.WasmStore(options);
    // The namespace and the timeout (with its default) are the engine's.
    this.#operations = new Operations(options.backend, this.#inner.namespace, this.#inner.requestTimeoutMs);
  }

  get name() {
    return this.#inner.name;
  }

  load(key) {
    return new Session(this.#inner.load(key), this.#actions);
  }

  view(key) {
    return new View(this.#inner.view(key), this.#operations, key);
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

  updateOnce(key, id, fn, ...args) {
    if (insideAction()) {
      throw invalidOptions("store.updateOnce was called from inside an action; actions must be pure functions of (data, ...args)");
    }
    return this.#inner.updateOnce(key, id, fn, snapshot(args));
  }

  restore(key, version) {
    return this.#inner.restore(key, version);
  }

  keys(options) {
    return this.#operations.keys(options);
  }

  keysByUser(userId) {
    return this.#operations.keysByUser(userId);
  }

  remove(key) {
    return this.#operations.remove(key);
  }

  stats() {
    return this.#inner.stats();
  }

  close() {
    return this.#inner.close();
  }
}
