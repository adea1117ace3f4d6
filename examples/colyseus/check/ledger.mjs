// What the check's players asked for, where, and what they heard back. The
// audit compares the stored data with it. Ids: E<n> earn, S<n> spend,
// T<n> trade (entries T<n>:escrow, T<n>:give, T<n>:refund), P<n> purchase
// receipt.

export class Ledger {
  constructor() {
    this.requests = new Map(); // id -> request
    this.counter = 0;
    this.counts = { earn: 0, spend: 0, trade: 0, purchase: 0, hop: 0, reconnect: 0, quit: 0, rejoin: 0 };
    this.clientErrors = []; // joins, hops, reconnections that failed
  }

  /** A request sent to `server` (a GameServer name) for `key`. */
  add(kind, fields) {
    const id = `${{ earn: "E", spend: "S", trade: "T", purchase: "P" }[kind]}${++this.counter}`;
    const request = { id, kind, time: Date.now(), ...fields, heard: [] };
    this.requests.set(id, request);
    this.counts[kind]++;
    return request;
  }

  /** A reply from the server: applied, stored, refused, failed, traded. */
  heard(type, message) {
    const request = this.requests.get(message?.id);
    if (!request) return;
    request.heard.push(type);
    if (type === "traded") request.outcome = message.outcome;
    if (type === "refused" || type === "failed" || message.reason) request.reason = message.reason;
  }

  clientError(what, error) {
    this.clientErrors.push(`${what}: ${error?.message ?? error}`);
  }

  count(what) {
    this.counts[what]++;
  }
}

/** A small seeded generator (mulberry32), so a seed repeats the players' choices. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  next() {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
}
