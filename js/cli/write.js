// The two commands that write: `skilift restore` and `skilift remove`.
//
// restore: the engine builds the record (`restoreRecord`: the old
// version's data and migration steps, everything else of the current
// record kept), written with compare-and-set on the current version, again
// on a conflict. The CLI does not know the game's migrations, so a version
// with fewer steps is migrated by the next server that pulls the key.
// remove: the backend's `remove`, after a confirmation unless --yes.

import { createInterface } from "node:readline/promises";
import { wasm } from "../host/engine.js";
import { CliError } from "./directory.js";
import { ask } from "./targets.js";
import { currentEntry } from "./views.js";
import { keyName } from "./format.js";

const ATTEMPTS = 20;

export async function restore(target, storeArg, key, version) {
  const store = await target.resolveStore(storeArg);
  const { door } = target;
  if (!door.has("getVersion")) throw new CliError(`${target.label} keeps no history: nothing to restore from`);
  const old = await ask(target, "reading the version", () => door.getVersion(store, key, version));
  if (old === null) throw new CliError(`${JSON.stringify(key)} has no retained version ${JSON.stringify(version)}; see skilift inspect ${target.label} ${storeArg} ${keyName(key)} --history`);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await currentEntry(target, store, storeArg, key);
    const written = await writeRestored(target, store, key, current, old);
    if (written !== null) return [`restored ${keyName(key)} in ${store} to the data of version ${version} (now version ${written})`];
  }
  throw new CliError(`${JSON.stringify(key)} kept changing: ${ATTEMPTS} writes in a row lost the race; try again`);
}

/**
 * One restore attempt, shared with `skilift studio`: the record the engine
 * builds from the `current` entry and the `old` one, written with
 * compare-and-set on `current.version`. Resolves the new version, or null
 * if another writer got there first.
 */
export async function writeRestored(target, store, key, current, old) {
  let text;
  try {
    text = wasm.restoreRecord(current.value, old.value);
  } catch (error) {
    throw new CliError(`cannot restore: ${error.message}`);
  }
  return ask(target, "writing", () => target.door.put(store, key, text, current.version, current.userIds));
}

async function confirmed(question) {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function remove(target, storeArg, key, { yes }) {
  const store = await target.resolveStore(storeArg);
  const { door } = target;
  if (!door.has("remove")) throw new CliError(`${target.label} cannot remove keys (its backend has no remove)`);
  await currentEntry(target, store, storeArg, key);
  if (!yes) {
    const sure = await confirmed(`Erase ${keyName(key)} in ${store} and every retained version? This cannot be undone. [y/N] `);
    if (!sure) {
      throw new CliError(process.stdin.isTTY ? "not removed" : "not removed: give --yes to erase without asking (stdin is not a terminal)", process.stdin.isTTY ? 1 : 2);
    }
  }
  await ask(target, "removing", () => door.remove(store, key));
  return [`removed ${keyName(key)} from ${store}: its data and every retained version are erased`];
}
