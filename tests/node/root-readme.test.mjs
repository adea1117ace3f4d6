// The repository README's first store runs as written, with "skilift" and
// "skilift/fs" resolved to the built package, in a fresh directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
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

test("'Metrics' serves store.stats() as Prometheus text", async () => {
  // The example's fixed port becomes a free one, printed for this test.
  const source = example("### Metrics");
  assert.match(source, /\.listen\(9464\);/);
  const resolved = source
    .replace(/from "skilift"/g, `from ${pkg("node.mjs")}`)
    .replace(".listen(9464);", ".listen(0, function () { console.log(this.address().port); });");
  const child = spawn(process.execPath, ["--input-type=module", "-e", resolved], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise((resolve, reject) => {
      child.stdout.once("data", (chunk) => resolve(Number(String(chunk).trim())));
      child.once("exit", (code) => reject(new Error(`the example exited with ${code}`)));
    });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^text\/plain/);
    const text = await response.text();
    const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(samples, [
      'skilift_sessions{store="players"} 0',
      ...["loads", "pulls", "writes", "conflicts", "retries", "failures", "bad", "needsNewerVersion"].map((n) => `skilift_${n}_total{store="players"} 0`),
    ]);
    assert.match(text, /^# TYPE skilift_sessions gauge$/m);
    assert.match(text, /^# TYPE skilift_pulls_total counter$/m);
  } finally {
    child.kill();
  }
});
