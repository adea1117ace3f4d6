// The end of the demo: reads every stored record back (straight from the
// FsBackend directory) and checks it against the coordinator's ledger, to the
// coin. Changes the killed server had not been seen saving are allowed to be
// missing (lost by design, at most about one pull interval of its work) and
// are counted; everything else must be there exactly once. Purchases are
// checked by demo/purchases.mjs: once, and exactly one delivery told `true`;
// the rolling deploy and the gems it brought by demo/deploy.mjs.

import { openBackend } from "./backends.mjs";
import { NAMESPACE, decodeRecord } from "./game.mjs";
import { auditPurchases } from "./purchases.mjs";
import { auditDeploy } from "./deploy.mjs";

const TRANSACTIONS = "skilift:transactions";

/** Reads every player record; returns key -> { coins, log, pending, migrations, compatible } or { error }. */
async function readAll(spec) {
  const { backend, keys, close } = await openBackend(spec);
  try {
    return await readWith(backend, keys);
  } finally {
    await close();
  }
}

async function readWith(backend, keys) {
  const records = new Map();
  for (const key of await keys(NAMESPACE)) {
    try {
      const entry = await backend.get(NAMESPACE, key);
      const record = decodeRecord(entry.value);
      records.set(key, {
        ...record.data,
        pending: record.pending,
        migrations: record.migrations,
        compatible: record.compatible ?? [], // steps marked backwardsCompatible (docs/record-format.md)
        userIds: entry.userIds,
      });
    } catch (error) {
      records.set(key, { error: String(error?.message ?? error) });
    }
  }
  const decisions = { committed: 0, aborted: 0 };
  for (const id of await keys(TRANSACTIONS)) {
    const entry = await backend.get(TRANSACTIONS, id);
    const decision = JSON.parse(entry.value).decision;
    decisions[decision] = (decisions[decision] ?? 0) + 1;
  }
  return { records, decisions };
}

export async function audit({ spec, bots, ledger, servers, killed, killedAt, events, problems }) {
  const c0 = ledger.counts;
  const { records, decisions } = await readAll(spec);
  const checks = [];
  const check = (ok, text, detail = []) => checks.push({ ok, text, detail: detail.slice(0, 8) });

  // Every stored entry, by id: { key, delta }; duplicates and strangers noted.
  const stored = new Map();
  const duplicates = [];
  const unknown = [];
  const badKeys = [];
  const pendingLeft = [];
  const sumMismatch = [];
  for (const [key, r] of records) {
    if (r.error) {
      badKeys.push(`${key}: ${r.error}`);
      continue;
    }
    if (r.pending.length) pendingLeft.push(`${key}: ${r.pending.length} pending`);
    let sum = 0;
    for (const [id, delta, gems = 0] of r.log) {
      sum += delta;
      if (stored.has(id)) duplicates.push(`${id} in ${key}`);
      stored.set(id, { key, delta, gems });
      if (!ledger.requests.has(id.split(":")[0])) unknown.push(`${id} in ${key}`);
    }
    if (sum !== r.coins) sumMismatch.push(`${key}: coins ${r.coins}, logged changes sum to ${sum}`);
  }
  const botKeys = bots.map((b) => b.key);
  const strangers = [...records.keys()].filter((k) => !botKeys.includes(k));
  const missingKeys = botKeys.filter((k) => !records.has(k));
  badKeys.push(...problems.filter((p) => p.includes("bad")));
  check(badKeys.length === 0 && strangers.length === 0 && missingKeys.length === 0,
    `keys that went bad: ${badKeys.length} (${records.size} keys, one per bot)`, [...badKeys, ...strangers, ...missingKeys]);
  check(pendingLeft.length === 0, `pending transactions left in records: ${pendingLeft.length}`, pendingLeft);
  check(sumMismatch.length === 0, `stored coins equal the sum of each player's logged changes`, sumMismatch);
  check(duplicates.length === 0 && unknown.length === 0,
    `no change stored twice (${stored.size} entries, ${duplicates.length} twice), none unknown (${unknown.length})`, [...duplicates, ...unknown]);

  // Plain actions: stored with the amount asked, or lost only if at risk.
  const player = new Map(bots.map((b) => [b.key, { earned: 0, spent: 0, bought: 0, declined: 0, in: 0, out: 0, lost: 0, fix: 0 }]));
  const wrong = [];
  let atRisk = 0;
  let lost = 0;
  let oldestRisk = Infinity;
  for (const r of ledger.requests.values()) {
    if (r.kind === "trade" || r.kind === "purchase" || r.kind === "gem") continue;
    const risky = ledger.atRisk(r, killed);
    if (risky) {
      atRisk++;
      oldestRisk = Math.min(oldestRisk, r.time);
    }
    const s = stored.get(r.id);
    const p = player.get(r.key);
    if (!s) {
      if (risky) {
        lost++;
        p.lost++;
        p.fix += r.kind === "earn" ? -r.n : r.kind === "spend" ? r.n : 0;
      } else wrong.push(`${r.id} (${r.kind} ${r.n} for ${r.key} on ${r.server}) is missing`);
      continue;
    }
    const declined = r.kind === "spend" && s.delta === 0;
    const want = { join: 0, earn: r.n, spend: declined ? 0 : -r.n }[r.kind];
    if (s.key !== r.key || s.delta !== want) wrong.push(`${r.id}: stored ${s.delta} in ${s.key}, asked ${r.kind} ${r.n} for ${r.key}`);
    if (r.kind === "earn") p.earned += r.n;
    if (r.kind === "spend" && !declined) p.spent += r.n;
    if (declined) {
      p.declined++;
      p.fix += r.n;
    }
  }
  const window = killed ? ` (sent to ${killed} in its last ${((killedAt - oldestRisk) / 1000).toFixed(1)} s)` : "";
  check(wrong.length === 0,
    `every join, earn and spend is stored with the amount asked, except ${lost} lost with the killed server out of ${atRisk} at risk${atRisk ? window : ""}`, wrong);

  // Trades: exactly the entries of one outcome, coins conserved.
  const trades = { committed: 0, aborted: 0, declined: 0, deadCommitted: 0, deadAborted: 0, deadLost: 0 };
  const badTrades = [];
  let tradeSum = 0;
  for (const r of ledger.requests.values()) {
    if (r.kind !== "trade") continue;
    const e = stored.get(`${r.id}:escrow`);
    const g = stored.get(`${r.id}:give`);
    const f = stored.get(`${r.id}:refund`);
    for (const x of [e, g, f]) if (x) tradeSum += x.delta;
    const shape = e && g && !f ? "committed" : e && f && !g ? "aborted" : !e && !g && !f ? "none" : "broken";
    const placed = (!e || (e.key === r.key && e.delta === -r.n)) && (!g || (g.key === r.toKey && g.delta === r.n)) &&
      (!f || (f.key === r.key && f.delta === r.n));
    const risky = ledger.atRisk(r, killed);
    let ok = placed;
    if (r.outcome === "committed" || r.outcome === "aborted") ok &&= shape === r.outcome || (r.outcome === "aborted" && risky && shape === "none");
    else if (r.outcome === "declined") ok &&= shape === "none";
    else ok &&= risky && shape !== "broken";
    if (!ok) badTrades.push(`${r.id} (${r.key} -> ${r.toKey}, ${r.n}, ${r.outcome ?? "no answer"} on ${r.server}): stored ${shape}`);
    if (r.outcome) trades[r.outcome] = (trades[r.outcome] ?? 0) + 1;
    else trades[shape === "committed" ? "deadCommitted" : shape === "aborted" ? "deadAborted" : "deadLost"]++;
    const from = player.get(r.key);
    const to = player.get(r.toKey);
    if (shape === "committed") {
      from.out += r.n;
      to.in += r.n;
    }
    // Unanswered trades: the coordinator took the coins from the sender and never heard more.
    if (!r.outcome) (shape === "committed" ? to : from).fix += r.n;
  }
  const dead = trades.deadCommitted + trades.deadAborted + trades.deadLost;
  check(badTrades.length === 0,
    `trades: ${trades.committed} committed, ${trades.aborted} aborted, ${trades.declined} declined by the server` +
      (killed ? `; ${dead} unanswered on ${killed}: ${trades.deadCommitted} committed, ${trades.deadAborted} presumed aborted, ${trades.deadLost} never saved` : ""),
    badTrades);
  check(tradeSum === 0, `coins conserved across trades: escrows, payments and refunds sum to ${tradeSum}`);

  const purchases = auditPurchases({ ledger, records, player, killed });
  check(purchases.ok, purchases.text, purchases.detail);

  // Per player: earned - spent + bought + received - sent = stored; and the
  // coordinator's running balance, corrected for what was lost or declined.
  const rows = [];
  const balanceWrong = [];
  for (const bot of bots) {
    const p = player.get(bot.key);
    const r = records.get(bot.key);
    const coins = r && !r.error ? r.coins : NaN;
    const expected = p.earned - p.spent + p.bought + p.in - p.out;
    const good = expected === coins && bot.coins + p.fix === coins;
    if (!good) balanceWrong.push(`${bot.name}: expected ${expected}, coordinator ${bot.coins}${p.fix >= 0 ? "+" : ""}${p.fix}, stored ${coins}`);
    rows.push(`  ${bot.name}  earned ${String(p.earned).padStart(4)}  spent ${String(p.spent).padStart(4)}` +
      ` (${p.declined} declined)  bought ${String(p.bought).padStart(3)}  trades +${String(p.in).padStart(3)} -${String(p.out).padStart(3)}  lost ${p.lost}` +
      `  = ${String(expected).padStart(4)}  stored ${String(coins).padStart(4)}  ${good ? "ok" : "WRONG"}`);
  }
  check(balanceWrong.length === 0, `every player's coins: earned - spent + bought + received - sent = stored (${bots.length} players)`, balanceWrong);

  let puts = 0;
  let conflicts = 0;
  const perServer = [];
  const errorCodes = {};
  for (const s of servers.values()) {
    puts += s.counts.puts;
    conflicts += s.counts.conflicts;
    perServer.push(`${s.name} ${s.counts.conflicts}/${s.counts.puts}${s.alive || s.finished ? "" : " (killed)"}`);
    for (const [code, n] of Object.entries(s.errors ?? {})) errorCodes[code] = (errorCodes[code] ?? 0) + n;
  }
  // Coordinators delete a trade's decision record once every key has
  // resolved it; what stays is the trades whose coordinator died (readers
  // decided them) and a few whose check met a session stopping first.
  // A coordinator collects a few seconds after its trade (after the next
  // pull of each key), so the killed server leaves the records of the
  // trades it coordinated in its last seconds.
  const left = decisions.committed + decisions.aborted;
  const lastTrades = [...ledger.requests.values()].filter(
    (r) => r.kind === "trade" && killed && r.server === killed && r.time >= killedAt - 5000,
  ).length;
  check(left <= lastTrades + 5, `decision records left: ${left} of ${c0.trade} trades (the killed server coordinated ${lastTrades} in its last 5 s; at most 5 more allowed)`);
  checks.push(...auditDeploy({ records, stored, ledger, servers, killed }));
  const otherProblems = problems.filter((p) => !p.includes("bad"));
  check(otherProblems.length === 0, `servers ran to the end (but the one killed on purpose)`, otherProblems);

  console.log(`\n== players (coins as asked by the bots vs. stored)`);
  for (const row of rows) console.log(row);
  console.log(`\n== run`);
  const c = ledger.counts;
  console.log(`  asked: ${c.join} joins, ${c.earn} earns, ${c.spend} spends, ${c.gem} gems mined, ${c.trade} trades, ${c.purchase} purchases, ${c.hop} hops` +
    ` (after a hop the old server keeps the session loaded for a while: both servers write the key)`);
  for (const e of events.slice(0, 16)) console.log(`  ${e}`);
  console.log(`  writes ${puts}; conflicts (put answered null, merged and retried) ${conflicts}: ${perServer.join(", ")}`);
  console.log(`  decision records left (the others were collected once every key had resolved them): ${decisions.committed} committed, ${decisions.aborted} aborted`);
  const codes = Object.entries(errorCodes).map(([c, n]) => `${c} x${n}`).join(", ");
  console.log(`  background errors reported to onError by the surviving servers: ${codes || "none"}`);
  console.log(`\n== checks`);
  for (const c of checks) {
    console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.text}`);
    for (const d of c.detail) console.log(`         ${d}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`\n${failed === 0 ? "PASS" : "FAIL"}: ${checks.length - failed} of ${checks.length} checks passed; data in ${spec.label}`);
  return failed === 0;
}
