// A pull's read keeps the record's data out of wasm (js/host/records.js
// `splitRecord`, src/engine/host.rs `Entry::data`): the data is parsed in JS
// and only the envelope is decoded by the engine. These records are written
// by hand to check that every shape the engine reads as a whole still reads
// the same way: data not last (a newer engine's field after it), data that
// is not JSON, `"data":` inside other fields, whitespace, and the envelope's
// own checks (format, requires) on a record whose data is split off.

import { test } from "node:test";
import assert from "node:assert/strict";
import { splitRecord } from "../../js/host/records.js";
import { MemoryBackend, closedAfterEach, rejectsCode } from "./helpers.mjs";

const quickStore = closedAfterEach();

const NS = "players/global";
const HEAD = '{"skilift":1,"migrations":[],"pending":[],"writers":{}';

async function seeded(value) {
  const backend = new MemoryBackend();
  await backend.put(NS, "k", value, null, { userIds: [] });
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  return { backend, store, log, add };
}

async function record(backend) {
  return JSON.parse((await backend.get(NS, "k")).value);
}

test("splitRecord: the data's span only when it is the last field and JSON", () => {
  const data = { coins: 1, data: { data: "}" } };
  const text = `${HEAD},"data": ${JSON.stringify(data)} } \n`;
  const [envelope, parsed] = splitRecord(text);
  assert.equal(envelope, `${HEAD},"data": null} \n`);
  assert.deepEqual(parsed, data);
  assert.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.data));
  const tricky = '{"skilift":1,"pending":[{"args":[{"data":"x\\"data\\":"}]}],"x":"\\\\","data":[1]}';
  assert.deepEqual(splitRecord(tricky), ['{"skilift":1,"pending":[{"args":[{"data":"x\\"data\\":"}]}],"x":"\\\\","data":null}', [1]]);
  for (const text of [
    '{"data":1,"x":2}', // not last
    '{"data":1}x', // trailing text
    '{"data":[1,}', // not JSON
    '{"d\\u0061ta":1}', // an escaped key: the engine reads it
    '{"data":1,"data":2}', // twice
    '[{"data":1}]',
    '{"x":"unterminated,"data":1}',
    "",
  ]) {
    assert.equal(splitRecord(text), undefined, text);
  }
});

test("a field after the data (a newer engine's) is read whole and kept", async () => {
  const { backend, store, add } = await seeded(`${HEAD},"data":{"coins":1,"items":[]},"later":{"a":[1,2]}}`);
  assert.equal(await store.update("k", add, 2), true);
  const stored = await record(backend);
  assert.deepEqual(stored.data, { coins: 3, items: [] });
  assert.deepEqual(stored.later, { a: [1, 2] });
});

test("data that is not JSON is bad data, not split", async () => {
  const { store, add } = await seeded(`${HEAD},"data":{"coins":1,}}`);
  await rejectsCode(assert, store.update("k", add, 1), "bad_data");
});

test("the envelope's checks hold on a split record: a newer format and unknown requires", async () => {
  for (const value of [
    '{"skilift":2,"migrations":[],"pending":[],"writers":{},"data":{"coins":1,"items":[]}}',
    '{"skilift":1,"requires":["future"],"migrations":[],"pending":[],"writers":{},"data":{"coins":1,"items":[]}}',
  ]) {
    const { store, add } = await seeded(value);
    await rejectsCode(assert, store.update("k", add, 1), "needs_newer_version");
  }
});

test("a malformed envelope before the data is bad data", async () => {
  const { store, add } = await seeded('{"skilift":1,"migrations":[],"pending":[],"writers":{"w":1},"data":{"coins":1,"items":[]}}');
  await rejectsCode(assert, store.update("k", add, 1), "bad_data");
});

test("pending args holding \"data\": keys, and once ids, survive a split read", async () => {
  const value = `{"skilift":1,"migrations":[],"pending":[],"writers":{},"once":{"g1":{"time":${Date.now()},"by":"s:1"}},"origin":"o1","x":{"data":{"data":1}},"data":{"coins":5,"items":[]}}`;
  const { backend, store, add } = await seeded(value);
  assert.equal(await store.updateOnce("k", "g1", add, 1), false);
  assert.equal(await store.updateOnce("k", "g2", add, 1), true);
  const stored = await record(backend);
  assert.deepEqual(stored.data, { coins: 6, items: [] });
  assert.deepEqual(stored.x, { data: { data: 1 } });
  assert.equal(stored.origin, "o1");
  assert.ok(stored.once.g1 && stored.once.g2);
});
