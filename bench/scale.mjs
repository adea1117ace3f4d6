// Scale: sessions of 1 KB on MemoryBackend, all loaded at once. Each size
// runs in a child process (scale-child.mjs says why), bounded by a time
// limit: a size that exceeds it is killed and reported as aborted, with
// whatever phases it finished.
//
//   SKILIFT_BENCH_SCALE  sizes, comma-separated (default 10000,100000;
//                        quick mode 1000,10000)
//   SKILIFT_BENCH_LIMIT  seconds one size may take (default 300; the CPU
//                        run gets its measuring time on top)
//
// CPU per second is measured at the first size of 10,000 or more (the
// smallest size in quick mode), over three default pull intervals (one,
// shortened to 5 s, in quick mode).

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { QUICK } from "./measure.mjs";

const child = fileURLToPath(new URL("./scale-child.mjs", import.meta.url));

export const SIZES = (process.env.SKILIFT_BENCH_SCALE ?? (QUICK ? "1000,10000" : "10000,100000"))
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const LIMIT_SECONDS = Number(process.env.SKILIFT_BENCH_LIMIT ?? 300);
const CPU_SECONDS = QUICK ? 5 : 45;

/**
 * Runs one child for at most `limit` seconds; resolves `{ phases: { [phase]:
 * fields }, aborted, error, seconds }`. Each phase also gets `at`, the
 * seconds since the start when its line arrived (so a run killed in the
 * middle of a phase still says how long that phase had been running).
 */
function runChild(args, limit) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--expose-gc", child, ...args.map(String)], { stdio: ["ignore", "pipe", "pipe"] });
    const phases = {};
    const started = performance.now();
    const since = () => (performance.now() - started) / 1000;
    let out = "";
    let err = "";
    let aborted = false;
    const timer = setTimeout(() => {
      aborted = true;
      proc.kill("SIGKILL");
    }, limit * 1000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith("{")) {
          const fields = JSON.parse(line);
          phases[fields.phase] = { ...fields, at: since() };
        }
      }
    });
    proc.stderr.on("data", (chunk) => (err += chunk));
    proc.on("close", (code) => {
      clearTimeout(timer);
      const error = !aborted && code !== 0 ? err.trim().split("\n").slice(-3).join(" | ") || `exit ${code}` : undefined;
      resolve({ phases, aborted, error, seconds: since() });
    });
  });
}

/**
 * Returns `{ limitSeconds, sizes: [{ sessions, phases, aborted, error }], cpu }`.
 * `log(text)` tells the reader which size is running (the large one takes minutes today).
 */
export async function benchScale(log) {
  const sizes = [];
  for (const sessions of SIZES) {
    log(`scale: ${sessions} sessions (limit ${LIMIT_SECONDS} s)…`);
    sizes.push({ sessions, ...(await runChild([sessions, "memory"], LIMIT_SECONDS)) });
  }
  const cpuSize = QUICK ? SIZES[0] : (SIZES.find((n) => n >= 10_000) ?? SIZES[0]);
  let cpu;
  if (cpuSize !== undefined) {
    log(`scale: CPU per second at ${cpuSize} sessions over ${CPU_SECONDS} s…`);
    cpu = { sessions: cpuSize, seconds: CPU_SECONDS, ...(await runChild([cpuSize, "cpu", CPU_SECONDS], LIMIT_SECONDS + CPU_SECONDS)) };
  }
  return { limitSeconds: LIMIT_SECONDS, sizes, cpu };
}
