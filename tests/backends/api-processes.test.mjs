// Several game-server processes on one FsBackend directory and on one
// SqliteBackend file (shared-storage.mjs), through the public API of the
// built package: exact totals under contention, and
// servers SIGKILLed mid-run leave a key that loads, is not bad, and takes
// writes, with nothing applied twice.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../pkg/node.mjs";
import { KINDS, openShared } from "./shared-storage.mjs";

const WORKER = new URL("./server-worker.mjs", import.meta.url);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer(kind, dir, key, count) {
  const child = fork(WORKER, [kind, dir, key, String(count)], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let done = null;
  child.on("message", (m) => m.type === "done" && (done = m));
  const ready = new Promise((resolve) => child.on("message", (m) => m.type === "ready" && resolve()));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, ready, exited, result: exited.then(() => done), stderr: () => stderr };
}

async function withDir(fn) {
  const dir = await mkdtemp(join(tmpdir(), "skilift-fs-api-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Loads `key` through a fresh store and returns its session, loaded. */
async function inspect(kind, dir, key) {
  const store = new Store({ name: "players", defaultData: () => ({ coins: 0, log: [] }), backend: openShared(kind, dir), onError: () => {} });
  const session = store.load(key);
  await session.await();
  return { store, session };
}

/** The data a session holds now (through `updated`, the only way to read). */
function dataOf(session) {
  let data;
  session.updated((d) => (data = d))();
  return data;
}

for (const [kind, name] of Object.entries(KINDS)) describe(`${name} through the public API, across processes`, () => {
  it("four servers patching one key store every patch exactly once", { timeout: 120_000 }, () =>
    withDir(async (dir) => {
      const servers = Array.from({ length: 4 }, () => startServer(kind, dir, "shared", 50));
      const results = await Promise.all(servers.map((s) => s.result));
      for (const [i, r] of results.entries()) {
        assert.equal(r?.patched, 50, `server ${i}: ${servers[i].stderr()}`);
        assert.equal(r.bad, null);
      }
      const { store, session } = await inspect(kind, dir, "shared");
      const data = dataOf(session);
      assert.equal(data.coins, 200);
      assert.equal(new Set(data.log).size, 200, "every patch once");
      await store.close();
    }),
  );

  it("servers killed mid-run leave a key that loads, is not bad, and takes writes", { timeout: 120_000 }, () =>
    withDir(async (dir) => {
      let live = Array.from({ length: 3 }, () => startServer(kind, dir, "shared", "forever"));
      await Promise.all(live.map((s) => s.ready));
      for (let kill = 0; kill < 8; kill++) {
        await sleep(50 + Math.random() * 150);
        const i = Math.floor(Math.random() * live.length);
        live[i].child.kill("SIGKILL");
        await live[i].exited;
        live[i] = startServer(kind, dir, "shared", "forever");
        await live[i].ready;
      }
      for (const s of live) s.child.kill("SIGKILL");
      await Promise.all(live.map((s) => s.exited));

      const { store, session } = await inspect(kind, dir, "shared");
      assert.equal(session.loaded(), true);
      assert.equal(session.bad(), undefined);
      const before = dataOf(session);
      assert.ok(before.coins > 0, "the servers saved something before dying");
      assert.equal(before.log.length, before.coins, "coins match the logged patches");
      assert.equal(new Set(before.log).size, before.log.length, "no patch applied twice");
      const add = store.action((data, id) => {
        data.coins += 1;
        data.log.push(id);
        return data;
      });
      session.patch(add, "after");
      await session.stop();
      const again = await inspect(kind, dir, "shared");
      const after = dataOf(again.session);
      assert.equal(after.coins, before.coins + 1, "the key takes writes after the crashes");
      assert.equal(after.log.at(-1), "after");
      await again.store.close();
    }),
  );
});
