// FsBackend and SqliteBackend (shared-storage.mjs), each shared by several
// processes: exact counts under contention, and processes SIGKILLed at
// random instants while they write.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { KINDS, openShared, versionNumber } from "./shared-storage.mjs";

const WORKER = new URL("./counter-worker.mjs", import.meta.url);
const STORE = "players/global";
const KEY = "counter";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Forks a worker; `result` resolves with its "done" message (or null if it was killed). */
function startWorker(kind, dir, count, { history = 5, pad = 0 } = {}) {
  const child = fork(WORKER, [kind, dir, STORE, KEY, String(count), String(history), String(pad)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let done = null;
  const failures = [];
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const ready = new Promise((resolve) => child.on("message", (m) => m.type === "ready" && resolve()));
  child.on("message", (m) => {
    if (m.type === "done") done = m;
    if (m.type === "failure") failures.push(m.message);
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  // What went wrong, for assertion messages (stderr minus Node's module-type warning).
  const report = () => [...failures, stderr.replace(/^.*(MODULE_TYPELESS|Reparsing|To eliminate|--trace-warnings).*\n/gm, "")].join("\n");
  return { child, ready, exited, result: exited.then(() => done), report };
}

async function withDir(fn) {
  const dir = await mkdtemp(join(tmpdir(), "skilift-processes-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The files of the one key directory under `dir`. */
async function keyFiles(dir) {
  const [store] = await readdir(dir);
  const [shard] = await readdir(join(dir, store));
  const [key] = await readdir(join(dir, store, shard));
  return readdir(join(dir, store, shard, key));
}

/** What killed writers may leave: nothing but the retained versions, in a sound file. */
async function checkLeftovers(kind, dir, backend, history) {
  const versions = await backend.history(STORE, KEY, { limit: 1000 });
  assert.ok(versions.length <= history, `history kept to ${history}: ${versions.length}`);
  if (kind === "fs") {
    const files = await keyFiles(dir);
    const garbage = files.filter((f) => f !== "current" && !/^v-[0-9]+$/.test(f));
    assert.deepEqual(garbage, [], "no lock or temp file is left behind");
    assert.ok(files.filter((f) => f.startsWith("v-")).length <= history, `history kept to ${history}: ${files}`);
  } else {
    const database = new Database(join(dir, "data.db"), { readonly: true });
    assert.equal(database.pragma("integrity_check", { simple: true }), "ok");
    database.close();
  }
}

/** The stored counter; its version token must count the same writes (both backends number versions by a counter). */
async function readCounter(backend) {
  const entry = await backend.get(STORE, KEY);
  assert.ok(entry, "the key reads");
  const value = JSON.parse(entry.value); // a torn record would not parse
  assert.equal(value.n, versionNumber(entry.version), "one version per increment: nothing lost, nothing doubled");
  return { entry, value };
}

for (const [kind, name] of Object.entries(KINDS)) describe(`${name} across processes`, () => {
  it("several processes incrementing one key count exactly", { timeout: 60_000 }, () =>
    withDir(async (dir) => {
      const workers = Array.from({ length: 4 }, () => startWorker(kind, dir, 40));
      const results = await Promise.all(workers.map((w) => w.result));
      for (const [i, r] of results.entries()) assert.equal(r?.done, 40, `worker ${i}: ${workers[i].report()}`);
      const { value } = await readCounter(openShared(kind, dir));
      assert.equal(value.n, 160);
    }),
  );

  it("processes killed at random instants leave a readable record, and writes go on counting exactly", { timeout: 60_000 }, (t) =>
    withDir(async (dir) => {
      const pad = 128 * 1024; // big enough that kills land inside writes
      const history = 5;
      let live = Array.from({ length: 3 }, () => startWorker(kind, dir, "forever", { history, pad }));
      for (let kill = 0; kill < 25; kill++) {
        await sleep(5 + Math.random() * 40);
        const i = Math.floor(Math.random() * live.length);
        const victim = live[i];
        await victim.ready;
        await sleep(Math.random() * 20);
        victim.child.kill("SIGKILL");
        assert.equal((await victim.exited).signal, "SIGKILL");
        live[i] = startWorker(kind, dir, "forever", { history, pad });
      }
      for (const w of live) {
        await w.ready;
        w.child.kill("SIGKILL");
        await w.exited;
      }
      live = [];

      const backend = openShared(kind, dir, { history });
      const { value: before } = await readCounter(backend);
      assert.equal(before.pad.length, pad, "the record is whole");
      t.diagnostic(`after the kills: n = ${before.n}${kind === "fs" ? `, files: ${(await keyFiles(dir)).join(" ")}` : ""}`);

      // Locks and temp files of the killed processes are recovered and swept.
      const finishers = Array.from({ length: 3 }, () => startWorker(kind, dir, 20, { history }));
      const results = await Promise.all(finishers.map((w) => w.result));
      for (const [i, r] of results.entries()) assert.equal(r?.done, 20, `finisher ${i}: ${finishers[i].report()}`);
      const { value: after } = await readCounter(backend);
      assert.equal(after.n, before.n + 60);

      await checkLeftovers(kind, dir, backend, history);
    }),
  );
});
