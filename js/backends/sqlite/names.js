// How SqliteBackend stores names: a store or key is a BLOB of its UTF-16
// code units, big-endian. SQLite compares BLOBs with memcmp, and memcmp of
// big-endian code units is JavaScript's string order (UTF-16 code units),
// which neither SQLite's TEXT (UTF-8, code point order) nor any built-in
// collation gives. And a BLOB keeps every JS string exactly: text would turn
// a lone surrogate into U+FFFD, so two keys could become one.

/** The BLOB of `s`. */
export function nameBlob(s) {
  const bytes = Buffer.from(s, "utf16le");
  return bytes.swap16();
}

/** The string of a name BLOB (a copy is swapped: the row's buffer is left as read). */
export function nameOf(blob) {
  return Buffer.from(blob).swap16().toString("utf16le");
}

/**
 * The first BLOB past every BLOB that starts with `prefix` (the prefix with
 * its last byte below 0xFF raised by one, the 0xFF bytes after it dropped),
 * or null when there is none (an empty prefix, or one of 0xFF bytes only).
 */
export function pastPrefix(prefix) {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const past = Buffer.from(prefix.subarray(0, end));
  past[end - 1]++;
  return past;
}
