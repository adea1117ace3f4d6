// Child process for tests/backends/processes.test.mjs: increments a
// counter stored under one key of a shared FsBackend directory (or
// SqliteBackend file, shared-storage.mjs) with get + conditional put,
// retrying on conflict and on failure (as the engine does).
//
//   node counter-worker.mjs KIND DIR STORE KEY COUNT HISTORY PAD_BYTES
// COUNT may be "forever" (the parent kills the process). Messages to the
// parent: { type: "ready" }, { type: "done", done, conflicts, failures }.

import { openShared } from "./shared-storage.mjs";

const [kind, dir, store, key, countArg, historyArg, padArg] = process.argv.slice(2);
const count = countArg === "forever" ? Infinity : Number(countArg);
const pad = "p".repeat(Number(padArg));
const backend = openShared(kind, dir, { history: Number(historyArg) });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let done = 0;
let conflicts = 0;
let failures = 0;
process.send({ type: "ready" });
while (done < count) {
  try {
    const entry = await backend.get(store, key);
    const n = entry ? JSON.parse(entry.value).n : 0;
    const value = JSON.stringify({ n: n + 1, writer: process.pid, pad });
    const version = await backend.put(store, key, value, entry?.version ?? null, { userIds: [process.pid] });
    if (version === null) conflicts++;
    else done++;
  } catch (e) {
    failures++;
    process.send({ type: "failure", message: String(e?.message ?? e) });
    await sleep(5 + Math.random() * 20);
  }
}
process.send({ type: "done", done, conflicts, failures });
process.disconnect();
