// The browser preview (examples/preview/) in Debian's headless Chromium
// through playwright-core: earn twice, reload, the coins are still there
// (IndexedDB); spending, a cancelled spend and a rename survive a reload too.
// Prints TAP-like lines and a closing "N passed, N failed" line; exits
// non-zero on any failure.
//
//   node tests/browser/preview.test.mjs     (needs pkg/ and scripts/setup-browser.sh)

import { launchChromium } from "./chromium.mjs";
import { serve } from "../../examples/preview/serve.mjs";

/** Hang guard for one wait (not a timing assertion). */
const WAIT_MS = 60_000;

let passed = 0;
let failed = 0;
function record(name, ok, error) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok" : "not ok"} ${passed + failed} - ${name}`);
  if (!ok) for (const line of String(error).split("\n")) console.log(`  # ${line}`);
}

async function step(name, fn) {
  try {
    await fn();
    record(name, true);
  } catch (error) {
    record(name, false, error?.stack ?? error);
  }
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Waits until the page has loaded the player (or stored the last change). */
async function settled(page) {
  await page.waitForSelector('#status[data-state="saved"]', { timeout: WAIT_MS });
  await page.waitForSelector("#earn:not([disabled])", { timeout: WAIT_MS });
}

const text = (page, id) => page.locator(`#${id}`).textContent();

async function main() {
  const browser = await launchChromium("preview test");
  if (!browser) return 1;
  console.log("TAP version 13");
  const server = await serve(0);
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (error) => record("no uncaught error in the page", false, error));
    page.on("console", (m) => m.type() === "error" && console.log(`# page console.error: ${m.text()}`));
    const url = `${server.page}?player=preview-test-${process.pid}`;

    await step("the page loads a new player with 0 coins", async () => {
      await page.goto(url);
      await settled(page);
      expectEqual(await text(page, "coins"), "0", "coins");
      expectEqual(await text(page, "name"), "New player", "name");
    });
    await step("earn twice shows 20 coins at once, then saved", async () => {
      await page.click("#earn");
      await page.click("#earn");
      expectEqual(await text(page, "coins"), "20", "coins right after the clicks");
      await settled(page);
    });
    await step("after a reload the 20 coins are still there", async () => {
      await page.reload();
      await settled(page);
      expectEqual(await text(page, "coins"), "20", "coins after reload");
    });
    await step("spend, buy with too few coins (cancelled), rename; all survive a reload", async () => {
      await page.click("#spend");
      await page.click("#buy"); // 15 < 25: the action returns undefined, nothing changes
      expectEqual(await text(page, "message"), "not enough coins", "message");
      await page.fill("#new-name", "Ada");
      await page.click("#rename");
      await settled(page);
      await page.reload();
      await settled(page);
      expectEqual(await text(page, "coins"), "15", "coins");
      expectEqual(await text(page, "name"), "Ada", "name");
      expectEqual(await text(page, "items"), "none", "items");
    });
    await step("a second tab sees the same player", async () => {
      const other = await context.newPage();
      await other.goto(url);
      await settled(other);
      expectEqual(await text(other, "coins"), "15", "coins in the second tab");
      await other.close();
    });
    await context.close();
  } catch (error) {
    record("the browser runs the preview", false, error?.stack ?? error);
  } finally {
    await browser?.close();
    await server.close();
  }
  console.log(`1..${passed + failed}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

process.exitCode = await main();
