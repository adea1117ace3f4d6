// Read-only access to a FsBackend directory for the inspector (js/cli.js):
// finding stores and keys, and reading entries, without ever writing. The
// FsBackend constructor creates a missing directory, so it is only built
// after the directory is known to exist.

import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { FsBackend } from "./fs.js";
import { CURRENT, safeName, versionFile, versionOfFile } from "./fs_names.js";
import { readHeader } from "./fs_record.js";

/** An error the inspector prints as one line, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

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

/** A FsBackend over an existing directory (never creating one). */
export async function openDirectory(dir) {
  const root = resolve(dir);
  if (!(await isDirectory(root))) {
    throw new CliError(`no directory ${dir}: give the directory the FsBackend was created with (new FsBackend(dir))`);
  }
  return { root, backend: new FsBackend(root) };
}

/** The header of any record under a store directory (to learn the store's name), or null. */
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

/** The stores of a directory: [{ store, keys }], sorted by name. */
export async function listStores({ root, backend }) {
  const stores = [];
  for (const dirName of await names(root)) {
    if (!(await isDirectory(join(root, dirName)))) continue;
    const header = await anyHeader(join(root, dirName));
    if (header && safeName(header.store) === dirName) {
      stores.push({ store: header.store, keys: (await backend.keys(header.store)).length });
    }
  }
  return stores.sort((a, b) => (a.store < b.store ? -1 : 1));
}

/**
 * The namespace a user means: `store` itself if the directory has it, else
 * `store/global` (so `players` means `players/global`).
 */
export async function resolveStore({ root, backend }, store, dir) {
  const candidates = store.includes("/") ? [store] : [store, `${store}/global`];
  for (const candidate of candidates) {
    if (await isDirectory(join(root, safeName(candidate)))) return candidate;
  }
  const known = (await listStores({ root, backend })).map((s) => s.store);
  const hint = known.length ? `stores there: ${known.join(", ")}` : "it holds no stores";
  throw new CliError(`no store ${JSON.stringify(candidates.at(-1))} in ${dir} (${hint}); give the store as name/scope, e.g. players/global`);
}

/** Every retained version of a key, newest first (FsBackend tokens are counters). */
export async function history(backend, store, key) {
  const current = await backend.get(store, key);
  if (current === null) return [];
  const entries = [current];
  for (let n = Number(current.version) - 1; n >= 1; n--) {
    const entry = await backend.getVersion(store, key, String(n));
    if (entry === null) break;
    entries.push(entry);
  }
  return entries;
}
