// A Node process whose sessions have all stopped exits by itself: a stopped
// session holds no timer (docs/api.md).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../../pkg/node.mjs", import.meta.url));

function run(source) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    // Not a timing assertion: a generous deadline so a leaked timer (the
    // default pull delay is 15 s, request timeout 30 s) fails instead of hanging.
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the child did not exit by itself; output: ${out}`));
    }, 12_000);
    child.on("exit", (code) => {
      clearTimeout(deadline);
      resolve({ code, out });
    });
  });
}

test("a process whose sessions all stopped exits by itself", async () => {
  const { code, out } = await run(`
    import { Store, MemoryBackend } from ${JSON.stringify(pkg)};
    const store = new Store({ name: "p", defaultData: () => ({ n: 0 }), backend: new MemoryBackend() });
    const add = store.action((d) => ({ ...d, n: d.n + 1 }));
    const a = store.load("a");
    const b = store.load("b");
    a.patch(add);
    await a.await();
    b.patch(add);
    await a.stop();
    await store.close();
    console.log("stopped", await store.view("a").latest().then((d) => d.n));
  `);
  assert.equal(code, 0, out);
  assert.match(out, /stopped 1/);
});

test("a session that went bad holds no timer either", async () => {
  const { code, out } = await run(`
    import { Store, MemoryBackend } from ${JSON.stringify(pkg)};
    const backend = new MemoryBackend();
    await backend.put("p/global", "a", "garbage", null, { userIds: [] });
    const store = new Store({ name: "p", defaultData: () => ({}), backend, onError: () => {} });
    const s = store.load("a");
    await s.await();
    console.log("bad:", Boolean(s.bad()));
  `);
  assert.equal(code, 0, out);
  assert.match(out, /bad: true/);
});
