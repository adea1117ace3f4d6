// The inspector, `skilift inspect` (the package's bin, pkg/cjs/cli/main.cjs), run
// as a child process against a directory written by the real package: a
// store with a migration, user ids, several versions and a transaction left
// pending (its decision held back), plus a second store with a scope.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { Store, transaction } from "./helpers.mjs";

const PKG = fileURLToPath(new URL("../../pkg/", import.meta.url));
const BIN = join(PKG, "cjs", "cli", "main.cjs");

/** Runs the bin itself (its shebang, not `node bin`): { code, stdout, stderr }. */
function inspect(...args) {
  return new Promise((resolve) => {
    execFile(BIN, ["inspect", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** Holds back the decision records of transactions until released. */
class HoldDecisions {
  constructor(inner) {
    this.inner = inner;
    this.held = [];
    this.holding = true;
  }
  get(store, key) {
    return this.inner.get(store, key);
  }
  put(store, key, value, expected, meta) {
    if (store === "skilift:transactions" && this.holding) {
      return new Promise((resolve, reject) => this.held.push(() => this.inner.put(store, key, value, expected, meta).then(resolve, reject)));
    }
    return this.inner.put(store, key, value, expected, meta);
  }
  release() {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }
  getVersion(store, key, version) {
    return this.inner.getVersion(store, key, version);
  }
  getAtTime(store, key, time) {
    return this.inner.getAtTime(store, key, time);
  }
}

let dir;
let raw;
let hold;
let firstTime; // the time of alice's first version
let sessions = [];
let pendingTx;

/** Every file under `root` with its size and mtime: the inspector must change none. */
async function snapshot(root) {
  const out = [];
  async function walk(path) {
    for (const name of (await readdir(path)).sort()) {
      const full = join(path, name);
      const info = await stat(full);
      if (info.isDirectory()) await walk(full);
      out.push(`${full} ${info.size} ${info.mtimeMs}`);
    }
  }
  await walk(root);
  return out.join("\n");
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "skilift-inspect-"));
  raw = new FsBackend(dir);
  hold = new HoldDecisions(raw);
  const options = { defaultData: () => ({ coins: 0 }), backend: hold, pullDelay: 0.02, onError: () => {} };
  const players = new Store({ name: "players", migrations: [{ step: "v2-coins", migrate: (d) => d }], ...options });
  const add = players.action((d, n) => ({ ...d, coins: d.coins + n }));
  const give = players.transaction("give", (d, n) => ({ ...d, coins: d.coins + n }));
  const alice = players.load("alice");
  alice.userid(7);
  alice.patch(add, 5);
  await alice.stop();
  firstTime = (await raw.get("players/global", "alice")).time;
  for (const n of [3, 4]) {
    const s = players.load("alice");
    s.patch(add, n);
    await s.stop();
  }
  const inventory = new Store({ name: "inventory", scope: "eu", ...options });
  const stock = inventory.load("key with spaces");
  stock.patch(inventory.action((d) => ({ ...d, coins: 1 })));
  await stock.stop();
  // A trade whose decision is held back: both keys stay pending.
  const a = players.load("alice");
  const b = players.load("bob");
  sessions = [a, b];
  await Promise.all([a.await(), b.await()]);
  a.patch(add, -2);
  pendingTx = transaction(() => b.patch(give, 2), () => a.patch(give, 2));
  for (let i = 0; i < 5000 && JSON.parse((await raw.get("players/global", "bob"))?.value ?? '{"pending":[]}').pending.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
});

after(async () => {
  hold.release();
  await pendingTx;
  await Promise.all(sessions.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

test("the package declares the bin, and the built file is executable with a shebang", async () => {
  const pkg = JSON.parse(await readFile(join(PKG, "package.json"), "utf8"));
  assert.equal(pkg.bin.skilift, "./cjs/cli/main.cjs");
  assert.ok((await stat(BIN)).mode & 0o111, "executable");
  assert.ok((await readFile(BIN, "utf8")).startsWith("#!/usr/bin/env node\n"));
});

test("lists the stores of a directory, then the keys of a store", async () => {
  const stores = await inspect(dir);
  assert.equal(stores.code, 0, stores.stderr);
  assert.match(stores.stdout, /players\/global\s+\(2 keys\)/);
  assert.match(stores.stdout, /inventory\/eu\s+\(1 key\)/);
  const keys = await inspect(dir, "players"); // shorthand for players/global
  assert.equal(keys.code, 0, keys.stderr);
  assert.match(keys.stdout, /^players\/global: 2 keys$/m);
  assert.match(keys.stdout, /^ {2}alice {2}v\d+ /m);
  assert.match(keys.stdout, /^ {2}bob {2}v\d+ .*pending 1$/m);
  const scoped = await inspect(dir, "inventory/eu");
  assert.match(scoped.stdout, /"key with spaces"/);
});

test("shows a key's data, migrations, user ids and pending transaction", async () => {
  const { code, stdout, stderr } = await inspect(dir, "players/global", "alice");
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^migrations v2-coins$/m);
  assert.match(stdout, /^user ids +\[7\]$/m);
  assert.match(stdout, /pending +transaction \w+, created .*, decision: undecided/);
  assert.match(stdout, /if aborted: +give\(2\)/);
  const data = JSON.parse(stdout.slice(stdout.indexOf("\ndata\n") + 6));
  assert.deepEqual(data, { coins: 10 }); // 5 + 3 + 4, minus the escrow of 2
  const bob = await inspect(dir, "players", "bob");
  assert.match(bob.stdout, /if committed: +give\(2\)/);
  const spaced = await inspect(dir, "inventory/eu", "key with spaces");
  assert.equal(spaced.code, 0, spaced.stderr);
  assert.match(spaced.stdout, /"coins": 1|\{"coins":1\}/);
});

test("--history lists versions with times and user ids; --at and --version read the past", async () => {
  const history = await inspect(dir, "players", "alice", "--history");
  assert.equal(history.code, 0, history.stderr);
  const lines = history.stdout.trim().split("\n").slice(1);
  assert.ok(lines.length >= 4, history.stdout);
  for (const line of lines) assert.match(line, /^v\d+ +\d{4}-\d\d-\d\dT[\d:.]+Z {2}users \[7\] /);
  const iso = new Date(firstTime).toISOString();
  for (const at of [String(firstTime), iso]) {
    const past = await inspect(dir, "players", "alice", "--at", at);
    assert.equal(past.code, 0, past.stderr);
    assert.match(past.stdout, new RegExp(`as of ${iso.replace(/\./g, "\\.")}`));
    assert.match(past.stdout, /"coins": ?5/);
  }
  const v1 = await inspect(dir, "players", "alice", "--version", "1");
  assert.match(v1.stdout, /"coins": ?5/);
  const rawRecord = await inspect(dir, "players", "alice", "--version", "1", "--raw");
  const envelope = JSON.parse(rawRecord.stdout);
  assert.equal(envelope.skilift, 1);
  assert.deepEqual(envelope.data, { coins: 5 });
  const tooOld = await inspect(dir, "players", "alice", "--at", String(firstTime - 1));
  assert.equal(tooOld.code, 1);
  assert.match(tooOld.stderr, /no retained version as old as/);
});

test("a missing directory, store or key is a one-line error with a non-zero exit", async () => {
  const missing = join(dir, "nope");
  const noDir = await inspect(missing, "players");
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /^skilift: no directory .*nope: give the directory/);
  assert.equal(noDir.stderr.trim().split("\n").length, 1);
  assert.equal(existsSync(missing), false, "the inspector never creates the directory");
  const noStore = await inspect(dir, "guilds");
  assert.equal(noStore.code, 1);
  assert.match(noStore.stderr, /no store "guilds\/global" .*stores there: inventory\/eu, players\/global/);
  const noKey = await inspect(dir, "players", "carol");
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /no key "carol" in players\/global/);
  const badTime = await inspect(dir, "players", "alice", "--at", "yesterday");
  assert.equal(badTime.code, 2);
  assert.match(badTime.stderr, /is not a time/);
  const noArgs = await inspect();
  assert.equal(noArgs.code, 2);
  for (const r of [noStore, noKey, badTime, noArgs]) assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});

test("the inspector never writes", async () => {
  const beforeRun = await snapshot(dir);
  await inspect(dir);
  await inspect(dir, "players");
  await inspect(dir, "players", "alice");
  await inspect(dir, "players", "bob", "--history");
  await inspect(dir, "players", "alice", "--at", String(firstTime));
  assert.equal(await snapshot(dir), beforeRun);
});
