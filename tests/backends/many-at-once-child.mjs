// Child process of fs-open-files.test.mjs and fetch-requests.test.mjs,
// started under a low `ulimit -n`: uses a backend holding KEYS keys k0…
// (stored by the parent) all at once, as a big game server and the studio
// do, and prints one line of JSON: what each step got, and every code
// onError reported.
//
//   node many-at-once-child.mjs fs DIR KEYS
//   node many-at-once-child.mjs fetch URL KEYS [MAX_REQUESTS]

import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { FetchBackend } from "../../pkg/cjs/backends/http/fetch.cjs";
import { Store } from "../../pkg/node.mjs";

const [kind, target, keysArg, maxRequests] = process.argv.slice(2);
const keys = Array.from({ length: Number(keysArg) }, (_, k) => `k${k}`);
const backend =
  kind === "fs" ? new FsBackend(target) : new FetchBackend(target, maxRequests ? { maxRequests: Number(maxRequests) } : {});
const reported = [];
const store = new Store({
  name: "players",
  defaultData: () => ({ coins: 0 }),
  backend,
  onError: (e) => reported.push(e.code ?? e.cause?.code ?? e.message),
});
const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
const outcome = (settled) => {
  const failed = settled.filter((s) => s.status === "rejected").map((s) => s.reason.code ?? s.reason.message);
  return { ok: settled.length - failed.length, failed: [...new Set(failed)] };
};
const steps = {};

// A listing (FsBackend reads one header per key, all started together).
try {
  steps.list = (await backend.list("players/global", { limit: 100_000 })).length;
} catch (e) {
  steps.list = { error: e.code ?? e.cause?.code ?? e.message };
}
// Every session loaded at once, each changed, then every key updated at once.
const sessions = keys.map((key) => store.load(key));
steps.loads = outcome(await Promise.allSettled(sessions.map((s) => s.await())));
for (const s of sessions) s.patch(add, 1);
steps.updates = outcome(await Promise.allSettled(keys.map((key) => store.update(key, add, 10))));
await store.close();
steps.reported = [...new Set(reported)];
steps.reportedCount = reported.length;
console.log(JSON.stringify(steps));
