// Values nested too deep, and cycles, in the arguments of a patch or an
// update or in what an action stores: a SkiliftError that says so, in strict
// mode and out of it, never a RangeError from a walk that overflowed the
// stack (js/host/json_values.js MAX_DEPTH: it was 5000, past what Node's
// stack holds, so a cycle in an argument threw "Maximum call stack size
// exceeded"). Nothing of a refused patch is stored, and the session goes on.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend, SkiliftError, quickStore, strict } from "./helpers.mjs";

/** `n` arrays inside one another, around a 0. */
function nested(n) {
  let v = 0;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

function cycle() {
  const loop = { name: "loop" };
  loop.self = loop;
  return loop;
}

/** Asserts `fn` throws (or rejects with) a SkiliftError with one of `codes`. */
async function refused(what, fn, codes) {
  let thrown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof SkiliftError, `${what}: expected a SkiliftError, got ${thrown?.constructor?.name}: ${String(thrown?.message).slice(0, 120)}`);
  assert.ok(codes.includes(thrown.code), `${what}: code ${thrown.code}, not one of ${codes.join(", ")}`);
  return thrown;
}

const TOO_DEEP = { cycle, "5,000 levels": () => nested(5000), "100,000 levels": () => nested(100_000) };

for (const mode of [true, false]) {
  test(`strict ${mode}: a cycle or a value nested thousands of levels deep, as an argument of patch, patchOnce or update, is refused with a SkiliftError`, async () => {
    strict(mode);
    const backend = new MemoryBackend();
    const { store } = quickStore(backend, { defaultData: () => ({ coins: 0, kept: null }) });
    const keep = store.action((d, v) => ({ ...d, kept: v === undefined ? null : "given" }));
    const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
    const s = store.load("k");
    await s.await();
    const codes = ["not_json", "strict_pass_not_json_into_action"];
    for (const [name, make] of Object.entries(TOO_DEEP)) {
      const e = await refused(`patch with ${name}`, () => s.patch(keep, make()), codes);
      if (e.code === "not_json") assert.match(e.message, /nested more than 1000 levels deep or contains a cycle/);
      await refused(`patchOnce with ${name}`, () => s.patchOnce(`id-${name}`, keep, make()), codes);
      await refused(`update with ${name}`, () => store.update("k", keep, make()), codes);
    }
    // Nothing of them reached the data; the session still saves.
    assert.ok(s.patch(add));
    await s.await();
    assert.deepEqual(await store.view("k").latest(), { coins: 1, kept: null });
    // A deep argument within the limit is taken as it is.
    assert.ok(s.patch(keep, nested(900)));
    await s.stop();
    assert.deepEqual(await store.view("k").latest(), { coins: 1, kept: "given" });
  });

  test(`strict ${mode}: an action that stores a value nested thousands of levels deep is refused with not_json, by patch and by update`, async () => {
    strict(mode);
    const backend = new MemoryBackend();
    const { store } = quickStore(backend, { defaultData: () => ({ coins: 0 }) });
    const deepInPlace = store.action((d) => {
      d.deep = nested(5000);
      return d;
    });
    const deepNew = store.action((d) => ({ ...d, deep: nested(5000) }));
    const within = store.action((d) => ({ ...d, deep: nested(900) }));
    const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
    const s = store.load("k");
    await s.await();
    for (const [name, action] of [["in place", deepInPlace], ["a new object", deepNew]]) {
      const e = await refused(`patch storing 5,000 levels, ${name}`, () => s.patch(action), ["not_json", "strict_not_json_from_action"]);
      assert.match(e.message, /nested more than 1000 levels deep|not JSON/);
      await refused(`update storing 5,000 levels, ${name}`, () => store.update("k", action), ["not_json"]);
    }
    assert.ok(s.patch(add));
    await s.await();
    assert.deepEqual(await store.view("k").latest(), { coins: 1 });
    assert.ok(s.patch(within));
    await s.stop();
    const stored = await store.view("k").latest();
    assert.equal(JSON.stringify(stored.deep), JSON.stringify(nested(900)));
  });
}

test("data an older version stored 1,500 levels deep (its limit was 5000) still loads and takes patches elsewhere", async () => {
  strict(true);
  const backend = new MemoryBackend();
  const { store } = quickStore(backend, { pullDelay: 1000, defaultData: () => ({ coins: 0 }) });
  const add = store.action((d) => ({ ...d, coins: d.coins + 1 }));
  const first = store.load("k");
  first.patch(add);
  await first.stop();
  // The record as that version wrote it: this one's envelope, deeper data.
  const { value, version } = await backend.get("players/global", "k");
  const deep = "[".repeat(1500) + "]".repeat(1500);
  const older = value.replace(/"data":\{"coins":1\}\}$/, `"data":{"coins":1,"deep":${deep}}}`);
  assert.notEqual(older, value, "the record's data is its last field");
  assert.ok(await backend.put("players/global", "k", older, version));

  const s = store.load("k");
  await s.await();
  assert.equal(s.bad(), undefined);
  assert.ok(s.patch(add));
  await s.stop();
  assert.equal(await store.update("k", add), true);
  const stored = await store.view("k").latest();
  assert.equal(stored.coins, 3);
  assert.equal(JSON.stringify(stored.deep), deep);
});
