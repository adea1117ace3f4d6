// skilift studio's routes without a browser, on a real studio child process
// over a FsBackend directory: the writes refuse what they must (a restore
// on a version the page did not show, a removal not typed exactly) and then
// write nothing; the command line's errors; files outside the page's assets.
// The page itself is tested in Chromium: tests/browser/studio*.test.mjs.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import http from "node:http";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { request, seed, startStudio } from "../browser/studio-support.mjs";

const BIN = fileURLToPath(new URL("../../pkg/cjs/cli/main.cjs", import.meta.url));

function cli(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
  });
}

describe("skilift studio --write: the writes refuse, and then write nothing", () => {
  let dir, backend, studio, versions;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "skilift-studio-api-"));
    backend = new FsBackend(dir);
    versions = await seed(backend, "players");
    studio = await startStudio(dir, "--write");
  });
  after(async () => {
    await studio.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const post = (route, body) =>
    request(studio.port, { method: "POST", path: `/api/${route}`, headers: { "x-skilift-token": studio.token, "content-type": "application/json" }, body });
  const alice = () => backend.get("players/global", "alice");

  it("a restore against a version other than the current one is a 409, and writes nothing", async () => {
    const now = await alice();
    const r = await post("restore", { store: "players", key: "alice", version: versions[3], current: versions[1] });
    assert.equal(r.status, 409);
    assert.equal(r.json.error, "changed");
    assert.match(r.json.message, new RegExp(`now version ${now.version}`));
    assert.deepEqual(await alice(), now);
  });

  it("a restore of a version that is not retained is a 404; a bad body a 400", async () => {
    const now = await alice();
    const missing = await post("restore", { store: "players", key: "alice", version: "999", current: now.version });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, "no_such_version");
    const bad = await post("restore", { store: "players", key: "alice" });
    assert.equal(bad.status, 400);
    const notJson = await request(studio.port, { method: "POST", path: "/api/restore", headers: { "x-skilift-token": studio.token }, body: "{" });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await alice(), now);
  });

  it("a restore on the current version writes the engine's restore record", async () => {
    const now = await alice();
    const r = await post("restore", { store: "players", key: "alice", version: versions[3], current: now.version });
    assert.equal(r.status, 200, r.text);
    const after = await alice();
    assert.equal(after.version, r.json.version);
    const record = JSON.parse(after.value);
    assert.deepEqual(record.data, { coins: 0, items: [], profile: { name: "Alice" } });
    assert.ok(record.once["receipt-1"], "exactly-once ids kept");
  });

  it("a removal needs the key typed exactly; a missing key is a 404", async () => {
    for (const confirm of ["Bob", "bob ", "", undefined]) {
      const r = await post("remove", { store: "players", key: "bob", confirm });
      assert.equal(r.status, 400, JSON.stringify(confirm));
    }
    assert.notEqual(await backend.get("players/global", "bob"), null, "bob is still there");
    const done = await post("remove", { store: "players", key: "bob", confirm: "bob" });
    assert.equal(done.status, 200);
    assert.equal(await backend.get("players/global", "bob"), null);
    const again = await post("remove", { store: "players", key: "bob", confirm: "bob" });
    assert.equal(again.status, 404);
  });

  it("serves only the page's own files", async () => {
    for (const path of ["/assets/../../package.json", "/assets/%2e%2e/index.html", "/assets/nope.js", "/package.json", "/api"]) {
      const r = await request(studio.port, { path, headers: { "x-skilift-token": studio.token } });
      assert.equal(r.status, 404, path);
    }
    const js = await request(studio.port, { path: "/assets/app.js" });
    assert.equal(js.status, 200);
    assert.match(js.headers["content-type"], /^text\/javascript/);
    const limit = await request(studio.port, { path: "/api/keys?store=players&limit=501", headers: { "x-skilift-token": studio.token } });
    assert.equal(limit.status, 400);
  });
});

describe("skilift studio: the command line", () => {
  it("refuses a bad --port, a taken port, and a missing directory, in one line each", async () => {
    const bad = await cli("studio", tmpdir(), "--port", "http");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^skilift: --port "http" is not a port/);
    const taken = createServer();
    await new Promise((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const busy = await cli("studio", tmpdir(), "--port", String(taken.address().port));
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /is taken: pick another with --port N, or --port 0/);
      assert.equal(busy.stdout, "");
    } finally {
      taken.close();
    }
    const missing = await cli("studio", join(tmpdir(), "no-such-skilift-dir"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no directory/);
    const extra = await cli("studio", tmpdir(), "players");
    assert.equal(extra.code, 2);
  });

  it("--host binds that address, prints it, and answers to it as a Host", async () => {
    const child = spawn(process.execPath, [BIN, "studio", tmpdir(), "--port", "0", "--host", "127.0.0.2"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const line = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(String(d))));
      const m = /^skilift studio: http:\/\/127\.0\.0\.2:(\d+)\/\?token=[0-9a-f]{64}\n$/.exec(line);
      assert.ok(m, line);
      const get = (host) =>
        new Promise((resolve, reject) => http.get({ host: "127.0.0.2", port: Number(m[1]), path: "/", headers: { host }, agent: false }, (res) => resolve(res.resume().statusCode)).on("error", reject));
      assert.equal(await get(`127.0.0.2:${m[1]}`), 200);
      assert.equal(await get(`localhost:${m[1]}`), 200);
      assert.equal(await get(`evil.example:${m[1]}`), 403);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("prints exactly one line, and exits 0 when interrupted", async () => {
    const studio = await startStudio(tmpdir());
    const { code, stdout } = await studio.stop();
    assert.equal(code, 0);
    assert.equal(stdout.split("\n").length, 2);
    assert.match(stdout, /^skilift studio: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/);
  });
});
