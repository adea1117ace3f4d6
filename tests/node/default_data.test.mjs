// A `defaultData` that returns what JSON cannot hold (the classic slip
// `() => { coins: 0 }`, an arrow function whose braces make a block, returns
// undefined) could never be stored. Before, the session of a new key never
// loaded, its pulls failed and were retried for ever (a not_json report
// each time), and its `stop`, `store.update` of a new key and `store.close`
// never ended. Now `load` refuses it at once, and a default that turns bad
// after the load sends the session bad: every call ends, nothing is written.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, SkiliftError, quickStore } from "./helpers.mjs";

/** `promise`, or a rejection after `ms`: a hang fails the test, naming `what`. */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const SLIP = /defaultData returned a value that is not JSON at data.*\(\) => \(\{ coins: 0 \}\)/;

test("load refuses a defaultData that returns undefined, NaN or a Map, at once, with not_json and the path", async () => {
  const backend = new MemoryBackend();
  const defaults = { undefined: () => {}, "a NaN": () => ({ coins: NaN }), "a Map": () => ({ bag: new Map() }) };
  const paths = { undefined: "data", "a NaN": "data.coins", "a Map": "data.bag" };
  for (const [name, defaultData] of Object.entries(defaults)) {
    const { store, log } = quickStore(backend, { name: `default-${name.replace(/\W/g, "")}`, defaultData });
    assert.throws(
      () => store.load("k"),
      (e) => e instanceof SkiliftError && e.code === "not_json" && e.message.includes(`not JSON at ${paths[name]};`),
      name,
    );
    assert.equal(store.stats().sessions, 0, `${name}: a refused load leaves no session counted`);
    await within(store.close(), 5000, `${name}: close`);
    assert.deepEqual(log.codes(), []);
  }
  const { store } = quickStore(backend, { name: "default-slip", defaultData: () => {} });
  assert.throws(() => store.load("k"), (e) => SLIP.test(e.message), "the message shows the usual slip and its fix");
  assert.equal(await backend.get("default-slip/global", "k"), null);
});

test("a defaultData that turns non-JSON after the load: the session goes bad with not_json, stop and close end, nothing is written", async () => {
  const backend = new MemoryBackend();
  let calls = 0;
  // JSON for the load's cache, not for the pull that builds the first record.
  const { store, log } = quickStore(backend, { defaultData: () => (calls++ === 0 ? { coins: 0 } : undefined) });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const session = store.load("k");
  await within(session.await(), 5000, "the first pull");
  assert.match(session.bad() ?? "", SLIP);
  assert.throws(() => session.patch(add), (e) => e.code === "session_already_stopped");
  await within(session.stop(), 5000, "stop");
  await within(store.close(), 5000, "close");
  assert.deepEqual(log.codes(), ["not_json"], "reported once, not once per retry");
  assert.equal(store.stats().bad, 1);
  assert.equal(await backend.get("players/global", "k"), null);
});

test("store.update of a key never written, with a defaultData that is not JSON, rejects not_json instead of retrying for ever", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend, { defaultData: () => ({ coins: 0, when: new Date(0) }) });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  await assert.rejects(within(store.update("new", add), 5000, "update"), (e) => e instanceof SkiliftError && e.code === "not_json" && /data\.when/.test(e.message));
  await assert.rejects(within(store.updateOnce("new", "gift-1", add), 5000, "updateOnce"), (e) => e.code === "not_json");
  await within(store.close(), 5000, "close");
  assert.equal(await backend.get("players/global", "k"), null);
  assert.equal(await backend.get("players/global", "new"), null);
});
