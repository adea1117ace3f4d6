// The HTTP protocol shared by skilift/fetch (client) and skilift/server
// (handler): paths, entity tags and the shapes of JSON bodies. Both sides
// import it, so they cannot disagree. The protocol itself is documented in
// docs/http-protocol.md.

/** The path prefix of every resource; bumped if the protocol ever changes incompatibly. */
export const PROTOCOL_PREFIX = "/v1/";

/** Media type of every body, both ways. */
export const JSON_TYPE = "application/json; charset=utf-8";

/**
 * One path segment for `s`: `encodeURIComponent(s)`, except that `.` and
 * `..` are written `$.` and `$..`. URL parsers (fetch's included) resolve
 * dot segments, even percent-encoded ones, so they cannot be sent as they
 * are; `$` is safe as the marker because encodeURIComponent always encodes
 * it, so no other string's segment starts with a raw `$`. Throws a URIError
 * on a string that is not well-formed UTF-16 (a lone surrogate).
 */
export function encodeSegment(s) {
  return s === "." || s === ".." ? `$${s}` : encodeURIComponent(s);
}

/**
 * The string of one path segment as `encodeSegment` writes it, or undefined
 * for anything else: bad percent-encoding, or a dot segment not in its `$`
 * form (which a proxy or URL parser on the way might have resolved).
 */
export function decodeSegment(segment) {
  if (segment === "$." || segment === "$..") return segment.slice(1);
  if (segment.startsWith("$")) return undefined;
  let s;
  try {
    s = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return s === "." || s === ".." ? undefined : s;
}

/** The path of a key: `/v1/{store}/{key}`, each encoded as one segment (store names contain `/` and `:`). */
export function resourcePath(store, key) {
  return `${PROTOCOL_PREFIX}${encodeSegment(store)}/${encodeSegment(key)}`;
}

/** The path of a store's keys (list, keysByUser): `/v1/{store}`. */
export function keysPath(store) {
  return `${PROTOCOL_PREFIX}${encodeSegment(store)}`;
}

/** The path of a key's history: `/v1/{store}/{key}/history`. */
export function historyPath(store, key) {
  return `${resourcePath(store, key)}/history`;
}

/**
 * The strong entity tag of a version token. Tokens are opaque strings, so
 * they are percent-encoded: the result only holds characters allowed inside
 * a quoted entity tag (never `"`, space or control characters), and decoding
 * gives back the token exactly.
 */
export function entityTag(version) {
  return `"${encodeURIComponent(version)}"`;
}

/**
 * The version token inside one strong entity tag, or undefined if `header`
 * is not exactly one canonical tag as `entityTag` writes it (weak tags,
 * lists, `*` and non-canonical encodings are all refused).
 */
export function versionOfEntityTag(header) {
  if (typeof header !== "string") return undefined;
  const m = /^"([\x21\x23-\x7e]*)"$/.exec(header);
  if (!m) return undefined;
  let version;
  try {
    version = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  return entityTag(version) === header ? version : undefined;
}

/** Whether `ids` is a list of user ids: finite numbers. */
export function isUserIds(ids) {
  return Array.isArray(ids) && ids.every((id) => typeof id === "number" && Number.isFinite(id));
}

/** Whether `x` is a backend entry `{ value, version, time, userIds? }` as docs/backend-contract.md defines it. */
export function isEntry(x) {
  return (
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    typeof x.value === "string" &&
    typeof x.version === "string" &&
    typeof x.time === "number" &&
    Number.isFinite(x.time) &&
    (x.userIds === undefined || isUserIds(x.userIds))
  );
}

/** Whether `x` is a plain object with exactly the keys in `allowed` (each optional). */
export function hasOnlyKeys(x, allowed) {
  return (
    typeof x === "object" && x !== null && !Array.isArray(x) && Object.keys(x).every((k) => allowed.includes(k))
  );
}
