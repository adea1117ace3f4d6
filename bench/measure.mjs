// Timing helpers shared by the workloads, and the knobs of a run.

const env = process.env;

/** `SKILIFT_BENCH_QUICK=1`: fewer rounds, shorter rounds, smaller scale (development only; figures are rough). */
export const QUICK = env.SKILIFT_BENCH_QUICK === "1";

/** Rounds per figure; the median is reported (5, as in the issue). */
export const ROUNDS = QUICK ? 3 : 5;

/** Milliseconds each contender runs per round of a patch cell. */
export const ROUND_MS = QUICK ? 60 : 300;

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Operations per second of `step(n)` (n counts from `start`), run in batches
 * until `ms` have passed. Batches keep the clock reads out of the loop; the
 * count carries on across rounds so a change never repeats a state.
 */
export function rate(ms, start, step) {
  let n = start;
  let batch = 16;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(ms * 1e6);
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) step(n++);
    now = process.hrtime.bigint();
    if (batch < 4096) batch *= 2;
  }
  return { perSecond: ((n - start) * 1e9) / Number(now - t0), next: n };
}

/** CPU microseconds (user + system) of this process since `since` (a `process.cpuUsage()` reading). */
export function cpuSince(since) {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

/**
 * Runs `rounds` rounds; in each, every contender's `run()` once, in an order
 * rotated by the round number, so that no contender always runs first (warm
 * caches, a quiet machine) or last. Returns each contender's values in order.
 */
export async function interleave(contenders, rounds, run) {
  const results = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = (j + r) % contenders.length;
      results[c].push(await run(contenders[c], r));
    }
  }
  return results;
}
