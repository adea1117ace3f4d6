// The public `View` (docs/api.md): reads a key without loading it.
// User-facing docs: index.d.ts.

import { wasm } from "./host/engine.js";

export class View {
  #inner;
  #operations;
  #key;

  /** @internal Use `store.view(key)`. */
  constructor(inner, operations, key) {
    if (!(inner instanceof wasm.WasmView)) {
      throw new TypeError("Views are created by store.view(key)");
    }
    this.#inner = inner;
    this.#operations = operations;
    this.#key = key;
  }

  history(options) {
    return this.#operations.history(this.#key, options);
  }

  latest() {
    return this.#inner.latest();
  }

  version(version) {
    return this.#inner.version(version);
  }

  timestamp(time) {
    return this.#inner.timestamp(time);
  }
}
