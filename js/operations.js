// The operations calls of a Store and View (docs/api.md#storekeysoptions and
// the sections after it; README.md, "Operating the data"): key listing,
// listing by user id, removal and history. They talk to the backend's
// optional methods (docs/backend-contract.md) through the door of
// host/backend_calls.js (deadline: the store's requestTimeout; every answer
// checked before it is used, as the engine's get/put answers are):
// none of them changes a record, so the engine has no part in them, and a
// backend without the method gets a clear error instead of a silent no-op.
// User-facing docs: index.d.ts.

import { SkiliftError, invalidOptions } from "./errors.js";
import { BackendDoor, checkUserIdArgument } from "./host/backend_calls.js";

const PAGE = 1000;

function unsupported(code, method, call) {
  return new SkiliftError(code, `${call} needs a backend with ${method}(); this backend has none (see docs/backend-contract.md)`);
}

function checkOptions(options, call, allowed) {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOptions(`${call}: options must be an object, got ${typeof options}`);
  }
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) throw invalidOptions(`${call}: unknown option ${JSON.stringify(name)}; known options are ${allowed.join(", ")}`);
  }
  return options;
}

function checkLimit(limit, call) {
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw invalidOptions(`${call}: limit must be a positive whole number, got ${limit}`);
  }
}

/** What a Store hands its operations: the backend, the namespace and the timeout. */
export class Operations {
  constructor(backend, namespace, requestTimeoutMs) {
    this.door = new BackendDoor(backend, { timeout: requestTimeoutMs });
    this.namespace = namespace;
  }

  /** The door for `call`, which must find `method` on the backend. */
  #door(method, code, call) {
    if (!this.door.has(method)) throw unsupported(code, method, call);
    return this.door.named(call);
  }

  /** store.keys({ prefix }): every key of the namespace, a page of `list` at a time. */
  keys(options) {
    const call = "store.keys";
    const { prefix } = checkOptions(options, call, ["prefix"]);
    if (prefix !== undefined && typeof prefix !== "string") throw invalidOptions(`${call}: prefix must be a string, got ${typeof prefix}`);
    const door = this.#door("list", "listing_unsupported", call);
    const namespace = this.namespace;
    return {
      async *[Symbol.asyncIterator]() {
        let after;
        for (;;) {
          const page = await door.list(namespace, { after, limit: PAGE, prefix });
          yield* page;
          if (page.length < PAGE) return;
          after = page[page.length - 1];
        }
      },
    };
  }

  /** store.keysByUser(userId): the keys whose current entry carries the id. */
  keysByUser(userId) {
    const call = "store.keysByUser";
    checkUserIdArgument(call, userId);
    const door = this.#door("keysByUser", "listing_unsupported", call);
    const namespace = this.namespace;
    return {
      async *[Symbol.asyncIterator]() {
        yield* await door.keysByUser(namespace, userId);
      },
    };
  }

  /** store.remove(key): erases the key and every retained version. */
  async remove(key) {
    const call = "store.remove";
    if (typeof key !== "string") throw invalidOptions(`${call}(key): key must be a string, got ${typeof key}`);
    await this.#door("remove", "remove_unsupported", call).remove(this.namespace, key);
  }

  /** view.history({ limit, before }): retained versions, newest first. */
  async history(key, options) {
    const call = "view.history";
    const { limit = 100, before } = checkOptions(options, call, ["limit", "before"]);
    checkLimit(limit, call);
    if (before !== undefined && !(typeof before === "number" && Number.isFinite(before))) {
      throw invalidOptions(`${call}: before must be a time in ms since the epoch, got ${before}`);
    }
    if (!this.door.has("history")) {
      throw new SkiliftError("history_unsupported", `${call} needs a backend with history(); this backend keeps none`);
    }
    return this.door.named(call).history(this.namespace, key, { limit, before });
  }
}
