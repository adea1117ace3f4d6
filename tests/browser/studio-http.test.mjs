// skilift studio pointed at a createHandler server, in headless Chromium:
// with the admin option and an admin token given by --header, the studio
// lists, searches, shows history and diffs, and that token reaches no
// answer the page gets; a handler left at its defaults refuses the
// studio's listing however its authorize answers, and the page says what
// the server must enable.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { createHandler } from "../../pkg/cjs/backends/http/server.cjs";
import { launchChromium } from "./chromium.mjs";
import { seed, shoot, startStudio, visit } from "./studio-support.mjs";

const ADMIN = "admin-7c1e0b5d9f";

async function listen(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))) };
}

let browser, dir, backend;
before(async () => {
  browser = await launchChromium("studio-http.test.mjs");
  assert.ok(browser, "headless Chromium is needed: bash scripts/setup-browser.sh");
  dir = await mkdtemp(join(tmpdir(), "skilift-studio-http-"));
  backend = new FsBackend(dir);
  await seed(backend, "players");
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("skilift studio on createHandler", () => {
  it("with admin: true and an admin token: keys by user id, a key, a diff; the token never reaches the page", async () => {
    const server = await listen(createHandler(backend, { admin: true, authorize: (req) => req.headers.authorization === `Bearer ${ADMIN}` }));
    const studio = await startStudio(server.url, "--header", `authorization: Bearer ${ADMIN}`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const bodies = [];
    page.on("response", async (r) => bodies.push(`${JSON.stringify(r.headers())}\n${await r.text().catch(() => "")}`));
    try {
      await page.goto(studio.url);
      await visit(page, studio.base, "#/keys?store=players&user=101");
      await page.waitForSelector("table.keys a.key");
      assert.equal(await page.textContent("table.keys a.key"), "alice");
      await page.click("a.key");
      await page.waitForSelector(".timeline li");
      assert.equal(await page.locator(".timeline li").count(), 4);
      await page.click(".timeline li:last-child a:has-text('diff with now')");
      await page.waitForSelector("table.diff");
      await shoot(page, "http-admin-diff");
      await page.waitForLoadState("networkidle");
      assert.ok(bodies.length >= 5, "the page's answers were seen");
      for (const body of bodies) assert.doesNotMatch(body, new RegExp(ADMIN), "the admin token is in no answer");
      assert.doesNotMatch(await page.content(), new RegExp(ADMIN));
    } finally {
      await page.close();
      await studio.stop();
      await server.close();
    }
  });

  it("at the handler's defaults: listing refused (403 operation_disabled) though authorize says yes to all", async () => {
    let asked = 0;
    const server = await listen(createHandler(backend, { authorize: () => ++asked > 0 }));
    const studio = await startStudio(server.url);
    const page = await browser.newPage();
    try {
      await page.goto(studio.url);
      await visit(page, studio.base, "#/keys?store=players");
      assert.match(await page.textContent(".panel.error"), /does not serve listing keys: its createHandler needs the option admin: true/);
      await visit(page, studio.base, "#/key?store=players&key=alice");
      assert.match(await page.textContent(".timeline, section:has(h2:has-text('History'))"), /No history: .* does not serve reading history: its createHandler needs the option admin: true/);
      assert.equal(await page.locator(".timeline li").count(), 0, "no history without admin");
      const shown = asked;
      assert.ok(shown >= 1, "get went through authorize");
      await shoot(page, "http-default-refused");
    } finally {
      await page.close();
      await studio.stop();
      await server.close();
    }
  });
});
