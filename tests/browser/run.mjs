// Runs the browser tests in Debian's headless Chromium through
// playwright-core (no browser download): serves the repository on
// 127.0.0.1, opens each test page, collects its results, prints TAP-like
// lines and a closing "N passed, N failed" line, and exits non-zero on any
// failure.
//
//   node tests/browser/run.mjs              every suite
//   node tests/browser/run.mjs two-tabs     only the suites named
//
// Needs scripts/setup-browser.sh (Chromium at /usr/bin/chromium, or
// $CHROMIUM; playwright-core installed).

import { launchChromium } from "./chromium.mjs";
import { startServer } from "./server.mjs";
import { createHandler } from "../../pkg/cjs/backends/http/server.cjs";
import { MemoryBackend } from "../../pkg/cjs/backends/memory/index.cjs";
import { listen } from "../backends/server-support.mjs";

/** Hang guard for one page (its tests have their own, shorter one): not a timing test. */
const PAGE_LIMIT_MS = 10 * 60_000;

let passed = 0;
let failed = 0;
let skipped = 0;
let number = 0;

/** Prints one TAP line (and the error under a failure). */
function record({ name, ok, error, skip }) {
  number++;
  if (skip !== undefined) {
    skipped++;
    console.log(`ok ${number} - ${name} # SKIP ${skip}`);
  } else if (ok) {
    passed++;
    console.log(`ok ${number} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${number} - ${name}`);
    for (const line of String(error).split("\n")) console.log(`  # ${line}`);
  }
}

function comment(text) {
  for (const line of String(text).split("\n")) console.log(`# ${line}`);
}

/** Forwards what a page says outside the harness: uncaught errors fail the run. */
function watch(page, label, expected = null) {
  page.on("pageerror", (error) => record({ name: `${label}: no uncaught error in the page`, ok: false, error }));
  page.on("console", (message) => {
    const text = message.text();
    if ((message.type() === "error" || message.type() === "warning") && !text.startsWith("[harness]") && !expected?.test(text)) {
      comment(`${label} console.${message.type()}: ${text}`);
    }
  });
}

/** A page that runs tests/browser/harness.js tests and reports each one. */
async function harnessSuite(browser, base, path, { label = path, expected } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    watch(page, label, expected);
    await page.exposeFunction("__skiliftReport", (result) => record({ ...result, name: `${label}: ${result.name}` }));
    await page.goto(new URL(path, base).href);
    await page.waitForFunction(() => window.__skiliftDone === true, null, { timeout: PAGE_LIMIT_MS, polling: 100 });
  } catch (error) {
    record({ name: `${label}: the page runs to the end`, ok: false, error: error.message });
  } finally {
    await context.close();
  }
}

/** `count` tabs of two-tabs.html in `context` (one origin, so one IndexedDB), each ready. */
async function openTabs(context, base, label, count) {
  const pages = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    watch(page, `${label} tab ${i + 1}`);
    await page.goto(new URL("tests/browser/two-tabs.html", base).href);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 60_000 });
    pages.push(page);
  }
  return pages;
}

/**
 * Two tabs of one origin (one browser context, so one IndexedDB) hammer one
 * key with get + conditional put at the same time; the count must be exact.
 */
async function twoTabs(browser, base) {
  const label = "two-tabs";
  const tabs = 2;
  const writers = 4;
  const increments = 25;
  const total = tabs * writers * increments;
  const dbName = `skilift-two-tabs-${process.pid}-${Date.now().toString(36)}`;
  const key = "counter";
  const context = await browser.newContext();
  try {
    const pages = await openTabs(context, base, label, tabs);
    // Both tabs start together and run to the end.
    const shares = await Promise.all(
      pages.map((page) => page.evaluate((job) => window.hammer(job), { dbName, key, writers, increments })),
    );
    shares.forEach((s, i) => comment(`${label}: tab ${i + 1} won ${s.wins} writes after ${s.conflicts} conflicts`));
    const { final, history } = await pages[0].evaluate((job) => window.readBack(job), { dbName, key });
    const wins = shares.reduce((sum, s) => sum + s.wins, 0);
    record({
      name: `${label}: ${tabs} tabs x ${writers} writers x ${increments} increments give exactly ${total}`,
      ok: final === total && wins === total,
      error: `final count ${final}, writes won ${wins}, expected ${total}`,
    });
    const inOrder = history.length === total && history.every((n, i) => n === i + 1);
    record({
      name: `${label}: the history is 1..${total} in order (no two winners of one compare-and-set)`,
      ok: inOrder,
      error: `history of ${history.length} versions: ${JSON.stringify(history.slice(0, 40))}…`,
    });
    await pages[0].evaluate(
      (name) =>
        new Promise((resolve) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = request.onerror = () => resolve();
        }),
      dbName,
    );
  } catch (error) {
    record({ name: `${label}: the tabs run to the end`, ok: false, error: error.message });
  } finally {
    await context.close();
  }
}

/**
 * Two tabs, each a game session on the same key through the public API
 * (Store + IndexedDbBackend from the built package): every patch of both
 * tabs is stored exactly once.
 */
async function twoTabsEngine(browser, base) {
  const label = "two-tabs-engine";
  const patches = 100;
  const dbName = `skilift-two-tabs-engine-${process.pid}-${Date.now().toString(36)}`;
  const key = "player";
  const context = await browser.newContext();
  try {
    const pages = await openTabs(context, base, label, 2);
    const results = await Promise.all(
      pages.map((page, tab) => page.evaluate((job) => window.play(job), { dbName, key, tab, patches })),
    );
    const data = await pages[0].evaluate((job) => window.latest(job), { dbName, key });
    const total = 2 * patches;
    const unique = new Set(data?.log ?? []).size;
    record({
      name: `${label}: two tabs x ${patches} patches on one key through Store are all stored once`,
      ok: results.every((r) => r.patched === patches && r.bad === null) && data?.coins === total && unique === total,
      error: `coins ${data?.coins}, ${unique} unique of ${data?.log?.length} logged, expected ${total}; ${JSON.stringify(results)}`,
    });
  } catch (error) {
    record({ name: `${label}: the tabs run to the end`, ok: false, error: error.message });
  } finally {
    await context.close();
  }
}

/**
 * Two tabs, each a game server on one key, get the same receipts at the same
 * time and grant them with patchOnce: each receipt is stored once, and
 * exactly one tab is told true for it.
 */
async function twoTabsOnce(browser, base) {
  const label = "two-tabs-once";
  const receipts = 40;
  const dbName = `skilift-two-tabs-once-${process.pid}-${Date.now().toString(36)}`;
  const key = "buyer";
  const context = await browser.newContext();
  try {
    const pages = await openTabs(context, base, label, 2);
    const results = await Promise.all(pages.map((page) => page.evaluate((job) => window.purchase(job), { dbName, key, receipts })));
    const data = await pages[0].evaluate((job) => window.latest(job), { dbName, key });
    const trues = Array.from({ length: receipts }, (_, i) => results.filter((r) => r.told[i] === true).length);
    const notOne = trues.map((n, i) => [`R${i}`, n]).filter(([, n]) => n !== 1);
    const wins = results.map((r) => r.told.filter(Boolean).length);
    comment(`${label}: tab 1 was told true ${wins[0]} times, tab 2 ${wins[1]}`);
    const log = data?.log ?? [];
    record({
      name: `${label}: ${receipts} receipts delivered to both tabs: each stored once, exactly one tab told true`,
      ok: notOne.length === 0 && data?.coins === receipts && log.length === receipts && new Set(log).size === receipts &&
        results.every((r) => r.bad === null),
      error: `receipts without one true: ${JSON.stringify(notOne)}; coins ${data?.coins}, ${new Set(log).size} unique of ${log.length} logged, expected ${receipts}; bad ${results.map((r) => r.bad)}`,
    });
  } catch (error) {
    record({ name: `${label}: the tabs run to the end`, ok: false, error: error.message });
  } finally {
    await context.close();
  }
}

/**
 * fetch.html against two createHandler servers on MemoryBackend, each on
 * its own port (so another origin than the page's): one allows the page's
 * origin (CORS) and a bearer token, the other allows no browser origin.
 */
async function fetchSuite(browser, base) {
  const token = `t-${process.pid}`;
  const origin = new URL(base).origin;
  const authorize = (req) => req.headers.authorization === `Bearer ${token}`;
  const open = await listen(createHandler(new MemoryBackend(), { authorize, cors: { origins: [origin] } }));
  const closed = await listen(createHandler(new MemoryBackend(), { authorize, cors: { origins: ["https://elsewhere.example"] } }));
  try {
    const query = new URLSearchParams({ api: open.url, closed: closed.url, token });
    // What Chromium logs for the answers the tests ask for (404 of an
    // absent key, 412 of a conflict, 403 of a wrong token, the refused origin).
    const expected = /^Failed to load resource: (the server responded with a status of (404|412|403)|net::ERR_FAILED)|blocked by CORS policy/;
    await harnessSuite(browser, base, `tests/browser/fetch.html?${query}`, { label: "tests/browser/fetch.html", expected });
  } finally {
    await Promise.all([open.close(), closed.close()]);
  }
}

const SUITES = {
  fetch: fetchSuite,
  indexeddb: (browser, base) => harnessSuite(browser, base, "tests/browser/indexeddb.html"),
  once: (browser, base) => harnessSuite(browser, base, "tests/browser/once.html"),
  "two-tabs": twoTabs,
  "two-tabs-engine": twoTabsEngine,
  "two-tabs-once": twoTabsOnce,
};

async function main() {
  const wanted = process.argv.slice(2);
  for (const name of wanted) {
    if (!SUITES[name]) {
      console.error(`unknown suite "${name}"; suites: ${Object.keys(SUITES).join(", ")}`);
      return 2;
    }
  }

  const browser = await launchChromium("browser tests");
  if (!browser) return 1;
  console.log("TAP version 13");
  const server = await startServer();
  try {
    comment(`Chromium ${browser.version()}, pages from ${server.url}`);
    for (const name of wanted.length ? wanted : Object.keys(SUITES)) {
      await SUITES[name](browser, server.url);
    }
  } catch (error) {
    record({ name: "the browser starts", ok: false, error: error.stack ?? error.message });
  } finally {
    await browser?.close();
    await server.close();
  }
  console.log(`1..${number}`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  return failed > 0 || number === 0 ? 1 : 0;
}

process.exitCode = await main();
