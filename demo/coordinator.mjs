// `npm run demo`: a small simulated game backend on the embedded FsBackend.
// Three game-server processes share one data directory; a few dozen bots
// join, earn, spend, hop between servers while still loaded on the old one,
// trade through transactions (escrow first), and buy coins with receipts
// that reach two servers at once (demo/purchases.mjs). One server is killed with
// SIGKILL mid-run and the others take over its players. Then a rolling deploy
// (demo/deploy.mjs) replaces each server in turn by one running version 2 of
// the game, which adds gems; the bots mine them once on it. At the end the
// stored data is audited against every action asked for (demo/report.mjs);
// the process exits non-zero if any check fails.
//
//   npm run demo                      the full run, about 1.5 minutes
//   npm run demo -- --short --seed 7  about 20 s (SKILIFT_DEMO_SHORT=1 works too); a seed repeats the bots' choices
//   npm run demo -- --backend redis   the same on the local Redis Cluster (or postgres; fs is the default),
//                                     starting the server it needs (demo/backends.mjs)

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BACKENDS, makeSpec } from "./backends.mjs";
import { Rng, makeBots, nextAction } from "./bots.mjs";
import { Ledger } from "./ledger.mjs";
import { Receipts } from "./purchases.mjs";
import { LATEST_VERSION, TRANSACTION_TIMEOUT } from "./game.mjs";
import { rollingDeploy } from "./deploy.mjs";
import { audit } from "./report.mjs";

const argv = process.argv.slice(2);
const short = argv.includes("--short") || ["1", "true"].includes(process.env.SKILIFT_DEMO_SHORT ?? "");
const seedArg = argv.includes("--seed") ? argv[argv.indexOf("--seed") + 1] : process.env.SKILIFT_DEMO_SEED;
const seed = Number(seedArg ?? Date.now() % 1e9);
// The deploy starts at `deployAt`, a step every `deployEvery` s, each old
// server serving its sessions `drain` s next to its successor.
const PLAN = short
  ? { bots: 24, seconds: 15, killAt: 5, deployAt: 7, deployEvery: 2, drain: 1.5, actionsPerSecond: 40 }
  : { bots: 36, seconds: 75, killAt: 30, deployAt: 40, deployEvery: 8, drain: 4, actionsPerSecond: 50 };
const SERVERS = ["alpha", "bravo", "charlie"];
const VICTIM = "bravo";
const TICK_MS = 25;

const backendKind = argv.includes("--backend") ? argv[argv.indexOf("--backend") + 1] : "fs";
if (!BACKENDS.includes(backendKind)) {
  console.error(`demo: --backend must be one of ${BACKENDS.join(", ")}, got ${JSON.stringify(backendKind)}`);
  process.exit(2);
}
const spec = makeSpec(backendKind);

const rng = new Rng(seed);
const ledger = new Ledger();
const bots = makeBots(PLAN.bots);
const servers = new Map(); // name -> { child, version, alive, draining, counts, stats, sessions, finished }
const events = []; // notable things, printed in the report
const problems = []; // messages that fail the run
let killed = null;
let killedAt = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Servers that take players, hops and purchases: up, and not draining for the deploy. */
const live = () => [...servers.values()].filter((s) => s.alive && !s.draining).map((s) => s.name);
const receipts = new Receipts({ ledger, rng, tell, live });

function startServer(name, version = 1) {
  const child = fork(fileURLToPath(new URL("./server.mjs", import.meta.url)), [JSON.stringify(spec), name, String(version)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const server = { name, version, child, alive: true, counts: { puts: 0, conflicts: 0, carried: 0 }, stats: {}, sessions: 0, errors: {} };
  servers.set(name, server);
  server.ready = new Promise((resolve) => (server.markReady = resolve));
  server.done = new Promise((resolve) => (server.markDone = resolve));
  child.on("message", (m) => onMessage(server, m));
  child.on("exit", (code, signal) => {
    if (server.alive && !server.finished) problems.push(`server ${name} exited unexpectedly (${signal ?? code})`);
    server.alive = false;
    server.markDone();
  });
  return server;
}

function onMessage(server, m) {
  switch (m.type) {
    case "ready": return server.markReady();
    case "saved": return ledger.confirm(m.ids);
    case "traded": {
      const request = ledger.requests.get(m.id);
      ledger.traded(m.id, m.outcome);
      const from = bots.find((b) => b.key === request.key);
      if (m.outcome === "committed") request.to.coins += request.n;
      else from.coins += request.n; // refunded, or never escrowed
      if (m.outcome === "error") problems.push(`trade ${m.id} threw: ${m.message}`);
      return;
    }
    case "purchased": return receipts.answered(m);
    case "stats": server.counts = m.counts; server.stats = m.stats; server.sessions = m.sessions; return;
    case "error": return events.push(`${server.name}: background error ${m.code}${m.key ? ` on ${m.key}` : ""}: ${m.message}`);
    case "bad": return problems.push(`${server.name}: key ${m.key} went bad: ${m.reason}`);
    case "finished":
      server.finished = m;
      server.counts = m.counts;
      server.stats = m.stats;
      server.errors = m.errors;
      for (const key of m.bad) problems.push(`${server.name}: key ${key} is bad`);
      return;
  }
}

function tell(serverName, message) {
  const server = servers.get(serverName);
  if (server?.alive) server.child.send(message);
}

function joinServer(bot, serverName) {
  bot.server = serverName;
  const r = ledger.add("join", { key: bot.key, server: serverName, n: 0 });
  tell(serverName, { type: "join", key: bot.key, id: r.id, bot: bot.number, botName: bot.name });
}

/** A bot changes server; its old one keeps the session loaded a while. */
function hop(bot, serverName) {
  ledger.hop();
  tell(bot.server, { type: "leave", key: bot.key });
  joinServer(bot, serverName);
}

function act(bot) {
  const online = bots.filter((b) => b.server !== null);
  const a = nextAction(bot, online, live(), rng, servers.get(bot.server).version >= 2);
  if (a === null) return;
  if (a.kind === "hop") return hop(bot, a.server);
  if (a.kind === "purchase") return receipts.buy(bot, a.n);
  if (a.kind === "trade") {
    const r = ledger.add("trade", { key: bot.key, to: a.to, toKey: a.to.key, n: a.n, server: bot.server });
    bot.coins -= a.n;
    return tell(bot.server, { type: "trade", id: r.id, from: bot.key, to: a.to.key, n: a.n, bot: bot.number });
  }
  const r = ledger.add(a.kind, { key: bot.key, n: a.n, server: bot.server });
  bot.coins += { earn: a.n, spend: -a.n, gem: 0 }[a.kind];
  tell(bot.server, { type: a.kind, key: bot.key, id: r.id, n: a.n });
}

/** Kills `name` with SIGKILL a few ms after handing it some trades and a purchase, so it dies mid-work. */
async function kill(name) {
  const server = servers.get(name);
  const mine = bots.filter((b) => b.server === name && b.coins >= 2);
  const partners = bots.filter((b) => b.server !== null && b.server !== name);
  for (const bot of mine.slice(0, 4)) {
    const to = rng.pick(partners);
    const r = ledger.add("trade", { key: bot.key, to, toKey: to.key, n: 1, server: name });
    bot.coins -= 1;
    tell(name, { type: "trade", id: r.id, from: bot.key, to: to.key, n: 1, bot: bot.number });
  }
  if (mine.length > 0) receipts.buy(mine[0], rng.int(10, 100)); // to the victim and another server
  await sleep(rng.int(5, 60));
  server.child.kill("SIGKILL");
  server.alive = false;
  killed = name;
  killedAt = Date.now();
  const orphans = bots.filter((b) => b.server === name);
  const heirs = live();
  orphans.forEach((bot, i) => joinServer(bot, heirs[i % heirs.length]));
  const risky = [...ledger.requests.values()].filter((r) => ledger.atRisk(r, name));
  const trades = risky.filter((r) => r.kind === "trade").length;
  const line = `SIGKILL ${name} (pid ${server.child.pid}); ${orphans.length} players taken over by ${heirs.join(" and ")}; ` +
    `at risk: ${risky.length - trades} actions not yet seen saved, ${trades} trades unanswered; ` +
    `${receipts.unansweredOn(name)} purchase deliveries unanswered`;
  events.push(line);
  console.log(`  !! ${line}`);
}

function progress(started, phase) {
  const t = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
  const c = ledger.counts;
  const o = ledger.outcomes;
  let puts = 0;
  let conflicts = 0;
  for (const s of servers.values()) {
    puts += s.counts.puts;
    conflicts += s.counts.conflicts;
  }
  // Servers closed by the deploy drop out of the line; the killed one stays, as dead.
  const up = [...servers.values()]
    .filter((s) => s.alive || !s.finished)
    .map((s) => (s.alive ? `${s.name}${s.draining ? "~" : ":"}${s.sessions}` : `${s.name}:dead`))
    .join(" ");
  console.log(
    `[${t}s] ${phase.padEnd(8)} ${up} | earn ${c.earn} spend ${c.spend} buy ${c.purchase} hop ${c.hop} | trades ${o.committed} ok ` +
      `${o.aborted} aborted ${ledger.inFlight((name) => servers.get(name).alive)} in flight | saved ${ledger.saved.size} | writes ${puts}, ${conflicts} conflicts`,
  );
}

async function main() {
  console.log(`skilift demo${short ? " (short)" : ""}: ${PLAN.bots} bots, servers ${SERVERS.join(", ")}, ${PLAN.seconds} s, seed ${seed}`);
  const inspect = spec.kind === "fs" ? `  (inspect: node pkg/cjs/cli/main.cjs inspect ${spec.label} players)` : "";
  console.log(`data: ${spec.label}${inspect}`);
  for (const name of SERVERS) startServer(name);
  await Promise.all([...servers.values()].map((s) => s.ready));

  const started = Date.now();
  const ticker = setInterval(() => progress(started, phase), 1000);
  let phase = "playing";
  const ticks = (PLAN.seconds * 1000) / TICK_MS;
  const perBotPerTick = (PLAN.actionsPerSecond * TICK_MS) / 1000 / PLAN.bots;
  let deploy = null; // the deploy's promise once started; the bots play on until it is done
  let deployed = false;
  for (let tick = 0; tick < ticks || !deployed; tick++) {
    const now = tick * TICK_MS;
    // Bots arrive over the first three seconds, spread over the servers.
    bots.forEach((bot, i) => {
      if (bot.server === null && now >= (i * 3000) / PLAN.bots) joinServer(bot, SERVERS[i % SERVERS.length]);
    });
    if (killed === null && now >= PLAN.killAt * 1000) await kill(VICTIM);
    if (deploy === null && now >= PLAN.deployAt * 1000) {
      phase = "deploy";
      deploy = rollingDeploy({
        names: SERVERS, version: LATEST_VERSION, every: PLAN.deployEvery, drain: PLAN.drain, servers, bots,
        start: startServer,
        move: hop,
        unanswered: (name) => ledger.unanswered(name),
        problem: (text) => problems.push(text),
      }).then((lines) => {
        events.push(...lines);
        deployed = true;
        phase = "playing";
      }, (error) => {
        problems.push(`the deploy failed: ${error?.stack ?? error}`);
        deployed = true;
      });
    }
    for (const bot of bots) if (bot.server !== null && rng.next() < perBotPerTick) act(bot);
    receipts.deliverDue();
    await sleep(TICK_MS);
  }

  // Let the trades the dead server left undecided pass their timeout, the
  // late receipts go out and be answered, and every save be seen, before the
  // servers close.
  phase = "settling";
  const settleUntil = Date.now() + (TRANSACTION_TIMEOUT + 3) * 1000;
  const alive = (name) => servers.get(name).alive;
  while (Date.now() < settleUntil || ledger.inFlight(alive) > 0 || receipts.waiting(alive) > 0) {
    if (Date.now() > settleUntil + 30_000) break;
    receipts.deliverDue();
    await sleep(100);
  }
  phase = "closing";
  for (const name of live()) tell(name, { type: "finish" });
  await Promise.all([...servers.values()].map((s) => s.done));
  clearInterval(ticker);
  progress(started, "closed");

  const ok = await audit({ spec, bots, ledger, servers, killed, killedAt, events, problems });
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  for (const s of servers.values()) if (s.alive) s.child.kill("SIGKILL");
  process.exitCode = 1;
});
