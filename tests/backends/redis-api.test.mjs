// RedisBackend through the public API of the built package, on a real
// standalone Redis and a real Redis Cluster (three masters, one replica
// each): six servers with their own clients on one key; trades between keys
// in different slots; a master killed with SIGKILL while four servers write.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { transaction } from "../../pkg/node.mjs";
import { dropPrefix, freshPrefix, holdServers, masterPortOf, newCluster, newRedis, restoreCluster, skip } from "./redis-env.mjs";
import { dataOf, readBack, redisKeyOf, server, writeThroughFailover } from "./redis-support.mjs";
import { patchShared } from "./game-server.mjs";

// One Redis test file at a time: some kill nodes or move slots.
if (!skip("standalone") || !skip("cluster")) await holdServers();

const admin = {};
after(() => Object.values(admin).forEach((c) => c.disconnect()));

for (const [what, connect] of [
  ["standalone", () => newRedis()],
  ["cluster", () => newCluster()],
]) {
  describe(`RedisBackend through the public API (${what})`, { skip: skip(what) }, () => {
    it("six servers with their own clients patching one key store every patch once", { timeout: 120_000 }, async () => {
      const prefix = freshPrefix();
      const clients = Array.from({ length: 6 }, connect);
      try {
        await Promise.all(
          clients.map((client, s) => {
            const { store, add } = server(client, prefix);
            return patchShared(store, add, s);
          }),
        );
        const { shared } = await readBack(connect, prefix, ["shared"]);
        assert.equal(shared.coins, 240);
        assert.equal(new Set(shared.log).size, 240, "every patch once");
        assert.equal(shared.log.length, 240, "none twice");
      } finally {
        clients.forEach((c) => c.disconnect());
        admin[what] ??= connect();
        await dropPrefix(admin[what], prefix);
      }
    });

    it("trades between keys in different slots conserve coins and are decided the same on both keys", { timeout: 120_000 }, async () => {
      const prefix = freshPrefix();
      const players = ["p0", "p1", "p2", "p3", "p4", "p5"];
      admin[what] ??= connect();
      if (what === "cluster") {
        const masters = new Set(await Promise.all(players.map((p) => masterPortOf(admin[what], redisKeyOf(prefix, p)))));
        assert.ok(masters.size >= 2, "the players live on more than one master");
      }
      const clients = Array.from({ length: 3 }, connect);
      const outcomes = new Map();
      try {
        const servers = clients.map((c) => server(c, prefix));
        // Fund every player once, from the first server.
        const funding = players.map((p) => servers[0].store.load(p));
        funding.forEach((s) => s.patch(servers[0].add, "fund", 100));
        await Promise.all(funding.map((s) => s.await()));
        await Promise.all(
          servers.map(async ({ store, add, give }, s) => {
            const sessions = players.map((p) => store.load(p));
            for (let t = 0; t < 8; t++) {
              const from = (s + t) % players.length;
              const to = (s * 2 + t + 1) % players.length === from ? (from + 1) % players.length : (s * 2 + t + 1) % players.length;
              const id = `${s}:${t}`;
              sessions[from].patch(add, `escrow:${id}`, -5);
              const ok = await transaction(
                () => sessions[to].patch(give, `recv:${id}`, 5),
                () => sessions[from].patch(give, `refund:${id}`, 5),
              );
              outcomes.set(id, { ok, from: players[from], to: players[to] });
            }
            await store.close();
          }),
        );
        const stored = await readBack(connect, prefix, players);
        const total = players.reduce((sum, p) => sum + stored[p].coins, 0);
        assert.equal(total, 600, "coins conserved");
        for (const [id, { ok, from, to }] of outcomes) {
          const received = stored[to].log.filter((x) => x === `recv:${id}`).length;
          const refunded = stored[from].log.filter((x) => x === `refund:${id}`).length;
          assert.equal(stored[from].log.filter((x) => x === `escrow:${id}`).length, 1, `escrow of ${id} once`);
          assert.deepEqual([received, refunded], ok ? [1, 0] : [0, 1], `trade ${id} (${ok ? "committed" : "aborted"}) applied the same on ${from} and ${to}`);
        }
        for (const p of players) assert.equal(stored[p].coins, 100 + sumOf(stored[p].log), `coins of ${p} match its log`);
      } finally {
        clients.forEach((c) => c.disconnect());
        await dropPrefix(admin[what], prefix);
      }
    });
  });
}

/** What a player's log says its coins are, on top of the 100 it was funded with. */
function sumOf(log) {
  let n = 0;
  for (const x of log) {
    if (x.startsWith("escrow:")) n -= 5;
    else if (x.startsWith("recv:") || x.startsWith("refund:")) n += 5;
  }
  return n;
}

describe("RedisBackend: a master killed with SIGKILL while four servers write (cluster)", { skip: skip("cluster") }, () => {
  after(() => restoreCluster());

  it("with waitForReplicas: 1 the cluster fails over and every change is stored exactly once", { timeout: 180_000 }, async () => {
    const prefix = freshPrefix();
    const result = await writeThroughFailover({
      keyPrefix: prefix,
      keys: ["a", "b", "c", "d"],
      backendOptions: { waitForReplicas: 1, replicaTimeout: 0.5 },
    });
    restoreCluster();
    assert.ok(result.errors.length > 0, "the servers saw the outage");
    assert.equal(result.twice, 0, "no change stored twice");
    assert.ok(result.coinsMatchLog, "coins match the logs");
    assert.equal(result.lost, 0, `no acknowledged change lost (made ${result.made})`);
    assert.equal(result.stored, result.made);
  });

  it("with waitForReplicas: 1 a replica that fell behind loses nothing acknowledged when its master dies", { timeout: 180_000 }, async (t) => {
    const prefix = freshPrefix();
    const result = await writeThroughFailover({
      keyPrefix: prefix,
      keys: ["a", "b", "c", "d"],
      lag: true,
      backendOptions: { waitForReplicas: 1, replicaTimeout: 0.5 },
    });
    restoreCluster();
    assert.equal(result.twice, 0, "no change stored twice");
    assert.ok(result.coinsMatchLog, "coins match the logs");
    assert.equal(result.lost, 0, `no acknowledged change lost (made ${result.made})`);
    t.diagnostic(`made ${result.made}, stored ${result.stored}`);
  });

  it("without waitForReplicas the run finishes; nothing is doubled and what a failover lost is counted", { timeout: 180_000 }, async (t) => {
    const prefix = freshPrefix();
    const result = await writeThroughFailover({ keyPrefix: prefix, keys: ["a", "b", "c", "d"] });
    restoreCluster();
    assert.equal(result.twice, 0, "no change stored twice");
    assert.ok(result.coinsMatchLog, "coins match the logs");
    assert.equal(result.stored + result.lost, result.made, "every change is stored or counted as lost");
    t.diagnostic(`made ${result.made}, stored ${result.stored}, acknowledged and lost in the failover ${result.lost}`);
  });
});
