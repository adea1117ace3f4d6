// The names of PostgresBackend's tables, sequence, indexes and function
// under a tablePrefix (one the backend accepted: lowercase letters, digits
// and _), quoted. Shared by the backend (index.js) and the read-only
// queries of tools (inspect.js), so neither spells them on its own.

export function names(prefix) {
  return {
    versions: `"${prefix}versions"`,
    heads: `"${prefix}heads"`,
    seq: `"${prefix}version_seq"`,
    timeIndex: `"${prefix}versions_by_time"`,
    userIndex: `"${prefix}versions_by_user"`,
    keyIndex: `"${prefix}heads_in_order"`,
    order: `"${prefix}utf16_order"`,
  };
}
