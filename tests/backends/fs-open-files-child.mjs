// Child process of fs-open-files.test.mjs, started under a low `ulimit -n`:
// uses the FsBackend directory DIR (KEYS keys k0…, stored by the parent)
// all at once, as a big game server and the studio do, and prints one line
// of JSON: what each step got, and every code onError reported.
//
//   node fs-open-files-child.mjs DIR KEYS

import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { Store } from "../../pkg/node.mjs";

const [dir, keysArg] = process.argv.slice(2);
const keys = Array.from({ length: Number(keysArg) }, (_, k) => `k${k}`);
const backend = new FsBackend(dir);
const reported = [];
const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend, onError: (e) => reported.push(e.code ?? e.message) });
const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
const outcome = (settled) => {
  const failed = settled.filter((s) => s.status === "rejected").map((s) => s.reason.code ?? s.reason.message);
  return { ok: settled.length - failed.length, failed: [...new Set(failed)] };
};
const steps = {};

const attempt = async (name, fn) => {
  try {
    steps[name] = await fn();
  } catch (e) {
    steps[name] = { error: e.code ?? e.message };
  }
};
// The listings read one header per key, all started together.
await attempt("list", async () => (await backend.list("players/global", { limit: 100_000 })).length);
await attempt("keys", async () => (await backend.keys("players/global")).length);
// Every session loaded at once, each changed, then every key updated at once.
const sessions = keys.map((key) => store.load(key));
steps.loads = outcome(await Promise.allSettled(sessions.map((s) => s.await())));
for (const s of sessions) s.patch(add, 1);
steps.updates = outcome(await Promise.allSettled(keys.map((key) => store.update(key, add, 10))));
await store.close();
steps.reported = [...new Set(reported)];
steps.reportedCount = reported.length;
// What was stored, read back in the child too (the parent checks the coins).
console.log(JSON.stringify(steps));
