// createHandler (entry `skilift/server`): serves any backend (SPEC section 3)
// over the HTTP protocol of docs/http-protocol.md, as a Node `http` request
// handler. It is the network edge, so it owns three duties:
//
// - nothing reaches the backend unless `authorize` said exactly `true`;
// - nothing reaches the backend that the protocol does not allow: every path,
//   query, header and body is checked first and refused with a 4xx;
// - nothing of a failure leaks: backend and `authorize` exceptions become a
//   generic 500 (the details go to `onError`, on the server's side).
//
// Architecture Invariant: no Node imports. It only uses the `req`/`res`
// objects it is handed, so it stays one plain module in both package builds.

import { SkiliftError, invalidOptions } from "./errors.js";
import { JSON_TYPE, PROTOCOL_PREFIX, decodeSegment, entityTag, hasOnlyKeys, isEntry, isUserIds, versionOfEntityTag } from "./http_protocol.js";

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const METHODS = "GET, PUT, OPTIONS";
const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A refusal: an HTTP status and the protocol's error code. */
class Refusal {
  constructor(status, code, message, headers = {}) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.headers = headers;
  }
}

const refuse = (status, code, message, headers) => {
  throw new Refusal(status, code, message, headers);
};

function checkOptions(backend, options) {
  if (typeof backend !== "object" || backend === null || typeof backend.get !== "function" || typeof backend.put !== "function") {
    throw invalidOptions("createHandler: backend must be an object with get and put methods");
  }
  if (typeof options !== "object" || options === null) {
    throw invalidOptions("createHandler: options { authorize } are required (open access is `authorize: () => true`)");
  }
  const { authorize, cors, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, onError } = options;
  if (typeof authorize !== "function") {
    throw invalidOptions("createHandler: options.authorize(req, { store, key, method }) is required (open access is `authorize: () => true`)");
  }
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw invalidOptions("createHandler: maxBodyBytes must be a positive integer");
  }
  if (onError !== undefined && typeof onError !== "function") throw invalidOptions("createHandler: onError must be a function");
  return { authorize, cors: checkCors(cors), maxBodyBytes, onError: onError ?? defaultOnError };
}

function checkCors(cors) {
  if (cors === undefined || cors === null || cors === false) return null;
  if (typeof cors !== "object" || !Array.isArray(cors.origins)) {
    throw invalidOptions('createHandler: cors must be { origins: ["https://game.example", ...] }');
  }
  for (const origin of cors.origins) {
    let valid = origin === "*";
    try {
      valid ||= typeof origin === "string" && new URL(origin).origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) {
      throw invalidOptions(
        `createHandler: cors.origins must hold origins like "http://localhost:5173" (no path, no trailing slash) or "*", got ${JSON.stringify(origin)}`,
      );
    }
  }
  if (cors.credentials !== undefined && typeof cors.credentials !== "boolean") {
    throw invalidOptions("createHandler: cors.credentials must be a boolean");
  }
  const maxAge = cors.maxAge ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw invalidOptions("createHandler: cors.maxAge must be a whole number of seconds");
  if (cors.credentials && cors.origins.includes("*")) {
    throw invalidOptions('createHandler: cors.credentials cannot be combined with the origin "*"; list the origins');
  }
  return { any: cors.origins.includes("*"), origins: new Set(cors.origins), credentials: cors.credentials === true, maxAge };
}

function defaultOnError(error) {
  console.error("skilift/server: a request failed:", error);
}

/** `{ store, key, query }` of a request target, or a Refusal. */
function parseTarget(url) {
  if (typeof url !== "string" || !url.startsWith(PROTOCOL_PREFIX)) refuse(404, "no_such_route", "no such route");
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const segments = path.slice(PROTOCOL_PREFIX.length).split("/");
  if (segments.length !== 2) {
    refuse(404, "no_such_route", "paths are /v1/{store}/{key}, each percent-encoded as one segment");
  }
  const store = decodeSegment(segments[0]);
  const key = decodeSegment(segments[1]);
  if (store === undefined || key === undefined) {
    refuse(400, "bad_request", "bad path segment: bad percent-encoding, or a dot segment not written $. or $..");
  }
  return { store, key, query: q < 0 ? null : url.slice(q + 1) };
}

/** The one history parameter of a GET: null, `{ version }` or `{ at }`. */
function parseQuery(query) {
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
function parsePrecondition(headers) {
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

function checkContentType(headers) {
  const type = headers["content-type"];
  const m = type === undefined ? null : /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*"?utf-8"?[ \t]*)?$/i.exec(type);
  if (!m) refuse(415, "unsupported_media_type", "a PUT body must be application/json in UTF-8");
}

function hasBody(req) {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The request body, at most `limit` bytes, or a Refusal. */
function readBody(req, limit) {
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
function parsePutBody(bytes) {
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

/**
 * A Node `http` request handler serving `backend` over the skilift HTTP
 * protocol (docs/http-protocol.md), which `FetchBackend` speaks.
 *
 * `authorize(req, { store, key, method })` is required and sees every GET
 * and PUT before anything else happens; it may be async. Only a result of
 * exactly `true` lets the request through; anything else answers 401 when
 * the request had no `Authorization` header and 403 when it had one. CORS
 * is off unless `cors.origins` lists the origins allowed to call.
 *
 * @example
 * import http from "node:http";
 * import { FsBackend } from "skilift/fs";
 * import { createHandler } from "skilift/server";
 * const handler = createHandler(new FsBackend("./data"), {
 *   authorize: (req, { store }) => req.headers.authorization === `Bearer ${process.env.TOKEN}` && store === "players/global",
 *   cors: { origins: ["http://localhost:5173"] },
 * });
 * http.createServer(handler).listen(8080);
 *
 * @param {object} backend any backend (SPEC section 3)
 * @param {{ authorize: Function, cors?: { origins: string[], credentials?: boolean, maxAge?: number },
 *           maxBodyBytes?: number, onError?: (error: unknown, request: object) => void }} options
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void}
 */
export function createHandler(backend, options) {
  const { authorize, cors, maxBodyBytes, onError } = checkOptions(backend, options);

  function report(error, request) {
    try {
      onError(error, request);
    } catch {
      // A failing reporter must not take the server down.
    }
  }

  /** Headers every answer to this request carries (CORS). */
  function corsHeaders(req) {
    if (!cors) return {};
    const origin = req.headers.origin;
    const headers = { Vary: "Origin" };
    if (typeof origin === "string" && (cors.any || cors.origins.has(origin))) {
      headers["Access-Control-Allow-Origin"] = cors.any ? "*" : origin;
      headers["Access-Control-Expose-Headers"] = "ETag";
      if (cors.credentials) headers["Access-Control-Allow-Credentials"] = "true";
    }
    return headers;
  }

  function send(res, status, body, headers) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": JSON_TYPE,
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    });
    res.end(text);
  }

  function preflight(req, res, base) {
    const requestedMethod = req.headers["access-control-request-method"];
    if (req.headers.origin === undefined || requestedMethod === undefined) {
      // A plain OPTIONS, not a CORS preflight.
      res.writeHead(204, { Allow: METHODS, ...base });
      return res.end();
    }
    const requestedHeaders = req.headers["access-control-request-headers"];
    if (!base["Access-Control-Allow-Origin"] || (requestedMethod !== "GET" && requestedMethod !== "PUT")) {
      refuse(403, "cors_forbidden", "this origin or method may not call this server");
    }
    if (requestedHeaders !== undefined && requestedHeaders.trim() !== "" && !TOKEN_LIST.test(requestedHeaders.trim())) {
      refuse(400, "bad_request", "bad Access-Control-Request-Headers");
    }
    const headers = {
      ...base,
      Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      "Access-Control-Allow-Methods": "GET, PUT",
      "Access-Control-Max-Age": String(cors.maxAge),
    };
    // Which headers a caller sends is the authorize hook's business, not CORS's.
    if (requestedHeaders !== undefined && requestedHeaders.trim() !== "") {
      headers["Access-Control-Allow-Headers"] = requestedHeaders.trim();
    }
    res.writeHead(204, headers);
    res.end();
  }

  async function handle(req, res, base) {
    const { store, key, query } = parseTarget(req.url);
    const method = req.method;
    if (method === "OPTIONS") return preflight(req, res, base);
    if (method !== "GET" && method !== "PUT") {
      refuse(405, "method_not_allowed", `the methods are ${METHODS}`, { Allow: METHODS });
    }

    // Everything a request says is checked before authorize and the backend see it.
    let history = null;
    let expected = null;
    if (method === "GET") {
      history = parseQuery(query);
      if (hasBody(req)) refuse(400, "bad_request", "a GET has no body");
      if (req.headers["if-match"] !== undefined || req.headers["if-none-match"] !== undefined) {
        refuse(400, "bad_request", "conditional GETs are not supported; the answer is never cached");
      }
      if (history && typeof backend[history.version !== undefined ? "getVersion" : "getAtTime"] !== "function") {
        refuse(501, "history_unsupported", "this server's backend keeps no history");
      }
    } else {
      if (query !== null) refuse(400, "bad_request", "a PUT has no query");
      expected = parsePrecondition(req.headers);
      checkContentType(req.headers);
      if (Number(req.headers["content-length"]) > maxBodyBytes) {
        refuse(413, "payload_too_large", `the body is over ${maxBodyBytes} bytes`);
      }
    }

    const request = { store, key, method };
    let allowed;
    try {
      allowed = await authorize(req, { ...request });
    } catch (error) {
      report(error, request);
      refuse(500, "internal", "internal error");
    }
    if (allowed !== true) {
      if (req.headers.authorization === undefined) refuse(401, "unauthorized", "credentials are required");
      refuse(403, "forbidden", "these credentials may not do this");
    }

    if (method === "GET") {
      let entry;
      try {
        if (history === null) entry = await backend.get(store, key);
        else if (history.version !== undefined) entry = await backend.getVersion(store, key, history.version);
        else entry = await backend.getAtTime(store, key, history.at);
      } catch (error) {
        report(error, request);
        refuse(500, "internal", "internal error");
      }
      if (entry === null) return send(res, 404, { error: "not_found", message: "no such key or version" }, base);
      let etag;
      try {
        if (!isEntry(entry)) throw new Error("not an entry");
        etag = entityTag(entry.version); // throws on a token with a lone surrogate
      } catch {
        report(new SkiliftError("backend_invalid_response", "the backend answered a read with something that is not an entry"), request);
        refuse(500, "internal", "internal error");
      }
      const { value, version, time } = entry;
      return send(res, 200, { value, version, time, userIds: [...(entry.userIds ?? [])] }, { ...base, ETag: etag });
    }

    const { value, userIds } = parsePutBody(await readBody(req, maxBodyBytes));
    let version;
    try {
      version = await backend.put(store, key, value, expected, { userIds });
    } catch (error) {
      report(error, request);
      refuse(500, "internal", "internal error");
    }
    if (version === null) {
      return send(res, 412, { error: "version_mismatch", message: "the key's version is not the expected one" }, base);
    }
    let etag;
    try {
      if (typeof version !== "string" || version === expected) throw new Error("not a new version");
      etag = entityTag(version);
    } catch {
      report(new SkiliftError("backend_invalid_response", "the backend answered a write with something that is not a new version"), request);
      refuse(500, "internal", "internal error");
    }
    return send(res, expected === null ? 201 : 200, { version }, { ...base, ETag: etag });
  }

  return function skiliftHandler(req, res) {
    let base = {};
    try {
      base = corsHeaders(req);
    } catch {
      base = {};
    }
    handle(req, res, base).catch((error) => {
      try {
        answerFailure(req, res, base, error);
      } catch {
        res.destroy(); // never an unhandled rejection: that would end the process
      }
    });
  };

  /** Answers a Refusal as itself and anything else as a generic 500. */
  function answerFailure(req, res, base, error) {
    if (error instanceof Refusal && error.code === "aborted") return;
    if (!(error instanceof Refusal)) {
      report(error, { method: req.method });
      error = new Refusal(500, "internal", "internal error");
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body left unread (refused before reading it, or too large) is not
    // drained: the connection closes once the answer is out.
    const unread = !req.complete;
    send(res, error.status, { error: error.code, message: error.message }, {
      ...base,
      ...error.headers,
      ...(unread ? { Connection: "close" } : {}),
    });
    if (unread) res.on("finish", () => req.destroy());
  }
}
