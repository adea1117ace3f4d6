// The repository README's first store runs as written, with "skilift" and
// "skilift/fs" resolved to the built package, in a fresh directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const pkg = (p) => JSON.stringify(fileURLToPath(new URL(`../../pkg/${p}`, import.meta.url)));

function example(heading) {
  const section = readme.slice(readme.indexOf(heading));
  return section.match(/```js\n([\s\S]*?)```/)[1];
}

function run(source, cwd) {
  const resolved = source
    .replace(/from "skilift\/fs"/g, `from ${pkg("cjs/backends/fs/index.cjs")}`)
    .replace(/from "skilift"/g, `from ${pkg("node.mjs")}`);
  assert.doesNotMatch(resolved, /from "skilift/, "every import resolved");
  return execFileSync(process.execPath, ["--input-type=module", "-e", resolved], { cwd, encoding: "utf8", timeout: 30_000 });
}

test("'Your first store' runs, prints the updates, and saves to ./data", () => {
  const dir = mkdtempSync(join(tmpdir(), "skilift-readme-"));
  try {
    const source = example("## Your first store");
    assert.equal(run(source, dir), "coins: 0\ncoins: 10\n");
    // Run it again: the same key now loads 10 from disk and adds 10 more.
    assert.equal(run(source, dir), "coins: 0\ncoins: 10\ncoins: 20\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
