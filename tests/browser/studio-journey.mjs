// What support staff do in the studio, driven in headless Chromium against
// a real `skilift studio --write` child process, the same on every target
// (studio.test.mjs runs it on a FsBackend directory, PostgreSQL and the
// Redis Cluster): find a key by user id, open it, compare two versions,
// restore one and see a running Store's session get it at its next pull,
// remove a key. A screenshot of each view goes to target/studio-screenshots/.

import assert from "node:assert/strict";
import { Store } from "../../pkg/node.mjs";
import { DEFAULT_DATA, WAIT_MS, seed, shoot, startStudio, visit } from "./studio-support.mjs";

/** Resolves once `predicate(value)` holds for a value `session.updated` delivered. */
function seen(session, predicate) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the session never saw the restored data")), WAIT_MS);
    const unbind = session.updated((data) => {
      if (!predicate(data)) return;
      clearTimeout(timer);
      queueMicrotask(() => unbind());
      resolve(data);
    });
  });
}

async function record(backend, store, key) {
  const entry = await backend.get(store, key);
  return entry === null ? null : JSON.parse(entry.value);
}

/** Texts of the cells of each row of the table matching `selector`. */
function rows(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
}

/**
 * The whole journey on `backend` (the same storage the studio's `target`
 * names, opened by this process too). `name` labels the screenshots;
 * `args` are the studio's extra command-line arguments.
 */
export async function journey(browser, { name, target, args = [], backend, store: storeName }) {
  const namespace = `${storeName}/global`;
  const versions = await seed(backend, storeName);
  assert.equal(versions.length, 4, "alice has four versions");
  const studio = await startStudio(target, ...args, "--write");
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const foreign = [];
  page.on("request", (r) => r.url().startsWith(studio.base) || foreign.push(r.url()));
  const game = new Store({ name: storeName, defaultData: DEFAULT_DATA, backend, pullDelay: 0.2 });
  try {
    await page.goto(studio.url);
    await page.waitForSelector("#target:not(:empty)");
    assert.doesNotMatch(page.url(), /token/, "the token left the address bar");
    await page.waitForSelector("table.stores");
    assert.deepEqual(await rows(page, "table.stores"), [[namespace, "2"]], "the target lists its stores");
    await shoot(page, `${name}-stores`);

    // A store by name, then the keys of user id 101.
    await page.fill("input[name=store]", storeName);
    await page.click("text=Open store");
    await page.waitForSelector("table.keys");
    assert.deepEqual((await rows(page, "table.keys")).map((r) => r[0]), ["alice", "bob"]);
    await page.fill("input[name=user]", "101");
    await page.click("text=Keys of user id");
    await page.waitForSelector("h2:has-text('Keys of user id 101')");
    const found = await rows(page, "table.keys");
    assert.deepEqual(found.map((r) => [r[0], r[3]]), [["alice", "101"]], "only alice carries user id 101");
    assert.match(page.url(), /#\/keys\?store=.*&user=101$/, "the search has its own URL");
    await shoot(page, `${name}-keys-of-user`);

    // Open alice: data, record, exactly-once id, history.
    await page.click("a.key:has-text('alice')");
    await page.waitForSelector(".tree");
    assert.match(await page.textContent(".tree"), /coins: 15/);
    assert.match(await page.textContent(".facts"), /user ids\s*101/);
    assert.match(await page.textContent("table.once"), /receipt-1/);
    assert.equal(await page.locator(".timeline li").count(), 4);
    await page.click(".tree button.toggle:has-text('profile')");
    assert.match(await page.textContent(".tree"), /name: "Alice"/, "a folded branch opens");
    await shoot(page, `${name}-key`);

    // Compare the first version (A) with the current one (B).
    await page.check(`.timeline li[data-version="${versions[3]}"] input[name=pick-a]`);
    await page.check(`.timeline li[data-version="${versions[0]}"] input[name=pick-b]`);
    await page.click("#compare");
    await page.waitForSelector("table.diff");
    const changes = await rows(page, "section:has(h2:has-text('field by field')) table.diff");
    assert.deepEqual(changes.map((r) => r.slice(0, 4)), [
      ["coins", "changed", "0", "15"],
      ["items[0]", "added", "", '"sword"'],
    ], "v1 already had the name: coins and the sword changed");
    assert.match(await page.textContent("body"), /exactly-once ids\s*0\s*1/);
    await shoot(page, `${name}-diff`);

    // A running game server holds alice.
    const session = game.load("alice");
    await seen(session, (d) => d.coins === 15);

    // Restore v2 (coins 10, no sword): the diff first, then the write.
    await visit(page, studio.base, `#/key?store=${encodeURIComponent(namespace)}&key=alice`);
    await page.click(`.timeline li[data-version="${versions[2]}"] a:has-text('restore…')`);
    await page.waitForSelector("button:has-text('Restore version')");
    const preview = await rows(page, "section:has(h2:has-text('field by field')) table.diff");
    assert.deepEqual(preview.map((r) => r.slice(0, 2)), [["coins", "changed"], ["items[0]", "removed"]]);
    await shoot(page, `${name}-restore`);
    const arrived = seen(session, (d) => d.coins === 10 && d.items.length === 0);
    await page.click("button:has-text('Restore version')");
    await page.waitForSelector("#notice:has-text('Restored alice')");
    assert.match(await page.textContent(".tree"), /coins: 10/);
    const restored = await record(backend, namespace, "alice");
    assert.deepEqual(restored.data, { coins: 10, items: [], profile: { name: "Alice" } });
    assert.ok(restored.once["receipt-1"], "the exactly-once id is kept, as skilift restore keeps it");
    assert.deepEqual(await arrived, { coins: 10, items: [], profile: { name: "Alice" } }, "the session got the restore at its next pull");
    await shoot(page, `${name}-restored`);

    // Remove bob, typing the key to confirm.
    await visit(page, studio.base, `#/key?store=${encodeURIComponent(namespace)}&key=bob`);
    await page.click("a:has-text('remove key…')");
    await page.fill("input[name=confirm]", "bo");
    assert.equal(await page.isDisabled("button:has-text('Remove for ever')"), true, "not until the key is typed");
    await page.fill("input[name=confirm]", "bob");
    await shoot(page, `${name}-remove`);
    await page.click("button:has-text('Remove for ever')");
    await page.waitForSelector("#notice:has-text('Removed bob')");
    assert.deepEqual((await rows(page, "table.keys")).map((r) => r[0]), ["alice"]);
    assert.equal(await backend.get(namespace, "bob"), null);

    assert.deepEqual(errors, [], "no error in the page");
    assert.deepEqual(foreign, [], "the page asked nothing of another origin");
  } finally {
    await page.close();
    await game.close();
    const { code, stdout } = await studio.stop();
    assert.equal(code, 0);
    assert.match(stdout, /^skilift studio: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/, "exactly one line on stdout");
  }
}
