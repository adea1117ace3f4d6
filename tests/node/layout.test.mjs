// The shape of js/ (ARCHITECTURE.md, "Code map"): no hand-written file over
// 400 lines, so each stays readable in one sitting. The Rust side has the
// same rule in tests/engine_layers.rs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const MAX_LINES = 400;
const root = new URL("../../js/", import.meta.url).pathname;

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (/\.(c?js|d\.ts)$/.test(entry.name)) out.push(path);
  }
  return out;
}

test("no file in js/ is longer than 400 lines", async () => {
  const all = await files(root);
  assert.ok(all.length > 20, `found only ${all.length} files under ${root}`);
  const long = [];
  for (const path of all) {
    const lines = (await readFile(path, "utf8")).split("\n").length;
    if (lines > MAX_LINES) long.push(`${path.slice(root.length)}: ${lines} lines`);
  }
  assert.deepEqual(long, []);
});
