// Loads each bundler's built page in headless Chromium over HTTP on
// 127.0.0.1 and checks what the page reports (app/index.js): a patch saved
// through IndexedDB and read back by a second Store.
//
//   node tests/package/bundlers/browser.mjs OUT_DIR NAME...
//
// OUT_DIR/NAME/index.html is each built page, served at the root of a
// server of its own (Vite's default base is "/"). Prints `ok NAME ...` or
// `FAIL NAME: reason`, one line per page; exits non-zero on any failure.

import { join } from "node:path";
import { launchChromium } from "../../browser/chromium.mjs";
import { startServer } from "../../browser/server.mjs";

/** A hang guard for one page, not a timing test. */
const PAGE_LIMIT_MS = 60_000;

const [outDir, ...names] = process.argv.slice(2);
if (!outDir || names.length === 0) {
  console.error("usage: node browser.mjs OUT_DIR NAME...");
  process.exit(2);
}

async function checkPage(browser, name) {
  const context = await browser.newContext();
  const server = await startServer(join(outDir, name));
  const problems = [];
  // An uncaught error ends the wait: the page will not report.
  let crashed;
  const crash = new Promise((resolve) => (crashed = resolve));
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => {
      problems.push(`uncaught: ${error.message}`);
      crashed();
    });
    page.on("console", (m) => m.type() === "error" && problems.push(`console.error: ${m.text()}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    await page.goto(`${server.url}index.html`);
    let result;
    try {
      const reported = page.waitForFunction(() => window.__result !== undefined, null, { timeout: PAGE_LIMIT_MS, polling: 50 });
      reported.catch(() => {});
      await Promise.race([reported, crash]);
      result = (await page.evaluate(() => window.__result)) ?? { ok: false, error: "the page stopped with an uncaught error" };
    } catch {
      result = { ok: false, error: `no result within ${PAGE_LIMIT_MS / 1000} s` };
    }
    if (result.ok && problems.length === 0) {
      console.log(`ok ${name}: page read back ${JSON.stringify(result.data)} (engine ready ${result.readyMs.toFixed(0)} ms after navigation start)`);
      return true;
    }
    const why = [result.error ?? `read back ${JSON.stringify(result.data)}`, ...problems].join("\n    ");
    console.log(`FAIL ${name}: ${why}`);
    return false;
  } finally {
    await context.close();
    await server.close();
  }
}

const browser = await launchChromium("bundlers");
if (!browser) {
  for (const name of names) console.log(`FAIL ${name}: no Chromium`);
  process.exit(1);
}
let failures = 0;
try {
  for (const name of names) {
    try {
      if (!(await checkPage(browser, name))) failures++;
    } catch (error) {
      console.log(`FAIL ${name}: ${error.message}`);
      failures++;
    }
  }
} finally {
  await browser.close();
}
process.exitCode = failures ? 1 : 0;
