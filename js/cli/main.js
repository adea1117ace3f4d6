// The `skilift` command (the package's bin): a read-only inspector of a
// FsBackend directory. It never writes.
//
//   skilift inspect <dir>                          the stores in the directory
//   skilift inspect <dir> <store>                  the keys of a store
//   skilift inspect <dir> <store> <key>            current data, migrations, pending transactions
//   skilift inspect <dir> <store> <key> --history  retained versions: times, user ids
//   skilift inspect <dir> <store> <key> --at <ISO time | ms>    the data at a past time
//   skilift inspect <dir> <store> <key> --version <v>           a past version
//   ... --raw                                      the stored record as is (JSON)
//
// <store> is the namespace as the backend sees it, `name/scope`; a bare
// `players` means `players/global`. Errors are one line on stderr: exit 1
// for something missing, 2 for a wrong command line.

import { CliError, history, listStores, openDirectory, resolveStore } from "./directory.js";
import { decodeEnvelope, describeRecord, historyLines, iso, keyName, pretty } from "./format.js";

const USAGE = `usage: skilift inspect <dir> [<store> [<key>]] [--history | --at <ISO time or ms> | --version <v>] [--raw]
  <dir>    a FsBackend directory (new FsBackend(dir))
  <store>  name/scope as stored, e.g. players/global ("players" means players/global)
  <key>    a session key; without it, the store's keys are listed
  --history          the key's retained versions, newest first, with times and user ids
  --at <time>        the data as it was at that time (ISO 8601, or ms since the epoch)
  --version <v>      the data of version v (see --history)
  --raw              print the stored record (the engine's envelope) as is`;

function parseArgs(argv) {
  const positional = [];
  const flags = { history: false, raw: false, at: undefined, version: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--history") flags.history = true;
    else if (arg === "--raw") flags.raw = true;
    else if (arg === "--at" || arg === "--version") {
      if (i + 1 >= argv.length) throw new CliError(`${arg} needs a value (see skilift --help)`, 2);
      flags[arg.slice(2)] = argv[++i];
    } else if (arg.startsWith("--")) throw new CliError(`unknown option ${arg} (see skilift --help)`, 2);
    else positional.push(arg);
  }
  const chosen = [flags.history, flags.at !== undefined, flags.version !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new CliError("give only one of --history, --at and --version", 2);
  return { positional, flags };
}

function parseTime(text) {
  const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new CliError(`--at ${JSON.stringify(text)} is not a time: give an ISO time (2024-05-01T12:00:00Z) or ms since the epoch`, 2);
  }
  return ms;
}

async function showStores(dirArg) {
  const dir = await openDirectory(dirArg);
  const stores = await listStores(dir);
  if (stores.length === 0) return [`${dirArg} holds no skilift stores`];
  return [`stores in ${dirArg}:`, ...stores.map((s) => `  ${s.store}  (${s.keys} key${s.keys === 1 ? "" : "s"})`)];
}

async function showKeys(dirArg, storeArg) {
  const dir = await openDirectory(dirArg);
  const store = await resolveStore(dir, storeArg, dirArg);
  const keys = await dir.backend.keys(store);
  const lines = [`${store}: ${keys.length} key${keys.length === 1 ? "" : "s"}`];
  for (let i = 0; i < keys.length; i += 32) {
    const entries = await Promise.all(keys.slice(i, i + 32).map((key) => dir.backend.get(store, key)));
    entries.forEach((entry, j) => {
      if (entry === null) return;
      const record = decodeEnvelope(entry.value);
      const state = record.error ? `UNDECODABLE: ${record.error}` : record.decision ? `decision ${record.decision}` : `pending ${record.pending.length}`;
      lines.push(`  ${keyName(keys[i + j])}  v${entry.version}  ${iso(entry.time)}  ${state}`);
    });
  }
  return lines;
}

async function showKey(dirArg, storeArg, key, flags) {
  const dir = await openDirectory(dirArg);
  const store = await resolveStore(dir, storeArg, dirArg);
  const { backend } = dir;
  const current = await backend.get(store, key);
  if (current === null) {
    throw new CliError(`no key ${JSON.stringify(key)} in ${store} of ${dirArg}; list the keys with: skilift inspect ${dirArg} ${storeArg}`);
  }
  if (flags.history) {
    const entries = await history(backend, store, key);
    return [`${keyName(key)} in ${store}: ${entries.length} retained version(s), newest first`, ...historyLines(entries)];
  }
  let entry = current;
  let heading = `${keyName(key)} in ${store}`;
  if (flags.at !== undefined) {
    const ms = parseTime(flags.at);
    entry = await backend.getAtTime(store, key, ms);
    if (entry === null) throw new CliError(`${JSON.stringify(key)} has no retained version as old as ${iso(ms)}; see --history`);
    heading += ` as of ${iso(ms)}`;
  } else if (flags.version !== undefined) {
    entry = await backend.getVersion(store, key, flags.version);
    if (entry === null) throw new CliError(`${JSON.stringify(key)} has no retained version ${JSON.stringify(flags.version)}; see --history`);
  }
  if (flags.raw) return [entry.value];
  const record = decodeEnvelope(entry.value);
  if (record.error) {
    throw new CliError(`${JSON.stringify(key)} version ${entry.version} is undecodable (${record.error}); see it with --raw`);
  }
  if (record.decision) return [heading, `transaction decision: ${record.decision}`];
  return [heading, ...(await describeRecord(backend, entry, record)), "data", pretty(record.data)];
}

export async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command !== "inspect") throw new CliError(`unknown command ${JSON.stringify(command)}: the command is skilift inspect <dir> [<store> [<key>]]`, 2);
    const { positional, flags } = parseArgs(rest);
    const [dirArg, storeArg, key, extra] = positional;
    if (dirArg === undefined) throw new CliError("skilift inspect needs a directory: skilift inspect <dir> [<store> [<key>]]", 2);
    if (extra !== undefined) throw new CliError(`too many arguments (${JSON.stringify(extra)}); quote a key that has spaces`, 2);
    if (key === undefined && (flags.history || flags.at !== undefined || flags.version !== undefined || flags.raw)) {
      throw new CliError("--history, --at, --version and --raw need a key: skilift inspect <dir> <store> <key> ...", 2);
    }
    const lines = storeArg === undefined ? await showStores(dirArg)
      : key === undefined ? await showKeys(dirArg, storeArg)
      : await showKey(dirArg, storeArg, key, flags);
    console.log(lines.join("\n"));
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`skilift: ${error.message}`);
      return error.exitCode;
    }
    console.error(`skilift: ${error?.message ?? error}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
