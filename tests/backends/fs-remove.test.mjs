// FsBackend.remove beyond the shared contract: what is left on disk (no
// file holds the value any more), a remove killed after its commit (reads
// treat the key as removed; the next write or remove finishes it), version
// numbers that go on from a removal, and retention across it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { link, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBackend } from "../../js/backends/fs/index.js";
import { encodeRecord } from "../../js/backends/fs/record.js";
import { listStores } from "../../js/backends/fs/inspect.js";

const STORE = "players/global";

async function withDir(fn) {
  const dir = await mkdtemp(join(tmpdir(), "skilift-fs-remove-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir` whose bytes contain `text`. */
async function filesHolding(dir, text) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if ((await readFile(path)).includes(Buffer.from(text))) found.push(path);
  }
  return found;
}

/** The directory of the only key under `dir`. */
async function onlyKeyDir(dir) {
  const [store] = await readdir(dir);
  const [shard] = await readdir(join(dir, store));
  const [key] = await readdir(join(dir, store, shard));
  return join(dir, store, shard, key);
}

/** Writes `n` versions of `key`; resolves their tokens. */
async function writeVersions(b, key, n, value = (i) => `secret-${i}`, from = null) {
  const tokens = [];
  for (let i = 0; i < n; i++) tokens.push(await b.put(STORE, key, value(i), tokens.at(-1) ?? from, { userIds: [7] }));
  return tokens;
}

describe("FsBackend remove", () => {
  it("leaves no file that holds the value: no version, no current, no temp file of a dead writer", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir);
      await writeVersions(b, "k", 5);
      const keyDir = await onlyKeyDir(dir);
      // What a writer killed after writing its temp file leaves (pid 2^22+1: never alive here).
      await writeFile(join(keyDir, `tmp-${"0".repeat(8)}-4194305-abcdef`), "secret-temp");
      assert.ok((await filesHolding(dir, "secret-")).length >= 6);
      await b.remove(STORE, "k");
      assert.deepEqual(await filesHolding(dir, "secret-"), []);
      assert.equal(await b.get(STORE, "k"), null);
    }));

  it("version numbers go on after a removal, so old tokens never come back", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir);
      assert.deepEqual(await writeVersions(b, "k", 3), ["1", "2", "3"]);
      await b.remove(STORE, "k");
      await b.remove(STORE, "k"); // the second is a no-op: no new number
      assert.deepEqual(await writeVersions(b, "k", 2), ["5", "6"]);
    }));

  it("a remove killed after its commit: reads see no key, and the next write finishes the removal", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir);
      const tokens = await writeVersions(b, "k", 3);
      const keyDir = await onlyKeyDir(dir);
      // The commit of a remove (the removal record linked as v-4), and nothing after it.
      const marker = encodeRecord({ store: STORE, key: "k", version: "4", time: Date.now(), userIds: [], value: "", removed: true });
      await writeFile(join(keyDir, "tmp-x"), marker);
      await link(join(keyDir, "tmp-x"), join(keyDir, "v-4"));
      await rm(join(keyDir, "tmp-x"));
      assert.equal(await b.get(STORE, "k"), null);
      for (const v of tokens) assert.equal(await b.getVersion(STORE, "k", v), null, `version ${v}`);
      assert.equal(await b.getAtTime(STORE, "k", Date.now() + 1000), null);
      assert.deepEqual(await b.history(STORE, "k"), []);
      assert.deepEqual(await b.list(STORE), []);
      assert.deepEqual(await b.keysByUser(STORE, 7), []);
      assert.equal(await b.put(STORE, "k", "stale", "3", { userIds: [] }), null);
      assert.ok((await filesHolding(dir, "secret-")).length > 0, "the crash left the old files");
      assert.equal(await b.put(STORE, "k", "fresh", null, { userIds: [] }), "5");
      assert.deepEqual(await filesHolding(dir, "secret-"), [], "the write after it deleted them");
      assert.deepEqual((await b.history(STORE, "k")).map((v) => v.version), ["5"]);
    }));

  it("a remove killed after its commit is finished by the next remove", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir);
      await writeVersions(b, "k", 2);
      const keyDir = await onlyKeyDir(dir);
      const marker = encodeRecord({ store: STORE, key: "k", version: "3", time: Date.now(), userIds: [], value: "", removed: true });
      await writeFile(join(keyDir, "v-3"), marker);
      await b.remove(STORE, "k");
      assert.deepEqual(await filesHolding(dir, "secret-"), []);
      assert.equal(await b.put(STORE, "k", "fresh", null, { userIds: [] }), "4");
    }));

  it("retention prunes the removal record like any version; history and getAtTime stop at a removal", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir, { history: 3 });
      await writeVersions(b, "k", 2);
      await b.remove(STORE, "k");
      const removedAt = Date.now();
      await new Promise((r) => setTimeout(r, 15));
      const fresh = await writeVersions(b, "k", 2, (i) => `new-${i}`);
      assert.deepEqual((await b.history(STORE, "k")).map((v) => v.version), [...fresh].reverse());
      assert.equal(await b.getAtTime(STORE, "k", removedAt), null, "nothing was current between the removal and the next write");
      const more = await writeVersions(b, "k", 4, (i) => `more-${i}`, fresh.at(-1));
      assert.deepEqual((await b.history(STORE, "k")).map((v) => v.version), more.slice(-3).reverse());
      assert.equal((await readdir(await onlyKeyDir(dir))).filter((f) => f.startsWith("v-")).length, 3);
    }));

  it("the inspector counts only keys that exist", () =>
    withDir(async (dir) => {
      const b = new FsBackend(dir);
      await writeVersions(b, "a", 1);
      await writeVersions(b, "b", 1);
      await b.remove(STORE, "a");
      assert.deepEqual(await listStores(dir), [{ store: STORE, keys: 1 }]);
      assert.deepEqual(await b.keys(STORE), ["b"]);
    }));
});
