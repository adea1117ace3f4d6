// The backend contract against RedisBackend on a real standalone Redis and
// on a real Redis Cluster of three masters with a replica each
// (SKILIFT_REDIS_URL / SKILIFT_REDIS_CLUSTER, or the servers
// scripts/start-redis.sh started). Each test gets a fresh key prefix,
// deleted afterwards. On the cluster, with waitForReplicas: 1 too, so the
// WAIT path keeps the contract as well. The operations API
// (operations-api.mjs) and a rolling deploy (rolling-deploy-api.mjs) run
// on each, through the built package.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { backendContract } from "./backend-contract.mjs";
import { operationsApi } from "./operations-api.mjs";
import { rollingDeployApi } from "./rolling-deploy-api.mjs";
import * as skilift from "../../pkg/node.mjs";
import { RedisBackend } from "../../js/backends/redis/index.js";
import { dropPrefix, freshPrefix, holdServers, newCluster, newRedis, skip } from "../backends/redis-env.mjs";

// One Redis test file at a time: some kill nodes or move slots.
if (!skip("standalone") || !skip("cluster")) await holdServers();

const clients = [];
after(() => clients.forEach((c) => c.disconnect()));

function suite(name, what, connect, options = {}) {
  const reason = skip(what);
  if (reason) {
    describe(`backend contract: ${name}`, () => it("runs on a real Redis", { skip: reason }, () => {}));
    return;
  }
  const client = connect();
  clients.push(client);
  const open = async () => {
    const keyPrefix = freshPrefix();
    return { backend: new RedisBackend(client, { keyPrefix, ...options }), close: () => dropPrefix(client, keyPrefix) };
  };
  backendContract(name, open, {}, { describe, it, assert });
  operationsApi(name, open, { skilift, describe, it, assert });
  rollingDeployApi(name, open, { skilift, describe, it, assert });
}

suite("RedisBackend (standalone)", "standalone", () => newRedis());
suite("RedisBackend (cluster)", "cluster", () => newCluster());
suite("RedisBackend (cluster, waitForReplicas: 1)", "cluster", () => newCluster(), { waitForReplicas: 1 });
