// CORS of createHandler (js/backends/http/server.js): checking the `cors`
// option, the headers every answer carries, and preflight requests. CORS is
// off unless `cors.origins` lists who may call; it decides nothing about
// credentials, which are the `authorize` hook's business.
//
// Architecture Invariant: no Node imports (see server.js).

import { invalidOptions } from "../../errors.js";
import { METHODS, refuse } from "./request.js";

const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/** The `cors` option checked and normalised (null when off); throws invalid_options. */
export function checkCors(cors) {
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

/** The CORS headers every answer to `req` carries (none when CORS is off). */
export function corsHeaders(cors, req) {
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

/**
 * Answers an OPTIONS request: a CORS preflight (or a refusal of one), or a
 * plain OPTIONS with `Allow`. `base` is corsHeaders(cors, req).
 */
export function preflight(cors, req, res, base) {
  const requestedMethod = req.headers["access-control-request-method"];
  if (req.headers.origin === undefined || requestedMethod === undefined) {
    // A plain OPTIONS, not a CORS preflight.
    res.writeHead(204, { Allow: METHODS, ...base });
    return res.end();
  }
  const requestedHeaders = req.headers["access-control-request-headers"];
  if (!base["Access-Control-Allow-Origin"] || !["GET", "PUT", "DELETE"].includes(requestedMethod)) {
    refuse(403, "cors_forbidden", "this origin or method may not call this server");
  }
  if (requestedHeaders !== undefined && requestedHeaders.trim() !== "" && !TOKEN_LIST.test(requestedHeaders.trim())) {
    refuse(400, "bad_request", "bad Access-Control-Request-Headers");
  }
  const headers = {
    ...base,
    Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    "Access-Control-Allow-Methods": "GET, PUT, DELETE",
    "Access-Control-Max-Age": String(cors.maxAge),
  };
  // Which headers a caller sends is the authorize hook's business, not CORS's.
  if (requestedHeaders !== undefined && requestedHeaders.trim() !== "") {
    headers["Access-Control-Allow-Headers"] = requestedHeaders.trim();
  }
  res.writeHead(204, headers);
  res.end();
}
