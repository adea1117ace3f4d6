// FsBackend under a low limit on open files (`ulimit -n`): a listing of a
// store with more keys than the limit, and as many loads and updates at
// once, all succeed with no backend failure reported, and every change is
// stored exactly once. Before js/backends/fs/open_files.js bounded the
// files open at once, the listing failed with EMFILE and the loads and
// updates got through only by retrying thousands of EMFILE failures.
// A real child process under bash's `ulimit -n`, on a real directory.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { Store } from "../../pkg/node.mjs";

const CHILD = fileURLToPath(new URL("./fs-open-files-child.mjs", import.meta.url));
const KEYS = 1200;
const LIMIT = 200; // open files for the whole child process, Node's own included

it(`FsBackend: ${KEYS} keys listed, loaded and updated at once under ulimit -n ${LIMIT}`, { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "skilift-open-files-"));
  try {
    // Stored from here, 50 at a time (no limit on this process's files).
    const backend = new FsBackend(dir);
    const seed = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
    const touch = seed.action((d) => ({ ...d }));
    for (let k = 0; k < KEYS; k += 50) {
      await Promise.all(Array.from({ length: Math.min(50, KEYS - k) }, (_, i) => seed.update(`k${k + i}`, touch)));
    }
    await seed.close();
    const run = spawnSync("bash", ["-c", `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath, CHILD, dir, String(KEYS)], {
      encoding: "utf8",
      timeout: 200_000,
    });
    assert.equal(run.status, 0, `the child failed (signal ${run.signal}):\n${run.stderr}`);
    const steps = JSON.parse(run.stdout.trim().split("\n").at(-1));
    assert.deepEqual(
      steps,
      { list: KEYS, keys: KEYS, loads: { ok: KEYS, failed: [] }, updates: { ok: KEYS, failed: [] }, reported: [], reportedCount: 0 },
      run.stderr,
    );
    // Each key: the session's patch (1) and the update (10), each once.
    const coins = await Promise.all(
      Array.from({ length: KEYS }, async (_, k) => JSON.parse((await backend.get("players/global", `k${k}`)).value).data.coins),
    );
    assert.deepEqual(new Set(coins), new Set([11]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
