// The one door to a backend (js/host/backend_calls.js): a backend that
// answers garbage gets the same clear `backend_invalid_response` wording
// whoever called it: the engine (through storage.js), the operations
// (store.keys, keysByUser, remove, view.history), `skilift inspect` and
// `skilift restore`, and skilift studio's routes. And a call that never
// answers meets the store's requestTimeout in the operations.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { MemoryBackend, SkiliftError, quickStore, until } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { withDoor } = require("../../pkg/cjs/cli/targets.cjs");
const { showKey, showKeys } = require("../../pkg/cjs/cli/views.cjs");
const { restore } = require("../../pkg/cjs/cli/write.cjs");
const { studioRoutes } = require("../../pkg/cjs/cli/studio/api.cjs");

const STORE = "players/global";

/** Every item of an async iterable (Array.fromAsync, which Node 20 lacks). */
async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}
const WORDING = /\b(get|put|getVersion|getAtTime|history|list|keysByUser)\(\) answered garbage: /;

/** A MemoryBackend with one key, whose methods named in `garbage` answer what it says. */
async function garbageBackend(garbage) {
  const memory = new MemoryBackend();
  const { store } = quickStore(memory);
  const s = store.load("alice");
  await s.await();
  s.patch(store.action((d) => ({ ...d, coins: d.coins + 1 })));
  await s.stop();
  const backend = {};
  for (const method of ["get", "put", "getVersion", "getAtTime", "history", "list", "keysByUser", "remove"]) {
    backend[method] = method in garbage ? async () => garbage[method] : (...args) => memory[method](...args);
  }
  return backend;
}

const targetOf = (backend) =>
  withDoor({ label: "the garbage target", backend, stores: null, resolveStore: async (store) => store, close: async () => {} });

test("skilift inspect: a garbage list, get or history is a clear error, not a listing", async () => {
  const cases = [
    [{ list: [3, "a"] }, (t) => showKeys(t, STORE), /listing keys failed on the garbage target: list\(\) answered garbage: a key that is not a string \(number 3\)/],
    [{ list: ["b", "a"] }, (t) => showKeys(t, STORE), /list\(\) answered garbage: keys out of order \("a" after "b"\)/],
    [{ list: "alice" }, (t) => showKeys(t, STORE), /list\(\) answered garbage: expected an array of keys, got the string "alice"/],
    [{ get: { value: 5, version: "1", time: 0 } }, (t) => showKey(t, STORE, "alice", {}), /reading the key failed on the garbage target: get\(\) answered garbage: entry\.value must be a string, got number 5/],
    [{ get: "alice" }, (t) => showKey(t, STORE, "alice", {}), /get\(\) answered garbage: expected an entry/],
    [
      { history: [{ version: "1", time: 1 }, { version: "2", time: 2 }] },
      (t) => showKey(t, STORE, "alice", { history: true }),
      /reading history failed on the garbage target: history\(\) answered garbage: versions that are not newest first/,
    ],
    [{ history: [{ version: 1, time: 1 }] }, (t) => showKey(t, STORE, "alice", { history: true }), /history\(\) answered garbage: a version that is not/],
    [{ getVersion: { value: "{}", version: "1", time: "yesterday" } }, (t) => showKey(t, STORE, "alice", { version: "1" }), /getVersion\(\) answered garbage: entry\.time must be a finite number/],
    [{ getAtTime: { value: "{}", version: "1", time: 1, userIds: "7" } }, (t) => showKey(t, STORE, "alice", { at: "5" }), /getAtTime\(\) answered garbage: entry\.userIds must be an array of numbers/],
  ];
  for (const [garbage, run, message] of cases) {
    const target = targetOf(await garbageBackend(garbage));
    await assert.rejects(run(target), (error) => {
      assert.match(error.message, message, JSON.stringify(garbage));
      assert.match(error.message, WORDING);
      return true;
    });
  }
});

test("skilift restore: a put answering garbage is a clear error", async () => {
  const backend = await garbageBackend({ put: 42 });
  const [{ version }] = await backend.history(STORE, "alice");
  await assert.rejects(restore(targetOf(backend), STORE, "alice", version), /writing failed on the garbage target: put\(\) answered garbage: expected the new version string or null, got number 42/);
});

test("skilift studio: its routes turn garbage answers into clear errors", async () => {
  const params = (query) => new URLSearchParams(query);
  const cases = [
    [{ list: [1] }, "GET keys", { store: STORE }, /list\(\) answered garbage: a key that is not a string/],
    [{ list: ["zed"] }, "GET keys", { store: STORE, prefix: "a" }, /list\(\) answered garbage: key "zed" without the prefix "a"/],
    [{ keysByUser: { keys: [] } }, "GET keys", { store: STORE, user: "7" }, /keysByUser\(\) answered garbage: expected an array of keys, got an object/],
    [{ get: { value: "{}", version: 1, time: 0 } }, "GET keys", { store: STORE }, /get\(\) answered garbage: entry\.version must be a string, got number 1/],
    [{ get: { value: "{}" } }, "GET key", { store: STORE, key: "alice" }, /get\(\) answered garbage: entry\.version must be a string, got undefined/],
    [{ getVersion: [] }, "GET version", { store: STORE, key: "alice", version: "1" }, /getVersion\(\) answered garbage: entry\.value must be a string/],
    [{ history: [{ version: "1", time: 5 }] }, "GET history", { store: STORE, key: "alice", before: "3" }, /history\(\) answered garbage: a version of 5, not before 3/],
    [{ history: null }, "GET history", { store: STORE, key: "alice" }, /history\(\) answered garbage: expected an array of versions, got null/],
  ];
  for (const [garbage, route, query, message] of cases) {
    const routes = studioRoutes(targetOf(await garbageBackend(garbage)), { write: false });
    await assert.rejects(routes[route](params(query)), message, `${route} ${JSON.stringify(garbage)}`);
  }
});

test("the operations: garbage is backend_invalid_response in the same wording, named by the call", async () => {
  const cases = [
    [{ list: ["b", "a"] }, (store) => collect(store.keys()), /^store\.keys: list\(\) answered garbage: keys out of order/],
    [{ keysByUser: [7] }, (store) => collect(store.keysByUser(7)), /^store\.keysByUser: keysByUser\(\) answered garbage: a key that is not a string/],
    [{ history: [{ version: "1", time: 1, userIds: ["7"] }] }, (store) => store.view("alice").history(), /^view\.history: history\(\) answered garbage: version\.userIds must hold numbers only/],
  ];
  for (const [garbage, run, message] of cases) {
    const { store } = quickStore(await garbageBackend(garbage));
    await assert.rejects(run(store), (error) => {
      assert.ok(error instanceof SkiliftError, String(error));
      assert.equal(error.code, "backend_invalid_response");
      assert.match(error.message, message);
      return true;
    });
  }
});

test("the engine's garbage is worded the same (storage.js reads answers with the door's checks)", async () => {
  const memory = new MemoryBackend();
  let garbage = 1;
  const backend = {
    get: async (...a) => (garbage-- > 0 ? { value: "{}", version: "1", time: 0, userIds: [1, "2"] } : memory.get(...a)),
    put: (...a) => memory.put(...a),
  };
  const { store, log } = quickStore(backend);
  const s = store.load("k");
  await until(() => log.codes().includes("backend_invalid_response"), "the garbage reported");
  await s.stop();
  const [error] = log.errors.map((e) => e.error).filter((e) => e?.code === "backend_invalid_response");
  assert.match(error.message, /get\(\) answered garbage: entry\.userIds must hold numbers only, found the string "2"/);
});

test("the operations' deadline is the door's: a list that never answers fails with backend_failed", async () => {
  const backend = new MemoryBackend();
  backend.list = () => new Promise(() => {});
  const { store } = quickStore(backend, { requestTimeout: 0.05 });
  await assert.rejects(collect(store.keys()), (error) => {
    assert.equal(error.code, "backend_failed");
    assert.match(error.message, /^store\.keys: list\(\) did not answer within 0\.05 s \(requestTimeout\)/);
    return true;
  });
});
