// Several game servers, each with its own pg Pool, on one key in a real
// PostgreSQL, through the public API of the built package: every patch is
// stored exactly once, and a trade with escrow commits on both keys.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Store, transaction } from "../../pkg/node.mjs";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";
import { dropPrefix, freshPrefix, newPool } from "./postgres-env.mjs";

const pools = [];
after(async () => {
  for (const pool of pools) await pool.end();
});

function server(prefix) {
  const pool = newPool(2);
  pools.push(pool);
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, log: [] }),
    backend: new PostgresBackend(pool, { tablePrefix: prefix }),
    pullDelay: 0.02,
    onError: () => {}, // conflicts are the point here
  });
  const add = store.action((data, id, n = 1) => {
    data.coins += n;
    data.log.push(id);
    return data;
  });
  const give = store.transaction("give", (data, id, n) => {
    data.coins += n;
    data.log.push(id);
    return data;
  });
  return { pool, store, add, give };
}

function dataOf(session) {
  let data;
  session.updated((d) => (data = d))();
  return data;
}

describe("PostgresBackend through the public API", () => {
  it("four servers with their own pools patching one key store every patch once", { timeout: 120_000 }, async () => {
    const prefix = freshPrefix();
    const servers = Array.from({ length: 4 }, () => server(prefix));
    try {
      await Promise.all(
        servers.map(async ({ store, add }, s) => {
          const session = store.load("shared");
          for (let i = 0; i < 40; i++) {
            session.patch(add, `${s}:${i}`);
            if (i % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
          }
          await session.stop();
          assert.equal(session.bad(), undefined);
        }),
      );
      const reader = server(prefix);
      const session = reader.store.load("shared");
      await session.await();
      const data = dataOf(session);
      assert.equal(data.coins, 160);
      assert.equal(new Set(data.log).size, 160, "every patch once");
      await session.stop();
    } finally {
      await dropPrefix(servers[0].pool, prefix);
    }
  });

  it("a trade with escrow commits on both keys", { timeout: 60_000 }, async () => {
    const prefix = freshPrefix();
    const { pool, store, add, give } = server(prefix);
    try {
      const bob = store.load("bob");
      const tom = store.load("tom");
      bob.patch(add, "fund", 100);
      await bob.await();
      bob.patch(add, "escrow", -10);
      const ok = await transaction(
        () => tom.patch(give, "recv", 10),
        () => bob.patch(give, "refund", 10),
      );
      assert.equal(ok, true);
      await store.close();
      const check = server(prefix);
      const [b, t] = ["bob", "tom"].map((k) => check.store.load(k));
      await Promise.all([b.await(), t.await()]);
      assert.equal(dataOf(b).coins, 90);
      assert.equal(dataOf(t).coins, 10);
      assert.deepEqual(dataOf(t).log, ["recv"]);
      await check.store.close();
    } finally {
      await dropPrefix(pool, prefix);
    }
  });
});
