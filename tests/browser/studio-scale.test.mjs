// skilift studio at the sizes of issue 28, in headless Chromium: 10,000
// keys (a page of 100 at a time, a prefix filter), a 1 MB document (the
// tree builds only what is opened, a hundred children at a time; a diff of
// two 1 MB versions finds the one field that changed, or the one item taken
// out of a list of 14,000) and 100 versions of
// a key (a timeline of 50, then the older 50). The storage is a
// MemoryBackend behind createHandler (admin), so what is measured is the
// studio, not a backend. Structure is asserted, never time: the times are
// printed for the record.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { MemoryBackend } from "../../pkg/node.mjs";
import { createHandler } from "../../pkg/cjs/backends/http/server.cjs";
import { launchChromium } from "./chromium.mjs";
import { shoot, startStudio, visit } from "./studio-support.mjs";

const STORE = "players/global";
const record = (data) => JSON.stringify({ skilift: 1, migrations: [], pending: [], writers: {}, data });
const KEYS = Array.from({ length: 10_000 }, (_, i) => `player_${String(i).padStart(5, "0")}`);
const bigData = (count) => ({
  coins: 1,
  items: Array.from({ length: 14_000 }, (_, i) => ({ id: `item-${i}`, name: `Sword of the ${i}th dawn`, count: i === 7777 ? count : 1, tags: ["a", "b"] })),
});

let browser, server, studio, page, whale;
before(async () => {
  browser = await launchChromium("studio-scale.test.mjs");
  assert.ok(browser, "headless Chromium is needed: bash scripts/setup-browser.sh");
  const backend = new MemoryBackend();
  for (const key of KEYS) await backend.put(STORE, key, record({ coins: 1 }), null, { userIds: [] });
  const v1 = await backend.put(STORE, "whale", record(bigData(1)), null, { userIds: [9] });
  const v2 = await backend.put(STORE, "whale", record(bigData(2)), v1, { userIds: [9] });
  const without = bigData(2);
  without.items.splice(5000, 1);
  await backend.put(STORE, "whale", record(without), v2, { userIds: [9] });
  whale = { v1, v2 };
  assert.ok(record(bigData(2)).length > 1_000_000, "the whale is over 1 MB");
  let version = null;
  for (let i = 0; i < 100; i++) version = await backend.put(STORE, "veteran", record({ coins: i }), version, { userIds: [] });
  server = http.createServer(createHandler(backend, { admin: true, authorize: () => true }));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  studio = await startStudio(`http://127.0.0.1:${server.address().port}`);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(studio.url);
});
after(async () => {
  await page?.close();
  await browser?.close();
  await studio?.stop();
  server?.closeAllConnections();
  server?.close();
});

/** Goes to `hash`, waits for `selector`, prints how long it took (not asserted). */
async function open(hash, selector, what) {
  const start = performance.now();
  await visit(page, studio.base, hash);
  await page.waitForSelector(selector);
  console.log(`# studio: ${what} in ${Math.round(performance.now() - start)} ms`);
}

const keyColumn = () => page.$$eval("table.keys a.key", (as) => as.map((a) => a.textContent));

describe("skilift studio at scale", () => {
  it("10,000 keys: pages of 100, the next page, a prefix filter", async () => {
    await open("#/keys?store=players", "table.keys", "the first page of 10,000 keys");
    const first = await keyColumn();
    assert.equal(first.length, 100);
    assert.deepEqual([first[0], first.at(-1)], ["player_00000", "player_00099"]);
    await page.click("a[rel=next]");
    await page.waitForSelector("table.keys a.key:has-text('player_00100')");
    assert.equal((await keyColumn()).length, 100);
    await open("#/keys?store=players&after=player_09950", "table.keys", "a page deep in the store");
    assert.deepEqual((await keyColumn()).slice(-3), ["player_09999", "veteran", "whale"]);
    assert.equal(await page.locator("a[rel=next]").count(), 0, "the last page has no next");
    await open("#/keys?store=players&prefix=player_0999", "table.keys", "a prefix filter");
    assert.equal((await keyColumn()).length, 10);
    await shoot(page, "scale-keys");
  });

  it("a 1 MB document: the tree builds what is opened; a diff of two 1 MB versions finds the one change", async () => {
    await open("#/key?store=players&key=whale", ".tree", "the key view of a 1 MB document");
    const nodes = () => page.evaluate(() => document.querySelectorAll(".tree li").length);
    assert.ok((await nodes()) < 10, `only the first level is built (${await nodes()} nodes)`);
    await page.click(".tree button.toggle:has-text('items')");
    assert.equal(await nodes(), 3 + 100 + 1, "data, coins, items, then 100 items and a 'more' row");
    await page.click(".tree button:has-text('show 100 more (13899 left)')");
    assert.equal(await nodes(), 3 + 200 + 1);
    await shoot(page, "scale-big-document");
    await open(`#/diff?store=players&key=whale&a=${whale.v2}&b=now`, "table.diff", "a diff of two 1 MB versions");
    const rows = () => page.$$eval("table.diff tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual((await rows()).map((r) => r.slice(0, 3)), [["items[5000]", "removed", '{"id":"item-5000","name":"Sword of the 5000th dawn","count":1,"tags":["a","b"]}']], "one item taken out is one change");
    await open(`#/diff?store=players&key=whale&a=${whale.v1}&b=${whale.v2}`, "table.diff", "another diff of two 1 MB versions");
    assert.deepEqual((await rows()).map((r) => r.slice(0, 4)), [["items[7777].count", "changed", "1", "2"]]);
  });

  it("100 versions: a timeline of 50, then the older 50", async () => {
    await open("#/key?store=players&key=veteran", ".timeline li", "the key view of a key with 100 versions");
    assert.equal(await page.locator(".timeline li").count(), 50);
    await page.click("button.older");
    await page.waitForFunction(() => document.querySelectorAll(".timeline li").length === 100);
    assert.equal(await page.locator("button.older").count(), 0, "no older page after the first version");
    const versions = await page.$$eval(".timeline li", (lis) => lis.map((li) => li.dataset.version));
    assert.equal(new Set(versions).size, 100, "each version once");
  });
});
