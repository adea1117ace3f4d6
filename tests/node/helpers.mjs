// Shared helpers for the Node tests. Every test imports the built package
// (pkg/, made by `npm run build`), the way users do.

import { afterEach } from "node:test";
import * as skilift from "../../pkg/node.mjs";

export const { Store, Session, View, transaction, strict, SkiliftError, MemoryBackend } = skilift;

/** Collects what a store reports to onError. */
export function errorLog() {
  const errors = [];
  const onError = (error, key) => errors.push({ error, key });
  return { errors, onError, codes: () => errors.map((e) => e.error?.code ?? "host") };
}

/** Options for a quick store: fast pulls, errors collected. */
export function quickStore(backend, extra = {}) {
  const log = errorLog();
  const store = new Store({
    name: "players",
    defaultData: () => ({ coins: 0, items: [] }),
    backend,
    pullDelay: 0.02,
    onError: log.onError,
    ...extra,
  });
  return { store, log };
}

/**
 * quickStore, with every store it made closed after each test, passed or
 * failed: a test that fails before its stops would otherwise leave sessions
 * pulling forever. Call once at a test file's top level.
 */
export function closedAfterEach() {
  const open = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (backend, extra) => {
    const made = quickStore(backend, extra);
    open.push(made.store);
    return made;
  };
}

/** Resolves with the value once `predicate()` holds; polls each macrotask. */
export async function until(predicate, what = "condition", tries = 5000) {
  for (let i = 0; i < tries; i++) {
    const value = predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Asserts `fn()` throws a SkiliftError with `code`. */
export function throwsCode(assert, fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof SkiliftError, `expected SkiliftError, got ${e}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** Asserts a promise rejects with a SkiliftError with `code`. */
export async function rejectsCode(assert, promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SkiliftError, `expected SkiliftError, got ${e}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** The stored data of a key, read straight from a backend. */
export async function stored(backend, key, store = "players/global") {
  const entry = await backend.get(store, key);
  return entry === null ? undefined : JSON.parse(entry.value).data;
}

/**
 * A backend wrapper that injects faults, driven by a seeded generator so a
 * failure reproduces: `reject` (the call fails, nothing happens),
 * `ambiguous` (a put writes, then reports failure), `garbage` (get answers
 * an entry of the wrong shape). After each fault the next `clean` calls
 * pass: the engine's backoff (0.5 s doubling to 30 s, not configurable from
 * JS) would otherwise make a long run of faults take minutes.
 */
export class FaultyBackend {
  constructor(inner, { seed = 1, reject = 0, ambiguous = 0, garbage = 0, clean = 3 } = {}) {
    this.inner = inner;
    this.rates = { reject, ambiguous, garbage };
    this.state = seed >>> 0 || 1;
    this.injected = { reject: 0, ambiguous: 0, garbage: 0 };
    this.enabled = true;
    this.clean = clean;
    this.cleanLeft = 0;
  }
  #roll(kind) {
    // xorshift32: deterministic per seed.
    let x = this.state;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.state = x;
    if (this.cleanLeft > 0) {
      this.cleanLeft--;
      return false;
    }
    const hit = this.enabled && x / 4294967296 < this.rates[kind];
    if (hit) {
      this.injected[kind]++;
      this.cleanLeft = this.clean;
    }
    return hit;
  }
  async get(store, key) {
    if (this.#roll("reject")) throw new Error("injected: get rejected");
    if (this.#roll("garbage")) return { value: 42, version: null };
    return this.inner.get(store, key);
  }
  async put(store, key, value, expected, meta) {
    if (this.#roll("reject")) throw new Error("injected: put rejected");
    const result = await this.inner.put(store, key, value, expected, meta);
    if (this.#roll("ambiguous")) throw new Error("injected: put wrote, then the reply was lost");
    return result;
  }
}

/**
 * A backend wrapper that answers a macrotask after reading, so the pulls of
 * several sessions overlap and their compare-and-sets really conflict (with
 * an instant in-memory backend they would run one after another). Counts
 * the conflicts (`put` answering null) it has seen.
 */
export class LaggyBackend {
  constructor(inner) {
    this.inner = inner;
    this.conflicts = 0;
  }
  async get(store, key) {
    const entry = await this.inner.get(store, key);
    await new Promise((r) => setTimeout(r, 1));
    return entry;
  }
  async put(store, key, value, expected, meta) {
    await new Promise((r) => setTimeout(r, 1));
    const version = await this.inner.put(store, key, value, expected, meta);
    if (version === null) this.conflicts++;
    return version;
  }
}

/**
 * A backend whose next calls fail as scripted: `get` takes "reject",
 * "garbage" (an entry of the wrong shape) or "hang" (never answers); `put`
 * takes "reject", "null" (answers null without writing), "ambiguous"
 * (writes, then rejects) or "hang". An exhausted script passes calls on.
 */
export class ScriptedBackend {
  constructor(inner, { get = [], put = [] } = {}) {
    this.inner = inner;
    this.script = { get: [...get], put: [...put] };
    this.beforePut = null;
  }
  async get(store, key) {
    const fault = this.script.get.shift();
    if (fault === "reject") throw new Error("injected: get rejected");
    if (fault === "garbage") return { value: 42, version: null };
    if (fault === "hang") return new Promise(() => {});
    return this.inner.get(store, key);
  }
  async put(store, key, value, expected, meta) {
    const hook = this.beforePut;
    this.beforePut = null;
    if (hook) await hook();
    const fault = this.script.put.shift();
    if (fault === "reject") throw new Error("injected: put rejected");
    if (fault === "null") return null;
    if (fault === "hang") return new Promise(() => {});
    const version = await this.inner.put(store, key, value, expected, meta);
    if (fault === "ambiguous") throw new Error("injected: put wrote, then the reply was lost");
    return version;
  }
}
