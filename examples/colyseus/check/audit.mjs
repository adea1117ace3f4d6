// The end of a check run: every stored record read back and compared with
// the ledger, to the coin. A change must be stored exactly once if the
// player heard it was stored, or heard it was applied by a server that shut
// down gracefully (its final saves carry everything applied). Only changes
// the SIGKILLed server applied without saving may be missing, and are
// counted. Trades end in one whole outcome and conserve coins; each receipt
// is granted once, and exactly one delivery is told so.

import { openBackend } from "../backend.mjs";
import { createGame } from "../game.mjs";

const NAMESPACE = "players/global";

/**
 * Reads every player's record. Each key is first updated with an action
 * that changes nothing, as any later reader would: transactions whose
 * coordinator was killed are decided (presumed aborted) in that write.
 */
export async function readAll(env) {
  const { backend, close } = await openBackend(env);
  const { store } = createGame(backend, () => {});
  const settle = store.action(() => undefined);
  const records = new Map();
  try {
    for await (const key of store.keys()) {
      await store.update(key, settle);
      const entry = await backend.get(NAMESPACE, key);
      records.set(key, JSON.parse(entry.value));
    }
    await store.close();
  } finally {
    await close();
  }
  return records;
}

/** `{ checks: [{ ok, text, detail }], ok }` for the ledger against the stored records. */
export function audit({ ledger, records, players, killed, graceful, shutdownAt }) {
  const checks = [];
  const check = (ok, text, detail = []) => checks.push({ ok, text, detail: detail.slice(0, 8) });

  const stored = new Map(); // entry id -> [{ key, delta }]
  const shape = [];
  for (const [key, record] of records) {
    const { coins, log } = record.data;
    if (record.pending.length > 0) shape.push(`${key}: ${record.pending.length} pending transactions`);
    const sum = log.reduce((s, [, delta]) => s + delta, 0);
    if (sum !== coins) shape.push(`${key}: coins ${coins}, its log sums to ${sum}`);
    for (const [id, delta] of log) stored.set(id, [...(stored.get(id) ?? []), { key, delta }]);
  }
  const strangers = [...records.keys()].filter((k) => !players.includes(k));
  check(shape.length === 0 && strangers.length === 0 && records.size === players.length,
    `${records.size} player records, none unknown; no transaction left pending; coins = the sum of each log`, [...shape, ...strangers]);
  const twice = [...stored].filter(([, e]) => e.length > 1).map(([id, e]) => `${id} stored ${e.length} times`);
  const unknown = [...stored.keys()].filter((id) => !ledger.requests.has(id.split(":")[0]));
  check(twice.length === 0 && unknown.length === 0, `no change stored twice (${stored.size} entries), none unknown`, [...twice, ...unknown]);

  const one = (id) => stored.get(id)?.[0];
  checks.push(auditChanges(ledger, one, killed, graceful, shutdownAt));
  checks.push(...auditTrades(ledger, one, stored));
  checks.push(auditPurchases(ledger, stored));
  return { checks, ok: checks.every((c) => c.ok) };
}

function auditChanges(ledger, one, killed, graceful, shutdownAt) {
  const wrong = [];
  const t = { must: 0, unheard: 0, lastSecond: 0, lost: 0, declined: 0, refused: 0 };
  for (const r of ledger.requests.values()) {
    if (r.kind !== "earn" && r.kind !== "spend") continue;
    const e = one(r.id);
    if (r.heard.includes("refused")) {
      t.refused++;
      if (e) wrong.push(`${r.id} was refused, yet stored`);
      continue;
    }
    const must = r.heard.includes("stored") || (r.heard.includes("applied") && graceful.has(r.server));
    if (must) t.must++;
    if (must && !r.heard.includes("stored")) {
      // Never heard stored: the player moved on first, or the server shut
      // down first. Those sent in the last pull interval before the SIGTERM
      // only the shutdown's final saves can have stored.
      t.unheard++;
      if (r.time >= shutdownAt - 1000) t.lastSecond++;
    }
    if (!e) {
      if (must) wrong.push(`${r.id} (${r.kind} ${r.n} for ${r.key} on ${r.server}, heard ${r.heard.join("+") || "nothing"}) is missing`);
      else if (r.server === killed) t.lost++;
      continue;
    }
    const declined = r.kind === "spend" && e.delta === 0;
    if (declined) t.declined++;
    const want = r.kind === "earn" ? r.n : declined ? 0 : -r.n;
    if (e.key !== r.key || e.delta !== want) wrong.push(`${r.id}: stored ${e.delta} for ${e.key}, asked ${r.kind} ${r.n} for ${r.key}`);
  }
  return {
    ok: wrong.length === 0,
    text: `every earn and spend acknowledged is stored once with its amount (${t.must} acknowledged; ${t.unheard} of them only as applied, by a server later shut down gracefully, ${t.lastSecond} in its last second; ${t.lost} unacknowledged lost with the killed server; ${t.declined} spends declined on replay; ${t.refused} refused)`,
    detail: wrong.slice(0, 8),
  };
}

function auditTrades(ledger, one, stored) {
  const wrong = [];
  const t = { committed: 0, aborted: 0, declined: 0, unanswered: 0 };
  for (const r of ledger.requests.values()) {
    if (r.kind !== "trade") continue;
    const [e, g, f] = ["escrow", "give", "refund"].map((part) => one(`${r.id}:${part}`));
    const got = e && g && !f ? "committed" : e && f && !g ? "aborted" : !e && !g && !f ? "none" : "broken";
    const placed = (!e || (e.key === r.key && e.delta === -r.n)) && (!g || (g.key === r.to && g.delta === r.n)) &&
      (!f || (f.key === r.key && f.delta === r.n));
    const outcome = r.outcome ?? "unanswered";
    t[outcome === "refused" ? "declined" : outcome] = (t[outcome === "refused" ? "declined" : outcome] ?? 0) + 1;
    const ok = placed && ({ committed: got === "committed", aborted: got === "aborted", declined: got === "none", refused: got === "none" }[outcome] ??
      (outcome === "unanswered" && got !== "broken"));
    if (!ok) wrong.push(`${r.id} (${r.key} -> ${r.to}, ${r.n} on ${r.server}): told ${outcome === "unanswered" ? "nothing" : outcome}${r.reason ? ` (${r.reason})` : ""}, stored ${got}`);
  }
  let sum = 0;
  for (const [id, entries] of stored) if (id.startsWith("T")) for (const e of entries) sum += e.delta;
  return [
    { ok: wrong.length === 0, text: `trades: ${t.committed} committed, ${t.aborted} aborted, ${t.declined} declined, ${t.unanswered} unanswered; each stored whole as told`, detail: wrong.slice(0, 8) },
    { ok: sum === 0, text: `coins conserved across trades: escrows, payments and refunds sum to ${sum}`, detail: [] },
  ];
}

function auditPurchases(ledger, stored) {
  const wrong = [];
  const t = { receipts: 0, deliveries: 0, once: 0, toldFalse: 0, unknown: 0, never: 0 };
  const unknownKinds = {}; // "no answer" or "status 503", counted
  for (const r of ledger.requests.values()) {
    if (r.kind !== "purchase") continue;
    t.receipts++;
    t.deliveries += r.deliveries.length;
    const entries = stored.get(r.id) ?? [];
    const trues = r.deliveries.filter((d) => d.answer === true).length;
    const falses = r.deliveries.filter((d) => d.answer === false).length;
    const unknown = r.deliveries.filter((d) => d.answer !== true && d.answer !== false).length; // no answer, or an error status
    t.toldFalse += falses;
    for (const d of r.deliveries) {
      if (d.answer !== true && d.answer !== false) unknownKinds[d.answer ?? "no answer"] = (unknownKinds[d.answer ?? "no answer"] ?? 0) + 1;
    }
    t.unknown += unknown;
    const answers = r.deliveries.map((d) => `${d.server}: ${d.answer ?? "no answer"}`).join(", ");
    const bad = (why) => wrong.push(`${r.id} (${r.n} coins for ${r.key}; ${answers}): ${why}`);
    if (entries.some((e) => e.key !== r.key || e.delta !== r.n)) bad(`stored as ${JSON.stringify(entries)}`);
    if (entries.length > 1) bad(`granted ${entries.length} times`);
    if (trues > 1) bad(`${trues} deliveries told true`);
    if (entries.length === 0 && trues + falses > 0) bad("not stored, yet a delivery was told it was granted");
    if (entries.length === 1 && trues === 0 && unknown === 0) bad("stored, yet no delivery was told true");
    if (entries.length === 1) t.once++;
    else if (entries.length === 0) t.never++;
  }
  return {
    ok: wrong.length === 0 && t.receipts > 0,
    text: `purchases: ${t.receipts} receipts, ${t.deliveries} deliveries, ${t.once} granted once, ${t.toldFalse} told false, ` +
      `${t.unknown} unanswered or refused (${Object.entries(unknownKinds).map(([k, n]) => `${k}: ${n}`).join(", ") || "none"}; the platform would retry), ${t.never} never granted (every delivery unanswered)`,
    detail: wrong.slice(0, 8),
  };
}
