// The failover figures of docs/redis.md: how many acknowledged changes a
// Redis Cluster failover loses, with and without waitForReplicas. Not part
// of `npm test` (each failover takes a few seconds); run on demand:
//
//   bash scripts/start-redis.sh && npm run build
//   node tests/backends/redis-failover.mjs [failovers per case, default 10]
//
// Each failover: four game servers (own Store, own cluster client) patch
// four keys; mid-run the master of the first key is killed with SIGKILL and
// the cluster promotes its replica; the servers go on and stop; the stored
// logs are read back and every change is found stored once, stored twice, or
// lost. Two ways to die: with the replica up to date ("kill"), and with the
// replica stopped and behind first ("lagging replica": what a slow or
// partitioned replica does). Prints one line per failover and a summary;
// exits 1 if anything was stored twice, or lost with waitForReplicas.
import { freshPrefix, holdServers, restoreCluster, skip } from "./redis-env.mjs";
import { writeThroughFailover } from "./redis-support.mjs";

const reason = skip("cluster");
if (reason) {
  console.error(`redis-failover: ${reason}`);
  process.exit(1);
}
await holdServers();
const runs = Number(process.argv[2] ?? 10);
const cases = [
  { name: "kill, no wait", lag: false, backendOptions: {} },
  { name: "kill, waitForReplicas 1", lag: false, backendOptions: { waitForReplicas: 1, replicaTimeout: 0.5 } },
  { name: "lagging replica, no wait", lag: true, backendOptions: {} },
  { name: "lagging replica, waitForReplicas 1", lag: true, backendOptions: { waitForReplicas: 1, replicaTimeout: 0.5 } },
];
const summary = [];
let bad = false;
for (const c of cases) {
  const total = { made: 0, lost: 0, twice: 0, failovers: 0, hit: 0 };
  for (let i = 0; i < runs; i++) {
    restoreCluster();
    const r = await writeThroughFailover({ keyPrefix: freshPrefix(), keys: ["a", "b", "c", "d"], lag: c.lag, backendOptions: c.backendOptions });
    total.made += r.made;
    total.lost += r.lost;
    total.twice += r.twice;
    total.failovers++;
    if (r.lost > 0) total.hit++;
    if (r.twice > 0 || !r.coinsMatchLog || (c.backendOptions.waitForReplicas && r.lost > 0)) bad = true;
    console.log(`${c.name} #${i + 1}: killed :${r.killedPort}, made ${r.made}, lost ${r.lost}, twice ${r.twice}, reported ${r.errors.length}`);
  }
  summary.push({ case: c.name, ...total });
}
restoreCluster();
console.log("\ncase | failovers | changes made | acknowledged and lost | failovers that lost any | stored twice");
for (const s of summary) console.log(`${s.case} | ${s.failovers} | ${s.made} | ${s.lost} | ${s.hit} | ${s.twice}`);
process.exit(bad ? 1 : 0);
