// Repeats one save path only, for `node --cpu-prof` (bench/PROFILE-save-paths.md):
// ROUNDS rounds of 1,000 stored keys of the 1 KB player on MemoryBackend, as
// bench/save.mjs does, and writes the timed windows (µs, the monotonic clock
// of the profile's timestamps) so report.mjs counts only the timed part.
//   node --cpu-prof --cpu-prof-interval 100 --cpu-prof-dir DIR harness.mjs PKG_DIR PATH [ROUNDS]
// PATH: onewriter | stale | update | updateOnce.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHANGES, DOCUMENTS, jsonCopy } from "../documents.mjs";

const [pkgDir, path, rounds = "30"] = process.argv.slice(2);
const { Store, MemoryBackend, strict } = await import(join(pkgDir, "node.mjs"));
strict(false);
const KEYS = 1000;
const doc = DOCUMENTS[0].make();
const fail = (e) => {
  console.error(e);
  process.exit(1);
};
const now = () => Number(process.hrtime.bigint() / 1000n);
const windows = [];
let cpu = 0;
for (let round = 0; round < Number(rounds); round++) {
  const options = { name: `p${round}`, defaultData: () => jsonCopy(doc), backend: new MemoryBackend(), pullDelay: 1e6, onError: fail };
  const seed = new Store(options);
  const touch = seed.action((d) => d);
  for (let k = 0; k < KEYS; k++) seed.load(`k${k}`).patch(touch);
  await seed.close();
  const store = new Store(options);
  const action = store.action(CHANGES.top);
  let timed;
  if (path === "update" || path === "updateOnce") {
    const once = path === "updateOnce";
    timed = () => Promise.all(Array.from({ length: KEYS }, (_, k) => (once ? store.updateOnce(`k${k}`, `g${k}`, action) : store.update(`k${k}`, action))));
  } else {
    const sessions = Array.from({ length: KEYS }, (_, k) => store.load(`k${k}`));
    await Promise.all(sessions.map((s) => s.await()));
    for (const s of sessions) for (let a = 0; a < 10; a++) s.patch(action);
    if (path === "stale") {
      const other = new Store(options);
      const level = other.action((d) => ({ ...d, level: d.level + 1 }));
      await Promise.all(Array.from({ length: KEYS }, (_, k) => other.update(`k${k}`, level)));
      await other.close();
    }
    timed = () => Promise.all(sessions.map((s) => s.stop()));
  }
  // The CPU reads outside the window: they are not the save's work.
  const c0 = process.cpuUsage();
  const w = [now()];
  await timed();
  w.push(now());
  const d = process.cpuUsage(c0);
  windows.push(w);
  cpu += d.user + d.system;
  await store.close();
}
writeFileSync(`${path}.windows.json`, JSON.stringify(windows));
console.log(`${path}: ${(cpu / Number(rounds) / KEYS).toFixed(1)} µs CPU per key in the timed part`);
