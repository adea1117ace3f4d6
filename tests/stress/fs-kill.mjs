// Campaign fs-kill: game-server processes (kill-worker.mjs) append unique
// ids to one key through FsBackend, two at a time on one directory, and are
// SIGKILLed at random instants (campaign sqlite-kill, sqlite-kill.mjs: the
// same through SqliteBackend on one database file); each killed one is replaced. After every
// kill the parent reads the key with a fresh store and checks:
//
// - it loads (the read succeeds and is not garbage);
// - every id a child reported as acknowledged (after its save) is there;
// - no id is there twice.
//
// At the end a session loads the key, is not bad, and takes a write.

import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../pkg/node.mjs";
import { openShared } from "../backends/shared-storage.mjs";
import { Failures, fmt, rng, sleep } from "./support.mjs";

const WORKER = new URL("./kill-worker.mjs", import.meta.url);
const KEY = "shared";
const WRITERS = 2;
// Liveness bounds, far above any real time; they measure nothing.
const READY_BOUND_MS = 60_000;
const LOAD_BOUND_MS = 60_000;

/** Rejects with `what` if `promise` has not settled within `ms`. */
function within(promise, ms, what) {
  let timer;
  const bound = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

export const run = (options) => killCampaign("fs", options);

/** The campaign on the backend `kind` names (tests/backends/shared-storage.mjs). */
export async function killCampaign(kind, { short, seed }) {
  const kills = short ? 20 : 120;
  const random = rng(seed);
  const failures = new Failures();
  const dir = await mkdtemp(join(tmpdir(), `skilift-${kind}-kill-`));
  const acked = new Set();
  const figures = { kills: 0, saves: 0, loads: 0, loadsOk: 0, lost: 0, doubled: 0, spawned: 0 };

  function start() {
    const name = `c${figures.spawned++}`;
    const child = fork(WORKER, [kind, dir, KEY, name], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("message", (m) => {
      if (m.type === "acked") {
        figures.saves++;
        for (const id of m.ids) acked.add(id);
      }
      if (m.type === "bad") failures.add(`${name}: its session went bad: ${m.reason}`);
    });
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    const ready = new Promise((resolve, reject) => {
      child.on("message", (m) => m.type === "ready" && resolve());
      exited.then((e) => reject(new Error(`${name} exited before it was ready (${JSON.stringify(e)}): ${stderr.slice(0, 2000)}`)));
    });
    return { name, child, exited, ready: within(ready, READY_BOUND_MS, `${name} ready`) };
  }

  /** Reads the key through a fresh store and checks it; the read is one of the loads counted. */
  async function check(when) {
    figures.loads++;
    const errors = [];
    const store = new Store({ name: "players", defaultData: () => ({ log: [] }), backend: openShared(kind, dir), onError: (e) => errors.push(e) });
    let data;
    try {
      data = await within(store.view(KEY).latest(), LOAD_BOUND_MS, "the read");
    } catch (error) {
      failures.add(`${when}: the key does not load: ${error?.code ?? ""} ${error?.message ?? error}`);
      return false;
    } finally {
      await store.close();
    }
    if (!failures.check(data === undefined || Array.isArray(data?.log), `${when}: the data is not the shape written: ${JSON.stringify(data)?.slice(0, 200)}`)) return false;
    figures.loadsOk++;
    const log = data?.log ?? [];
    const seen = new Set();
    for (const id of log) {
      if (seen.has(id)) {
        figures.doubled++;
        failures.add(`${when}: ${id} is stored twice`);
      }
      seen.add(id);
    }
    for (const id of acked) {
      if (!seen.has(id)) {
        figures.lost++;
        failures.add(`${when}: ${id} was acknowledged but is not stored`);
      }
    }
    return true;
  }

  let live = [];
  try {
    live = Array.from({ length: WRITERS }, start);
    await Promise.all(live.map((w) => w.ready));
    while (figures.kills < kills) {
      await sleep(random.int(0, 300));
      const i = random.int(0, live.length - 1);
      live[i].child.kill("SIGKILL");
      const exit = await live[i].exited;
      figures.kills++;
      if (exit.signal !== "SIGKILL") failures.add(`${live[i].name} ended by itself before the kill: ${JSON.stringify(exit)}`);
      // A key that does not load stops the campaign: new writers could not start on it.
      if (!(await check(`after kill ${figures.kills} (${live[i].name})`))) break;
      live[i] = start();
      await live[i].ready;
    }
    for (const w of live) w.child.kill("SIGKILL");
    await Promise.all(live.map((w) => w.exited));
    live = [];
    if (failures.count === 0 && (await check("after the last kill"))) await takesWrites(kind, dir, failures);
  } catch (error) {
    failures.add(error?.stack ?? String(error));
  } finally {
    for (const w of live) w.child.kill("SIGKILL");
    await Promise.all(live.map((w) => w.exited));
    await rm(dir, { recursive: true, force: true });
  }
  return {
    figures:
      `seed ${seed}, ${fmt(figures.kills)} kills of ${WRITERS} writers on one key, ${fmt(figures.saves)} acknowledged saves of ${fmt(acked.size)} ids, ` +
      `${fmt(figures.lost)} lost, ${fmt(figures.doubled)} doubled, ${fmt(figures.loadsOk)}/${fmt(figures.loads)} loads ok`,
    failures,
  };
}

/** A session loads the key after all the kills, is not bad, and its write lands. */
async function takesWrites(kind, dir, failures) {
  const open = () => new Store({ name: "players", defaultData: () => ({ log: [] }), backend: openShared(kind, dir), onError: () => {} });
  const store = open();
  const add = store.action((data, id) => ({ ...data, log: [...data.log, id] }));
  const session = store.load(KEY);
  await within(session.await(), LOAD_BOUND_MS, "the final load");
  failures.check(session.loaded() && session.bad() === undefined, `the final session: loaded ${session.loaded()}, bad ${session.bad()}`);
  session.patch(add, "after");
  await session.stop();
  const data = await open().view(KEY).latest();
  failures.check(data?.log?.at(-1) === "after", "the key does not take a write after the kills");
}
