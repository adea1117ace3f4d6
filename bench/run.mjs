// `npm run bench`: skilift against a plain-JavaScript baseline measured in
// the same run, as ratios (skilift time / baseline time; lower is better).
//
//   patch  — `session.patch` throughput with an `updated` callback bound
//            (strict mode off), documents of about 1 KB and 64 KB;
//   save   — CPU cost of a pull/save cycle for 1,000 keys with 10 queued
//            actions each;
//   size   — the wasm module, raw and gzipped.
//
// Each measurement is repeated and the median taken; the baseline and
// skilift alternate so that machine noise hits both.

import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { basePatch, baseSave, clone, deepFreeze } from "./baseline.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Store, MemoryBackend, strict } = await import(join(root, "pkg", "node.mjs"));

const TARGETS = { patch1k: 1.5, patch64k: 1.2, save: 1.5, gzipKb: 150 };

/** A player document of about `bytes` of JSON. */
function playerDoc(bytes) {
  const doc = { coins: 0, name: "player", level: 1, stats: { wins: 0, losses: 0 }, inventory: [] };
  for (let i = 0; JSON.stringify(doc).length < bytes; i++) {
    doc.inventory.push({ id: i, item: `item-${i}`, count: i % 7, tags: ["a", "b"] });
  }
  return doc;
}

const addCoins = (data, n) => {
  data.coins += n;
  return data;
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ns per op of `fn` run `n` times. */
function timeIt(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}

async function benchPatch(bytes, n) {
  const doc = playerDoc(bytes);
  let sink = 0;
  const callback = (d) => {
    sink += d.coins;
  };
  const state = { cache: deepFreeze(clone(doc)) };
  const store = new Store({
    name: `bench${bytes}`,
    defaultData: () => clone(doc),
    backend: new MemoryBackend(),
    pullDelay: 1e6,
    onError: (e) => {
      throw e;
    },
  });
  const action = store.action(addCoins);
  const session = store.load("p");
  await session.await();
  session.updated(callback);
  const base = [];
  const ours = [];
  for (let round = 0; round < 7; round++) {
    base.push(timeIt(n, () => basePatch(state, addCoins, callback, 1)));
    ours.push(timeIt(n, () => session.patch(action, 1)));
  }
  await session.stop();
  if (sink === 0) throw new Error("callbacks never ran");
  return { base: median(base), ours: median(ours) };
}

async function benchSave(keys, actions) {
  const doc = playerDoc(1024);
  const text = JSON.stringify(doc);
  let sink = 0;
  const callback = (d) => {
    sink += d.coins;
  };
  const base = [];
  const ours = [];
  for (let round = 0; round < 5; round++) {
    // Baseline.
    const map = new Map();
    for (let k = 0; k < keys; k++) map.set(`k${k}`, { value: text, version: 1 });
    const queue = Array.from({ length: actions }, () => [addCoins, 1]);
    let t0 = process.cpuUsage();
    for (let k = 0; k < keys; k++) baseSave(map, `k${k}`, queue, callback);
    let dt = process.cpuUsage(t0);
    base.push((dt.user + dt.system) / keys);

    // skilift: every key already stored (as in the baseline's map); load
    // them, queue the actions, then time the final saves.
    const backend = new MemoryBackend();
    const options = {
      name: "save",
      defaultData: () => clone(doc),
      backend,
      pullDelay: 1e6,
      onError: (e) => {
        throw e;
      },
    };
    const seed = new Store(options);
    const touch = seed.action((d) => d);
    const seeded = Array.from({ length: keys }, (_, k) => seed.load(`k${k}`));
    for (const s of seeded) s.patch(touch);
    await seed.close();
    const store = new Store(options);
    const action = store.action(addCoins);
    const sessions = [];
    for (let k = 0; k < keys; k++) sessions.push(store.load(`k${k}`));
    await Promise.all(sessions.map((s) => s.await()));
    for (const s of sessions) {
      s.updated(callback);
      for (let a = 0; a < actions; a++) s.patch(action, 1);
    }
    t0 = process.cpuUsage();
    await Promise.all(sessions.map((s) => s.stop()));
    dt = process.cpuUsage(t0);
    ours.push((dt.user + dt.system) / keys);
    const stored = JSON.parse((await backend.get("save/global", "k0")).value);
    if (JSON.stringify(stored).indexOf(`"coins":${actions}`) < 0) throw new Error("the save did not store the actions");
  }
  if (sink === 0) throw new Error("callbacks never ran");
  return { base: median(base), ours: median(ours), asyncFloor: await asyncFloor(keys, actions, text, callback) };
}

/**
 * For context, not a target: the baseline's work done through the same
 * async MemoryBackend skilift saves to (await get, replay, await put), i.e.
 * what any promise-based backend costs before a library adds anything.
 */
async function asyncFloor(keys, actions, text, callback) {
  const runs = [];
  for (let round = 0; round < 5; round++) {
    const backend = new MemoryBackend();
    for (let k = 0; k < keys; k++) await backend.put("floor", `k${k}`, text, null, { userIds: [] });
    const t0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        const entry = await backend.get("floor", `k${k}`);
        let data = JSON.parse(entry.value);
        for (let a = 0; a < actions; a++) data = addCoins(data, 1);
        await backend.put("floor", `k${k}`, JSON.stringify(data), entry.version, { userIds: [] });
        callback(deepFreeze(data));
      }),
    );
    const dt = process.cpuUsage(t0);
    runs.push((dt.user + dt.system) / keys);
  }
  return median(runs);
}

function wasmSize() {
  const bytes = readFileSync(join(root, "pkg", "cjs", "wasm", "skilift_bg.wasm"));
  return { raw: bytes.length / 1024, gzip: gzipSync(bytes, { level: 9 }).length / 1024 };
}

strict(false);
const line = (name, r, target, unit) =>
  console.log(
    `${name.padEnd(28)} baseline ${r.base.toFixed(2).padStart(9)} ${unit}  skilift ${r.ours
      .toFixed(2)
      .padStart(9)} ${unit}  ratio ${(r.ours / r.base).toFixed(2)}x (target ≤ ${target}x)${
      r.ours / r.base <= target ? "" : "  MISSED"
    }`,
  );

const p1 = await benchPatch(1024, 20_000);
line("patch, 1 KB document", { base: p1.base / 1000, ours: p1.ours / 1000 }, TARGETS.patch1k, "µs/op");
const p64 = await benchPatch(64 * 1024, 300);
line("patch, 64 KB document", { base: p64.base / 1000, ours: p64.ours / 1000 }, TARGETS.patch64k, "µs/op");
const s = await benchSave(1000, 10);
line("save cycle, 1,000 keys × 10", s, TARGETS.save, "µs CPU/key");
console.log(
  `  (for context: the baseline's work through the same async MemoryBackend costs ${s.asyncFloor.toFixed(2)} µs CPU/key, ${(
    s.asyncFloor / s.base
  ).toFixed(2)}x the synchronous baseline; skilift is ${(s.ours / s.asyncFloor).toFixed(2)}x that)`,
);
const size = wasmSize();
console.log(
  `wasm size                    ${size.raw.toFixed(1)} KB raw, ${size.gzip.toFixed(1)} KB gzipped (target ≤ ${TARGETS.gzipKb} KB)${
    size.gzip <= TARGETS.gzipKb ? "" : "  MISSED"
  }`,
);
