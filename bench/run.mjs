// `npm run bench` (through scripts/bench.sh, which installs the peers and
// runs node with --expose-gc): skilift side by side with the plain-JS floor
// and the libraries a JavaScript developer would pick instead, on the
// workloads of issue 9, in one process, then the item-5 targets.
//
//   patch.mjs  changes per second, floor / Immer / Mutative / Automerge / skilift
//   save.mjs   every save path (one writer, create, stale, update, updateOnce), floor / PouchDB / skilift, CPU and wall
//   size.mjs   the wasm, raw and gzipped
//   scale.mjs  10,000 and 100,000 sessions (child processes, time-limited)
//   transactions.mjs  trades per second on PostgreSQL, skilift vs plain SQL (needs SKILIFT_PG_URL)
//   report.mjs the tables and the targets
//
// Within a workload the contenders alternate round by round (measure.mjs),
// so machine noise (here: two cores shared with other work) hits them all.
// The scale run comes last: it takes minutes and must not heat the machine
// under the interleaved rounds.

import { QUICK, ROUNDS } from "./measure.mjs";
import { benchPatch } from "./patch.mjs";
import { versions } from "./peers.mjs";
import * as report from "./report.mjs";
import { KEYS, benchSave } from "./save.mjs";
import { benchScale } from "./scale.mjs";
import { benchSize } from "./size.mjs";
import { strict } from "./skilift.mjs";

if (typeof global.gc !== "function") throw new Error("bench: run node with --expose-gc (npm run bench does)");
strict(false);
const t0 = performance.now();

// `npm run bench -- save size` runs only those workloads (patch, save,
// size, scale, transactions) and prints no targets; with no argument,
// everything (transactions only if SKILIFT_PG_URL is set: it needs PostgreSQL).
const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);

report.header({ quick: QUICK, rounds: ROUNDS, versions });
let patch;
if (wanted("patch")) {
  report.patchTitle();
  patch = await benchPatch((row) => process.stderr.write(`  patch ${row.doc} ${row.change} done\n`));
  report.patchTable(patch);
}

let save;
if (wanted("save")) {
  save = await benchSave((text) => process.stderr.write(`  ${text}\n`));
  report.saveTable(save, KEYS);
}

const sizes = await benchSize();
if (wanted("size")) report.sizeTable(sizes);

let scale;
if (wanted("scale")) {
  scale = await benchScale((text) => process.stderr.write(`  ${text}\n`));
  report.scaleTable(scale);
}

if (wanted("transactions")) {
  if (process.env.SKILIFT_PG_URL) {
    const { benchTransactions, ...setup } = await import("./transactions.mjs");
    report.transactionsTable(await benchTransactions((text) => process.stderr.write(`  ${text}\n`)), setup);
  } else report.transactionsSkipped(only.includes("transactions"));
}

if (only.length === 0) report.targets({ patch, save, scale, sizes });
console.log(`\nbench: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
