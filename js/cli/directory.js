// The CLI's (js/cli/main.js) access to a FsBackend directory: opening it
// without creating it, listing its stores and resolving the store a user
// means. What the directory looks like inside is the fs backend's business (js/backends/fs/inspect.js); this file only
// goes through FsBackend and that module.

import { resolve } from "node:path";
import { FsBackend } from "../backends/fs/index.js";
import { directoryExists, listStores as storesIn, storeExists } from "../backends/fs/inspect.js";

/** An error the inspector prints as one line, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * A FsBackend over an existing directory. The FsBackend constructor creates
 * a missing directory, so it is only built once the directory is known to
 * exist: the inspector never writes.
 */
export async function openDirectory(dir) {
  const root = resolve(dir);
  if (!(await directoryExists(root))) {
    throw new CliError(`no directory ${dir}: give the directory the FsBackend was created with (new FsBackend(dir))`);
  }
  return { root, backend: new FsBackend(root) };
}

/** The stores of a directory: [{ store, keys }], sorted by name. */
export function listStores({ root }) {
  return storesIn(root);
}

/**
 * The namespace a user means: `store` itself if the directory has it, else
 * `store/global` (so `players` means `players/global`).
 */
export async function resolveStore({ root }, store, dir) {
  const candidates = store.includes("/") ? [store] : [store, `${store}/global`];
  for (const candidate of candidates) {
    if (await storeExists(root, candidate)) return candidate;
  }
  const known = (await storesIn(root)).map((s) => s.store);
  const hint = known.length ? `stores there: ${known.join(", ")}` : "it holds no stores";
  throw new CliError(`no store ${JSON.stringify(candidates.at(-1))} in ${dir} (${hint}); give the store as name/scope, e.g. players/global`);
}
