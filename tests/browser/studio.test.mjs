// skilift studio in headless Chromium against real studio child processes:
// the support journey (studio-journey.mjs) on a FsBackend directory, on
// PostgreSQL and on the Redis Cluster, and the refusals: no token, a
// foreign Host header, no CORS, and no write (route or control) without
// --write.
//
//   node --test tests/browser/studio.test.mjs   (needs pkg/, scripts/setup-browser.sh;
//   PostgreSQL and Redis as scripts/test.sh starts them)

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";
import { RedisBackend } from "../../pkg/cjs/backends/redis/index.cjs";
import { launchChromium } from "./chromium.mjs";
import { journey } from "./studio-journey.mjs";
import { request, seed, shoot, startStudio, visit } from "./studio-support.mjs";
import { dropPrefix as dropTables, freshPrefix as freshTables, newPool, pgUrl } from "../backends/postgres-env.mjs";
import { clusterNodes, dropPrefix as dropKeys, freshPrefix as freshKeys, newCluster, skip } from "../backends/redis-env.mjs";

let browser;
before(async () => {
  browser = await launchChromium("studio.test.mjs");
  assert.ok(browser, "headless Chromium is needed: bash scripts/setup-browser.sh");
});
after(() => browser?.close());

describe("skilift studio: the support journey", () => {
  it("on a FsBackend directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "skilift-studio-"));
    try {
      await journey(browser, { name: "fs", target: dir, backend: new FsBackend(dir), store: "players" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("on PostgreSQL", async () => {
    const pool = newPool();
    const tablePrefix = freshTables();
    try {
      const backend = new PostgresBackend(pool, { tablePrefix });
      await journey(browser, { name: "postgres", target: pgUrl(), args: ["--table-prefix", tablePrefix], backend, store: "players" });
    } finally {
      await dropTables(pool, tablePrefix);
      await pool.end();
    }
  });

  it("on the Redis Cluster", { skip: skip("cluster") }, async () => {
    const client = newCluster();
    const keyPrefix = freshKeys();
    try {
      const backend = new RedisBackend(client, { keyPrefix });
      const target = `redis://${clusterNodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
      await journey(browser, { name: "redis-cluster", target, args: ["--cluster", "--key-prefix", keyPrefix], backend, store: "players" });
    } finally {
      await dropKeys(client, keyPrefix);
      client.disconnect();
    }
  });
});

describe("skilift studio: a restore races a game server", () => {
  it("the key changed after the diff was shown: nothing written, the new diff shown to confirm again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "skilift-studio-"));
    const backend = new FsBackend(dir);
    const versions = await seed(backend, "players");
    const studio = await startStudio(dir, "--write");
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    try {
      await page.goto(studio.url);
      await visit(page, studio.base, `#/restore?store=players%2Fglobal&key=alice&version=${versions[3]}`);
      // Meanwhile a game server writes alice (coins 15 → 16).
      const shown = await backend.get("players/global", "alice");
      const record = JSON.parse(shown.value);
      record.data.coins = 16;
      const raced = await backend.put("players/global", "alice", JSON.stringify(record), shown.version, { userIds: [101] });
      await page.click("button:has-text('Restore version')");
      await page.waitForSelector(`#notice:has-text('changed since the diff was shown (it is now version ${raced})')`);
      assert.equal((await backend.get("players/global", "alice")).version, raced, "nothing written");
      await page.waitForSelector("table.diff code.before:has-text('16')");
      await page.click("button:has-text('Restore version')");
      await page.waitForSelector("#notice:has-text('Restored alice')");
      assert.equal(JSON.parse((await backend.get("players/global", "alice")).value).data.coins, 0);
    } finally {
      await page.close();
      await studio.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("skilift studio: the refusals", () => {
  let dir, studio, before1;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "skilift-studio-"));
    await seed(new FsBackend(dir), "players");
    before1 = await new FsBackend(dir).get("players/global", "alice");
    studio = await startStudio(dir); // no --write
  });
  after(async () => {
    await studio.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const token = () => ({ "x-skilift-token": studio.token });
  const ALICE = "/api/key?store=players&key=alice";

  it("answers data only with the token, in its header", async () => {
    assert.equal((await request(studio.port, { path: ALICE, headers: token() })).status, 200);
    for (const headers of [{}, { "x-skilift-token": "0".repeat(64) }, { "x-skilift-token": studio.token.slice(1) }, { cookie: `token=${studio.token}` }, { authorization: `Bearer ${studio.token}` }]) {
      const r = await request(studio.port, { path: ALICE, headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.json.error, "unauthorized");
      assert.doesNotMatch(r.text, /coins/);
    }
    const page = await request(studio.port, { path: `/?token=${studio.token}` });
    assert.doesNotMatch(page.text, new RegExp(studio.token), "the page itself never holds the token");
  });

  it("refuses a foreign Host header (DNS rebinding), even with the token", async () => {
    for (const host of [`evil.example:${studio.port}`, `127.0.0.1:${studio.port + 1}`, "127.0.0.1", `localhost.evil.example:${studio.port}`]) {
      for (const path of ["/", ALICE]) {
        const r = await request(studio.port, { path, headers: { ...token(), host } });
        assert.equal(r.status, 403, `${host} ${path}`);
        assert.equal(r.json.error, "foreign_host");
      }
    }
    for (const host of [`localhost:${studio.port}`, `127.0.0.1:${studio.port}`, `LOCALHOST:${studio.port}`]) {
      assert.equal((await request(studio.port, { path: ALICE, headers: { ...token(), host } })).status, 200, host);
    }
  });

  it("sends no CORS header, so no other origin reads an answer", async () => {
    const origin = { origin: "http://evil.example" };
    const answers = [
      await request(studio.port, { path: ALICE, headers: { ...token(), ...origin } }),
      await request(studio.port, { method: "OPTIONS", path: ALICE, headers: { ...origin, "access-control-request-method": "GET", "access-control-request-headers": "x-skilift-token" } }),
    ];
    for (const r of answers) assert.deepEqual(Object.keys(r.headers).filter((h) => h.startsWith("access-control-")), []);
    assert.notEqual(answers[1].status, 204, "a preflight is not granted");
    const index = await request(studio.port, { path: "/" });
    assert.match(index.headers["content-security-policy"], /default-src 'none'; script-src 'self'/);
  });

  it("shows pending transactions with their stored decision, and undecided ones", async () => {
    const fs = new FsBackend(dir);
    const call = (action, args) => ({ action, args });
    const carol = {
      skilift: 1,
      migrations: ["v2"],
      pending: [
        { id: "tx-decided", success: [call("giveMoney", [10])], failure: [], created: 1_700_000_000_000 },
        { id: "tx-open", success: [], failure: [call("refund", [3])], created: 1_700_000_001_000 },
      ],
      writers: {},
      data: { money: 5 },
    };
    await fs.put("players/global", "carol", JSON.stringify(carol), null, { userIds: [303] });
    await fs.put("skilift:transactions", "tx-decided", JSON.stringify({ skilift: 1, decision: "committed" }), null, { userIds: [] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    try {
      await page.goto(studio.url);
      await visit(page, studio.base, "#/key?store=players%2Fglobal&key=carol");
      const pending = await page.$$eval("table.pending tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      assert.deepEqual(pending.map((r) => [r[0], r[2], r[3], r[4]]), [
        ["tx-decided", "committed", "giveMoney(10)", "nothing"],
        ["tx-open", "undecided", "nothing", "refund(3)"],
      ]);
      assert.match(await page.textContent(".facts"), /migration steps\s*v2/);
      await shoot(page, "pending-transactions");
    } finally {
      await page.close();
    }
  });

  it("without --write: no write route, no write control, nothing written", async () => {
    assert.equal((await request(studio.port, { path: "/api/info", headers: token() })).json.write, false);
    const body = { store: "players", key: "alice", version: "1", current: before1.version, confirm: "alice" };
    for (const route of ["restore", "remove"]) {
      const r = await request(studio.port, { method: "POST", path: `/api/${route}`, headers: { ...token(), "content-type": "application/json" }, body });
      assert.equal(r.status, 404, route);
      assert.match(r.json.message, /--write/);
    }
    assert.deepEqual(await new FsBackend(dir).get("players/global", "alice"), before1, "alice unchanged");

    const page = await browser.newPage();
    try {
      await page.goto(studio.url);
      await visit(page, studio.base, "#/key?store=players%2Fglobal&key=alice");
      await page.waitForSelector(".timeline li");
      assert.equal(await page.textContent("#mode"), "read only");
      assert.equal(await page.locator(".write, .danger, a:has-text('restore'), a:has-text('remove')").count(), 0, "no write control");
      await shoot(page, "read-only-key");
      await visit(page, studio.base, "#/restore?store=players%2Fglobal&key=alice&version=1");
      assert.match(await page.textContent(".panel.error"), /without --write/);
      // A link without the token, in a browser that never saw it, asks for it.
      const context = await browser.newContext();
      const fresh = await context.newPage();
      await fresh.goto(`${studio.base}#/key?store=players%2Fglobal&key=alice`);
      await fresh.waitForSelector("h2:has-text('Token needed')");
      await fresh.fill("input[name=token]", studio.url);
      await fresh.click("text=Use it");
      await fresh.waitForSelector(".tree");
      await context.close();
    } finally {
      await page.close();
    }
  });
});
