// FsBackend under a low limit on open files (`ulimit -n`): a listing of a
// store with more keys than the limit, and as many loads and updates at
// once, all succeed with no backend failure reported, and every change is
// stored exactly once. Before js/backends/fs/open_files.js bounded the
// files open at once, the listing failed with EMFILE and the loads and
// updates got through only by retrying thousands of EMFILE failures.
// A real child process under bash's `ulimit -n`, on a real directory.
import { it } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { LIMIT, assertAllOnce, runChild, seed } from "./many-at-once.mjs";

const KEYS = 1200;

it(`FsBackend: ${KEYS} keys listed, loaded and updated at once under ulimit -n ${LIMIT}`, { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "skilift-open-files-"));
  try {
    const backend = new FsBackend(dir);
    await seed(backend, KEYS);
    await assertAllOnce(backend, KEYS, await runChild(["fs", dir, String(KEYS)]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
