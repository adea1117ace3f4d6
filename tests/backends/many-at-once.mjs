// Shared by fs-open-files.test.mjs and fetch-requests.test.mjs: stores KEYS
// keys through `backend` from this process, runs many-at-once-child.mjs
// under `ulimit -n LIMIT` on the same storage, and checks that it got
// through with no failure reported and every change stored once.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Store } from "../../pkg/node.mjs";

const CHILD = fileURLToPath(new URL("./many-at-once-child.mjs", import.meta.url));

/** Open files for the whole child process, Node's own included. */
export const LIMIT = 200;

/** Keys `k0`… stored through `backend`, 50 at a time (no limit on this process's files). */
export async function seed(backend, keys) {
  const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
  const touch = store.action((d) => ({ ...d }));
  for (let k = 0; k < keys; k += 50) {
    await Promise.all(Array.from({ length: Math.min(50, keys - k) }, (_, i) => store.update(`k${k + i}`, touch)));
  }
  await store.close();
}

/** Runs the child with `args` under the limit; resolves what it printed. Async, so a server in this process keeps answering. */
export async function runChild(args) {
  const child = spawn("bash", ["-c", `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath, CHILD, ...args]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? signal)));
  assert.equal(code, 0, `the child failed:\n${stderr}`);
  return { steps: JSON.parse(stdout.trim().split("\n").at(-1)), stderr };
}

/** Asserts the child's steps: all of `keys` listed, loaded and updated, nothing reported; then 11 coins in each key. */
export async function assertAllOnce(backend, keys, { steps, stderr }) {
  assert.deepEqual(
    steps,
    { list: keys, loads: { ok: keys, failed: [] }, updates: { ok: keys, failed: [] }, reported: [], reportedCount: 0 },
    stderr,
  );
  // Each key: the session's patch (1) and the update (10), each once.
  const coins = await Promise.all(
    Array.from({ length: keys }, async (_, k) => JSON.parse((await backend.get("players/global", `k${k}`)).value).data.coins),
  );
  assert.deepEqual(new Set(coins), new Set([11]));
}
