// FsBackend beyond the shared contract: file names of hostile keys, keys(),
// history retention and getAtTime, recovery from what a crashed process
// leaves behind (stale locks, a lagging `current`, temp files), bad arguments.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, realpath, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { FsBackend } from "../../js/backends/fs/index.js";
import { SkiliftError } from "../../js/errors.js";
import { HOST } from "../../js/backends/fs/names.js";

const STORE = "players/global";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function withDir(fn) {
  const outer = await mkdtemp(join(tmpdir(), "skilift-fs-"));
  try {
    await fn(join(outer, "data"), outer);
  } finally {
    await rm(outer, { recursive: true, force: true });
  }
}

/** Every file and directory under `dir`, as absolute paths. */
async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

/** The directory of the only key under `dir`. */
async function onlyKeyDir(dir) {
  const [store] = await readdir(dir);
  const [shard] = await readdir(join(dir, store));
  const [key] = await readdir(join(dir, store, shard));
  return join(dir, store, shard, key);
}

/** The pid of a process that has exited. */
async function deadPid() {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid;
}

const HOSTILE = [
  "../x",
  "../../../../../../tmp/skilift-escape",
  "/etc/passwd",
  "a/b",
  "a\\b",
  "C:\\Windows",
  "CON",
  "con",
  "nul.txt",
  "COM1",
  ".",
  "..",
  "",
  " ",
  "trailing.",
  "trailing ",
  "~",
  "🎮 player",
  "\u0000nul",
  "\ud800 lone surrogate",
  "\ufffd lone surrogate",
  "x".repeat(5000),
  "é".repeat(300),
  "A",
  "a",
  "Key",
  "KEY",
  "key",
];

describe("FsBackend file names", () => {
  it("hostile keys and store names stay inside the directory, apart, and are listed back", () =>
    withDir(async (dir, outer) => {
      const backend = new FsBackend(dir);
      const stores = [STORE, "../up/global", "CON/nul.txt", ""];
      for (const store of stores) {
        for (const [i, key] of HOSTILE.entries()) {
          assert.equal(typeof (await backend.put(store, key, JSON.stringify([store, i]), null, { userIds: [] })), "string");
        }
      }
      for (const store of stores) {
        for (const [i, key] of HOSTILE.entries()) {
          assert.equal((await backend.get(store, key))?.value, JSON.stringify([store, i]), `${store} ${JSON.stringify(key)}`);
        }
        assert.deepEqual(await backend.keys(store), [...HOSTILE].sort());
      }
      assert.deepEqual(await backend.keys("no/such"), []);

      assert.deepEqual(await readdir(outer), ["data"], "nothing beside the directory");
      const root = (await realpath(dir)) + sep;
      for (const path of await walk(dir)) {
        assert.ok((await realpath(path)).startsWith(root), path);
        const name = path.slice(path.lastIndexOf(sep) + 1);
        assert.match(name, /^[a-z0-9_-]{1,64}$/, "a portable name");
      }
      // Unique even where case is ignored.
      for (const path of [dir, ...(await walk(dir))]) {
        const names = await readdir(path).catch(() => null);
        if (names) assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length, path);
      }
    }));

  it("temp files and stray files are ignored by get and keys", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir);
      await backend.put(STORE, "k", "1", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      await writeFile(join(keyDir, `tmp-00000000-${await deadPid()}-abcdef`), "half a rec");
      await mkdir(join(dir, "stray-dir"));
      assert.equal((await backend.get(STORE, "k")).value, "1");
      assert.deepEqual(await backend.keys(STORE), ["k"]);
    }));
});

describe("FsBackend history", () => {
  it("keeps exactly the last `history` versions", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir, { history: 3 });
      const versions = [];
      for (let i = 1; i <= 40; i++) {
        versions.push(await backend.put(STORE, "h", `value ${i}`, versions.at(-1) ?? null, { userIds: [i] }));
      }
      for (const [i, v] of versions.entries()) {
        const entry = await backend.getVersion(STORE, "h", v);
        if (i >= 37) {
          assert.equal(entry?.value, `value ${i + 1}`);
          assert.deepEqual(entry.userIds, [i + 1]);
        } else {
          assert.equal(entry, null, `version ${i + 1} is past the retention limit`);
        }
      }
      const files = await readdir(await onlyKeyDir(dir));
      assert.equal(files.filter((f) => f.startsWith("v-")).length, 3);
    }));

  it("getAtTime picks the last version written at or before the time", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir, { history: 6 });
      const written = [];
      for (let i = 1; i <= 10; i++) {
        const version = await backend.put(STORE, "t", `v${i}`, written.at(-1)?.version ?? null, { userIds: [] });
        written.push(await backend.getVersion(STORE, "t", version));
        if (i % 3 !== 0) await sleep(3); // some versions share a millisecond, some do not
      }
      const retained = written.slice(-6);
      for (const probe of retained.flatMap((e) => [e.time, e.time + 1])) {
        const expected = retained.filter((e) => e.time <= probe).at(-1);
        assert.equal((await backend.getAtTime(STORE, "t", probe))?.value, expected.value, `at ${probe}`);
      }
      const oldest = retained[0].time;
      if (written.filter((e) => e.time < oldest).length > 0) {
        assert.equal(await backend.getAtTime(STORE, "t", oldest - 1), null, "older versions are gone");
      }
      assert.equal((await backend.getAtTime(STORE, "t", Infinity)).value, "v10");
      assert.equal(await backend.getAtTime(STORE, "t", 0), null);
      for (let i = 1; i < written.length; i++) assert.ok(written[i].time >= written[i - 1].time, "times never go back");
    }));
});

describe("FsBackend recovery", () => {
  it("a lock left by a dead process is broken at once", () =>
    withDir(async (dir) => {
      // Only the pid check can break it: the age fallback is far away.
      const backend = new FsBackend(dir, { staleLockAge: 1e9, lockTimeout: 30_000 });
      const v1 = await backend.put(STORE, "k", "1", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      await writeFile(join(keyDir, "lock"), JSON.stringify({ host: HOST, pid: await deadPid(), token: "dead", time: Date.now() }));
      assert.equal(typeof (await backend.put(STORE, "k", "2", v1, { userIds: [] })), "string");
      assert.ok(!(await readdir(keyDir)).includes("lock"), "released");
    }));

  it("a lock held by a live owner times out with a clear error, and is broken once it is old", () =>
    withDir(async (dir) => {
      const v1 = await new FsBackend(dir).put(STORE, "k", "1", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      // A live pid on another host: neither checkable nor old.
      await writeFile(join(keyDir, "lock"), JSON.stringify({ host: "ffffffff", pid: 1, token: "live", time: Date.now() }));
      const impatient = new FsBackend(dir, { lockTimeout: 50, staleLockAge: 60_000 });
      await assert.rejects(impatient.put(STORE, "k", "2", v1, { userIds: [] }), (e) => {
        assert.equal(e.code, "fs_lock_timeout");
        assert.match(e.message, /still held by process 1/);
        return true;
      });
      assert.equal((await impatient.get(STORE, "k")).value, "1", "reads do not wait for locks");
      const patient = new FsBackend(dir, { lockTimeout: 30_000, staleLockAge: 30 });
      assert.equal(typeof (await patient.put(STORE, "k", "2", v1, { userIds: [] })), "string");
    }));

  it("a lock file that is not ours is judged by its age", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir, { staleLockAge: 1000 });
      const v1 = await backend.put(STORE, "k", "1", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      await writeFile(join(keyDir, "lock"), "");
      const old = new Date(Date.now() - 60_000);
      await utimes(join(keyDir, "lock"), old, old);
      assert.equal(typeof (await backend.put(STORE, "k", "2", v1, { userIds: [] })), "string");
    }));

  it("a writer killed between commit and renaming `current` loses nothing", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir);
      const v1 = await backend.put(STORE, "k", "one", null, { userIds: [] });
      const v2 = await backend.put(STORE, "k", "two", v1, { userIds: [2] });
      const keyDir = await onlyKeyDir(dir);
      // What the crash leaves: v-2 exists, `current` is still version 1.
      await unlink(join(keyDir, "current"));
      await link(join(keyDir, "v-1"), join(keyDir, "current"));
      assert.equal((await backend.get(STORE, "k")).value, "two", "readers see the committed version");
      assert.equal(await backend.put(STORE, "k", "lost", v1, { userIds: [] }), null, "version 1 is not current");
      const v3 = await backend.put(STORE, "k", "three", v2, { userIds: [] });
      assert.equal((await backend.get(STORE, "k")).version, v3);
      assert.equal((await backend.getVersion(STORE, "k", v2)).value, "two");
    }));

  it("a first write killed before `current` existed is found", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir);
      const v1 = await backend.put(STORE, "k", "one", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      await unlink(join(keyDir, "current"));
      assert.equal((await backend.get(STORE, "k")).value, "one");
      assert.deepEqual(await backend.keys(STORE), ["k"]);
      assert.equal(await backend.put(STORE, "k", "again", null, { userIds: [] }), null);
      assert.equal(typeof (await backend.put(STORE, "k", "two", v1, { userIds: [] })), "string");
      assert.ok((await readdir(keyDir)).includes("current"));
    }));

  it("temp files of dead writers are swept; a damaged record is an error, never garbage", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(dir);
      let version = await backend.put(STORE, "k", "0", null, { userIds: [] });
      const keyDir = await onlyKeyDir(dir);
      const orphans = [`tmp-${HOST}-${await deadPid()}-0123abcd`, `lock-${HOST}-${await deadPid()}-4567ef01`];
      for (const name of orphans) await writeFile(join(keyDir, name), "partial");
      for (let i = 1; i <= 16; i++) version = await backend.put(STORE, "k", String(i), version, { userIds: [] });
      const left = await readdir(keyDir);
      for (const name of orphans) assert.ok(!left.includes(name), `${name} swept`);

      const bytes = await readFile(join(keyDir, "current"));
      await unlink(join(keyDir, "current"));
      await writeFile(join(keyDir, "current"), bytes.subarray(0, bytes.length - 1));
      await assert.rejects(backend.get(STORE, "k"), (e) => e.code === "fs_corrupt_record");
    }));
});

describe("FsBackend arguments", () => {
  const invalid = (e) => e instanceof SkiliftError && e.code === "invalid_options";

  it("bad constructor arguments throw invalid_options", () =>
    withDir(async (dir) => {
      for (const args of [[], [""], [42], [dir, { history: 0 }], [dir, { history: 1.5 }], [dir, { histroy: 5 }], [dir, null], [dir, { lockTimeout: -1 }], [dir, { staleLockAge: "1" }]]) {
        assert.throws(() => new FsBackend(...args), invalid, JSON.stringify(args));
      }
    }));

  it("creates the directory, and bad call arguments reject with invalid_options", () =>
    withDir(async (dir) => {
      const backend = new FsBackend(join(dir, "deep", "er"));
      assert.deepEqual(await readdir(join(dir, "deep", "er")), []);
      await assert.rejects(backend.get(STORE, 1), invalid);
      await assert.rejects(backend.get(null, "k"), invalid);
      await assert.rejects(backend.put(STORE, "k", { not: "a string" }, null, { userIds: [] }), invalid);
      await assert.rejects(backend.put(STORE, "k", "v", 1, { userIds: [] }), invalid);
      await assert.rejects(backend.put(STORE, "k", "v", null, { userIds: "7" }), invalid);
      await assert.rejects(backend.getVersion(STORE, "k", 1), invalid);
      await assert.rejects(backend.getAtTime(STORE, "k", "now"), invalid);
      await assert.rejects(backend.keys(undefined), invalid);
      assert.equal(typeof (await backend.put(STORE, "k", "v", undefined)), "string", "meta is optional, as in MemoryBackend");
      assert.deepEqual((await backend.get(STORE, "k")).userIds, []);
    }));
});
