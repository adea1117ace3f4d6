// Strict mode (docs/errors.md): default, switching, and each check.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MemoryBackend, strict, quickStore, stored, throwsCode } from "./helpers.mjs";

const pkg = fileURLToPath(new URL("../../pkg/node.mjs", import.meta.url));

test("strict is off by default when NODE_ENV is production", () => {
  const source = `import { strict } from ${JSON.stringify(pkg)}; console.log(strict());`;
  const run = (env) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8", env: { ...process.env, NODE_ENV: env } }).trim();
  assert.equal(run("production"), "false");
  assert.equal(run("development"), "true");
});

test("strict is on by default outside production, and can be switched", () => {
  assert.equal(strict(), true);
  assert.equal(strict(false), false);
  assert.equal(strict(), false);
  assert.equal(strict(true), true);
  throwsCode(assert, () => strict("yes"), "invalid_options");
});

test("strict_impure_action: two runs that differ are refused, with the path", async () => {
  const backend = new MemoryBackend();
  const { store } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  let counter = 0;
  const impure = store.action((d) => ({ ...d, items: [counter++] }));
  const s = store.load("k");
  s.patch(add, 1);
  assert.throws(() => s.patch(impure), (e) => e.code === "strict_impure_action" && /data\.items\[0\]/.test(e.message));
  let flips = 0;
  const cancelsOnce = store.action((d) => (flips++ % 2 ? undefined : d));
  throwsCode(assert, () => s.patch(cancelsOnce), "strict_impure_action");
  await s.stop();
  assert.deepEqual(await stored(backend, "k"), { coins: 1, items: [] });
});

test("strict_not_json_from_action: each kind of non-JSON result is refused with its path", async () => {
  const { store } = quickStore(new MemoryBackend());
  const set = store.action((d, make) => ({ ...d, bad: makers[make]() }));
  const makers = {
    nan: () => NaN,
    inf: () => -Infinity,
    undef: () => ({ deep: [1, undefined] }),
    fn: () => () => 1,
    sym: () => Symbol("s"),
    big: () => 10n,
    map: () => new Map(),
    set: () => new Set(),
    date: () => new Date(0),
    instance: () => new (class Point { x = 1; })(),
    surrogate: () => "a\uD800b",
    hole: () => [1, , 3], // eslint-disable-line no-sparse-arrays
  };
  const s = store.load("k");
  for (const make of Object.keys(makers)) {
    assert.throws(
      () => s.patch(set, make),
      (e) => e.code === "strict_not_json_from_action" && /data\.bad/.test(e.message),
      make,
    );
  }
  const cyclic = store.action((d) => { const c = { ...d }; c.self = c; return c; });
  assert.throws(() => s.patch(cyclic), (e) => e.code === "strict_not_json_from_action" && /data\.self/.test(e.message));
  await s.stop();
});

test("strict_pass_not_json_into_action: non-JSON arguments are refused", async () => {
  const { store } = quickStore(new MemoryBackend());
  const add = store.action((d, n) => ({ ...d, coins: d.coins + (typeof n === "number" ? n : 0) }));
  const s = store.load("k");
  for (const arg of [undefined, NaN, new Map(), () => 1, { when: new Date() }]) {
    throwsCode(assert, () => s.patch(add, arg), "strict_pass_not_json_into_action");
  }
  assert.equal(s.patch(add, 1), true);
  await s.stop();
});

test("outside strict mode an impure action is applied once, not checked", async () => {
  strict(false);
  try {
    const { store } = quickStore(new MemoryBackend());
    let runs = 0;
    const count = store.action((d) => { runs++; return { ...d, coins: d.coins + 1 }; });
    const s = store.load("k");
    await s.await();
    s.patch(count);
    assert.equal(runs, 1);
    await s.stop();
  } finally {
    strict(true);
  }
});
