// The public `View` (docs/api.md): reads a key without loading it.
// User-facing docs: index.d.ts.

import { wasm } from "./engine/engine.js";

export class View {
  #inner;

  /** @internal Use `store.view(key)`. */
  constructor(inner) {
    if (!(inner instanceof wasm.WasmView)) {
      throw new TypeError("Views are created by store.view(key)");
    }
    this.#inner = inner;
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
