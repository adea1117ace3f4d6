// The operations calls of a Store and View (docs/api.md#storekeysoptions and
// the sections after it; README.md, "Operating the data"): key listing,
// listing by user id, removal and history. They talk to the backend's
// optional methods (docs/backend-contract.md) directly:
// none of them changes a record, so the engine has no part in them, and a
// backend without the method gets a clear error instead of a silent no-op.
// Every answer is checked before it is used, as the engine checks get/put.
// User-facing docs: index.d.ts.

import { SkiliftError, invalidOptions } from "./errors.js";

const PAGE = 1000;

function unsupported(code, method, call) {
  return new SkiliftError(code, `${call} needs a backend with ${method}(); this backend has none (see docs/backend-contract.md)`);
}

function invalidResponse(call, why) {
  return new SkiliftError("backend_invalid_response", `${call}: the backend answered ${why}`);
}

/** Awaits a backend call, failing with `backend_failed` after `ms`. */
async function within(ms, call, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new SkiliftError("backend_failed", `${call}: the backend did not answer within ${ms / 1000} s (requestTimeout)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
    this.backend = backend;
    this.namespace = namespace;
    this.timeout = requestTimeoutMs;
  }

  #require(method, code, call) {
    if (typeof this.backend?.[method] !== "function") throw unsupported(code, method, call);
  }

  /** store.keys({ prefix }): every key of the namespace, a page of `list` at a time. */
  keys(options) {
    const call = "store.keys";
    const { prefix } = checkOptions(options, call, ["prefix"]);
    if (prefix !== undefined && typeof prefix !== "string") throw invalidOptions(`${call}: prefix must be a string, got ${typeof prefix}`);
    this.#require("list", "listing_unsupported", call);
    const ops = this;
    return {
      async *[Symbol.asyncIterator]() {
        let after;
        for (;;) {
          const page = await within(ops.timeout, call, ops.backend.list(ops.namespace, { after, limit: PAGE, prefix }));
          checkKeys(page, call, { after, prefix, limit: PAGE });
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
    if (typeof userId !== "number" || !Number.isFinite(userId)) {
      throw invalidOptions(`${call}(userId): userId must be a finite number (as given to session.userid), got ${typeof userId === "number" ? userId : typeof userId}`);
    }
    this.#require("keysByUser", "listing_unsupported", call);
    const ops = this;
    return {
      async *[Symbol.asyncIterator]() {
        const keys = await within(ops.timeout, call, ops.backend.keysByUser(ops.namespace, userId));
        checkKeys(keys, call, {});
        yield* keys;
      },
    };
  }

  /** store.remove(key): erases the key and every retained version. */
  async remove(key) {
    const call = "store.remove";
    if (typeof key !== "string") throw invalidOptions(`${call}(key): key must be a string, got ${typeof key}`);
    this.#require("remove", "remove_unsupported", call);
    await within(this.timeout, call, this.backend.remove(this.namespace, key));
  }

  /** view.history({ limit, before }): retained versions, newest first. */
  async history(key, options) {
    const call = "view.history";
    const { limit = 100, before } = checkOptions(options, call, ["limit", "before"]);
    checkLimit(limit, call);
    if (before !== undefined && !(typeof before === "number" && Number.isFinite(before))) {
      throw invalidOptions(`${call}: before must be a time in ms since the epoch, got ${before}`);
    }
    if (typeof this.backend?.history !== "function") {
      throw new SkiliftError("history_unsupported", `${call} needs a backend with history(); this backend keeps none`);
    }
    const versions = await within(this.timeout, call, this.backend.history(this.namespace, key, { limit, before }));
    return checkHistory(versions, call, { limit, before });
  }
}

/** Checks a page of keys: strings, ascending, after `after`, with `prefix`, at most `limit`. */
function checkKeys(keys, call, { after, prefix, limit }) {
  if (!Array.isArray(keys)) throw invalidResponse(call, `${typeof keys} instead of an array of keys`);
  if (limit !== undefined && keys.length > limit) throw invalidResponse(call, `${keys.length} keys for a limit of ${limit}`);
  let previous = after;
  for (const key of keys) {
    if (typeof key !== "string") throw invalidResponse(call, `a key that is not a string (${typeof key})`);
    if (previous !== undefined && !(key > previous)) throw invalidResponse(call, `keys out of order (${JSON.stringify(key)} after ${JSON.stringify(previous)})`);
    if (prefix !== undefined && !key.startsWith(prefix)) throw invalidResponse(call, `key ${JSON.stringify(key)} without the prefix ${JSON.stringify(prefix)}`);
    previous = key;
  }
}

function checkHistory(versions, call, { limit, before }) {
  if (!Array.isArray(versions)) throw invalidResponse(call, `${typeof versions} instead of an array of versions`);
  if (versions.length > limit) throw invalidResponse(call, `${versions.length} versions for a limit of ${limit}`);
  let previous = Infinity;
  return versions.map((v) => {
    const ok = v !== null && typeof v === "object" && typeof v.version === "string" && typeof v.time === "number" && Number.isFinite(v.time);
    if (!ok) throw invalidResponse(call, "a version that is not { version: string, time: number, userIds? }");
    const userIds = v.userIds ?? [];
    if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number")) throw invalidResponse(call, "userIds that are not numbers");
    if (v.time > previous) throw invalidResponse(call, "versions that are not newest first");
    if (before !== undefined && !(v.time < before)) throw invalidResponse(call, `a version of ${v.time}, not before ${before}`);
    previous = v.time;
    return { version: v.version, time: v.time, userIds: [...userIds] };
  });
}
