// The `skilift` command on every kind of target (a FsBackend directory, a
// postgres:// URL, a redis:// URL and a Redis Cluster, an http(s):// URL of
// createHandler with a token), run as
// a child process: inspect, restore, remove, and the errors a user meets
// (an unreachable target, a refused token, a missing key, removing without
// --yes when nobody can be asked).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";
import { createHandler } from "../../pkg/cjs/backends/http/server.cjs";
import { MemoryBackend, Store } from "./helpers.mjs";
import { dropPrefix, freshPrefix, newPool, pgUrl } from "../backends/postgres-env.mjs";
import { RedisBackend } from "../../pkg/cjs/backends/redis/index.cjs";
import * as redisEnv from "../backends/redis-env.mjs";

const BIN = fileURLToPath(new URL("../../pkg/cjs/cli/main.cjs", import.meta.url));

/** Runs the bin: { code, stdout, stderr }; stdin is not a terminal. */
function cli(...args) {
  return new Promise((resolve) => {
    const child = execFile(BIN, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** Three versions of "alice" (coins 1, 2, 3) and one of "bob", written through a Store. */
async function seed(backend) {
  const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend, pullDelay: 3600 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  for (let i = 0; i < 3; i++) await store.update("alice", add, 1);
  await store.update("bob", add, 10);
  await store.close();
  return store;
}

async function coins(backend, key) {
  const entry = await backend.get("players/global", key);
  return entry === null ? null : JSON.parse(entry.value).data.coins;
}

/** What every target must do, given its command-line name and the backend behind it. */
async function exercise(t, name, target, backend, extra = []) {
  await seed(backend);
  if (!target.startsWith("http")) {
    const stores = await cli("inspect", target, ...extra);
    assert.equal(stores.code, 0, stores.stderr);
    assert.match(stores.stdout, /^ {2}players\/global {2}\(2 keys\)$/m, `${name}: the stores are listed`);
  }
  const keys = await cli("inspect", target, "players", ...extra);
  assert.equal(keys.code, 0, keys.stderr);
  assert.match(keys.stdout, /players\/global: 2 keys/);
  assert.match(keys.stdout, /alice/);

  const hist = await cli("inspect", target, "players", "alice", "--history", ...extra);
  assert.equal(hist.code, 0, hist.stderr);
  assert.match(hist.stdout, /3 retained version/);
  const versions = (await backend.history("players/global", "alice")).map((v) => v.version);
  const oldest = versions.at(-1);

  const restored = await cli("restore", target, "players", "alice", "--version", oldest, ...extra);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(await coins(backend, "alice"), 1, `${name}: the data of the first version is current again`);
  const reloaded = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
  assert.deepEqual(await reloaded.view("alice").latest(), { coins: 1 }, "and the engine reads it");

  const missing = await cli("restore", target, "players", "alice", "--version", "no-such", ...extra);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no retained version/);

  const refused = await cli("remove", target, "players", "bob", ...extra);
  assert.equal(refused.code, 2, "nobody to ask: not removed");
  assert.match(refused.stderr, /--yes/);
  assert.equal(await coins(backend, "bob"), 10);
  const removed = await cli("remove", target, "players", "bob", "--yes", ...extra);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await backend.get("players/global", "bob"), null);
  assert.deepEqual(await backend.history("players/global", "bob"), []);
  const gone = await cli("inspect", target, "players", "bob", ...extra);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no key "bob"/);
}

let dir;
const servers = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "skilift-cli-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

test("a FsBackend directory: inspect, restore, remove", async (t) => {
  await exercise(t, "fs", dir, new FsBackend(dir));
});

test("an http(s) URL of createHandler, with a token in --header; a wrong token is refused", async (t) => {
  const backend = new MemoryBackend();
  const server = http.createServer(createHandler(backend, { admin: true, authorize: (req) => req.headers.authorization === "Bearer s3cret" }));
  servers.push(server);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  await exercise(t, "http", url, backend, ["--header", "authorization: Bearer s3cret"]);
  const wrong = await cli("inspect", url, "players", "--header", "authorization: Bearer nope");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the credentials \(HTTP 40[13]\)/);
  const none = await cli("inspect", url, "players");
  assert.match(none.stderr, /refused the credentials/);
});

test("a postgres:// URL with --table-prefix", async (t) => {
  const pool = newPool(2);
  const tablePrefix = freshPrefix();
  try {
    await exercise(t, "postgres", pgUrl(), new PostgresBackend(pool, { tablePrefix }), ["--table-prefix", tablePrefix]);
  } finally {
    await dropPrefix(pool, tablePrefix);
    await pool.end();
  }
});

for (const [what, open, target] of [
  ["a redis:// URL with --key-prefix", () => redisEnv.newRedis(), () => [redisEnv.redisUrl]],
  ["a Redis Cluster: redis://host:port,... --cluster", () => redisEnv.newCluster(), () => [`redis://${redisEnv.clusterNodes.map((n) => `${n.host}:${n.port}`).join(",")}`, "--cluster"]],
]) {
  test(what, { skip: redisEnv.skip(what.includes("Cluster") ? "cluster" : "standalone") }, async (t) => {
    const client = open();
    const keyPrefix = redisEnv.freshPrefix();
    try {
      const [url, ...flags] = target();
      await exercise(t, what, url, new RedisBackend(client, { keyPrefix }), [...flags, "--key-prefix", keyPrefix]);
    } finally {
      await redisEnv.dropPrefix(client, keyPrefix);
      client.disconnect();
    }
  });
}

test("a createHandler without its admin option: the CLI says what the server must enable", async () => {
  const server = http.createServer(createHandler(new MemoryBackend(), { authorize: (req) => req.headers.authorization === "Bearer s3cret" }));
  servers.push(server);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const listing = await cli("inspect", `http://127.0.0.1:${server.address().port}`, "players", "--header", "authorization: Bearer s3cret");
  assert.equal(listing.code, 1);
  assert.match(listing.stderr, /does not serve listing keys: its createHandler needs the option admin: true/);
});

test("unreachable targets and wrong command lines are one-line errors", async () => {
  const http1 = await cli("inspect", "http://127.0.0.1:1", "players");
  assert.equal(http1.code, 1);
  assert.match(http1.stderr, /^skilift: cannot reach http:\/\/127\.0\.0\.1:1/);
  const pg1 = await cli("inspect", "postgres://nobody:pw@127.0.0.1:1/none", "players");
  assert.equal(pg1.code, 1);
  assert.match(pg1.stderr, /^skilift: cannot reach postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/);
  assert.doesNotMatch(pg1.stderr, /pw/, "no password in messages");
  const redis1 = await cli("inspect", "redis://:pw@127.0.0.1:1", "players");
  assert.equal(redis1.code, 1);
  assert.match(redis1.stderr, /^skilift: cannot reach redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  const cluster1 = await cli("inspect", dir, "players", "--cluster");
  assert.equal(cluster1.code, 2);
  assert.match(cluster1.stderr, /--cluster is for a redis:\/\/ target/);
  const noStores = await cli("inspect", "http://127.0.0.1:1");
  assert.equal(noStores.code, 2);
  assert.match(noStores.stderr, /cannot list its stores/);
  const noVersion = await cli("restore", dir, "players", "alice");
  assert.equal(noVersion.code, 2);
  assert.match(noVersion.stderr, /--version/);
  const badHeader = await cli("inspect", "http://127.0.0.1:1", "players", "--header", "nocolon");
  assert.equal(badHeader.code, 2);
  assert.equal(noStores.stdout + badHeader.stdout, "", "nothing on stdout");
});
