// A fault-injecting wrapper around a backend, for the faulty-backend and
// updated-monotonic campaigns. Driven by a seeded generator (support.mjs),
// each call may:
//
// - reject: fail at once, nothing done;
// - hang: stay unanswered past the engine's requestTimeout. Half of the
//   hangs never answer at all (nothing done); the others stall, then do the
//   call late and answer (a put that lands after the engine gave up on it);
// - lose its reply: a put that writes, then rejects (an ambiguous write).
//
// With `delayMs`, every call first waits up to that long, so the pulls of
// several servers overlap and their compare-and-sets conflict.
//
// `drain()` resolves once every stalled call has finished, so a check of the
// stored data afterwards sees every late write that will ever land.

export class FaultyBackend {
  #inner;
  #random;
  #rates;
  #stallMs;
  #delayMs;
  #stalled = new Set();
  counts = { calls: 0, reject: 0, hang: 0, lost: 0, conflicts: 0 };
  enabled = true;

  /** `rates`: probabilities per call of `reject`, `hang` and (puts only) `lost`; `stallMs`: [min, max] of a stall. */
  constructor(inner, random, { reject = 0, hang = 0, lost = 0 } = {}, { stallMs = [300, 900], delayMs = 0 } = {}) {
    this.#inner = inner;
    this.#delayMs = delayMs;
    this.#random = random;
    this.#rates = { reject, hang, lost };
    this.#stallMs = stallMs;
  }

  async #delay() {
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#random.int(0, this.#delayMs)));
  }

  #fault(kind) {
    if (!this.enabled || !this.#random.chance(this.#rates[kind])) return false;
    this.counts[kind]++;
    return true;
  }

  /** Runs `call` now, or (on a hang) never or after a stall. */
  #maybeHang(call) {
    if (!this.#fault("hang")) return call();
    if (this.#random.chance(0.5)) return new Promise(() => {}); // never answers, nothing done
    const [lo, hi] = this.#stallMs;
    const stall = new Promise((resolve) => setTimeout(resolve, this.#random.int(lo, hi))).then(call);
    const tracked = stall.catch(() => {}).finally(() => this.#stalled.delete(tracked));
    this.#stalled.add(tracked);
    return stall;
  }

  async get(store, key) {
    this.counts.calls++;
    await this.#delay();
    if (this.#fault("reject")) throw new Error("injected: get rejected");
    return this.#maybeHang(() => this.#inner.get(store, key));
  }

  async put(store, key, value, expected, meta) {
    this.counts.calls++;
    await this.#delay();
    if (this.#fault("reject")) throw new Error("injected: put rejected");
    const lose = this.#fault("lost");
    return this.#maybeHang(async () => {
      const version = await this.#inner.put(store, key, value, expected, meta);
      if (version === null) this.counts.conflicts++;
      if (lose) throw new Error("injected: put wrote, then the reply was lost");
      return version;
    });
  }

  /** Resolves once no stalled call is left. */
  async drain() {
    while (this.#stalled.size > 0) await Promise.all([...this.#stalled]);
  }

  /** The faults injected, as figures. */
  summary() {
    const { calls, reject, hang, lost } = this.counts;
    return `${calls.toLocaleString("en-US")} backend calls with ${(reject + hang + lost).toLocaleString("en-US")} faults (${reject.toLocaleString("en-US")} rejected, ${hang.toLocaleString("en-US")} hung, ${lost.toLocaleString("en-US")} replies lost)`;
  }
}
