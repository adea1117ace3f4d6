// Request parsing of createHandler (js/backends/http/server.js): the
// target, the query, the preconditions and the body of a request, each
// checked against the protocol (docs/http-protocol.md) before `authorize`
// or the backend sees anything. Whatever the protocol does not allow is
// thrown as a Refusal (an HTTP status and the protocol's error code), which
// the handler answers as it is.
//
// Architecture Invariant: no Node imports (see server.js).

import { PROTOCOL_PREFIX, decodeSegment, hasOnlyKeys, isUserIds, versionOfEntityTag } from "./protocol.js";

/** The methods this server answers (on key resources; the others answer GET and OPTIONS). */
export const METHODS = "GET, PUT, DELETE, OPTIONS";
/** The methods of a store's key collection and of a key's history. */
export const READ_METHODS = "GET, OPTIONS";
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A refusal: an HTTP status and the protocol's error code. */
export class Refusal {
  constructor(status, code, message, headers = {}) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.headers = headers;
  }
}

export const refuse = (status, code, message, headers) => {
  throw new Refusal(status, code, message, headers);
};

/**
 * `{ resource, store, key, query }` of a request target, or a Refusal.
 * `resource` is "key" (/v1/{store}/{key}), "keys" (/v1/{store}, the
 * store's keys; no `key`) or "history" (/v1/{store}/{key}/history).
 */
export function parseTarget(url) {
  if (typeof url !== "string" || !url.startsWith(PROTOCOL_PREFIX)) refuse(404, "no_such_route", "no such route");
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const segments = path.slice(PROTOCOL_PREFIX.length).split("/");
  const resource = segments.length === 1 ? "keys" : segments.length === 2 ? "key" : segments.length === 3 && segments[2] === "history" ? "history" : null;
  if (resource === null) {
    refuse(404, "no_such_route", "paths are /v1/{store}, /v1/{store}/{key} and /v1/{store}/{key}/history, each name percent-encoded as one segment");
  }
  const store = decodeSegment(segments[0]);
  const key = resource === "keys" ? null : decodeSegment(segments[1]);
  if (store === undefined || key === undefined) {
    refuse(400, "bad_request", "bad path segment: bad percent-encoding, or a dot segment not written $. or $..");
  }
  return { resource, store, ...(key === null ? {} : { key }), query: q < 0 ? null : url.slice(q + 1) };
}

/**
 * The parameters of a query as a Map of decoded values, each at most once
 * and each one of `allowed`; a Refusal otherwise.
 */
export function parseParams(query, allowed) {
  const params = new Map();
  if (query === null || query === "") return params;
  for (const param of query.split("&")) {
    const eq = param.indexOf("=");
    const name = eq < 0 ? param : param.slice(0, eq);
    if (!allowed.includes(name)) refuse(400, "bad_request", `the query parameters here are ${allowed.join(", ")}`);
    if (eq < 0) refuse(400, "bad_request", `query parameter ${name} needs a value`);
    if (params.has(name)) refuse(400, "bad_request", `query parameter ${name} is repeated`);
    let value;
    try {
      value = decodeURIComponent(param.slice(eq + 1));
    } catch {
      refuse(400, "bad_request", "bad percent-encoding in the query");
    }
    params.set(name, value);
  }
  return params;
}

/** A finite decimal number parameter (`1700000000000`, `1.5`, `1e12`), or a Refusal. */
export function numberParam(name, text) {
  const n = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(n)) refuse(400, "bad_request", `?${name}= must be a finite decimal number`);
  return n;
}

/** A positive whole number parameter (a limit), or a Refusal. */
export function limitParam(text) {
  const n = Number(text);
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(n)) refuse(400, "bad_request", "?limit= must be a positive whole number");
  return n;
}

/** The one history parameter of a GET of a key: null, `{ version }` or `{ at }`. */
export function parseQuery(query) {
  if (query === null || query === "") return null;
  const params = query.split("&");
  if (params.length !== 1) refuse(400, "bad_request", "at most one of ?version= and ?at= is allowed");
  const eq = params[0].indexOf("=");
  const name = eq < 0 ? params[0] : params[0].slice(0, eq);
  let value;
  try {
    value = decodeURIComponent(params[0].slice(eq + 1));
  } catch {
    refuse(400, "bad_request", "bad percent-encoding in the query");
  }
  if (eq < 0) refuse(400, "bad_request", `query parameter ${name} needs a value`);
  if (name === "version") return { version: value };
  if (name === "at") {
    const at = Number(value);
    if (!NUMBER.test(value) || !Number.isFinite(at)) refuse(400, "bad_request", "?at= must be a time in milliseconds");
    return { at };
  }
  return refuse(400, "bad_request", "the only query parameters are version and at");
}

/** The `expected` version of a PUT from its precondition headers. */
export function parsePrecondition(headers) {
  const ifMatch = headers["if-match"];
  const ifNoneMatch = headers["if-none-match"];
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    refuse(400, "bad_request", "send If-Match or If-None-Match, not both");
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") refuse(400, "bad_request", "If-None-Match must be * (create only if absent)");
    return null;
  }
  if (ifMatch !== undefined) {
    const version = versionOfEntityTag(ifMatch.trim());
    if (version === undefined) refuse(400, "bad_request", 'If-Match must be one strong entity tag as the server sent it ("...")');
    return version;
  }
  return refuse(428, "precondition_required", 'a PUT needs If-Match: "<version>" or If-None-Match: *');
}

export function checkContentType(headers) {
  const type = headers["content-type"];
  const m = type === undefined ? null : /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*"?utf-8"?[ \t]*)?$/i.exec(type);
  if (!m) refuse(415, "unsupported_media_type", "a PUT body must be application/json in UTF-8");
}

export function hasBody(req) {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The request body, at most `limit` bytes, or a Refusal. */
export function readBody(req, limit) {
  if (req.destroyed || req.readableAborted) return Promise.reject(new Refusal(400, "aborted", "the request was aborted"));
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (fn, arg) => {
      if (done) return;
      done = true;
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      fn(arg);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(reject, new Refusal(413, "payload_too_large", `the body is over ${limit} bytes`));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish(resolve, Buffer.concat(chunks, size));
    // The client went away: nobody is left to answer.
    const onAbort = () => finish(reject, new Refusal(400, "aborted", "the request was aborted"));
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}

/** `{ value, userIds }` from a PUT body, or a Refusal. */
export function parsePutBody(bytes) {
  let text, body;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    body = JSON.parse(text);
  } catch {
    refuse(400, "bad_request", "the body must be JSON in UTF-8");
  }
  if (!hasOnlyKeys(body, ["value", "userIds"]) || typeof body.value !== "string") {
    refuse(400, "bad_request", 'the body must be { "value": string, "userIds": number[] }');
  }
  const userIds = body.userIds ?? [];
  if (!isUserIds(userIds)) refuse(400, "bad_request", "userIds must be an array of finite numbers");
  return { value: body.value, userIds };
}
