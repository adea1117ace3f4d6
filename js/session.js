// The public `Session` (SPEC section 2.1): one loaded key. A thin wrapper
// over the engine's WasmSession that adds what is easiest in JS: varargs
// `patch`, routing patches into a running `transaction`, and `updated`
// returning its own unbind function.

import { wasm } from "./engine.js";
import { insideAction, snapshot } from "./glue.js";
import { invalidOptions } from "./errors.js";
import { currentRecording } from "./transaction.js";

/**
 * A loaded key. Get one from `store.load(key)`.
 *
 * @example
 * const session = store.load("player_1");
 * session.updated((data) => render(data));
 * session.patch(addCoins, 10);
 * await session.stop();
 */
export class Session {
  #inner;
  #stopped;

  /** @internal Use `store.load(key)`. */
  constructor(inner) {
    if (!(inner instanceof wasm.WasmSession)) {
      throw new TypeError("Sessions are created by store.load(key)");
    }
    this.#inner = inner;
  }

  /** The key this session reads and writes. */
  get key() {
    return this.#inner.key;
  }

  /**
   * Applies a registered action to the data at once and queues it for the
   * next save. Returns `false` if the action cancelled (returned undefined).
   * Inside a `transaction` closure the patch is recorded instead.
   *
   * @example
   * session.patch(addCoins, 10); // true
   */
  patch(fn, ...args) {
    // Actions are replayed on every pull; a patch made from inside one
    // would be made again on each replay.
    if (insideAction()) {
      throw invalidOptions("patch was called from inside an action; actions must be pure functions of (data, ...args)");
    }
    // Arguments are replayed on later pulls: freeze a copy so that changing
    // the caller's objects afterwards changes nothing.
    const frozenArgs = snapshot(args);
    const recording = currentRecording();
    if (recording !== null) {
      recording.record(this.#inner, fn, frozenArgs);
      return true;
    }
    return this.#inner.patch(fn, frozenArgs);
  }

  /**
   * Calls `fn` now with the current (deeply frozen) data and after every
   * change. Returns a function that unbinds it.
   *
   * @example
   * const unbind = session.updated((data) => (label.text = data.coins));
   * unbind();
   */
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

  /**
   * Stops pulling and makes the final save. Calling it again returns the
   * same promise.
   *
   * @example
   * await session.stop();
   */
  stop() {
    this.#stopped ??= this.#inner.stop();
    return this.#stopped;
  }

  /**
   * Adds a user id (GDPR metadata) written with this key from now on.
   *
   * @example
   * session.userid(12345);
   */
  userid(user) {
    this.#inner.userid(user);
  }

  /**
   * Settles when the next request (load, pull or final save) succeeds, or at
   * once on a stopped session. Never rejects.
   *
   * @example
   * await store.load("player_1").await(); // data is loaded
   */
  await() {
    return this.#inner.await();
  }

  /**
   * Why the stored data must not be touched by this server, or undefined.
   *
   * @example
   * if (session.bad()) kick(player, session.bad());
   */
  bad() {
    return this.#inner.bad();
  }

  /**
   * Whether the first pull has succeeded.
   *
   * @example
   * session.loaded(); // false right after load
   */
  loaded() {
    return this.#inner.loaded();
  }
}
