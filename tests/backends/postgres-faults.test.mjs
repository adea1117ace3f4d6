// PostgresBackend when the server drops connections, on a real PostgreSQL:
//   - an idle connection closed by the server (a restart, a failover,
//     pg_terminate_backend) does not kill the game's process, whose pool
//     has no "error" listener of its own (a child process: before the
//     backend listened, pg's Pool threw the event and the process died);
//   - connections terminated at random, also in the middle of writes,
//     while four servers patch one key: every patch stored exactly once.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";
import { dropPrefix, freshPrefix, newPool, pgUrl } from "./postgres-env.mjs";
import { dataOf, gameStore, patchShared } from "./game-server.mjs";

const CHILD = fileURLToPath(new URL("./postgres-idle-child.mjs", import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const admin = newPool(1);
after(() => admin.end());

describe("PostgresBackend: connections the server drops", () => {
  it("an idle connection closed by the server does not kill the process; the next write opens another", { timeout: 60_000 }, async () => {
    const prefix = freshPrefix();
    try {
      const child = spawn(process.execPath, [CHILD, pgUrl(), prefix], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const code = await new Promise((resolve) => child.on("exit", resolve));
      assert.equal(code, 0, `the game's process died:\n${stderr.slice(0, 2000)}`);
      const result = JSON.parse(stdout.trim());
      assert.ok(result.terminated >= 1, "no connection was closed");
      assert.deepEqual(result, { first: true, terminated: result.terminated, second: true, data: { n: 2 } });
    } finally {
      await dropPrefix(admin, prefix);
    }
  });

  it("connections terminated at random while four servers patch one key: every patch stored once", { timeout: 180_000 }, async () => {
    const prefix = freshPrefix();
    const name = `skilift-faults-${process.pid}`;
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: pgUrl(), max: 2, application_name: name }));
    let terminated = 0;
    let running = true;
    // Every 5-30 ms, one of the servers' connections, busy or idle, is cut.
    const killer = (async () => {
      while (running) {
        const { rows } = await admin.query(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 ORDER BY random() LIMIT 1",
          [name],
        );
        terminated += rows.filter((r) => r.ok).length;
        await sleep(5 + Math.random() * 25);
      }
    })();
    try {
      const servers = pools.map((pool) => gameStore(new PostgresBackend(pool, { tablePrefix: prefix }), { requestTimeout: 2 }));
      await Promise.all(servers.map(({ store, add }, s) => patchShared(store, add, s)));
      running = false;
      await killer;
      const reader = gameStore(new PostgresBackend(admin, { tablePrefix: prefix }));
      const session = reader.store.load("shared");
      await session.await();
      const data = dataOf(session);
      assert.equal(new Set(data.log).size, 160, "every patch once");
      assert.equal(data.coins, 160);
      assert.equal(data.log.length, 160);
      await session.stop();
      await Promise.all(servers.map(({ store }) => store.close()));
      assert.ok(terminated > 0, "no connection was terminated");
      const failures = servers.reduce((n, { store }) => n + store.stats().failures, 0);
      assert.ok(failures > 0, `${terminated} connections were terminated, and no call failed`);
    } finally {
      running = false;
      await killer;
      await Promise.all(pools.map((pool) => pool.end()));
      await dropPrefix(admin, prefix);
    }
  });
});
