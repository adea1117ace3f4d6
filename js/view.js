// The public `View` (docs/api.md): reads a key without loading it.

import { wasm } from "./engine/engine.js";

/**
 * A read-only view of one key. Get one from `store.view(key)`.
 *
 * @example
 * const view = store.view("player_1");
 * const now = await view.latest();
 * const then = await view.timestamp(new Date("2024-01-01"));
 */
export class View {
  #inner;

  /** @internal Use `store.view(key)`. */
  constructor(inner) {
    if (!(inner instanceof wasm.WasmView)) {
      throw new TypeError("Views are created by store.view(key)");
    }
    this.#inner = inner;
  }

  /**
   * The current data, or undefined if the key was never written.
   *
   * @example
   * await store.view("player_1").latest(); // { coins: 10 }
   */
  latest() {
    return this.#inner.latest();
  }

  /**
   * The data of a past version token; rejects with `history_unsupported`
   * when the backend keeps no history.
   *
   * @example
   * await view.version("3");
   */
  version(version) {
    return this.#inner.version(version);
  }

  /**
   * The data that was current at `time` (a Date or ms since the epoch).
   *
   * @example
   * await view.timestamp(Date.now() - 60_000);
   */
  timestamp(time) {
    return this.#inner.timestamp(time);
  }
}
