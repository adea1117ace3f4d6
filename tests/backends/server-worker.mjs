// Child process for tests/backends/api-processes.test.mjs: one game
// server using the built package on a shared FsBackend directory (or
// SqliteBackend file, shared-storage.mjs).
//
//   node server-worker.mjs KIND DIR KEY COUNT
// Patches `add` COUNT times ("forever": until killed), each with a unique id
// logged in the data, then stops. Messages: { type: "ready" },
// { type: "done", patched }.

import { Store } from "../../pkg/node.mjs";
import { openShared } from "./shared-storage.mjs";

const [kind, dir, key, countArg] = process.argv.slice(2);
const count = countArg === "forever" ? Infinity : Number(countArg);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const store = new Store({
  name: "players",
  defaultData: () => ({ coins: 0, log: [] }),
  backend: openShared(kind, dir),
  pullDelay: 0.05,
  onError: () => {}, // conflicts and retries are expected here
});
const add = store.action((data, id) => {
  data.coins += 1;
  data.log.push(id);
  return data;
});

const session = store.load(key);
process.send({ type: "ready" });
let patched = 0;
while (patched < count) {
  session.patch(add, `${process.pid}:${patched}`);
  patched++;
  if (patched % 5 === 0) await sleep(Math.random() * 20);
}
await session.stop();
process.send({ type: "done", patched, bad: session.bad() ?? null });
process.disconnect();
