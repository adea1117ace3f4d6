// The backend kit (skilift/testing, from the built package) on RedisBackend
// on a real standalone Redis and on a real Redis Cluster of three masters
// with a replica each (SKILIFT_REDIS_URL / SKILIFT_REDIS_CLUSTER, or the
// servers scripts/start-redis.sh started). One key prefix per suite,
// deleted afterwards, and a new RedisBackend on it for every client. On the
// cluster with waitForReplicas: 1 too, so the WAIT path keeps the contract
// as well.
import { after, describe, it } from "node:test";
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { RedisBackend } from "../../js/backends/redis/index.js";
import { dropPrefix, freshPrefix, holdServers, newCluster, newRedis, skip } from "../backends/redis-env.mjs";

// One Redis test file at a time: some kill nodes or move slots.
if (!skip("standalone") || !skip("cluster")) await holdServers();

const clients = [];
after(async () => {
  for (const { client, keyPrefix } of clients) await dropPrefix(client, keyPrefix);
  clients.forEach(({ client }) => client.disconnect());
});

function suite(name, what, connect, options = {}) {
  const reason = skip(what);
  if (reason) {
    describe(`backend contract: ${name}`, () => it("runs on a real Redis", { skip: reason }, () => {}));
    return;
  }
  const client = connect();
  const keyPrefix = freshPrefix();
  clients.push({ client, keyPrefix });
  backendContract(name, () => new RedisBackend(client, { keyPrefix, ...options }));
}

suite("RedisBackend (standalone)", "standalone", () => newRedis());
suite("RedisBackend (cluster)", "cluster", () => newCluster());
suite("RedisBackend (cluster, waitForReplicas: 1)", "cluster", () => newCluster(), { waitForReplicas: 1 });
