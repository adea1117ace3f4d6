// The reads of FsBackend (index.js) that walk a key's chain of version
// files or a whole store's directory: the newest header of a key, the keys
// of a store (list, keysByUser and the inspector), and a key's history.
// They read record headers only (record.js), never values.
//
// A key directory whose newest record is a removal (record.js) holds no key:
// list, keysByUser and history skip it, and they look no further back than
// a removal, so versions a crashed remove left behind are never reported.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { versionInfo } from "../shared.js";
import { CURRENT, versionFile, versionOfFile } from "./names.js";
import { readHeader } from "./record.js";

/** Names in a directory; none if it does not exist. */
export async function listDirectory(dir) {
  try {
    return await readdir(dir);
  } catch (e) {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return [];
    throw e;
  }
}

/**
 * The header of the newest record in a key directory, or null: `current`,
 * or a newer version file left by a writer killed before it renamed
 * `current` (the same walk as FsBackend's #newest, on headers).
 */
export async function newestHeader(keyDir) {
  let header = await readHeader(join(keyDir, CURRENT));
  for (;;) {
    const next = await readHeader(join(keyDir, versionFile(header ? Number(header.version) + 1 : 1)));
    if (next === null) return header;
    header = next;
  }
}

/**
 * The original keys of the records of `store` under its directory
 * `storeDir` whose newest header passes `keep` (and is not a removal),
 * sorted in JavaScript string order; one newest-header walk per key.
 */
export async function listKeys(storeDir, store, keep = () => true) {
  const shards = (await listDirectory(storeDir)).filter((name) => /^[0-9a-f]{2}$/.test(name));
  const found = await Promise.all(
    shards.map(async (shard) => {
      const keyDirs = await listDirectory(join(storeDir, shard));
      const keys = await Promise.all(
        keyDirs.map(async (name) => {
          const header = await newestHeader(join(storeDir, shard, name));
          const live = header !== null && !header.removed && header.store === store;
          return live && keep(header) ? header.key : null;
        }),
      );
      return keys.filter((key) => key !== null);
    }),
  );
  return found.flat().sort();
}

/**
 * `{ version, time, userIds }` of the retained versions of a key, newest
 * first: `newest` (its newest record, not a removal), then the older version
 * files, back to the first removal. Only times < `before`, at most `limit`.
 */
export async function historyOf(keyDir, store, key, newest, { limit, before }) {
  const newestN = Number(newest.version);
  const older = (await listDirectory(keyDir))
    .map(versionOfFile)
    .filter((n) => n !== null && n < newestN)
    .sort((a, b) => b - a);
  const found = [];
  if (newest.time < before) found.push(versionInfo(newest));
  for (const n of older) {
    if (found.length >= limit) break;
    const header = await readHeader(join(keyDir, versionFile(n)));
    if (header === null) continue; // pruned since the listing: outside the retained history now
    if (header.removed) break;
    if (header.store === store && header.key === key && header.time < before) found.push(versionInfo(header));
  }
  return found.length > limit ? found.slice(0, limit) : found;
}
