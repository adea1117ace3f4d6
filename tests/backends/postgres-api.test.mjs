// Several game servers, each with its own pg Pool, on one key in a real
// PostgreSQL, through the public API of the built package: every patch is
// stored exactly once, and a trade with escrow commits on both keys.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Store, transaction } from "../../pkg/node.mjs";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";
import { dropPrefix, freshPrefix, newPool } from "./postgres-env.mjs";
import { dataOf, gameStore, patchShared } from "./game-server.mjs";

const pools = [];
after(async () => {
  for (const pool of pools) await pool.end();
});

function server(prefix) {
  const pool = newPool(2);
  pools.push(pool);
  return { pool, ...gameStore(new PostgresBackend(pool, { tablePrefix: prefix })) };
}

describe("PostgresBackend through the public API", () => {
  it("four servers with their own pools patching one key store every patch once", { timeout: 120_000 }, async () => {
    const prefix = freshPrefix();
    const servers = Array.from({ length: 4 }, () => server(prefix));
    try {
      await Promise.all(
        servers.map(({ store, add }, s) => patchShared(store, add, s)),
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

// A pool handed in through a wrapper that counts or traces statements, as
// bench/transactions.mjs does: its clients are plain objects with `query`
// and `release`, not event emitters. The backend listened for connection
// errors on every checked-out client with `client.on`, and so failed every
// call that checks out a connection (creating the tables, every put) with
// "client.on is not a function".
describe("PostgresBackend on a wrapped pool", () => {
  it("whose clients are plain { query, release } objects stores and reads every change, through its own wrapper", { timeout: 20_000 }, async () => {
    // Not in `pools`: if the backend keeps a connection it failed on, this
    // pool's end would wait for it, and the test must fail, not hang.
    const pool = newPool(2);
    const admin = newPool(1);
    pools.push(admin);
    let statements = 0;
    const wrapped = {
      query: (...args) => {
        statements++;
        return pool.query(...args);
      },
      connect: async () => {
        const client = await pool.connect();
        return {
          query: (...args) => {
            statements++;
            return client.query(...args);
          },
          release: (error) => client.release(error),
        };
      },
    };
    const prefix = freshPrefix();
    try {
      const { store, add, errors } = gameStore(new PostgresBackend(wrapped, { tablePrefix: prefix }));
      const session = store.load("wrapped");
      for (let i = 0; i < 5; i++) session.patch(add, `p${i}`, 1);
      await session.stop();
      await store.close();
      assert.ok(statements > 0, "the wrapper saw the statements");
      assert.deepEqual(errors.map((e) => e.message), [], "no backend call failed");
      const check = server(prefix);
      const again = check.store.load("wrapped");
      await again.await();
      assert.equal(dataOf(again).coins, 5);
      await again.stop();
    } finally {
      await dropPrefix(admin, prefix);
      await Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  });
});
