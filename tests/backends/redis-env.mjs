// Where the Redis tests connect: SKILIFT_REDIS_URL (a standalone server) and
// SKILIFT_REDIS_CLUSTER (host:port,... of a Redis Cluster), or else the
// servers scripts/start-redis.sh started, found through the env file it
// writes ($SKILIFT_REDIS_DIR/env, /tmp/skilift-redis/env by default).
// Without either, `skip` says why and how to run them (scripts/test.sh
// runs the script, so `npm test` never skips them).
//
// Also: fresh key prefixes per test, killing and restarting cluster nodes.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";

const dir = process.env.SKILIFT_REDIS_DIR ?? "/tmp/skilift-redis";
/** Where start-redis.sh keeps each node (its port is the folder name). */
export const redisDir = dir;

function fromScript() {
  const file = join(dir, "env");
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const found = fromScript();
export const redisUrl = process.env.SKILIFT_REDIS_URL ?? found.SKILIFT_REDIS_URL;
const clusterList = process.env.SKILIFT_REDIS_CLUSTER ?? found.SKILIFT_REDIS_CLUSTER;
export const clusterNodes = clusterList
  ? clusterList.split(",").map((hp) => {
      const [host, port] = hp.split(":");
      return { host, port: Number(port) };
    })
  : undefined;

/** False, or the reason the tests of `what` ("standalone", "cluster") cannot run, for node:test's `skip`. */
export function skip(what) {
  const missing = what === "cluster" ? !clusterNodes : !redisUrl;
  return missing
    ? `no Redis ${what}: set SKILIFT_REDIS_URL and SKILIFT_REDIS_CLUSTER, or run \`bash scripts/start-redis.sh\` first (npm test does)`
    : false;
}

const run = `t${process.pid}_${randomBytes(3).toString("hex")}`;
let counter = 0;

/** A key prefix no other test (or test run) uses. */
export function freshPrefix() {
  return `skilift-test:${run}:${counter++}:`;
}

/** A new standalone client. */
export function newRedis(options = {}) {
  return new Redis(redisUrl, { lazyConnect: false, ...options });
}

/** A plain client on one node (of the cluster, say). */
export function nodeClient(host, port) {
  return new Redis({ host, port });
}

/** A new cluster client. */
export function newCluster(options = {}) {
  return new Redis.Cluster(clusterNodes, { ...options });
}

/** Deletes every key of `prefix` on `client` (each master of a cluster). */
export async function dropPrefix(client, prefix) {
  const nodes = typeof client.nodes === "function" ? client.nodes("master") : [client];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      // One key per call: on a cluster the keys of one scan span many slots.
      for (const key of keys) await node.del(key);
    } while (cursor !== "0");
  }
}

/** The port of the master that serves `key`'s slot, from CLUSTER NODES. */
export async function masterPortOf(cluster, key) {
  const slot = Number(await cluster.cluster("KEYSLOT", key));
  const shards = await cluster.cluster("SLOTS");
  const shard = shards.find(([from, to]) => slot >= from && slot <= to);
  return shard[2][1];
}

/** SIGKILLs the cluster node on `port` (its pid from the pidfile start-redis.sh set). */
export function killNode(port) {
  const pid = Number(readFileSync(join(dir, String(port), "redis.pid"), "utf8"));
  process.kill(pid, "SIGKILL");
}

/** Starts the cluster node on `port` again from its config (it rejoins, as a replica once failed over). */
export function restartNode(port) {
  execFileSync("redis-server", [join(dir, String(port), "redis.conf")], { stdio: "ignore" });
}

/** Brings every node back and waits until the cluster is ok again (the script is idempotent). */
export function restoreCluster() {
  const script = new URL("../../scripts/start-redis.sh", import.meta.url).pathname;
  execFileSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, SKILIFT_REDIS_DIR: dir } });
}

/**
 * Waits until no other Redis test file runs, then holds the servers until
 * this process exits: the failover and resharding tests kill nodes and move
 * slots, which the other files must not see (the test runner may run files
 * in parallel). A lock left by a process that died is taken over.
 */
export async function holdServers() {
  const lock = join(dir, ".test-lock");
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      process.on("exit", () => rmSync(lock, { recursive: true, force: true }));
      // A file that failed or timed out part way may have left a slot
      // migrating or a node down, and every file after it would hang on
      // ASK answers. The script repairs that (0.1 s when all is well), but
      // only for the servers it started itself.
      if (!process.env.SKILIFT_REDIS_CLUSTER && found.SKILIFT_REDIS_CLUSTER) restoreCluster();
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {}
      if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
