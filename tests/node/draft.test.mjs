// Copy-on-write drafts (js/host/draft.js), through the public API: an
// action changes a draft and the new snapshot shares what it left untouched.
//
// The main test is a randomised comparison: one registered action interprets
// a list of operations (set, delete, push, splice, sort, reverse, length,
// moves of subtrees, reads that hand drafts around); the same list applied
// to a plain mutable copy is the oracle. Every step checks the result equals
// the oracle, the previous snapshot did not change, the new one is deeply
// frozen, and every top-level subtree no operation touched is the previous
// snapshot's own object.

import test from "node:test";
import assert from "node:assert/strict";
import { types } from "node:util";
import { MemoryBackend, Store, strict } from "./helpers.mjs";

/** Runs `fn` with strict mode set to `mode`, then restores it. */
function inStrictMode(mode, fn) {
  const before = strict();
  strict(mode);
  try {
    return fn();
  } finally {
    strict(before);
  }
}

/** A small seeded PRNG (mulberry32): a failing seed can be replayed. */
function prng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Follows `path` (keys) from `root`; undefined when it leaves the data. */
function at(root, path) {
  let v = root;
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = v[k];
  }
  return v;
}

/**
 * Applies operations to `data` in place, as plain JS would. The action and
 * the oracle both run this, so any difference is the draft's doing.
 */
function applyOps(data, ops) {
  for (let [op, path, a, b] of ops) {
    const target = at(data, path);
    if (typeof target !== "object" || target === null) continue;
    // An array is written at an index (no holes), never under a name: a
    // named property of an array is not JSON.
    if (Array.isArray(target) && typeof a === "string") a = Math.min(KEYS.indexOf(a), target.length);
    switch (op) {
      case "set":
        target[a] = b;
        break;
      case "inc":
        if (typeof target[a] === "number") target[a] += 1;
        break;
      case "delete":
        if (!Array.isArray(target)) delete target[a];
        break;
      case "push":
        if (Array.isArray(target)) target.push(b, { n: a });
        break;
      case "splice":
        if (Array.isArray(target)) target.splice(a % (target.length + 1), 1, { spliced: b });
        break;
      case "sort":
        if (Array.isArray(target)) target.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
        break;
      case "reverse":
        if (Array.isArray(target)) target.reverse();
        break;
      case "length":
        if (Array.isArray(target)) target.length = Math.min(target.length, a);
        break;
      case "move": {
        // Moves a subtree (handing a draft from one place to another) and
        // then changes it where it now is.
        // Never an ancestor of the target: that would make a cycle.
        const from = b.length > path.length || b.some((k, i) => k !== path[i]) ? at(data, b) : undefined;
        if (typeof from === "object" && from !== null) {
          target[a] = from;
          if (!Array.isArray(from)) from.moved = (from.moved ?? 0) + 1;
        }
        break;
      }
      case "assign":
        if (!Array.isArray(target)) Object.assign(target, { [a]: b, spread: { ...target } });
        break;
    }
  }
  return data;
}

const KEYS = ["a", "b", "c", "d", "e"];

function randomValue(rand, depth) {
  const r = rand();
  if (depth > 2 || r < 0.4) return Math.floor(rand() * 100);
  if (r < 0.5) return `s${Math.floor(rand() * 10)}`;
  if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const o = {};
  for (const k of KEYS.slice(0, 1 + Math.floor(rand() * 3))) o[k] = randomValue(rand, depth + 1);
  return o;
}

/** A path to an existing object of `data` (or [] for the root). */
function randomPath(rand, data) {
  const path = [];
  let v = data;
  while (rand() < 0.7) {
    const keys = Object.keys(v).filter((k) => typeof v[k] === "object" && v[k] !== null);
    if (keys.length === 0) break;
    const k = keys[Math.floor(rand() * keys.length)];
    path.push(Array.isArray(v) ? Number(k) : k);
    v = v[k];
  }
  return path;
}

function randomOps(rand, data) {
  const names = ["set", "inc", "delete", "push", "splice", "sort", "reverse", "length", "move", "assign"];
  return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const op = names[Math.floor(rand() * names.length)];
    const path = randomPath(rand, data);
    const key = KEYS[Math.floor(rand() * KEYS.length)];
    if (op === "move") return [op, path, key, randomPath(rand, data)];
    if (["splice", "length", "push"].includes(op)) return [op, path, Math.floor(rand() * 4), randomValue(rand, 1)];
    return [op, path, key, randomValue(rand, 1)];
  });
}

/** The path of a draft (a Proxy) left in finished data, or undefined. */
function proxyIn(v, path = "data") {
  if (typeof v !== "object" || v === null) return undefined;
  if (types.isProxy(v)) return path;
  for (const k of Object.keys(v)) {
    const p = proxyIn(v[k], `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

function deepFreeze(v) {
  if (typeof v === "object" && v !== null) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function deeplyFrozen(v) {
  return typeof v !== "object" || v === null || (Object.isFrozen(v) && Object.values(v).every(deeplyFrozen));
}

async function randomised(strictMode, seed, steps) {
  const before = strict();
  strict(strictMode);
  try {
    const store = new Store({
      name: `draft-${seed}`,
      defaultData: () => ({ a: { x: 1, list: [1, 2, { y: 3 }] }, b: [{ n: 1 }, { n: 2 }], c: { deep: { er: [0] } }, d: 5, e: "e" }),
      backend: new MemoryBackend(),
      pullDelay: 1e6,
    });
    const apply = store.action((data, ops) => applyOps(data, ops));
    const session = store.load("k");
    await session.await();
    let current;
    session.updated((d) => (current = d));
    const rand = prng(seed);
    let shared = 0;
    let refused = 0;
    for (let step = 0; step < steps; step++) {
      const previous = current;
      const previousText = JSON.stringify(previous);
      const ops = randomOps(rand, previous);
      // A JSON copy, not structuredClone: two places that hold one object
      // are two values in JSON (and after any save), and so in a draft.
      // The action's arguments are frozen (a patch freezes them), so the
      // oracle gets frozen operations too: a later operation that writes
      // into a value an earlier one pushed throws in both.
      let expected;
      try {
        expected = applyOps(JSON.parse(previousText), deepFreeze(structuredClone(ops)));
      } catch (thrown) {
        expected = thrown;
      }
      const where = `seed ${seed} step ${step} ops ${JSON.stringify(ops)}`;
      if (expected instanceof Error) {
        assert.throws(() => session.patch(apply, ops), { name: expected.name }, where);
        assert.equal(current, previous, `a refused patch changed the data: ${where}`);
        refused++;
        continue;
      }
      assert.equal(session.patch(apply, ops), true, where);
      assert.equal(proxyIn(current), undefined, `a draft was left in the data: ${where} in ${previousText}`);
      assert.deepEqual(current, expected, where);
      assert.equal(JSON.stringify(previous), previousText, `the previous snapshot changed: ${where}`);
      assert.ok(deeplyFrozen(current), `not deeply frozen: ${where}`);
      // A top-level subtree no operation reached (by its path, or as the
      // source of a move) must be the previous snapshot's own object.
      const touched = new Set(ops.flatMap(([op, path, , b]) => [path[0], op === "move" ? b[0] : undefined]));
      const rootTouched = ops.some(([, path]) => path.length === 0);
      for (const key of Object.keys(previous)) {
        if (rootTouched || touched.has(key) || typeof previous[key] !== "object" || previous[key] === null) continue;
        assert.equal(current[key], previous[key], `untouched subtree ${key} was copied: ${where}`);
        shared++;
      }
    }
    assert.ok(shared > steps / 4, `the run checked sharing only ${shared} times`);
    assert.ok(refused < steps / 4, `${refused} of ${steps} steps were refused: the operations test too little`);
    await store.close();
  } finally {
    strict(before);
  }
}

test("drafts: random operations give what plain JS gives, share untouched subtrees, freeze all (strict off)", async () => {
  for (const seed of [1, 2, 3, 4, 5]) await randomised(false, seed, 150);
});

test("drafts: the same in strict mode (two runs on drafts, compared)", async () => {
  for (const seed of [11, 12, 13]) await randomised(true, seed, 100);
});

test("drafts: a big document is shared, not copied, by a change to one item (strict off and on)", async () => {
  const before = strict();
  try {
    for (const mode of [false, true]) {
      strict(mode);
      await oneItemOfMany();
    }
  } finally {
    strict(before);
  }
});

async function oneItemOfMany() {
  const store = new Store({
    name: "draft-big",
    defaultData: () => ({ money: 0, inventory: Array.from({ length: 1000 }, (_, i) => ({ id: i, count: 0 })), quests: { q: [1, 2, 3] } }),
    backend: new MemoryBackend(),
    pullDelay: 1e6,
  });
  const bump = store.action((d, i) => {
    d.inventory[i].count += 1;
    return d;
  });
  const s = store.load("k");
  await s.await();
  let current;
  s.updated((d) => (current = d));
  const before = current;
  s.patch(bump, 7);
  assert.equal(current.inventory[7].count, 1);
  assert.notEqual(current.inventory, before.inventory);
  assert.equal(current.quests, before.quests);
  for (let i = 0; i < 1000; i++) if (i !== 7) assert.equal(current.inventory[i], before.inventory[i], `item ${i} was copied`);
  await store.close();
}

test("drafts: returning a new value, cancelling, and reading a draft like data", async () => {
  const store = new Store({ name: "draft-forms", defaultData: () => ({ n: 1, list: [{ a: 1 }], o: { p: 2 } }), backend: new MemoryBackend(), pullDelay: 1e6 });
  const spread = store.action((d) => ({ ...d, n: d.n + 1 }));
  const cancel = store.action((d) => {
    d.n = 99;
    d.list.push(1);
    return undefined;
  });
  const reads = store.action((d) => {
    // A draft answers like the data: type checks, keys, `in`, JSON.
    const facts = [Array.isArray(d.list), Object.keys(d).join(), "o" in d, JSON.stringify(d.o), d.list.map((x) => x.a).join()];
    d.facts = facts.join("|");
    return d;
  });
  const s = store.load("k");
  await s.await();
  let current;
  s.updated((d) => (current = d));
  const first = current;
  assert.equal(s.patch(spread), true);
  assert.equal(current.n, 2);
  assert.equal(current.o, first.o, "a spread shares the values it copied");
  assert.equal(s.patch(cancel), false);
  assert.equal(current.n, 2);
  assert.equal(current.list.length, 1);
  assert.equal(s.patch(reads), true);
  assert.equal(current.facts, 'true|n,list,o|true|{"p":2}|1');
  await store.close();
});

test("drafts: a draft kept past its action is refused with invalid_options", async () => {
  const store = new Store({ name: "draft-leak", defaultData: () => ({ o: { p: 1 } }), backend: new MemoryBackend(), pullDelay: 1e6 });
  let kept;
  const keep = store.action((d) => {
    kept = d.o;
    return d;
  });
  const s = store.load("k");
  await s.await();
  inStrictMode(false, () => s.patch(keep));
  assert.throws(() => {
    kept.p = 2;
  }, (e) => e.code === "invalid_options" && /after its action returned/.test(e.message));
  assert.throws(() => kept.p, (e) => e.code === "invalid_options");
  await store.close();
});

test("drafts: a draft stored inside itself is a cycle, refused in strict mode with its path", async () => {
  const store = new Store({ name: "draft-cycle", defaultData: () => ({ o: { p: 1 } }), backend: new MemoryBackend(), pullDelay: 1e6 });
  const selfish = store.action((d) => {
    d.o.back = d;
    return d;
  });
  const s = store.load("k");
  await s.await();
  inStrictMode(true, () =>
    assert.throws(() => s.patch(selfish), (e) => e.code === "strict_not_json_from_action" && /data\.o\.back/.test(e.message)),
  );
  await store.close();
});

test("drafts: a named property of an array is refused at once with not_json (JSON would drop it), in any mode", async () => {
  const store = new Store({ name: "draft-named", defaultData: () => ({ list: [1], o: { p: 1 } }), backend: new MemoryBackend(), pullDelay: 1e6 });
  const tag = store.action((d) => {
    d.list.tag = d.o;
    d.o.p = 2;
    return d;
  });
  const s = store.load("k");
  await s.await();
  let current;
  s.updated((d) => (current = d));
  const before = current;
  for (const mode of [false, true]) {
    inStrictMode(mode, () => assert.throws(() => s.patch(tag), (e) => e.code === "not_json" && /named property tag/.test(e.message)));
  }
  assert.equal(current, before, "nothing of the refused patch reached the snapshot");
  await store.close();
});

test("drafts: storing undefined over an untouched value is a change, seen as plain JS would (strict off)", async () => {
  const store = new Store({ name: "draft-undefined", defaultData: () => ({ n: 1, o: { p: 2 } }), backend: new MemoryBackend(), pullDelay: 1e6, onError: () => {} });
  let inside;
  const clear = store.action((d) => {
    d.n = undefined;
    d.o.p = undefined;
    inside = [d.n, d.o.p, "n" in d];
    return d;
  });
  const s = store.load("k");
  await s.await();
  let current;
  s.updated((d) => (current = d));
  inStrictMode(false, () => s.patch(clear));
  // An untouched draft has no child drafts yet: `undefined` must not pass
  // for "the draft of that key", which would make the store a no-op.
  assert.deepEqual(inside, [undefined, undefined, true]);
  assert.equal(current.n, undefined);
  assert.equal(current.o.p, undefined);
  assert.ok(Object.hasOwn(current, "n"));
  await store.close().catch(() => {}); // the final save drops the action: undefined is not JSON
});
