// Types of `skilift/fetch`. The protocol is docs/http-protocol.md.
import type { Backend } from "../../index.js";

/**
 * Headers as `fetch` takes them (`HeadersInit`), spelt through `RequestInit`
 * so that Node projects without the DOM library (`@types/node` only) compile.
 */
export type FetchHeaders = NonNullable<RequestInit["headers"]>;

/** `fetch` RequestInit merged into every request; `headers` may be a function called per request. */
export interface FetchBackendInit extends Omit<RequestInit, "method" | "body" | "headers"> {
  /** Sent with every request (e.g. `Authorization`), or a (possibly async) function returning them, called before each request. */
  headers?: FetchHeaders | (() => FetchHeaders | Promise<FetchHeaders>);
  /** Requests in flight at once, at most (default 64; `Infinity` for no bound); the others wait their turn, and one unanswered after 10 s stops counting. Not passed to `fetch`. */
  maxRequests?: number;
}

/**
 * An unexpected HTTP status from the server (401, 403, 5xx, ...). Garbage
 * answers reject with a `SkiliftError` of code `backend_invalid_response`.
 * @see docs/api.md#fetchbackenderror
 */
export class FetchBackendError extends Error {
  constructor(status: number, code: string | undefined, message: string);
  readonly name: "FetchBackendError";
  /** The HTTP status. */
  readonly status: number;
  /** The server's error code (e.g. "forbidden", "internal"), if its body had one. */
  readonly code: string | undefined;
}

/**
 * A backend that talks to a skilift server (`createHandler` from
 * `skilift/server`) with conditional HTTP requests. Node 20+ and browsers.
 *
 * @example
 * import { FetchBackend } from "skilift/fetch";
 * const backend = new FetchBackend("https://game.example/skilift", {
 *   headers: { Authorization: `Bearer ${token}` },
 * });
 * @see docs/api.md#new-fetchbackendbaseurl-init
 */
export class FetchBackend {
  /**
   * @param baseUrl where the handler is mounted; requests go to `${baseUrl}/v1/{store}/{key}`
   * @param init RequestInit for every request (not `method` or `body`)
   */
  constructor(baseUrl: string | URL, init?: FetchBackendInit);
}

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`, each one request of docs/http-protocol.md. Where
 * FetchBackend differs: the optional methods exist whatever the server's
 * backend has, and reject with `history_unsupported` (getVersion,
 * getAtTime, history), `listing_unsupported` (list, keysByUser) or
 * `remove_unsupported` when it lacks them; `list` rejects with
 * `invalid_options` for an `after` or `prefix` with a lone surrogate (URLs
 * cannot carry one).
 */
export interface FetchBackend extends Required<Backend> {}
