// One check run: two game-server processes on one data store (a FsBackend
// directory, or PostgreSQL tables), players on real clients who earn, spend,
// trade, buy, drop and reconnect, and hop to the other process while the
// first still holds them. One process is SIGKILLed midway (its players move
// over, and a fresh process takes its place); at the end the others shut
// down gracefully and the stored data is audited (audit.mjs).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { audit, readAll } from "./audit.mjs";
import { Bot } from "./bots.mjs";
import { Ledger, Rng } from "./ledger.mjs";
import { GameServer } from "./servers.mjs";

const PLAYERS = 8;
const START_COINS = 50;
const TICK_MS = 40;
const ACTIONS_PER_TICK = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A preload that breaks the game on purpose: the check must then fail (see README). */
const SABOTAGE = { "plain-patch": fileURLToPath(new URL("./sabotage-plain-patch.mjs", import.meta.url)) };

/**
 * Runs the check. `backend`: "fs" or "postgres" (needs `pgUrl`); `seconds` of
 * play; `seed`; `sabotage` names a preload of SABOTAGE. Resolves
 * `{ ok, lines }`: the report, line by line.
 */
export async function runCheck({ backend = "fs", pgUrl, seconds = 8, seed = Date.now() % 1e9, sabotage, log = () => {} }) {
  const place = makePlace(backend, pgUrl);
  const execArgv = sabotage ? ["--import", SABOTAGE[sabotage]] : [];
  if (sabotage && !SABOTAGE[sabotage]) throw new Error(`sabotage must be one of ${Object.keys(SABOTAGE).join(", ")}`);
  const rng = new Rng(seed);
  const ledger = new Ledger();
  const servers = [new GameServer("A", place.env, execArgv), new GameServer("B", place.env, execArgv)];
  const lines = [`data: ${place.label}; seed ${seed}`];
  const problems = [];
  const bots = Array.from({ length: PLAYERS }, (_, i) => new Bot(`p${i + 1}`, ledger));
  const late = [];
  try {
    await within(Promise.all(servers.map((s) => s.ready)), 30_000, "the servers to listen");
    const live = () => servers.filter((s) => s.alive);
    await within(Promise.all(bots.map((bot, i) => bot.join(servers[i % 2]))), 30_000, "the players to join");

    // Warm-up: each player earns its starting coins and waits until they are
    // stored; the room's synchronized state must show them (`updated`).
    const firsts = bots.map((bot) => bot.send("earn", { n: START_COINS }));
    await until(() => firsts.every((r) => r.heard.includes("stored")), 10_000, "the starting coins to be stored");
    const unseen = bots.filter((bot) => bot.shownCoins() !== START_COINS).map((b) => `${b.playerId} shows ${b.shownCoins()}`);
    if (unseen.length) problems.push(`room state does not show the stored coins: ${unseen.join(", ")}`);
    lines.push(`warm-up: ${PLAYERS} players joined two processes; the room state showed each one's ${START_COINS} stored coins`);

    const start = Date.now();
    const killAt = start + seconds * 400;
    let replaced = false;
    while (Date.now() - start < seconds * 1000) {
      await sleep(TICK_MS);
      if (!replaced && Date.now() >= killAt) {
        replaced = true;
        await servers[0].kill();
        lines.push(`${servers[0].name} killed with SIGKILL after ${((Date.now() - start) / 1000).toFixed(1)} s; C started on the same data`);
        servers.push(new GameServer("C", place.env, execArgv));
        await servers.at(-1).ready;
      }
      const now = Date.now();
      for (const { request } of late.filter((l) => l.at <= now)) deliver(request, rng.pick(live()));
      late.splice(0, late.length, ...late.filter((l) => l.at > now));
      for (const bot of bots) {
        if (bot.room === null && !bot.moving) {
          ledger.count("rejoin");
          bot.join(rng.pick(live())).catch((e) => ledger.clientError("join", e));
        }
      }
      for (let i = 0; i < ACTIONS_PER_TICK; i++) {
        const ready = bots.filter((b) => b.room && !b.moving);
        if (ready.length > 0) act(rng.pick(ready), { rng, ready, live, late, ledger, deliver });
      }
    }
    // Graceful shutdown while sessions still hold unsaved changes (and
    // players are connected): the final saves must carry all of them.
    const graceful = live();
    const shutdownAt = Date.now();
    // Bounded: a shutdown that never ends is a failure to report, not a hang.
    // Generous, as a bound against hanging and not a timing check: by
    // design `store.close()` may wait up to 3 x requestTimeout (90 s here)
    // after the final saves for the collection of decision records. One CI
    // run (at 8e8577a) took over 120 s to shut down; its cause is not known.
    // Timed since in 6 local runs on PostgreSQL, `store.close()` and the
    // pool's end took under 12 ms in each of the 12 shutdowns (the rooms'
    // final saves finish before onShutdown).
    const exits = await Promise.all(
      graceful.map((s) => within(s.shutdown(), 240_000, `${s.name} to shut down`).catch((e) => ({ code: String(e.message) }))),
    );
    exits.forEach(({ code, signal }, i) => {
      const s = graceful[i];
      if (code !== 0) problems.push(`${s.name} did not shut down cleanly (${signal ?? code})`);
      else if (!s.output.some((l) => l.includes("every session saved"))) problems.push(`${s.name} never said its sessions were saved`);
    });
    await Promise.all(bots.map((b) => b.leave()));
    const c = ledger.counts;
    lines.push(`asked: ${c.earn} earns, ${c.spend} spends, ${c.trade} trades, ${c.purchase} purchases; ` +
      `${c.hop} hops to the other process while the first held the player, ${c.reconnect} reconnections, ${c.quit} quits and returns, ${c.rejoin} rejoins after the kill`);
    const conflicts = graceful.map((s) => s.output.map((l) => /conflicts (\d+)/.exec(l)?.[1]).find(Boolean) ?? "?");
    lines.push(`write conflicts (another process wrote the key first; merged by replay): ${graceful.map((s, i) => `${s.name} ${conflicts[i]}`).join(", ")}`);
    if (ledger.clientErrors.length) lines.push(`client calls that failed (a server gone meanwhile): ${ledger.clientErrors.length}, first: ${ledger.clientErrors[0]}`);

    const records = await within(readAll(place.env), 60_000, "the stored records to be read");
    const result = audit({ ledger, records, players: bots.map((b) => b.playerId), killed: "A", graceful: new Set(graceful.map((s) => s.name)), shutdownAt });
    result.checks.push({ ok: problems.length === 0, text: "servers shut down gracefully; the room state showed the stored data", detail: problems });
    for (const check of result.checks) {
      lines.push(`${check.ok ? "ok  " : "FAIL"} ${check.text}`);
      for (const d of check.detail) lines.push(`       ${d}`);
    }
    if (!result.ok || problems.length) lines.push(...servers.map((s) => s.log()));
    return { ok: result.ok && problems.length === 0, lines };
  } catch (error) {
    lines.push(`FAIL ${error?.stack ?? error}`, ...servers.map((s) => s.log()));
    return { ok: false, lines };
  } finally {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.kill();
    await place.clean();
    log(lines.join("\n"));
  }

  /** One delivery of a receipt to one server's webhook; the answer goes to the ledger. */
  function deliver(request, server) {
    const delivery = { server: server.name, answer: undefined };
    request.deliveries.push(delivery);
    fetch(`${server.http}/purchases`, {
      method: "POST",
      body: JSON.stringify({ receipt: request.id, playerId: request.key, coins: request.n }),
    })
      .then(async (res) => (delivery.answer = res.status === 200 ? (await res.json()).granted : `status ${res.status}`))
      .catch(() => {}); // the server died or shut down: no answer
  }
}

/** One random thing a player does. */
function act(bot, { rng, ready, live, late, ledger, deliver }) {
  const roll = rng.next();
  if (roll < 0.35) return bot.send("earn", { n: rng.int(1, 20) });
  if (roll < 0.5) return bot.send("spend", { n: rng.int(1, 30) });
  if (roll < 0.7) {
    const others = ready.filter((b) => b !== bot && b.server === bot.server);
    if (others.length) bot.send("trade", { to: rng.pick(others).playerId, n: rng.int(1, 20) });
    return;
  }
  if (roll < 0.8) {
    // The platform hands the receipt to every server at once, and one in
    // four again a little later.
    const request = ledger.add("purchase", { key: bot.playerId, n: rng.int(5, 50), deliveries: [] });
    for (const server of live()) deliver(request, server);
    if (rng.next() < 0.25) late.push({ at: Date.now() + 800, request });
    return;
  }
  if (roll < 0.92) {
    const elsewhere = live().filter((s) => s !== bot.server);
    if (elsewhere.length) bot.hop(rng.pick(elsewhere)).catch((e) => ledger.clientError("hop", e));
    return;
  }
  if (roll < 0.97) return bot.blip().catch((e) => ledger.clientError("reconnect", e));
  // A consented leave: the server lets go at once (a final save), and the
  // player comes back a little later, to any process.
  const server = rng.pick(live());
  bot.quit(300, () => (server.alive ? server : live()[0])).catch((e) => ledger.clientError("quit", e));
}

function makePlace(backend, pgUrl) {
  if (backend === "fs") {
    const dir = mkdtempSync(join(tmpdir(), "skilift-colyseus-"));
    return { env: { DATA_DIR: dir }, label: dir, clean: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (backend !== "postgres") throw new Error(`backend must be fs or postgres, got ${backend}`);
  if (!pgUrl) throw new Error("the postgres check needs SKILIFT_PG_URL");
  const prefix = `colyseus_${process.pid}_${Date.now() % 1e6}_`;
  const env = { SKILIFT_BACKEND: "postgres", SKILIFT_PG_URL: pgUrl, SKILIFT_TABLE_PREFIX: prefix };
  return { env, label: `PostgreSQL, tables ${prefix}*`, clean: () => dropTables(pgUrl, prefix) };
}

async function dropTables(url, prefix) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `DROP TABLE IF EXISTS "${prefix}heads", "${prefix}versions"; DROP SEQUENCE IF EXISTS "${prefix}version_seq"; ` +
        `DROP FUNCTION IF EXISTS "${prefix}utf16_order"(text)`,
    );
  } finally {
    await client.end();
  }
}

/** `promise`, or a rejection naming `what` after `ms` (a bound on a hang, not a speed check). */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function until(done, ms, what) {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
