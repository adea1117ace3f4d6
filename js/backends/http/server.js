// createHandler (entry `skilift/server`): serves any backend (docs/backend-contract.md)
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
//
// This file is the handler itself: its options and the dispatch of a
// request. Parsing a request is request.js, the routes (what each asks the
// backend, how each answer is written) routes.js, CORS cors.js.
// User-facing docs (options, examples): server.d.ts.

import { SkiliftError, invalidOptions } from "../../errors.js";
import { JSON_TYPE } from "./protocol.js";
import { Refusal, parsePutBody, parseTarget, readBody, refuse } from "./request.js";
import { InvalidAnswer, planRequest } from "./routes.js";
import { checkCors, corsHeaders, preflight } from "./cors.js";
import { servedOperations } from "./admin.js";

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The options checked at creation, so a bad one fails at start-up, not on the first request. */
function checkOptions(backend, options) {
  if (typeof backend !== "object" || backend === null || typeof backend.get !== "function" || typeof backend.put !== "function") {
    throw invalidOptions("createHandler: backend must be an object with get and put methods");
  }
  if (typeof options !== "object" || options === null) {
    throw invalidOptions("createHandler: options { authorize } are required (open access is `authorize: () => true`)");
  }
  const { authorize, cors, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, onError, admin } = options;
  if (typeof authorize !== "function") {
    throw invalidOptions("createHandler: options.authorize(req, { store, key, method }) is required (open access is `authorize: () => true`)");
  }
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw invalidOptions("createHandler: maxBodyBytes must be a positive integer");
  }
  if (onError !== undefined && typeof onError !== "function") throw invalidOptions("createHandler: onError must be a function");
  return { authorize, cors: checkCors(cors), maxBodyBytes, onError: onError ?? defaultOnError, served: servedOperations(admin) };
}

function defaultOnError(error) {
  console.error("skilift/server: a request failed:", error);
}

// Each request is checked in full (request.js) before `authorize` sees it,
// and `authorize` before the backend does; every failure after that is a
// Refusal or a generic 500 (answerFailure).
export function createHandler(backend, options) {
  const { authorize, cors, maxBodyBytes, onError, served } = checkOptions(backend, options);

  // Pipelining: several requests may arrive on one connection before any
  // answer. Node answers them in order, and an answer that ends the
  // connection (ours with `Connection: close`, Node's own 400 to bytes it
  // cannot parse, or the client half-closing) drops every answer queued
  // behind it, while their handlers still run. A write must not happen when
  // its answer cannot be sent, so a PUT waits until the answers before it on
  // its connection are out and writes only if the connection is still open.
  const lastAnswer = new WeakMap(); // socket → settles once its newest request's answer is sent or dropped

  function queueAnswer(req, res) {
    const socket = req.socket;
    if (!socket) return null;
    const before = lastAnswer.get(socket) ?? null;
    lastAnswer.set(socket, new Promise((resolve) => res.once("finish", resolve).once("close", resolve)));
    return before;
  }

  function connectionOpen(req) {
    return !req.socket || (!req.socket.destroyed && !req.socket.writableEnded);
  }

  function report(error, request) {
    try {
      onError(error, request);
    } catch {
      // A failing reporter must not take the server down.
    }
  }

  function send(res, status, body, headers) {
    if (body === null) {
      // 204: no body, so no type or length either.
      res.writeHead(status, { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", ...headers });
      return res.end();
    }
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

  async function handle(req, res, base, answersBefore) {
    const target = parseTarget(req.url);
    if (req.method === "OPTIONS") return preflight(cors, req, res, base);
    // Everything a request says is checked before authorize and the backend see it.
    const plan = planRequest(target, req, backend, maxBodyBytes, served);
    const { request } = plan;
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

    const body = plan.body ? parsePutBody(await readBody(req, maxBodyBytes)) : undefined;
    if (plan.writes) {
      await answersBefore;
      if (!connectionOpen(req)) refuse(400, "aborted", "the connection ended before the write");
    }
    let result;
    try {
      result = await plan.call(backend, body);
    } catch (error) {
      report(error, request);
      refuse(500, "internal", "internal error");
    }
    let answer;
    try {
      answer = plan.answer(result);
    } catch (error) {
      if (!(error instanceof InvalidAnswer)) throw error;
      report(new SkiliftError("backend_invalid_response", error.message), request);
      refuse(500, "internal", "internal error");
    }
    return send(res, answer.status, answer.body, { ...base, ...answer.headers });
  }

  return function skiliftHandler(req, res) {
    let base = {};
    try {
      base = corsHeaders(cors, req);
    } catch {
      base = {};
    }
    handle(req, res, base, queueAnswer(req, res)).catch((error) => {
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

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ createHandler });
export default entry;
