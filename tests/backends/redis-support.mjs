// Game servers on RedisBackend through the public API of the built package,
// shared by the Redis API tests and the failover figures
// (tests/backends/redis-failover.mjs): each server is its own Store with its
// own ioredis client, as separate processes would be.
import { dataOf, gameStore } from "./game-server.mjs";
import { RedisBackend } from "../../pkg/cjs/backends/redis/index.cjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dropPrefix, killNode, masterPortOf, newCluster, nodeClient, redisDir, restartNode } from "./redis-env.mjs";

/** The Redis key of `key`'s current entry in the players store (for keys without % or }). */
export function redisKeyOf(keyPrefix, key, store = "players/global") {
  return `${keyPrefix}{${store.length}:${store}:${key}}:cur`;
}

/** One game server: a Store on its own client. `errors` collects what onError saw. */
export function server(client, keyPrefix, backendOptions = {}, storeOptions = {}) {
  const backend = new RedisBackend(client, { keyPrefix, ...backendOptions });
  return { client, ...gameStore(backend, { requestTimeout: 5, ...storeOptions }) };
}

export { dataOf };

/** Reads `keys` back through a fresh server on a fresh client. */
export async function readBack(connect, keyPrefix, keys) {
  const client = connect();
  const reader = server(client, keyPrefix);
  try {
    const sessions = keys.map((k) => reader.store.load(k));
    await Promise.all(sessions.map((s) => s.await()));
    const data = Object.fromEntries(keys.map((k, i) => [k, dataOf(sessions[i])]));
    await reader.store.close();
    return data;
  } finally {
    client.disconnect();
  }
}

/**
 * Four servers (own cluster clients) patch `keys` while the master serving
 * keys[0] is killed with SIGKILL; the cluster fails over and the run goes
 * on until every server stopped (each stop saves what it still holds).
 * Returns how many changes were made, how many are stored, how many twice,
 * and what the servers reported meanwhile.
 */
export async function writeThroughFailover({ keyPrefix, backendOptions = {}, keys, rounds = 200, killAt = 20, lag = false }) {
  const clients = Array.from({ length: 4 }, () => newCluster());
  const servers = clients.map((c) => server(c, keyPrefix, backendOptions));
  const port = await masterPortOf(clients[0], redisKeyOf(keyPrefix, keys[0]));
  // With `lag`, the master's replica falls behind first: it is stopped
  // (SIGSTOP) and the master is sent enough filler that what it writes next
  // waits in its own output buffer, not in the kernel's; the master is then
  // killed before the replica catches up (what a slow or partitioned replica
  // does). Without it, the master dies with its replica up to date.
  const replica = lag ? await replicaPidOf(clients[0], port) : null;
  const made = new Set();
  let killed = false;
  let rejoined;
  try {
    await Promise.all(
      servers.map(async ({ store, add }, s) => {
        const sessions = keys.map((k) => store.load(k));
        for (let i = 0; i < rounds; i++) {
          for (const [k, session] of sessions.entries()) {
            const id = `${s}:${k}:${i}`;
            session.patch(add, id);
            made.add(id);
          }
          if (s === 0 && i === killAt && !killed) {
            killed = true;
            if (replica) {
              process.kill(replica, "SIGSTOP");
              await fill(port, redisKeyOf(keyPrefix, keys[0]));
              await new Promise((resolve) => setTimeout(resolve, 600)); // acknowledged writes pile up
            }
            killNode(port);
            if (replica) process.kill(replica, "SIGCONT");
            rejoined = rejoinAfterFailover(clients[0], port, redisKeyOf(keyPrefix, keys[0]));
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await Promise.all(sessions.map((session) => session.stop()));
      }),
    );
    await rejoined;
  } finally {
    clients.forEach((c) => c.disconnect());
  }
  const admin = newCluster();
  await dropPrefix(admin, "filler:").finally(() => admin.disconnect());
  const stored = await readBack(() => newCluster(), keyPrefix, keys);
  const seen = new Map();
  for (const data of Object.values(stored)) for (const id of data.log) seen.set(id, (seen.get(id) ?? 0) + 1);
  const twice = [...seen.values()].filter((n) => n > 1).length;
  const lost = [...made].filter((id) => !seen.has(id)).length;
  const coinsMatchLog = Object.values(stored).every((d) => d.coins === d.log.length);
  return { made: made.size, stored: seen.size, lost, twice, coinsMatchLog, killedPort: port, errors: servers.flatMap((s) => s.errors) };
}

/**
 * Once a replica serves `key`'s slot instead of the killed master on `port`,
 * starts that node again, as an operator would: it rejoins as a replica, so
 * waitForReplicas can be met again.
 */
async function rejoinAfterFailover(cluster, port, key) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no replica took over the slot of ${key} within 60 s of killing :${port}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      if ((await masterPortOf(cluster, key)) !== port) break;
    } catch {}
  }
  restartNode(port);
}

/** The pid of the replica of the master on `port`. */
async function replicaPidOf(cluster, port) {
  const nodes = (await cluster.cluster("NODES")).trim().split("\n").map((l) => l.split(" "));
  const master = nodes.find((f) => f[1].startsWith(`127.0.0.1:${port}@`));
  const replica = nodes.find((f) => f[3] === master[0] && !f[2].includes("fail"));
  const replicaPort = replica[1].split("@")[0].split(":")[1];
  return Number(readFileSync(join(redisDir, replicaPort, "redis.pid"), "utf8"));
}

/** 48 MB of filler on the master on `port`, in the slot of `key` (deleted again by the failover: it never reaches the replica). */
async function fill(port, key) {
  const node = nodeClient("127.0.0.1", port);
  const tag = key.slice(key.indexOf("{"), key.indexOf("}") + 1);
  const blob = "x".repeat(1024 * 1024);
  try {
    for (let i = 0; i < 48; i++) await node.set(`filler:${tag}:${i}`, blob);
  } finally {
    node.disconnect();
  }
}
