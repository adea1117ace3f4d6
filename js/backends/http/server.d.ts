// Types of `skilift/server`. The protocol is docs/http-protocol.md.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Backend } from "../../index.js";

/** What a request wants to do, handed to `authorize`. */
export interface RequestTarget {
  /** The store namespace, decoded (e.g. "players/global"). */
  store: string;
  /** The key, decoded; absent for the calls on a whole store (`list`, `keysByUser`). */
  key?: string;
  /** "GET" (reads, including history and listing), "PUT" (writes) or "DELETE" (removal). */
  method: "GET" | "PUT" | "DELETE";
  /** The backend method the request calls. */
  operation: "get" | "getVersion" | "getAtTime" | "history" | "list" | "keysByUser" | "put" | "remove";
  /** For `keysByUser`: the user id asked for. */
  userId?: number;
}

export interface HandlerOptions {
  /**
   * Required. Called for every GET, PUT and DELETE before the body is read
   * or the backend is called. Only `true` (or a promise of `true`) lets the
   * request through; anything else answers 401 without an `Authorization`
   * header, 403 with one. A throw answers 500. Open access: `authorize: () => true`.
   * Say yes only to the operations a caller may do: a player's own token,
   * say, should get `get` and `put` of its key, not `list` or `remove`.
   *
   * @example
   * authorize: (req, { key, operation }) =>
   *   isAdmin(req) || (key === playerOf(req) && (operation === "get" || operation === "put"))
   */
  authorize: (req: IncomingMessage, target: RequestTarget) => boolean | Promise<boolean>;
  /**
   * The admin operations this handler serves; off by default. Without it a
   * handler serves `get` and `put` of single keys only (what a game server
   * or a preview needs), and answers 403 `operation_disabled` to listing,
   * the user-id search, past versions (`history`, `getVersion`,
   * `getAtTime`) and removal before `authorize` is asked. `true` enables
   * all four groups; an object enables the ones set to `true`. Give it only
   * to a server whose `authorize` tells an admin's credentials from a
   * player's (`skilift studio` and `skilift inspect` need all four).
   *
   * @example
   * admin: true
   * admin: { list: true, history: true }   // look, but not erase
   */
  admin?: boolean | { list?: boolean; keysByUser?: boolean; history?: boolean; remove?: boolean };
  /** Off by default. `origins` are exact origins ("http://localhost:5173") or "*". */
  cors?: {
    origins: string[];
    /** Send `Access-Control-Allow-Credentials: true` (cookies); not with "*". Default false. */
    credentials?: boolean;
    /** Seconds a browser may cache a preflight. Default 600. */
    maxAge?: number;
  };
  /** Largest PUT body accepted, in bytes; larger is a 413. Default 16 MiB. */
  maxBodyBytes?: number;
  /**
   * Failures of the backend or of `authorize` (the client only sees a
   * generic 500). Default: console.error.
   */
  onError?: (error: unknown, request: Partial<RequestTarget>) => void;
}

/**
 * A Node `http` request handler serving `backend` over the skilift HTTP
 * protocol, which `FetchBackend` speaks: `get` and `put` of single keys,
 * and the admin operations its `admin` option enables.
 *
 * @example
 * import http from "node:http";
 * import { MemoryBackend } from "skilift";
 * import { createHandler } from "skilift/server";
 * const backend = new MemoryBackend();
 * const handler = createHandler(backend, {
 *   authorize: (req) => req.headers.authorization === `Bearer ${process.env.TOKEN}`,
 *   cors: { origins: ["http://localhost:5173"] },
 * });
 * http.createServer(handler).listen(8080);
 * // for skilift inspect and skilift studio: listing, user-id search, history, removal
 * const admin = createHandler(backend, { admin: true, authorize: isAdmin });
 * @see docs/api.md#createhandlerbackend-options
 */
export function createHandler(backend: Backend, options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void;
