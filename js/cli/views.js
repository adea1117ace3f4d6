// What `skilift inspect` shows (js/cli/main.js parses the command line):
// a target's stores, a store's keys, one key (current data, history, a past
// version). Read only: nothing here writes.

import { CliError } from "./directory.js";
import { ask } from "./targets.js";
import { decodeEnvelope, describeRecord, historyLines, iso, keyName, pretty } from "./format.js";

const PAGE = 1000;

export async function showStores(target) {
  if (!target.stores) {
    throw new CliError(`${target.label} cannot list its stores: name one, e.g. skilift inspect ${target.label} players/global`, 2);
  }
  const stores = await ask(target, "listing stores", () => target.stores());
  if (stores.length === 0) return [`${target.label} holds no skilift stores`];
  return [`stores in ${target.label}:`, ...stores.map((s) => `  ${s.store}  (${s.keys} key${s.keys === 1 ? "" : "s"})`)];
}

/** Every key of `store`, paged through the backend's `list`. */
export async function allKeys(target, store) {
  const { door } = target;
  if (!door.has("list")) throw new CliError(`${target.label} cannot list keys (its backend has no list)`);
  const keys = [];
  let after;
  for (;;) {
    const page = await ask(target, "listing keys", () => door.list(store, { after, limit: PAGE }));
    keys.push(...page);
    if (page.length < PAGE) return keys;
    after = page[page.length - 1];
  }
}

export async function showKeys(target, storeArg) {
  const store = await target.resolveStore(storeArg);
  const keys = await allKeys(target, store);
  const lines = [`${store}: ${keys.length} key${keys.length === 1 ? "" : "s"}`];
  for (let i = 0; i < keys.length; i += 32) {
    const entries = await ask(target, "reading keys", () => Promise.all(keys.slice(i, i + 32).map((key) => target.door.get(store, key))));
    entries.forEach((entry, j) => {
      if (entry === null) return;
      const record = decodeEnvelope(entry.value);
      const state = record.error ? `UNDECODABLE: ${record.error}` : record.decision ? `decision ${record.decision}` : `pending ${record.pending.length}`;
      lines.push(`  ${keyName(keys[i + j])}  v${entry.version}  ${iso(entry.time)}  ${state}`);
    });
  }
  return lines;
}

/** The current entry of a key, or a CliError saying how to find the keys. */
export async function currentEntry(target, store, storeArg, key) {
  const current = await ask(target, "reading the key", () => target.door.get(store, key));
  if (current === null) {
    throw new CliError(`no key ${JSON.stringify(key)} in ${store} of ${target.label}; list the keys with: skilift inspect ${target.label} ${storeArg}`);
  }
  return current;
}

function parseTime(text) {
  const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new CliError(`--at ${JSON.stringify(text)} is not a time: give an ISO time (2024-05-01T12:00:00Z) or ms since the epoch`, 2);
  }
  return ms;
}

function needHistory(target, method) {
  if (!target.door.has(method)) throw new CliError(`${target.label} keeps no history (its backend has no ${method})`);
}

export async function showKey(target, storeArg, key, flags) {
  const store = await target.resolveStore(storeArg);
  const { door } = target;
  const current = await currentEntry(target, store, storeArg, key);
  if (flags.history) {
    needHistory(target, "history");
    const versions = await ask(target, "reading history", () => door.history(store, key, { limit: 1000 }));
    const entries = await ask(target, "reading versions", () => Promise.all(versions.map((v) => door.getVersion(store, key, v.version))));
    const kept = entries.filter((e) => e !== null);
    return [`${keyName(key)} in ${store}: ${kept.length} retained version(s), newest first`, ...historyLines(kept)];
  }
  let entry = current;
  let heading = `${keyName(key)} in ${store}`;
  if (flags.at !== undefined) {
    const ms = parseTime(flags.at);
    needHistory(target, "getAtTime");
    entry = await ask(target, "reading history", () => door.getAtTime(store, key, ms));
    if (entry === null) throw new CliError(`${JSON.stringify(key)} has no retained version as old as ${iso(ms)}; see --history`);
    heading += ` as of ${iso(ms)}`;
  } else if (flags.version !== undefined) {
    needHistory(target, "getVersion");
    entry = await ask(target, "reading history", () => door.getVersion(store, key, flags.version));
    if (entry === null) throw new CliError(`${JSON.stringify(key)} has no retained version ${JSON.stringify(flags.version)}; see --history`);
  }
  if (flags.raw) return [entry.value];
  const record = decodeEnvelope(entry.value);
  if (record.error) {
    throw new CliError(`${JSON.stringify(key)} version ${entry.version} is undecodable (${record.error}); see it with --raw`);
  }
  if (record.decision) return [heading, `transaction decision: ${record.decision}`];
  return [heading, ...(await describeRecord(door, entry, record)), "data", pretty(record.data)];
}
