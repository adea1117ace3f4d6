// Shared kit of the stress campaigns (tests/stress/run.mjs): a seeded
// generator, figure formatting, and a failure list that keeps the first few
// failures in full and counts the rest.

/** A seeded generator (mulberry32): the same seed gives the same run of numbers. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** A float in [0, 1). */
    next,
    /** An integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** One element of `list`. */
    pick: (list) => list[Math.floor(next() * list.length)],
    /** true with probability `p`. */
    chance: (p) => next() < p,
    /** `n` random bytes. */
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}

/** A fresh seed, or the one in SKILIFT_STRESS_SEED (to replay a failure). */
export function seedFromEnv() {
  const given = process.env.SKILIFT_STRESS_SEED;
  if (given !== undefined && given !== "") {
    const n = Number(given);
    if (!Number.isSafeInteger(n)) throw new Error(`SKILIFT_STRESS_SEED must be an integer, got ${given}`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** 12345 → "12,345". */
export const fmt = (n) => n.toLocaleString("en-US");

/** Failures of one campaign: the first `keep` in full, the rest counted. */
export class Failures {
  constructor(keep = 10) {
    this.keep = keep;
    this.list = [];
    this.count = 0;
  }
  add(message) {
    this.count++;
    if (this.list.length < this.keep) this.list.push(message);
  }
  /** Adds `message` at the head of the list: the failure that explains the others. */
  addFirst(message) {
    this.count++;
    this.list.unshift(message);
    if (this.list.length > this.keep) this.list.pop();
  }
  /** Adds `message` unless `ok`; returns `ok`. */
  check(ok, message) {
    if (!ok) this.add(typeof message === "function" ? message() : message);
    return ok;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
