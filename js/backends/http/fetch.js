// FetchBackend (entry `skilift/fetch`): the backend contract (docs/backend-contract.md)
// over HTTP, for Node 20+ and browsers. It only uses the global `fetch`, and
// speaks the protocol of docs/http-protocol.md, which skilift/server serves.
//
// It trusts nothing it receives: every answer is checked against the
// protocol, and anything unexpected rejects (never resolves a guess), so the
// engine retries instead of acting on garbage. Only the protocol's own 404
// ("not_found") and 412 ("version_mismatch") answers resolve `null`.
// User-facing docs (options, examples): fetch.d.ts.

import { SkiliftError, invalidOptions } from "../../errors.js";
import { checkNames as check, checkStore, checkUserId, historyOptions, listOptions } from "../shared.js";
import { Slots } from "../slots.js";
import { JSON_TYPE, entityTag, hasOnlyKeys, historyPath, isEntry, isUserIds, keysPath, resourcePath, versionOfEntityTag } from "./protocol.js";

/** URLs cannot hold a lone surrogate, so neither can anything sent in one. */
const WELL_FORMED = { valid: (s) => s.isWellFormed(), must: "well-formed strings (no lone surrogates)" };

/** The query string of `params` (entries whose value is undefined left out). */
const queryOf = (params) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");

/**
 * A request that got an answer the protocol does not allow for it: an
 * unexpected status (`status`, and the server's error `code` if it sent
 * one), for example 401, 403 or 500.
 */
export class FetchBackendError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "FetchBackendError";
    this.status = status;
    this.code = code;
  }
}

function invalidResponse(what, response) {
  const error = new SkiliftError(
    "backend_invalid_response",
    `FetchBackend: ${what} (HTTP ${response.status} from ${response.url || "the server"})`,
  );
  error.status = response.status;
  return error;
}

function checkNames(method, store, key) {
  check(`FetchBackend.${method}`, store, key);
  // The protocol carries names in URLs, which cannot hold a lone surrogate.
  if (!store.isWellFormed() || !key.isWellFormed()) {
    throw invalidOptions(`FetchBackend.${method}: store and key must be well-formed strings (no lone surrogates)`);
  }
}

/** The response body as JSON, or undefined if it is not JSON (or not labelled so). */
async function jsonBody(response) {
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Requests in flight at once, by default. Node's fetch opens a connection
 * per request it cannot queue on an idle one, with no limit per server: ten
 * thousand loads at once opened ten thousand sockets, failed past the
 * process's limit on open files ("fetch failed", EMFILE) and got through
 * only by retrying. 3,000 loads and updates at once took 37.7 s that way
 * under `ulimit -n 256`, and 11.8 s with no limit, against 7.2 s with this
 * bound. Browsers queue past six per server themselves.
 */
const MAX_REQUESTS = 64;

/**
 * A request unanswered this long stops counting against `maxRequests`
 * (it goes on; its answer still counts). A server that freezes with every
 * slot's request in it would otherwise stall this backend until Node's
 * fetch gives up on them (5 minutes), or for ever in a browser, and the
 * engine's retries (after `requestTimeout`, 30 s by default) would queue
 * behind them.
 */
const HOLD_MS = 10_000;

export class FetchBackend {
  #base;
  #init;
  #headers;
  #slots;

  constructor(baseUrl, init = {}) {
    if (typeof fetch !== "function") throw invalidOptions("FetchBackend: no global fetch (Node 20+ or a browser is needed)");
    if (typeof baseUrl !== "string" && !(baseUrl instanceof URL)) {
      throw invalidOptions("FetchBackend: baseUrl must be a string or a URL");
    }
    let url;
    try {
      url = new URL(String(baseUrl));
    } catch {
      throw invalidOptions(`FetchBackend: baseUrl must be an absolute http(s) URL, got ${JSON.stringify(String(baseUrl))}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw invalidOptions(`FetchBackend: baseUrl must be an http(s) URL, got ${url.protocol}`);
    }
    if (url.search || url.hash) throw invalidOptions("FetchBackend: baseUrl may not have a query or a fragment");
    if (typeof init !== "object" || init === null) throw invalidOptions("FetchBackend: init must be an object");
    const { headers, method, body, maxRequests = MAX_REQUESTS, ...rest } = init;
    if (method !== undefined || body !== undefined) {
      throw invalidOptions("FetchBackend: init may not set method or body; the backend chooses them per request");
    }
    if (!(Number.isSafeInteger(maxRequests) && maxRequests >= 1) && maxRequests !== Infinity) {
      throw invalidOptions(`FetchBackend: init.maxRequests must be a whole number of requests >= 1 (or Infinity), got ${String(maxRequests)}`);
    }
    this.#slots = new Slots(maxRequests, { holdMs: HOLD_MS });
    if (typeof headers !== "function") new Headers(headers ?? {}); // throws early on bad headers
    this.#base = url.href.replace(/\/+$/, "");
    this.#init = rest;
    this.#headers = headers ?? {};
  }

  /**
   * Sends one request and reads its answer: `{ response, body }`, `body`
   * the parsed JSON or undefined (`jsonBody`); the caller checks both. It
   * holds one of the backend's slots until the body is read, which is when
   * the connection is free for another request.
   */
  #request(method, path, { query, headers = {}, body } = {}) {
    return this.#slots.run(async () => {
      const user = typeof this.#headers === "function" ? await this.#headers() : this.#headers;
      const merged = new Headers(user ?? {});
      // The protocol's own headers are the backend's alone.
      for (const name of ["Accept", "Content-Type", "If-Match", "If-None-Match"]) merged.delete(name);
      merged.set("Accept", "application/json");
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      const response = await fetch(this.#base + path + (query ? `?${query}` : ""), {
        cache: "no-store",
        ...this.#init,
        method,
        headers: merged,
        body,
      });
      return { response, body: await jsonBody(response) };
    });
  }

  /** One entry from a GET: 200 → the entry, the protocol's 404 → null, else rejects. */
  #readEntry({ response, body }) {
    if (response.status === 404 && body?.error === "not_found") return null;
    if (response.status === 200) {
      if (!isEntry(body) || !hasOnlyKeys(body, ["value", "version", "time", "userIds"])) {
        throw invalidResponse("a 200 answer that is not an entry { value, version, time, userIds }", response);
      }
      if (versionOfEntityTag(response.headers.get("etag")) !== body.version) {
        throw invalidResponse("the ETag does not match the version in the body", response);
      }
      return { value: body.value, version: body.version, time: body.time, userIds: body.userIds ?? [] };
    }
    throw unexpectedStatus(response, body);
  }

  /** The current entry of `key`, or null if it was never written. */
  async get(store, key) {
    checkNames("get", store, key);
    return this.#readEntry(await this.#request("GET", resourcePath(store, key)));
  }

  /**
   * Writes `value` if the current version is `expected` (null: only if the
   * key does not exist). Resolves the new version, or null if another
   * writer got there first.
   */
  async put(store, key, value, expected, meta) {
    checkNames("put", store, key);
    if (typeof value !== "string") throw invalidOptions("FetchBackend.put: value must be a string");
    if (expected !== null && typeof expected !== "string") {
      throw invalidOptions("FetchBackend.put: expected must be a version string or null");
    }
    const userIds = meta?.userIds ?? [];
    if (!isUserIds(userIds)) throw invalidOptions("FetchBackend.put: meta.userIds must be an array of finite numbers");
    // A token with a lone surrogate cannot be one this protocol handed out.
    if (expected !== null && !expected.isWellFormed()) return null;
    const headers = { "Content-Type": JSON_TYPE };
    if (expected === null) headers["If-None-Match"] = "*";
    else headers["If-Match"] = entityTag(expected);
    const { response, body } = await this.#request("PUT", resourcePath(store, key), {
      headers,
      // JSON.stringify escapes lone surrogates, so any JS string value arrives exactly.
      body: JSON.stringify({ value, userIds: [...userIds] }),
    });
    if (response.status === 412 && body?.error === "version_mismatch") return null;
    if (response.status === (expected === null ? 201 : 200)) {
      const version = versionOfEntityTag(response.headers.get("etag"));
      if (version === undefined || !hasOnlyKeys(body, ["version"]) || body.version !== version) {
        throw invalidResponse("a successful write without a matching ETag and { version }", response);
      }
      if (version === expected) throw invalidResponse("a successful write that kept the old version", response);
      return version;
    }
    throw unexpectedStatus(response, body);
  }

  /** A past version of `key` by its token, or null. */
  async getVersion(store, key, version) {
    checkNames("getVersion", store, key);
    if (typeof version !== "string") throw invalidOptions("FetchBackend.getVersion: version must be a string");
    if (!version.isWellFormed()) return null;
    return this.#readEntry(
      await this.#request("GET", resourcePath(store, key), { query: `version=${encodeURIComponent(version)}` }),
    );
  }

  /** The version of `key` that was current at `timeMs` (the last written at or before it), or null. */
  async getAtTime(store, key, timeMs) {
    checkNames("getAtTime", store, key);
    if (typeof timeMs !== "number" || !Number.isFinite(timeMs)) {
      throw invalidOptions("FetchBackend.getAtTime: timeMs must be a finite number");
    }
    return this.#readEntry(
      await this.#request("GET", resourcePath(store, key), { query: `at=${encodeURIComponent(String(timeMs))}` }),
    );
  }

  /** `{ version, time, userIds }` of the retained versions of `key` written before `before`, newest first. */
  async history(store, key, options) {
    checkNames("history", store, key);
    const { limit, before } = historyOptions("FetchBackend.history", options);
    if (before === -Infinity) return []; // nothing is older than that, and the protocol carries finite times only
    const query = queryOf({ limit, before: before === Infinity ? undefined : before });
    const { response, body } = await this.#request("GET", historyPath(store, key), { query });
    if (response.status !== 200) throw unexpectedStatus(response, body);
    const isInfo = (v) => hasOnlyKeys(v, ["version", "time", "userIds"]) && typeof v.version === "string" && Number.isFinite(v.time) && isUserIds(v.userIds);
    const versions = hasOnlyKeys(body, ["versions"]) ? body.versions : undefined;
    const ordered = (v, i, all) => v.time < before && (i === 0 || v.time <= all[i - 1].time);
    if (!Array.isArray(versions) || versions.length > limit || !versions.every(isInfo) || !versions.every(ordered)) {
      throw invalidResponse("a history answer that is not { versions } newest first, within the limit and before the time asked", response);
    }
    return versions.map(({ version, time, userIds }) => ({ version, time, userIds }));
  }

  /** One page of the keys of `store`, in JavaScript string order. */
  async list(store, options) {
    checkStore("FetchBackend.list", store, WELL_FORMED);
    const { after, limit, prefix } = listOptions("FetchBackend.list", options, WELL_FORMED);
    const query = queryOf({ after, prefix: prefix === "" ? undefined : prefix, limit });
    const { keys, response } = await this.#keys(store, query);
    const fits = (k, i) => (i === 0 ? after === undefined || k > after : k > keys[i - 1]) && k.startsWith(prefix);
    if (keys.length > limit || !keys.every(fits)) throw invalidResponse("a list answer out of order, out of range or over the limit", response);
    return keys;
  }

  /** The keys of `store` whose current entry carries `userId`, sorted. */
  async keysByUser(store, userId) {
    checkStore("FetchBackend.keysByUser", store, WELL_FORMED);
    checkUserId("FetchBackend.keysByUser", userId);
    const { keys, response } = await this.#keys(store, queryOf({ user: userId }));
    if (!keys.every((k, i) => i === 0 || k > keys[i - 1])) throw invalidResponse("a keysByUser answer out of order", response);
    return keys;
  }

  /** `{ keys, response }` of a GET of the store's keys: 200 with `{ keys: string[] }`, else rejects. */
  async #keys(store, query) {
    const { response, body } = await this.#request("GET", keysPath(store), { query });
    if (response.status !== 200) throw unexpectedStatus(response, body);
    if (!hasOnlyKeys(body, ["keys"]) || !Array.isArray(body.keys) || !body.keys.every((k) => typeof k === "string")) {
      throw invalidResponse("a listing answer that is not { keys: string[] }", response);
    }
    return { keys: body.keys, response };
  }

  /** Erases `key` and every version of it; resolves once the server says it is done (204). */
  async remove(store, key) {
    checkNames("remove", store, key);
    const { response, body } = await this.#request("DELETE", resourcePath(store, key));
    if (response.status !== 204) throw unexpectedStatus(response, body);
  }
}

function unexpectedStatus(response, body) {
  const code = typeof body?.error === "string" ? body.error : undefined;
  const unsupported = {
    history_unsupported: "keeps no history",
    listing_unsupported: "cannot list keys",
    remove_unsupported: "cannot remove keys",
  };
  if (response.status === 501 && Object.hasOwn(unsupported, code)) {
    return new SkiliftError(code, `FetchBackend: the server's backend ${unsupported[code]}`);
  }
  const detail = code ? ` (${code}${typeof body.message === "string" ? `: ${body.message}` : ""})` : "";
  return new FetchBackendError(
    response.status,
    code,
    `FetchBackend: unexpected HTTP ${response.status} from ${response.url || "the server"}${detail}`,
  );
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ FetchBackend, FetchBackendError });
export default entry;
