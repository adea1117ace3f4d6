// Read-only queries about a whole FsBackend directory, for tools (the
// `skilift inspect` command in js/cli/). Internal API, not a public subpath:
// it lives here so that only js/backends/fs/ knows the directory layout
// (hashed names, shards, record headers; see names.js and record.js), and a
// tool never opens the backend's files itself.

import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CURRENT, safeName, versionFile, versionOfFile } from "./names.js";
import { listKeys } from "./listing.js";
import { readHeader } from "./record.js";

async function isDirectory(path) {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function names(dir) {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Whether `dir` exists and is a directory (FsBackend's constructor would create it). */
export function directoryExists(dir) {
  return isDirectory(resolve(dir));
}

/** Whether the FsBackend directory `root` holds a directory for `store`. */
export function storeExists(root, store) {
  return isDirectory(join(resolve(root), safeName(store)));
}

/**
 * The header of any record under a store directory, or null: store
 * directory names are hashes, so the store's name is read from a record.
 */
async function anyHeader(storeDir) {
  for (const shard of await names(storeDir)) {
    for (const keyName of await names(join(storeDir, shard))) {
      const keyDir = join(storeDir, shard, keyName);
      const versions = (await names(keyDir)).map(versionOfFile).filter((n) => n !== null);
      for (const file of [CURRENT, ...versions.map(versionFile)]) {
        try {
          const header = await readHeader(join(keyDir, file));
          if (header) return header;
        } catch {
          // a damaged file: try the next one
        }
      }
    }
  }
  return null;
}

/** The stores of the FsBackend directory `root`: [{ store, keys }] (keys: how many), sorted by name. */
export async function listStores(root) {
  root = resolve(root);
  const stores = [];
  for (const dirName of await names(root)) {
    if (!(await isDirectory(join(root, dirName)))) continue;
    const header = await anyHeader(join(root, dirName));
    if (header && safeName(header.store) === dirName) {
      stores.push({ store: header.store, keys: (await listKeys(join(root, dirName), header.store)).length });
    }
  }
  return stores.sort((a, b) => (a.store < b.store ? -1 : 1));
}
