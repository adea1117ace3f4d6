// The public `Store` (docs/api.md): one namespace of keys in a backend,
// its options and its registered actions.

import { wasm } from "./engine/engine.js";
import { Session } from "./session.js";
import { View } from "./view.js";

/**
 * A data store. Options are checked at once (`invalid_options`).
 *
 * @example
 * const store = new Store({
 *   name: "players",
 *   defaultData: () => ({ coins: 0 }),
 *   backend: new MemoryBackend(),
 * });
 * const addCoins = store.action((data, n) => ({ ...data, coins: data.coins + n }));
 * const session = store.load("player_1");
 * session.patch(addCoins, 10);
 */
export class Store {
  #inner;

  constructor(options) {
    this.#inner = new wasm.WasmStore(options);
  }

  /** The store's name. */
  get name() {
    return this.#inner.name;
  }

  /**
   * Starts loading `key` and returns its session at once.
   *
   * @example
   * const session = store.load("player_1");
   */
  load(key) {
    return new Session(this.#inner.load(key));
  }

  /**
   * A read-only view of `key`.
   *
   * @example
   * await store.view("player_1").latest();
   */
  view(key) {
    return new View(this.#inner.view(key));
  }

  /**
   * Registers a plain action and returns it.
   *
   * @example
   * const addCoins = store.action((data, n) => ({ ...data, coins: data.coins + n }));
   */
  action(fn) {
    this.#inner.action(fn);
    return fn;
  }

  /**
   * Registers a transaction action under a permanent, unique name and
   * returns it. Never rename or remove a name used in production.
   *
   * @example
   * const giveMoney = store.transaction("giveMoney", (data, n) => ({ ...data, money: data.money + n }));
   */
  transaction(name, fn) {
    this.#inner.transaction(name, fn);
    return fn;
  }

  /**
   * Stops every session of this store and waits for their final saves.
   *
   * @example
   * process.on("SIGTERM", () => store.close().then(() => process.exit(0)));
   */
  close() {
    return this.#inner.close();
  }
}
