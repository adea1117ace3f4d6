// Purchases, delivered the way a platform delivers receipts: more than once.
// A bot buys coins; the coordinator makes a receipt `P<n>` and hands the SAME
// receipt to two servers at once (the bot's and another live one), and about
// one receipt in five once more a few seconds later (to a server that has not
// had it, or else the bot's server, maybe after a hop). Each server grants it
// with `session.patchOnce` and answers whether it was the one that applied it
// (demo/server.mjs). The audit checks that every receipt is stored once and
// that exactly one delivery was told `true`.

const LATE_SHARE = 0.2; // receipts delivered once more, late
const LATE_MS = [1500, 4000]; // how late: after the first writes, well before the servers close

/** The receipts the coordinator hands out, and the answers it hears back. */
export class Receipts {
  /** `tell(server, message)` sends over IPC; `live()` names the servers up now. */
  constructor({ ledger, rng, tell, live }) {
    this.ledger = ledger;
    this.rng = rng;
    this.tell = tell;
    this.live = live;
    this.late = []; // { at, request, bot }: retries not sent yet
  }

  /** `bot` buys `n` coins: one receipt, delivered to two servers at the same moment. */
  buy(bot, n) {
    const request = this.ledger.add("purchase", { key: bot.key, n, server: bot.server, deliveries: [] });
    bot.coins += n; // what the coordinator expects: granted, once
    const others = this.live().filter((s) => s !== bot.server);
    this.deliver(request, bot.server, false);
    if (others.length > 0) this.deliver(request, this.rng.pick(others), false);
    if (this.rng.next() < LATE_SHARE) this.late.push({ at: Date.now() + this.rng.int(...LATE_MS), request, bot });
  }

  deliver(request, server, late) {
    request.deliveries.push({ server, late, answer: undefined });
    const delivery = request.deliveries.length - 1; // echoed back: one server may get a receipt twice
    this.tell(server, { type: "purchase", id: request.id, key: request.key, n: request.n, delivery });
  }

  /**
   * Sends the late retries that are due. No randomness here (the bots' rng
   * must not depend on timer timing): the first live server the receipt has
   * not reached, else the bot's server now.
   */
  deliverDue() {
    const now = Date.now();
    const due = this.late.filter((l) => l.at <= now);
    if (due.length === 0) return;
    this.late = this.late.filter((l) => l.at > now);
    for (const { request, bot } of due) {
      const live = this.live();
      const reached = new Set(request.deliveries.map((d) => d.server));
      const server = live.find((s) => !reached.has(s)) ?? (live.includes(bot.server) ? bot.server : live[0]);
      if (server !== undefined) this.deliver(request, server, true);
    }
  }

  /** A server's `{ type: "purchased", id, delivery, granted }` or `{ ..., error }`. */
  answered(m) {
    const d = this.ledger.requests.get(m.id)?.deliveries[m.delivery];
    if (!d || d.answer !== undefined) return;
    d.answer = m.error === undefined ? m.granted : "error";
    if (m.error !== undefined) d.message = m.error;
  }

  /** Deliveries unanswered on servers `alive(name)` accepts, plus retries not sent yet. */
  waiting(alive) {
    let n = this.late.length;
    for (const r of this.ledger.requests.values()) {
      if (r.kind === "purchase") n += r.deliveries.filter((d) => d.answer === undefined && alive(d.server)).length;
    }
    return n;
  }

  /** Deliveries to `server` not answered (for the kill line). */
  unansweredOn(server) {
    let n = 0;
    for (const r of this.ledger.requests.values()) {
      if (r.kind === "purchase") n += r.deliveries.filter((d) => d.answer === undefined && d.server === server).length;
    }
    return n;
  }
}

/**
 * The purchase check: each receipt's id in its key's stored log exactly once
 * (at most once if the ledger has it at risk), exactly one delivery told
 * `true` and the others `false`, except that a delivery whose server was
 * killed before answering may take the `true` with it. Adds what was bought
 * to `player` (key -> { bought, fix }). `records`: key -> stored data.
 * Returns `{ ok, text, detail }`.
 */
export function auditPurchases({ ledger, records, player, killed }) {
  const placed = new Map(); // receipt id -> [{ key, delta }] of every stored entry
  for (const [key, r] of records) {
    for (const [id, delta] of r.log ?? []) {
      if (id.startsWith("P")) placed.set(id, [...(placed.get(id) ?? []), { key, delta }]);
    }
  }
  const t = { receipts: 0, deliveries: 0, once: 0, toldFalse: 0, lateFalse: 0, doubled: 0, deadUnanswered: 0, lost: 0 };
  const detail = [];
  for (const r of ledger.requests.values()) {
    if (r.kind !== "purchase") continue;
    t.receipts++;
    t.deliveries += r.deliveries.length;
    const entries = placed.get(r.id) ?? [];
    const trues = r.deliveries.filter((d) => d.answer === true).length;
    const falses = r.deliveries.filter((d) => d.answer === false);
    const dead = r.deliveries.filter((d) => d.answer === undefined && d.server === killed).length;
    t.toldFalse += falses.length;
    t.lateFalse += falses.filter((d) => d.late).length;
    t.deadUnanswered += dead;
    const answers = r.deliveries.map((d) => `${d.server}${d.late ? " (late)" : ""}: ${d.message ?? d.answer ?? "no answer"}`).join(", ");
    const wrong = (why) => detail.push(`${r.id} (${r.n} coins for ${r.key}; ${answers}): ${why}`);
    for (const d of r.deliveries) {
      if (d.answer === "error") wrong(`${d.server} failed: ${d.message}`);
      else if (d.answer === undefined && d.server !== killed) wrong(`${d.server} never answered`);
    }
    if (entries.some((e) => e.key !== r.key || e.delta !== r.n)) wrong(`stored as ${JSON.stringify(entries)}`);
    if (entries.length > 1) {
      t.doubled++;
      wrong(`stored ${entries.length} times`);
    } else if (entries.length === 0) {
      if (!ledger.atRisk(r, killed)) wrong("never stored");
      else t.lost++;
      if (trues + falses.length > 0) wrong("not stored, yet a server was told it was granted");
    } else {
      t.once++;
      if (trues > 1) wrong(`${trues} deliveries told true`);
      if (trues === 0 && dead === 0) wrong("stored, yet no delivery was told true");
    }
    const p = player.get(r.key);
    if (entries.length > 0) p.bought += r.n;
    else p.fix -= r.n; // lost with the killed server: the coordinator had counted it
  }
  const deadPart = killed
    ? `; ${t.deadUnanswered} ${t.deadUnanswered === 1 ? "delivery" : "deliveries"} unanswered on ${killed} (killed), ${t.lost} lost with it`
    : "";
  const text = `purchases: ${t.receipts} receipts, ${t.deliveries} deliveries, ${t.once} granted once, ` +
    `${t.toldFalse} told false (${t.lateFalse} of them late retries), ${t.doubled} doubled${deadPart}`;
  return { ok: detail.length === 0 && t.receipts > 0, text, detail };
}
