// The package works through `require`, and `require` and `import` share one
// engine: one SkiliftError class, one strict-mode switch.

const { test } = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const pkgDir = path.join(__dirname, "../../pkg");

test("require('skilift') loads the CommonJS build", async () => {
  const skilift = require(path.join(pkgDir, "cjs/index.cjs"));
  for (const name of ["Store", "Session", "View", "transaction", "strict", "SkiliftError", "MemoryBackend"]) {
    assert.ok(skilift[name], name);
  }
  const store = new skilift.Store({ name: "r", defaultData: () => ({ n: 1 }), backend: new skilift.MemoryBackend() });
  const s = store.load("k");
  await s.await();
  assert.equal(s.loaded(), true);
  await s.stop();
  assert.throws(() => store.load(1), (e) => e instanceof skilift.SkiliftError && e.code === "invalid_options");
});

test("import and require share one engine", async () => {
  const cjs = require(path.join(pkgDir, "cjs/index.cjs"));
  const esm = await import(path.join(pkgDir, "node.mjs"));
  assert.equal(esm.SkiliftError, cjs.SkiliftError);
  assert.equal(esm.Store, cjs.Store);
  cjs.strict(false);
  assert.equal(esm.strict(), false);
  cjs.strict(true);
});

test("the package.json exports map resolves for require and import", async () => {
  const manifest = require(path.join(pkgDir, "package.json"));
  const root = manifest.exports["."];
  assert.equal(Object.keys(root)[0], "types", "types come first");
  assert.equal(root.node.require, "./cjs/index.cjs");
  assert.equal(root.node.import, "./node.mjs");
  assert.equal(root.browser, "./esm/index.js");
  assert.match(manifest.version, /^\d+\.\d+\.\d+/);
});
