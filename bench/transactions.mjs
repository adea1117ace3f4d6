// Trades per second between random pairs of 1,000 players on PostgreSQL
// (issue 26, item 4): skilift's `transaction` against what a developer
// would write instead, a plain SQL transaction that locks both rows
// (`SELECT … FOR UPDATE`, in id order, so two traders never deadlock),
// updates both and commits. Same pg Pool size, same server, same traders.
//
// A trade moves `n` coins from player a to player b, both sides or neither.
// TRADERS concurrent loops each run trades one after another for a fixed
// time; every trader is its own "server": for skilift its own Store (own
// sessions, so two traders holding the same key race on its compare-and-
// set, as two game servers would), for SQL its own pooled connection.
//   - no contention: trader i draws its pairs from its own 1,000/TRADERS
//     players (disjoint);
//   - contention: every trader draws its pairs from the same HOT players.
//
// Calls per trade: skilift's backend is wrapped and every call counted
// (idle pulls of the loaded sessions included: they are what holding
// players costs), and for both sides every statement sent through the pool
// is counted (the round trips).
//
// Correctness, checked after every round, for both sides: the coins are
// conserved, and every player's balance is the start plus exactly the
// trades acknowledged to the trader (skilift: `transaction` resolved true;
// SQL: COMMIT answered), so an acknowledged trade applied twice or not at
// all, or a trade not acknowledged that applied, fails the run.
//
// What bounds the ratio (measured on the shared 2-core machine, Dec 2026:
// skilift ≈ 0.3x SQL both ways, some contention runs at 0.24x). Without
// contention a trade is ~3 sequential statement times (the prepares of both
// keys, in parallel, each through its session's pull; the decision record's
// create-if-absent put), fewer than SQL's 5, but each statement takes ~4x
// as long: 7 statements a trade (the collection's reads and remove run
// after the decision, on the same pool of 8) queue for connections, and each
// write moves the head and appends a history row carrying the whole record,
// where SQL updates a bigint in place. The client also spends ~4x the CPU
// (~620 µs a trade). With contention every hot key is held by 8 stores, so
// prepares and the pulls that resolve pending entries meet stale versions:
// ~16 backend calls a trade (put 6, get 9.5), ~11 statement times.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { QUICK, ROUNDS, cpuSince, median } from "./measure.mjs";
import { Store, failFast, transaction } from "./skilift.mjs";
import { PostgresBackend } from "../pkg/cjs/backends/postgres/index.cjs";

export const PLAYERS = 1000;
export const TRADERS = 8;
export const POOL = 8;
export const HOT = 10;
const COINS = 1000;
const SECONDS = QUICK ? 2 : 5;

export const MODES = [
  { name: "no contention", first: (trader) => trader * (PLAYERS / TRADERS), size: PLAYERS / TRADERS },
  { name: `contention (${HOT} hot players)`, first: () => 0, size: HOT },
];
const pairOf = (mode, trader, rand) => pairIn(mode.first(trader), mode.size, rand);

function pairIn(first, size, rand) {
  const a = first + Math.floor(rand() * size);
  let b = first + Math.floor(rand() * (size - 1));
  if (b >= a) b += 1;
  return [a, b];
}

/** A small seeded generator, so both contenders see the same sequence of pairs. */
function generator(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * A pool whose `query` calls are counted: the statements (round trips) a
 * side sends, and the ms they took from call to answer (a pool query's wait
 * for a free connection included), to tell round trips from other waits.
 */
function countingPool(pool) {
  const counted = { statements: 0, ms: 0 };
  const timed = (run) => {
    counted.statements++;
    const t0 = performance.now();
    return run().finally(() => (counted.ms += performance.now() - t0));
  };
  counted.query = (...args) => timed(() => pool.query(...args));
  counted.connect = async () => {
    const client = await pool.connect();
    return { query: (...args) => timed(() => client.query(...args)), release: (error) => client.release(error) };
  };
  return counted;
}

/** The backend with every method call counted by name (bound, so its private fields still work). */
function countingBackend(inner) {
  const calls = {};
  const backend = new Proxy(inner, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== "function") return value;
      return (...args) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { backend, calls };
}

/**
 * Runs `trade(trader, rand)` in TRADERS loops for SECONDS; returns the wall
 * seconds and this process's CPU µs (the client's share: PostgreSQL's own
 * CPU is another process on the same two cores).
 */
async function traders(seed, trade) {
  const deadline = performance.now() + SECONDS * 1000;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: TRADERS }, async (_, trader) => {
      const rand = generator(seed * 7919 + trader + 1);
      while (performance.now() < deadline) await trade(trader, rand);
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSince(c0) };
}

function checkBalances(who, balances, expected) {
  let total = 0;
  for (let p = 0; p < PLAYERS; p++) {
    total += balances[p];
    if (balances[p] !== expected[p]) {
      throw new Error(`bench: ${who}: player ${p} holds ${balances[p]} coins, the acknowledged trades say ${expected[p]}`);
    }
  }
  if (total !== PLAYERS * COINS) throw new Error(`bench: ${who}: ${total} coins in all, not ${PLAYERS * COINS}`);
}

async function sqlRound(pool, prefix, mode, seed) {
  const table = `${prefix}sql_players`;
  await pool.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id integer PRIMARY KEY, coins bigint NOT NULL)`);
  await pool.query(`INSERT INTO ${table} SELECT g, ${COINS} FROM generate_series(0, ${PLAYERS - 1}) g`);
  const expected = new Array(PLAYERS).fill(COINS);
  const counted = countingPool(pool);
  let trades = 0;
  let failed = 0;
  const { seconds, cpu } = await traders(seed, async (trader, rand) => {
    const [a, b] = pairOf(mode, trader, rand);
    const n = 1 + Math.floor(rand() * 10);
    const client = await counted.connect();
    let broken;
    try {
      await client.query("BEGIN");
      await client.query(`SELECT coins FROM ${table} WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [[a, b]]);
      await client.query(`UPDATE ${table} SET coins = coins - $2 WHERE id = $1`, [a, n]);
      await client.query(`UPDATE ${table} SET coins = coins + $2 WHERE id = $1`, [b, n]);
      await client.query("COMMIT");
      expected[a] -= n;
      expected[b] += n;
      trades++;
    } catch (error) {
      broken = error;
      failed++;
      await client.query("ROLLBACK").catch(() => {});
    } finally {
      client.release(broken);
    }
  });
  const { rows } = await pool.query(`SELECT id, coins FROM ${table} ORDER BY id`);
  const balances = new Array(PLAYERS).fill(NaN);
  for (const r of rows) balances[r.id] = Number(r.coins);
  checkBalances(`SQL, ${mode.name}`, balances, expected);
  await pool.query(`DROP TABLE ${table}`);
  return { trades, failed, seconds, cpu, statements: counted.statements, statementMs: counted.ms, calls: counted.statements, byMethod: {} };
}

const newStore = (backend, name) => {
  const store = new Store({ name, defaultData: () => ({ coins: COINS }), backend, onError: failFast });
  const move = store.transaction("move", (d, n) => ({ ...d, coins: d.coins + n }));
  return { store, move };
};

let storeNames = 0;

async function skiliftRound(pool, prefix, mode, seed) {
  const counted = countingPool(pool);
  const name = `trade${storeNames++}`;
  const real = new PostgresBackend(counted, { tablePrefix: prefix });
  // Every player stored once before the round, as a game's players are.
  const seeding = newStore(real, name);
  const touch = seeding.store.action((d) => ({ ...d }));
  const seeded = Array.from({ length: PLAYERS }, (_, p) => seeding.store.load(`p${p}`));
  for (const s of seeded) s.patch(touch);
  await Promise.all(seeded.map((s) => s.stop()));

  const { backend, calls } = countingBackend(real);
  const stores = Array.from({ length: TRADERS }, () => newStore(backend, name));
  // Each trader holds sessions of the players it trades: its slice, or the hot set.
  const sessions = stores.map(({ store }, trader) => {
    const held = new Map();
    for (let p = mode.first(trader); p < mode.first(trader) + mode.size; p++) held.set(p, store.load(`p${p}`));
    return held;
  });
  await Promise.all(sessions.flatMap((held) => [...held.values()].map((s) => s.await())));

  const expected = new Array(PLAYERS).fill(COINS);
  counted.statements = 0;
  counted.ms = 0;
  for (const k of Object.keys(calls)) delete calls[k];
  let trades = 0;
  let failed = 0;
  const { seconds, cpu } = await traders(seed, async (trader, rand) => {
    const [a, b] = pairOf(mode, trader, rand);
    const n = 1 + Math.floor(rand() * 10);
    const held = sessions[trader];
    const { move } = stores[trader];
    const ok = await transaction(() => {
      held.get(a).patch(move, -n);
      held.get(b).patch(move, n);
    });
    if (ok) {
      expected[a] -= n;
      expected[b] += n;
      trades++;
    } else failed++;
  });
  const { statements, ms: statementMs } = counted;
  const backendCalls = Object.values(calls).reduce((x, y) => x + y, 0);
  const byMethod = Object.fromEntries(Object.entries(calls).map(([m, n]) => [m, n / Math.max(trades, 1)]));
  await Promise.all(sessions.flatMap((held) => [...held.values()].map((s) => s.stop())));

  // Read every player back through a fresh store: its pull resolves any
  // pending entry by the stored decision, as any later server would.
  const reader = newStore(real, name);
  const read = Array.from({ length: PLAYERS }, (_, p) => reader.store.load(`p${p}`));
  const balances = await Promise.all(
    read.map(async (s) => {
      await s.await();
      let coins;
      s.updated((d) => (coins = d.coins))();
      return coins;
    }),
  );
  await Promise.all(read.map((s) => s.stop()));
  checkBalances(`skilift, ${mode.name}`, balances, expected);
  return { trades, failed, seconds, cpu, statements, statementMs, calls: backendCalls, byMethod };
}

/**
 * Both contenders, in both modes, ROUNDS interleaved rounds each (SQL, then
 * skilift, then the next round): medians of trades per second, calls and
 * statements per trade.
 */
export async function benchTransactions(progress) {
  const url = process.env.SKILIFT_PG_URL;
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  const prefix = `skilift_bench_${process.pid}_${randomBytes(3).toString("hex")}_`;
  const contenders = { SQL: sqlRound, skilift: skiliftRound };
  const rows = [];
  try {
    for (const mode of MODES) {
      const runs = { SQL: [], skilift: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [who, run] of Object.entries(contenders)) {
          const r = await run(pool, prefix, mode, round + 1);
          runs[who].push(r);
          progress(`transactions ${mode.name}, ${who}, round ${round + 1}: ${(r.trades / r.seconds).toFixed(0)} trades/s, ${r.failed} failed`);
        }
      }
      const summary = (list) => ({
        rate: median(list.map((r) => r.trades / r.seconds)),
        rates: list.map((r) => r.trades / r.seconds),
        calls: median(list.map((r) => r.calls / Math.max(r.trades, 1))),
        statements: median(list.map((r) => r.statements / Math.max(r.trades, 1))),
        cpu: median(list.map((r) => r.cpu / Math.max(r.trades, 1))),
        // A trader's mean ms per trade (traders run trades one after another).
        latency: median(list.map((r) => (TRADERS * r.seconds * 1000) / Math.max(r.trades, 1))),
        statementMs: median(list.map((r) => r.statementMs / Math.max(r.statements, 1))),
        failed: list.reduce((x, r) => x + r.failed, 0),
        trades: list.reduce((x, r) => x + r.trades, 0),
        byMethod: list.at(-1).byMethod,
      });
      rows.push({ mode: mode.name, SQL: summary(runs.SQL), skilift: summary(runs.skilift) });
    }
  } finally {
    await pool
      .query(
        `DROP TABLE IF EXISTS "${prefix}heads", "${prefix}versions", "${prefix}sql_players"; DROP SEQUENCE IF EXISTS "${prefix}version_seq"; ` +
          `DROP FUNCTION IF EXISTS "${prefix}utf16_order"(text)`,
      )
      .catch(() => {});
    await pool.end();
  }
  return rows;
}
