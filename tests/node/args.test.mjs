// A patch's arguments are queued with it and replayed on every save that
// reads another version. A single small argument (undefined, null, a
// boolean, an integer 0 to 255) shares one frozen list per value
// (js/host/documents.js `sharedOne`); every other argument list is the
// patch's own frozen copy. Either way the action must get exactly what the
// game passed, when it patches and when the save replays it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, quickStore, strict } from "./helpers.mjs";

// Around the edges of the shared range, and the values it must not take for
// one of its own (-0 is not 0; 1.5 and 256 are not shared at all).
const ARGS = [[undefined], [null], [true], [false], [0], [-0], [1], [255], [256], [1.5], [-1], ["7"], [7, 7], []];

test("the action gets each argument exactly as passed, at the patch and in the replay", async () => {
  strict(false);
  const backend = new MemoryBackend();
  const a = quickStore(backend, { pullDelay: 1000, defaultData: () => ({ seen: [] }) });
  const b = quickStore(backend, { pullDelay: 1000, defaultData: () => ({ seen: [] }) });
  const calls = [];
  // Records what it got, by arguments.length and Object.is; stores a JSON
  // tag of it so the stored data shows what the replay passed too.
  const record = a.store.action((d, ...args) => {
    calls.push(args);
    const tag = args.map((v) => (Object.is(v, -0) ? "-0" : v === undefined ? "undefined" : JSON.stringify(v))).join(",");
    d.seen.push(`${args.length}:${tag}`);
    return d;
  });
  const other = b.store.action((d) => {
    d.seen.push("other");
    return d;
  });
  const sa = a.store.load("k");
  await sa.await();
  for (const args of ARGS) sa.patch(record, ...args);
  const patched = calls.splice(0);
  // Another server writes first: a's save conflicts and replays its queue
  // on b's record, with the queued argument lists.
  const sb = b.store.load("k");
  await sb.await();
  sb.patch(other);
  await sb.stop();
  await sa.stop();
  const replayed = calls.splice(0);
  for (const got of [patched, replayed]) {
    assert.equal(got.length, ARGS.length);
    got.forEach((args, i) => {
      assert.equal(args.length, ARGS[i].length, `call ${i}: arguments.length`);
      const show = (v) => (Object.is(v, -0) ? "-0" : String(v));
      args.forEach((v, j) => assert.ok(Object.is(v, ARGS[i][j]), `call ${i}: got ${show(v)} for ${show(ARGS[i][j])}`));
    });
  }
  const view = await a.store.view("k").latest();
  assert.deepEqual(view.seen.slice(0, 1), ["other"]);
  assert.deepEqual(view.seen.slice(1), ["1:undefined", "1:null", "1:true", "1:false", "1:0", "1:-0", "1:1", "1:255", "1:256", "1:1.5", "1:-1", '1:"7"', "2:7,7", "0:"]);
  assert.deepEqual([...a.log.errors, ...b.log.errors], []);
});
