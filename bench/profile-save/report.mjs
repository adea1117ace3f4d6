// Self time of the timed windows of a profile made by harness.mjs: the top
// functions (engine = wasm, named by Rust; host = js/host; glue =
// wasm-bindgen's JS) and the time grouped by what the code does.
//   node report.mjs PROFILE.cpuprofile PATH.windows.json [TOP]
import { readFileSync } from "node:fs";

const [profileFile, windowsFile, top = "20"] = process.argv.slice(2);
const p = JSON.parse(readFileSync(profileFile, "utf8"));
const windows = JSON.parse(readFileSync(windowsFile, "utf8"));
const inWindow = (t) => windows.some(([a, b]) => t >= a && t <= b);
const byId = new Map(p.nodes.map((n) => [n.id, n]));

const wasm = (u) => u.startsWith("wasm://");
const kind = ({ url: u, functionName: f }) =>
  wasm(u) ? "engine" : u.includes("/wasm/skilift.js") ? "glue" : u.includes("/host/") ? "host" : u.includes("/pkg/cjs/") ? "js" : u === "" && f.startsWith("(") ? "vm" : "other";
const GROUPS = [
  ["engine: allocator (dlmalloc, Vec growth, frees, drops)", (f, u) => wasm(u) && /dlmalloc|raw_vec|RawVec|alloc::|drop_in_place|__rust_|memcpy|memmove|memset/.test(f)],
  ["engine: record text reading/writing (engine::record)", (f, u) => wasm(u) && /skilift::engine::record/.test(f)],
  ["engine: async runtime (js_sys::futures, wasm_bindgen, wakers, Sleep)", (f, u) => wasm(u) && /js_sys::futures|wasm_bindgen|[Ww]aker|Sleep|futures/.test(f)],
  ["engine: pull/save state machine (engine::pull, engine::session)", (f, u) => wasm(u) && /skilift::engine::(pull|session)/.test(f)],
  ["engine: bindings (skilift::bindings)", (f, u) => wasm(u) && /skilift::bindings/.test(f)],
  ["engine: other", (f, u) => wasm(u)],
  ["host: JSON.stringify + JSON check (toJson, isPlainJson*)", (f, u) => u.includes("/host/") && /^(toJson|isPlainJson|isPlainJsonOver|wellFormed|isPlainObject)$/.test(f)],
  ["host: JSON.parse of the stored data (parseJson)", (f, u) => u.includes("/host/") && f === "parseJson"],
  ["host: deep freeze", (f, u) => u.includes("/host/") && f === "freeze"],
  ["host: compare with the stored data (sameJson, firstDifference)", (f, u) => u.includes("/host/") && /sameJson|firstDifference/.test(f)],
  ["host: other", (f, u) => u.includes("/host/")],
  ["glue: string copies across the boundary", (f) => /passStringToWasm0|getStringFromWasm0|decodeText|^decode$|decodeUTF8|encodeInto/.test(f)],
  ["glue: other wasm-bindgen JS (closures, handleError, imports)", (f, u) => u.includes("/wasm/skilift.js")],
  ["GC", (f) => f === "(garbage collector)"],
  ["MemoryBackend", (f, u) => u.includes("backends/memory")],
  ["other JS (store, session, node internals, harness)", () => true],
];

const self = new Map();
const groups = new Map(GROUPS.map(([g]) => [g, 0]));
let total = 0;
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  const f = byId.get(p.samples[i]).callFrame;
  if (!inWindow(t) || f.functionName === "(idle)") continue;
  const dt = p.timeDeltas[i];
  total += dt;
  const where = wasm(f.url) ? "" : `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  const k = `${kind(f)}\t${f.functionName || "(anonymous)"}\t${where}`;
  self.set(k, (self.get(k) ?? 0) + dt);
  const g = GROUPS.find(([, test]) => test(f.functionName, f.url))[0];
  groups.set(g, groups.get(g) + dt);
}
const pct = (x) => `${((100 * x) / total).toFixed(1)}%`;
console.log(`${(total / 1000).toFixed(0)} ms sampled in the timed windows\n\n| # | self | kind | function | where |\n|---|---|---|---|---|`);
[...self]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(top))
  .forEach(([k, v], i) => {
    const [g, fn, where] = k.split("\t");
    console.log(`| ${i + 1} | ${pct(v)} | ${g} | \`${fn.replace(/::h[0-9a-f]{16}$/, "").slice(0, 100)}\` | ${where} |`);
  });
console.log("\n| where | share |\n|---|---|");
for (const [g, v] of [...groups].sort((a, b) => b[1] - a[1])) if (v > 0) console.log(`| ${g} | ${pct(v)} |`);
