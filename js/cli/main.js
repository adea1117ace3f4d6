// The `skilift` command (the package's bin). A target is a FsBackend
// directory, a postgres:// URL, a redis:// URL (--cluster for a Redis
// Cluster) or an http(s):// base URL of createHandler.
//
//   skilift inspect <target>                          the stores (not over http)
//   skilift inspect <target> <store>                  the keys of a store
//   skilift inspect <target> <store> <key>            current data, migrations, pending transactions
//   ... <key> --history | --at <time> | --version <v> | --raw
//   skilift restore <target> <store> <key> --version <v>   make a past version current again
//   skilift remove <target> <store> <key> [--yes]          erase a key and every version
//   skilift studio <target> [--port N] [--host H] [--write] the web page (js/cli/studio/)
//
// <store> is the namespace as the backend sees it, `name/scope`; a bare
// `players` means `players/global`. Errors are one line on stderr: exit 1
// for something missing or refused, 2 for a wrong command line.

import { CliError } from "./directory.js";
import { openTarget, parseHeaders } from "./targets.js";
import { showKey, showKeys, showStores } from "./views.js";
import { remove, restore } from "./write.js";
import { DEFAULT_PORT, runStudio } from "./studio/server.js";

const USAGE = `usage:
  skilift inspect <target> [<store> [<key>]] [--history | --at <ISO time or ms> | --version <v>] [--raw]
  skilift restore <target> <store> <key> --version <v>
  skilift remove  <target> <store> <key> [--yes]
  skilift studio  <target> [--port N] [--host H] [--write]
  <target>  a FsBackend directory, a postgres://user:pass@host/db URL, a redis://host:port URL,
            or an http(s):// base URL of createHandler (served with its admin option)
  <store>   name/scope as stored, e.g. players/global ("players" means players/global)
  <key>     a session key; without it, inspect lists the store's keys
  --history          the key's retained versions, newest first, with times and user ids
  --at <time>        the data as it was at that time (ISO 8601, or ms since the epoch)
  --version <v>      the data of version v (see --history); for restore, the version to bring back
  --raw              print the stored record (the engine's envelope) as is
  --header "n: v"    an HTTP header for an http(s) target (repeatable), e.g. "authorization: Bearer TOKEN"
  --table-prefix p   the PostgresBackend tablePrefix of a postgres target (default skilift_)
  --cluster          the redis:// target is a Redis Cluster (redis://host:port[,host:port...])
  --key-prefix p     the RedisBackend keyPrefix of a redis target (default skilift:)
  --yes              remove without asking
  --port N           studio: the port to serve on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H           studio: the address to bind (default 127.0.0.1; anything else exposes it to that network)
  --write            studio: offer restore and remove (without it the studio only reads)`;

const VALUED = new Set(["--at", "--version", "--header", "--table-prefix", "--key-prefix", "--port", "--host"]);
const SWITCHES = new Set(["--history", "--raw", "--yes", "--cluster", "--write"]);

function parseArgs(argv) {
  const positional = [];
  const flags = { history: false, raw: false, yes: false, cluster: false, write: false, header: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (SWITCHES.has(arg)) flags[arg.slice(2)] = true;
    else if (VALUED.has(arg)) {
      if (i + 1 >= argv.length) throw new CliError(`${arg} needs a value (see skilift --help)`, 2);
      const value = argv[++i];
      if (arg === "--header") flags.header.push(value);
      else if (arg === "--table-prefix") flags.tablePrefix = value;
      else if (arg === "--key-prefix") flags.keyPrefix = value;
      else flags[arg.slice(2)] = value;
    } else if (arg.startsWith("--")) throw new CliError(`unknown option ${arg} (see skilift --help)`, 2);
    else positional.push(arg);
  }
  return { positional, flags };
}

function inspectCommand(target, [storeArg, key], flags) {
  const chosen = [flags.history, flags.at !== undefined, flags.version !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new CliError("give only one of --history, --at and --version", 2);
  if (key === undefined && (chosen > 0 || flags.raw)) {
    throw new CliError("--history, --at, --version and --raw need a key: skilift inspect <target> <store> <key> ...", 2);
  }
  if (storeArg === undefined) return showStores(target);
  if (key === undefined) return showKeys(target, storeArg);
  return showKey(target, storeArg, key, flags);
}

const COMMANDS = {
  inspect: { args: [0, 2], run: inspectCommand },
  restore: {
    args: [2, 2],
    run: (target, [store, key], flags) => {
      if (flags.version === undefined) throw new CliError("skilift restore needs --version <v> (see skilift inspect <target> <store> <key> --history)", 2);
      return restore(target, store, key, flags.version);
    },
  },
  remove: { args: [2, 2], run: (target, [store, key], flags) => remove(target, store, key, flags) },
  studio: { args: [0, 0], run: (target, [], flags) => runStudio(target, flags) },
};

export async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  let target;
  try {
    const spec = COMMANDS[command];
    if (!spec) throw new CliError(`unknown command ${JSON.stringify(command)}: the commands are inspect, restore, remove and studio (see skilift --help)`, 2);
    const { positional, flags } = parseArgs(rest);
    const [targetArg, ...more] = positional;
    if (targetArg === undefined) throw new CliError(`skilift ${command} needs a target: a directory, a postgres://, redis:// or http(s):// URL (see skilift --help)`, 2);
    const [min, max] = spec.args;
    if (more.length < min) throw new CliError(`skilift ${command} needs <store> and <key> (see skilift --help)`, 2);
    if (more.length > max) throw new CliError(`too many arguments (${JSON.stringify(more[max])}); quote a key that has spaces`, 2);
    target = await openTarget(targetArg, {
      headers: parseHeaders(flags.header),
      tablePrefix: flags.tablePrefix,
      cluster: flags.cluster,
      keyPrefix: flags.keyPrefix,
    });
    const lines = await spec.run(target, more, flags);
    if (lines.length > 0) console.log(lines.join("\n"));
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`skilift: ${error.message}`);
      return error.exitCode;
    }
    console.error(`skilift: ${error?.message ?? error}`);
    return 1;
  } finally {
    await target?.close().catch(() => {});
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
