// File names of FsBackend (index.js): how an arbitrary store or key string
// becomes one safe path component, and what lives in a key's directory.
//
// A name is `<readable prefix>-<hash>`: the prefix keeps only [a-z0-9_-]
// (lower-cased, at most 24 characters) so a person browsing the directory
// can recognise keys; the hash (the first 128 bits of SHA-256, hex) makes the
// name unique. The hash is taken over the UTF-16 code units of the string,
// which is injective for every JS string (UTF-8 would merge a lone surrogate
// with U+FFFD). Because the name never contains a separator, a dot, a colon
// or upper case, and always ends in 32 hex digits, it cannot escape the
// directory ("..", "a/b", "a\\b"), hit a Windows device name ("CON",
// "nul.txt"), end in a dot or space, grow past file-name limits, or collide
// with another name on a case-insensitive file system ("A" vs "a").

import { createHash } from "node:crypto";
import { hostname } from "node:os";

const PREFIX_LENGTH = 24;

/** Hex SHA-256 (first 128 bits) of the exact code units of `text`. */
export function nameHash(text) {
  return createHash("sha256").update(Buffer.from(text, "utf16le")).digest("hex").slice(0, 32);
}

/** One path component that stands for `text` and nothing else. */
export function safeName(text) {
  const prefix = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .slice(0, PREFIX_LENGTH);
  return `${prefix || "_"}-${nameHash(text)}`;
}

/**
 * Relative path of a key's directory: `<store>/<shard>/<key>`. The shard
 * (two hex digits of the key's hash) keeps directories small with millions
 * of keys.
 */
export function keyPath(store, key) {
  const keyName = safeName(key);
  return [safeName(store), keyName.slice(-32, -30), keyName];
}

// Inside a key's directory:
//   current           the newest record (a hard link to its version file)
//   v-<n>             version n, for n in the retained history; created with
//                     link(), which fails if it exists: the commit point
//   lock              the cross-process lock (lock.js)
//   tmp-<host>-<pid>-<id>   a record being written; garbage if its writer died
//   lock-<host>-<pid>-<id>  a lock being taken; garbage if its writer died
// (<host> is 8 hex digits of the host name's hash, so a pid is only ever
// checked for liveness on the host it belongs to.)

export const CURRENT = "current";
export const LOCK = "lock";

/** File name of version `n`. */
export function versionFile(n) {
  return `v-${n}`;
}

/** The version number of a version file name, or null for other files. */
export function versionOfFile(name) {
  const m = /^v-([1-9][0-9]{0,15})$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * The version number a token stands for, or null when the token cannot be
 * one of ours (tokens are opaque to callers; ours are decimal counters).
 */
export function versionOfToken(token) {
  if (!/^[1-9][0-9]{0,15}$/.test(token)) return null;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : null;
}

/** This host, as it appears in temp file names and lock files. */
export const HOST = nameHash(hostname()).slice(0, 8);

/** A temp file name owned by this process. */
export function tempFile(kind, id) {
  return `${kind}-${HOST}-${process.pid}-${id}`;
}

/** `{ host, pid }` of a temp file name, or null if `name` is not a temp file. */
export function tempOwner(name) {
  const m = /^(?:tmp|lock)-([0-9a-f]{8})-([0-9]+)-[0-9a-f]+$/.exec(name);
  return m ? { host: m[1], pid: Number(m[2]) } : null;
}
