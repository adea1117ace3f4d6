// The package README's first example runs as written (with "skilift"
// resolved to the built package).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const readme = readFileSync(new URL("../../pkg/README.md", import.meta.url), "utf8");
const pkg = fileURLToPath(new URL("../../pkg/node.mjs", import.meta.url));

test("the README's quick start runs and saves", () => {
  const example = readme.match(/```js\n([\s\S]*?)```/)[1];
  assert.match(example, /from "skilift"/);
  const source = example.replace(/from "skilift"/, `from ${JSON.stringify(pkg)}`);
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", source], { encoding: "utf8", timeout: 20_000 });
  assert.match(out, /coins: 0\ncoins: 10/);
});
