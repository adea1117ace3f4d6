// Where the demo keeps its data: `--backend fs` (the default: a directory
// under demo-data/), `postgres` (the local server scripts/start-postgres.sh
// starts, or SKILIFT_PG_URL), `redis` (the local Redis Cluster
// scripts/start-redis.sh starts, or SKILIFT_REDIS_CLUSTER) or `sqlite` (one
// database file under demo-data/, shared by every server process). The coordinator
// makes a spec (plain JSON, handed to each server process), and every
// process opens the backend from it; `keys` lists a namespace for the report.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const BACKENDS = ["fs", "postgres", "redis", "sqlite"];
const root = fileURLToPath(new URL("..", import.meta.url));
const script = (name) => join(root, "scripts", name);

/** A fresh place for one run on `kind`, starting the local server it needs. */
export function makeSpec(kind) {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  if (kind === "fs") {
    const dir = join(root, "demo-data", stamp);
    mkdirSync(dir, { recursive: true });
    return { kind, dir, label: relative(process.cwd(), dir) || "." };
  }
  if (kind === "sqlite") {
    const dir = join(root, "demo-data", stamp);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "game.db");
    return { kind, file, label: `SQLite, ${relative(process.cwd(), file)}` };
  }
  if (kind === "postgres") {
    const url = process.env.SKILIFT_PG_URL ?? run(script("start-postgres.sh")).trim();
    const tablePrefix = `demo_${stamp.replace(/\W/g, "_").toLowerCase()}_`;
    return { kind, url, tablePrefix, label: `PostgreSQL, tables ${tablePrefix}*` };
  }
  if (kind === "redis") {
    let nodes = process.env.SKILIFT_REDIS_CLUSTER;
    if (!nodes) nodes = run(script("start-redis.sh")).match(/^SKILIFT_REDIS_CLUSTER=(.*)$/m)[1];
    const keyPrefix = `skilift-demo:${stamp}:`;
    return { kind, nodes, keyPrefix, label: `Redis Cluster ${nodes.split(",")[0]}…, keys ${keyPrefix}*` };
  }
  throw new Error(`--backend must be one of ${BACKENDS.join(", ")}, got ${JSON.stringify(kind)}`);
}

function run(file) {
  return execFileSync("bash", [file], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** `{ backend, keys(namespace), close() }` for a spec from makeSpec. */
export async function openBackend(spec) {
  if (spec.kind === "fs") {
    const { FsBackend } = await import("../pkg/cjs/backends/fs/index.cjs");
    const backend = new FsBackend(spec.dir);
    return { backend, keys: (ns) => backend.keys(ns), close: async () => {} };
  }
  if (spec.kind === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const { SqliteBackend } = await import("../pkg/cjs/backends/sqlite/index.cjs");
    const database = new Database(spec.file);
    const backend = new SqliteBackend(database);
    return { backend, keys: (ns) => listAll(backend, ns), close: async () => database.close() };
  }
  if (spec.kind === "postgres") {
    const { default: pg } = await import("pg");
    const { PostgresBackend } = await import("../pkg/cjs/backends/postgres/index.cjs");
    const pool = new pg.Pool({ connectionString: spec.url, max: 4 });
    const backend = new PostgresBackend(pool, { tablePrefix: spec.tablePrefix });
    const keys = async (ns) => {
      await backend.get(ns, ""); // creates the tables if nothing was written yet
      const { rows } = await pool.query(`SELECT key FROM "${spec.tablePrefix}heads" WHERE store = $1`, [ns]);
      return rows.map((r) => r.key);
    };
    return { backend, keys, close: () => pool.end() };
  }
  const { default: Redis } = await import("ioredis");
  const { RedisBackend } = await import("../pkg/cjs/backends/redis/index.cjs");
  const cluster = new Redis.Cluster(spec.nodes.split(",").map((hp) => ({ host: hp.split(":")[0], port: Number(hp.split(":")[1]) })));
  const backend = new RedisBackend(cluster, { keyPrefix: spec.keyPrefix });
  return { backend, keys: (ns) => redisKeys(cluster, spec.keyPrefix, ns), close: async () => cluster.disconnect() };
}

/** Every key of namespace `ns`, through the backend's own `list`, a page at a time. */
async function listAll(backend, ns) {
  const keys = [];
  for (let page = await backend.list(ns); page.length > 0; page = await backend.list(ns, { after: page.at(-1) })) keys.push(...page);
  return keys;
}

/** The keys of namespace `ns`: SCAN every master for the current entries (docs/redis.md#key-layout). */
async function redisKeys(cluster, prefix, ns) {
  const esc = (s) => s.replaceAll("%", "%25").replaceAll("}", "%7D");
  const head = `${prefix}{${esc(ns).length}:${esc(ns)}:`;
  const found = new Set();
  for (const node of cluster.nodes("master")) {
    let cursor = "0";
    do {
      const [next, names] = await node.scan(cursor, "MATCH", `${head}*`, "COUNT", 1000);
      cursor = next;
      for (const name of names) {
        if (!name.endsWith("}:cur")) continue;
        found.add(name.slice(head.length, -"}:cur".length).replaceAll("%7D", "}").replaceAll("%25", "%"));
      }
    } while (cursor !== "0");
  }
  return [...found];
}
