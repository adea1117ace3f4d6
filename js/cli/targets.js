// What the `skilift` command reads and writes: a target named on the
// command line, opened as a backend. A FsBackend directory, a
// `postgres://` URL (PostgresBackend; `pg` must be installed, as for the
// backend itself), a `redis://` URL (RedisBackend on ioredis, a Cluster
// with --cluster), or an `http(s)://` base URL of `createHandler`
// (FetchBackend, with `--header` lines for a token). Every target answers
// the same backend calls, made through its `door` (../host/backend_calls.js:
// each answer checked, garbage a clear error); all but an HTTP one also
// list their stores.

import { CliError, listStores, openDirectory, resolveStore } from "./directory.js";
import { BackendDoor } from "../host/backend_calls.js";
import { FetchBackend } from "../backends/http/fetch.js";
import { PostgresBackend } from "../backends/postgres/index.js";
import { RedisBackend } from "../backends/redis/index.js";
import { listStores as postgresStores } from "../backends/postgres/inspect.js";
import { listStores as redisStores } from "../backends/redis/inspect.js";

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
  // Made first: it listens for the pool's connection errors (an idle
  // client's error is the next query's), also during the probe below.
  const backend = new PostgresBackend(pool, tablePrefix === undefined ? {} : { tablePrefix });
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new CliError(`cannot reach ${redact(url)}: ${error.message}`);
  }
  return {
    label: redact(url),
    backend,
    stores: () => postgresStores(pool, tablePrefix),
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
 * A Redis server (`redis://host:port`) or, with `cluster`, a Redis Cluster
 * reached through the nodes the URL names (`redis://h1:p1,h2:p2`), on an
 * ioredis client (an optional peer, as for RedisBackend).
 */
async function openRedis(url, { cluster, keyPrefix }) {
  let Redis;
  try {
    Redis = (await import("ioredis")).default;
  } catch {
    throw new CliError("a redis:// target needs the ioredis package: npm install ioredis");
  }
  const parsed = parseRedisUrl(url);
  const auth = { password: parsed.password, username: parsed.username };
  const client = cluster
    ? new Redis.Cluster(parsed.nodes, { lazyConnect: true, redisOptions: auth })
    : new Redis({ ...parsed.nodes[0], ...auth, db: parsed.db, lazyConnect: true, maxRetriesPerRequest: 2 });
  client.on("error", () => {}); // a connection error is the next command's
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new CliError(`cannot reach ${redact(url)}${cluster ? " (a Redis Cluster)" : ""}: ${error.message}`);
  }
  const backend = new RedisBackend(client, keyPrefix === undefined ? {} : { keyPrefix });
  return {
    label: redact(url),
    backend,
    stores: () => redisStores(backend, client, keyPrefix),
    resolveStore: async (store) => storeName(store),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** `redis://[user:pass@]host:port[,host:port...][/db]` into ioredis options. */
function parseRedisUrl(url) {
  const m = /^rediss?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+?)(?:\/(\d+))?\/?$/i.exec(url);
  const nodes = (m?.[3] ?? "").split(",").map((hostPort) => {
    const at = hostPort.lastIndexOf(":");
    return at < 0 ? { host: hostPort, port: 6379 } : { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(hostPort.slice(at + 1)) };
  });
  if (!m || nodes.some((n) => !n.host || !Number.isInteger(n.port) || n.port <= 0)) {
    throw new CliError(`${JSON.stringify(redact(url))} is not a redis://host:port URL (a cluster: redis://host:port,host:port --cluster)`, 2);
  }
  const decode = (s) => (s ? decodeURIComponent(s) : undefined);
  return { nodes, username: decode(m[1]), password: decode(m[2]), db: m[4] === undefined ? undefined : Number(m[4]) };
}

/**
 * Opens `arg`. Options: `headers` (http), `tablePrefix` (postgres),
 * `cluster` and `keyPrefix` (redis). The result: { label, backend, door
 * (the backend's calls, answers checked), stores: () => [{ store, keys }] |
 * null, resolveStore(store), close() }.
 */
export async function openTarget(arg, options = {}) {
  return withDoor(await open(arg, options));
}

/** `target` with its `door`: every call the CLI and the studio make to its backend goes through it. */
export function withDoor(target) {
  return { ...target, door: new BackendDoor(target.backend) };
}

async function open(arg, { headers = {}, tablePrefix, cluster = false, keyPrefix }) {
  if (/^https?:\/\//i.test(arg)) return openHttp(arg, headers);
  if (/^postgres(ql)?:\/\//i.test(arg)) return openPostgres(arg, tablePrefix);
  if (/^rediss?:\/\//i.test(arg)) return openRedis(arg, { cluster, keyPrefix });
  if (cluster) throw new CliError("--cluster is for a redis:// target", 2);
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
    if (status === 403 && error?.code === "operation_disabled") {
      throw new CliError(`${target.label} does not serve ${what}: its createHandler needs the option admin: true (docs/http-protocol.md, Admin operations)`);
    }
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
