// One scale measurement in a process of its own (started by scale.mjs with
// --expose-gc): a fresh JS heap and a fresh wasm memory, so the figures of
// one size are not those left over by another, and a size that takes too
// long can be killed without taking the benchmark with it.
//
//   node --expose-gc bench/scale-child.mjs <sessions> memory
//     load <sessions> sessions of 1 KB on MemoryBackend, the memory of the
//     idle sessions, then `store.close()`;
//   node --expose-gc bench/scale-child.mjs <sessions> cpu <seconds>
//     load them at the default pull delay, then CPU per second while each
//     session gets one patch per pull interval.
//
// Each result is one JSON line on stdout as soon as it is known, so that a
// killed run still reports the phases it finished.

import { CHANGES, DOCUMENTS, jsonCopy } from "./documents.mjs";
import { cpuSince } from "./measure.mjs";
import { MemoryBackend, Store, failFast, strict, wasmLiveBytes, wasmMemoryBytes } from "./skilift.mjs";

/** The default pull delay in seconds (StoreOptions.pullDelay); the store below leaves it unset, this only paces the patches. */
const DEFAULT_PULL_DELAY = 15;

const [count, mode, seconds] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4] ?? 0)];
const doc = DOCUMENTS[0].make();
const report = (fields) => console.log(JSON.stringify(fields));

/**
 * JS heap after full collections with a pause between them, so that the
 * finalisers of freed engine objects (which run as tasks, not inside gc())
 * have released what they hold before the last one.
 */
async function settledHeap() {
  global.gc();
  await sleep(50);
  return heap();
}

/** JS heap after two full collections (the second catches what finalisers of the first released). */
function heap() {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loads `count` sessions at once and waits until every one is loaded; returns them and the seconds it took. */
async function loadAll(store) {
  const t0 = performance.now();
  const sessions = [];
  for (let k = 0; k < count; k++) sessions.push(store.load(`player-${k}`));
  await Promise.all(sessions.map((s) => s.await()));
  const bad = sessions.filter((s) => !s.loaded()).length;
  if (bad > 0) throw new Error(`bench: ${bad} of ${count} sessions did not load`);
  return { sessions, seconds: (performance.now() - t0) / 1000 };
}

strict(false);

if (mode === "memory") {
  // The bare document, for comparison: `count` copies of it on the heap.
  let h0 = heap();
  let copies = Array.from({ length: count }, () => jsonCopy(doc));
  const bareBytes = (heap() - h0) / count;
  copies = null;

  // The backend's stored records first, by a seeding store that is then
  // closed and collected: in a real deployment they live in the database,
  // so they are weighed on their own and not counted as the sessions'.
  h0 = await settledHeap();
  const w0 = wasmMemoryBytes();
  const backend = new MemoryBackend();
  const seed = new Store({ name: "scale", defaultData: () => jsonCopy(doc), backend, onError: failFast });
  await loadAll(seed);
  await seed.close();
  const backendBytes = ((await settledHeap()) - h0) / count;

  const h1 = await settledHeap();
  const l0 = wasmLiveBytes();
  const store = new Store({ name: "scale", defaultData: () => jsonCopy(doc), backend, onError: failFast });
  let { sessions, seconds: loadSeconds } = await loadAll(store);
  report({ phase: "load", seconds: loadSeconds });
  // Idle: let the promises of the load settle before weighing.
  await sleep(100);
  const heapBytes = ((await settledHeap()) - h1) / count;
  const wasmBytes = (wasmLiveBytes() - l0) / count;
  // The memory's growth since before the seeding store's load: the peak.
  const wasmPeakBytes = (wasmMemoryBytes() - w0) / count;
  report({ phase: "memory", heapBytes, wasmBytes, wasmPeakBytes, backendBytes, bareBytes });
  sessions = null;

  report({ phase: "closing" });
  const t0 = performance.now();
  await store.close();
  report({ phase: "close", seconds: (performance.now() - t0) / 1000 });
} else if (mode === "cpu") {
  const store = new Store({ name: "scale", defaultData: () => jsonCopy(doc), backend: new MemoryBackend(), onError: failFast });
  const action = store.action(CHANGES.top);
  const { sessions, seconds: loadSeconds } = await loadAll(store);
  report({ phase: "load", seconds: loadSeconds });
  // One patch per session per pull interval, spread evenly over the
  // interval (a game's players do not all act in the same millisecond):
  // every 100 ms the next slice of sessions gets its patch.
  const tickMs = 100;
  const perTick = Math.ceil(count / ((DEFAULT_PULL_DELAY * 1000) / tickMs));
  let next = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) sessions[next++ % count].patch(action);
  }, tickMs);
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = cpuSince(t0);
  const wall = (performance.now() - w0) / 1000;
  clearInterval(timer);
  report({ phase: "cpu", cpuMsPerSecond: cpu / 1000 / wall, patches: next, seconds: wall });
  await store.close();
} else {
  throw new Error(`bench: unknown scale mode ${mode}`);
}
// Anything the engine left scheduled must not keep the process alive.
process.exit(0);
