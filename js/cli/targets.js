// What the `skilift` command reads and writes: a target named on the
// command line, opened as a backend. A FsBackend directory, a
// `postgres://` URL (PostgresBackend; `pg` must be installed, as for the
// backend itself), or an `http(s)://` base URL of `createHandler`
// (FetchBackend, with `--header` lines for a token). Every target answers
// the same backend calls; only a directory can list its stores.

import { CliError, listStores, openDirectory, resolveStore } from "./directory.js";
import { FetchBackend } from "../backends/http/fetch.js";
import { PostgresBackend } from "../backends/postgres/index.js";

/** `name: value` lines of --header into a headers object. */
export function parseHeaders(lines) {
  const headers = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    if (at <= 0) throw new CliError(`--header ${JSON.stringify(line)} is not "name: value" (e.g. --header "authorization: Bearer TOKEN")`, 2);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/**
 * The store a user means on a target that cannot list stores: `players` is
 * `players/global`; the reserved `skilift:transactions` is itself.
 */
function storeName(store) {
  return store.includes("/") || store === "skilift:transactions" ? store : `${store}/global`;
}

async function openHttp(url, headers) {
  const backend = new FetchBackend(url, { headers });
  return {
    label: url,
    backend,
    stores: null,
    resolveStore: async (store) => storeName(store),
    close: async () => {},
  };
}

async function openPostgres(url, tablePrefix) {
  let pg;
  try {
    pg = (await import("pg")).default;
  } catch {
    throw new CliError("a postgres:// target needs the pg package: npm install pg");
  }
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {}); // an idle client's error is the next query's
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new CliError(`cannot reach ${redact(url)}: ${error.message}`);
  }
  return {
    label: redact(url),
    backend: new PostgresBackend(pool, tablePrefix === undefined ? {} : { tablePrefix }),
    stores: null,
    resolveStore: async (store) => storeName(store),
    close: () => pool.end(),
  };
}

/** A URL without its password, for messages. */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Opens `arg`. Options: `headers` (http), `tablePrefix` (postgres). The
 * result: { label, backend, stores: () => [{ store, keys }] | null,
 * resolveStore(store), close() }.
 */
export async function openTarget(arg, { headers = {}, tablePrefix } = {}) {
  if (/^https?:\/\//i.test(arg)) return openHttp(arg, headers);
  if (/^postgres(ql)?:\/\//i.test(arg)) return openPostgres(arg, tablePrefix);
  const dir = await openDirectory(arg);
  return {
    label: arg,
    backend: dir.backend,
    stores: () => listStores(dir),
    resolveStore: (store) => resolveStore(dir, store, arg),
    close: async () => {},
  };
}

/**
 * A backend call with the target's failures said in the user's terms: an
 * unreachable server, refused credentials.
 */
export async function ask(target, what, call) {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const status = error?.status;
    if (status === 401 || status === 403) {
      throw new CliError(`${target.label} refused the credentials (HTTP ${status}): pass them with --header "authorization: Bearer TOKEN"`);
    }
    const cause = error?.cause?.code ?? error?.code;
    if (cause === "ECONNREFUSED" || cause === "ENOTFOUND" || cause === "EHOSTUNREACH" || error?.message === "fetch failed") {
      throw new CliError(`cannot reach ${target.label} (${cause ?? error.message}): is the server running?`);
    }
    throw new CliError(`${what} failed on ${target.label}: ${error?.message ?? error}`);
  }
}
