// The routes of createHandler (js/backends/http/server.js): what each
// request asks the backend, checked in full before `authorize` sees it, and
// how each backend answer becomes the protocol's answer
// (docs/http-protocol.md). `planRequest` either refuses (a Refusal, from
// request.js) or returns a plan; server.js runs it: authorize, body, the
// backend call, the answer.
//
// Architecture Invariant: no Node imports (see server.js).

import { entityTag, isEntry, isUserIds } from "./protocol.js";
import { checkServed } from "./admin.js";
import { METHODS, READ_METHODS, checkContentType, hasBody, limitParam, numberParam, parseParams, parsePrecondition, parseQuery, refuse } from "./request.js";

/** Thrown by an answer builder when the backend answered something the protocol cannot carry. */
export class InvalidAnswer extends Error {}

const notFound = () => ({ status: 404, body: { error: "not_found", message: "no such key or version" } });

/** The answer to a read of one entry. */
function entryAnswer(entry) {
  if (entry === null) return notFound();
  let etag;
  try {
    if (!isEntry(entry)) throw new Error("not an entry");
    etag = entityTag(entry.version); // throws on a token with a lone surrogate
  } catch {
    throw new InvalidAnswer("the backend answered a read with something that is not an entry");
  }
  const { value, version, time } = entry;
  return { status: 200, body: { value, version, time, userIds: [...(entry.userIds ?? [])] }, headers: { ETag: etag } };
}

/** The answer to a list or keysByUser. */
function keysAnswer(keys) {
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new InvalidAnswer("the backend answered a listing with something that is not a list of keys");
  }
  return { status: 200, body: { keys: [...keys] } };
}

/** The answer to a history. */
function historyAnswer(versions) {
  const isInfo = (v) =>
    typeof v === "object" && v !== null && typeof v.version === "string" && Number.isFinite(v.time) && isUserIds(v.userIds ?? []);
  if (!Array.isArray(versions) || !versions.every(isInfo)) {
    throw new InvalidAnswer("the backend answered a history with something that is not a list of versions");
  }
  return { status: 200, body: { versions: versions.map(({ version, time, userIds }) => ({ version, time, userIds: [...(userIds ?? [])] })) } };
}

function needs(backend, methods, code, message) {
  if (!methods.every((m) => typeof backend[m] === "function")) refuse(501, code, message);
}

/** Reads: no body, no preconditions (the answer is never cached, so a conditional read means nothing). */
function checkRead(req) {
  if (hasBody(req)) refuse(400, "bad_request", `a ${req.method} has no body`);
  if (req.headers["if-match"] !== undefined || req.headers["if-none-match"] !== undefined) {
    refuse(400, "bad_request", `conditional ${req.method}s are not supported; the answer is never cached`);
  }
}

/**
 * The plan of a (non-OPTIONS) request to `target` (parseTarget's result):
 * `{ operation, request, writes, body, call(backend, body), answer(result) }`.
 * `request` is what authorize gets; `writes` says the call changes data (it
 * waits for the answers before it on the connection); `body` says a PUT
 * body is to be read first. An admin operation that `served` (admin.js)
 * does not hold is refused as soon as the operation is known, before the
 * backend's abilities and `authorize`.
 */
export function planRequest(target, req, backend, maxBodyBytes, served) {
  const { resource, store, key, query } = target;
  const method = req.method;
  const onKey = resource === "key";
  if (method !== "GET" && !(onKey && (method === "PUT" || method === "DELETE"))) {
    const allow = onKey ? METHODS : READ_METHODS;
    refuse(405, "method_not_allowed", `the methods here are ${allow}`, { Allow: allow });
  }
  const plan = (operation, fields) => ({ operation, request: { store, key, method, operation }, writes: false, body: false, ...fields });

  if (resource === "keys") {
    checkRead(req);
    const params = parseParams(query, ["after", "limit", "prefix", "user"]);
    checkServed(served, params.has("user") ? "keysByUser" : "list");
    needs(backend, ["list", "keysByUser"], "listing_unsupported", "this server's backend cannot list keys");
    if (params.has("user")) {
      if (params.size > 1) refuse(400, "bad_request", "?user= takes no other parameter");
      const userId = numberParam("user", params.get("user"));
      return {
        ...plan("keysByUser", { call: (b) => b.keysByUser(store, userId), answer: keysAnswer }),
        request: { store, method, operation: "keysByUser", userId },
      };
    }
    const options = {};
    if (params.has("after")) options.after = params.get("after");
    if (params.has("prefix")) options.prefix = params.get("prefix");
    if (params.has("limit")) options.limit = limitParam(params.get("limit"));
    return { ...plan("list", { call: (b) => b.list(store, options), answer: keysAnswer }), request: { store, method, operation: "list" } };
  }

  if (resource === "history") {
    checkServed(served, "history");
    checkRead(req);
    const params = parseParams(query, ["limit", "before"]);
    needs(backend, ["history"], "history_unsupported", "this server's backend keeps no history");
    const options = {};
    if (params.has("limit")) options.limit = limitParam(params.get("limit"));
    if (params.has("before")) options.before = numberParam("before", params.get("before"));
    return plan("history", { call: (b) => b.history(store, key, options), answer: historyAnswer });
  }

  if (method === "GET") {
    const history = parseQuery(query);
    checkRead(req);
    if (history === null) return plan("get", { call: (b) => b.get(store, key), answer: entryAnswer });
    checkServed(served, history.version !== undefined ? "getVersion" : "getAtTime");
    if (history.version !== undefined) {
      needs(backend, ["getVersion"], "history_unsupported", "this server's backend keeps no history");
      return plan("getVersion", { call: (b) => b.getVersion(store, key, history.version), answer: entryAnswer });
    }
    needs(backend, ["getAtTime"], "history_unsupported", "this server's backend keeps no history");
    return plan("getAtTime", { call: (b) => b.getAtTime(store, key, history.at), answer: entryAnswer });
  }

  if (method === "DELETE") {
    checkServed(served, "remove");
    if (query !== null) refuse(400, "bad_request", "a DELETE has no query");
    checkRead(req);
    needs(backend, ["remove"], "remove_unsupported", "this server's backend cannot remove keys");
    return plan("remove", { writes: true, call: (b) => b.remove(store, key), answer: () => ({ status: 204, body: null }) });
  }

  if (query !== null) refuse(400, "bad_request", "a PUT has no query");
  const expected = parsePrecondition(req.headers);
  checkContentType(req.headers);
  if (Number(req.headers["content-length"]) > maxBodyBytes) {
    refuse(413, "payload_too_large", `the body is over ${maxBodyBytes} bytes`);
  }
  return plan("put", {
    writes: true,
    body: true,
    call: (b, { value, userIds }) => b.put(store, key, value, expected, { userIds }),
    answer: (version) => {
      if (version === null) return { status: 412, body: { error: "version_mismatch", message: "the key's version is not the expected one" } };
      let etag;
      try {
        if (typeof version !== "string" || version === expected) throw new Error("not a new version");
        etag = entityTag(version);
      } catch {
        throw new InvalidAnswer("the backend answered a write with something that is not a new version");
      }
      return { status: expected === null ? 201 : 200, body: { version }, headers: { ETag: etag } };
    },
  });
}
