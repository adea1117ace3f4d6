// Everything the coordinator asked the servers to do, by unique id, and what
// it heard back: which ids a server saw stored ("saved"), and each trade's
// outcome, and each purchase delivery's answer. The report audits the
// stored data against this.
//
// Ids: J<n> join, E<n> earn, S<n> spend, G<n> gems mined (version 2 of the
// game), T<n> trade, P<n> purchase (the receipt); a trade leaves the entries T<n>:escrow (sender), T<n>:give
// (receiver, if committed) and T<n>:refund (sender, if aborted). A purchase
// request has `deliveries`: `{ server, late, answer }` for each server the
// receipt was handed to, `answer` being true/false (granted or not), "error",
// or undefined while unanswered (demo/purchases.mjs).

export class Ledger {
  constructor() {
    this.requests = new Map(); // id -> { id, kind, key, n, server, time, to?, outcome? }
    this.saved = new Set(); // entry ids a server has read back from storage
    this.counter = 0;
    this.counts = { join: 0, earn: 0, spend: 0, gem: 0, trade: 0, purchase: 0, hop: 0 };
    this.outcomes = { committed: 0, aborted: 0, declined: 0, error: 0 };
  }

  /** Records a request and returns it with its fresh id. */
  add(kind, fields) {
    const prefix = { join: "J", earn: "E", spend: "S", gem: "G", trade: "T", purchase: "P" }[kind];
    const request = { id: `${prefix}${++this.counter}`, kind, time: Date.now(), ...fields };
    this.requests.set(request.id, request);
    this.counts[kind]++;
    return request;
  }

  hop() {
    this.counts.hop++;
  }

  confirm(ids) {
    for (const id of ids) this.saved.add(id);
  }

  traded(id, outcome) {
    const request = this.requests.get(id);
    if (!request || request.outcome) return;
    request.outcome = outcome;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }

  /** Trades asked for and not answered yet (of the servers `alive(name)` accepts). */
  inFlight(alive = () => true) {
    let n = 0;
    for (const r of this.requests.values()) if (r.kind === "trade" && !r.outcome && alive(r.server)) n++;
    return n;
  }

  /** Ids of the trades and purchases handed to `server` that it has not answered. */
  unanswered(server) {
    const ids = [];
    for (const r of this.requests.values()) {
      const trade = r.kind === "trade" && !r.outcome && r.server === server;
      const purchase = r.kind === "purchase" && r.deliveries.some((d) => d.server === server && d.answer === undefined);
      if (trade || purchase) ids.push(r.id);
    }
    return ids;
  }

  /**
   * Whether a request's changes may have died with `killed` (the name of the
   * killed server, or null): it went to that server, and the server had not
   * seen it stored (a plain action) or not answered (a trade). A purchase is
   * at risk only if every delivery of its receipt went to that server and
   * none was answered: any other server it reached grants it or is told it
   * was granted.
   */
  atRisk(request, killed) {
    if (request.kind === "purchase") {
      return killed !== null && request.deliveries.length > 0 && request.deliveries.every((d) => d.server === killed && d.answer === undefined);
    }
    if (killed === null || request.server !== killed) return false;
    if (request.kind === "trade") return !request.outcome || !this.saved.has(`${request.id}:escrow`);
    return !this.saved.has(request.id);
  }
}
