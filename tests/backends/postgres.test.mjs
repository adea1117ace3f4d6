// PostgresBackend beyond the shared contract, on a real PostgreSQL server:
// several separate pools (standing in for several game servers) racing on
// one key and on creating the tables, options, what it refuses, and what
// another process sees.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PostgresBackend } from "../../js/backends/postgres/index.js";
import { SkiliftError } from "../../js/errors.js";
import { dropPrefix, freshPrefix, newPool } from "./postgres-env.mjs";

const STORE = "players/global";
const isCode = (code) => (e) => e instanceof SkiliftError && e.code === code;

const admin = newPool(2);
const prefixes = [];
after(async () => {
  for (const prefix of prefixes) await dropPrefix(admin, prefix);
  await admin.end();
});

function prefix() {
  const p = freshPrefix();
  prefixes.push(p);
  return p;
}

async function tablesOf(p) {
  const { rows } = await admin.query(
    "SELECT relname FROM pg_class WHERE relname LIKE $1 || '%' AND relkind IN ('r', 'S') ORDER BY relname",
    [p],
  );
  return rows.map((r) => r.relname);
}

/** Increments a counter with get + conditional put, retrying on conflict. */
async function increment(backend, key, times) {
  let conflicts = 0;
  for (let i = 0; i < times; i++) {
    for (;;) {
      const e = await backend.get(STORE, key);
      const n = e ? JSON.parse(e.value).n : 0;
      if ((await backend.put(STORE, key, JSON.stringify({ n: n + 1 }), e ? e.version : null, { userIds: [] })) !== null) break;
      conflicts++;
    }
  }
  return conflicts;
}

describe("PostgresBackend: several pools", () => {
  it("several pools creating the tables at once on first use all succeed", async () => {
    const p = prefix();
    const pools = Array.from({ length: 6 }, () => newPool(2));
    try {
      const backends = pools.map((pool) => new PostgresBackend(pool, { tablePrefix: p }));
      // Every first call races on CREATE ... IF NOT EXISTS.
      const versions = await Promise.all(
        backends.map((b, i) => (i % 2 ? b.put(STORE, `k${i}`, String(i), null, { userIds: [i] }) : b.get(STORE, `k${i}`))),
      );
      for (const [i, v] of versions.entries()) {
        if (i % 2) assert.equal(typeof v, "string");
        else assert.equal(v, null);
      }
      assert.deepEqual(await tablesOf(p), [`${p}heads`, `${p}version_seq`, `${p}versions`]);
      for (const [i, b] of backends.entries()) {
        if (i % 2) assert.equal((await backends[(i + 1) % backends.length].get(STORE, `k${i}`)).value, String(i));
        else assert.equal(await b.get(STORE, `k${i}`), null);
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("separate pools racing get + conditional put increments on one key lose nothing", async () => {
    const p = prefix();
    const pools = Array.from({ length: 4 }, () => newPool(3));
    try {
      const backends = pools.map((pool) => new PostgresBackend(pool, { tablePrefix: p }));
      const writersPerPool = 3;
      const each = 15;
      await Promise.all(
        backends.flatMap((b) => Array.from({ length: writersPerPool }, () => increment(b, "race", each))),
      );
      const total = pools.length * writersPerPool * each;
      const final = await backends[0].get(STORE, "race");
      assert.equal(JSON.parse(final.value).n, total);
      // Every successful write is one history row, numbered in order.
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${p}versions" WHERE key = 'race'`);
      assert.equal(rows[0].n, total);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("what one pool writes, another process's pool reads, with its history", async () => {
    const p = prefix();
    const one = newPool(1);
    const two = newPool(1);
    try {
      const a = new PostgresBackend(one, { tablePrefix: p });
      const v1 = await a.put(STORE, "k", "one", null, { userIds: [1.5, -3, 2 ** 53] });
      const v2 = await a.put(STORE, "k", "two", v1, { userIds: [] });
      const b = new PostgresBackend(two, { tablePrefix: p });
      const e = await b.get(STORE, "k");
      assert.deepEqual(e.userIds, []);
      assert.equal(e.version, v2);
      const old = await b.getVersion(STORE, "k", v1);
      assert.equal(old.value, "one");
      assert.deepEqual(old.userIds, [1.5, -3, 2 ** 53]);
      assert.equal((await b.getAtTime(STORE, "k", e.time)).value, "two");
      assert.equal((await b.getAtTime(STORE, "k", Infinity)).value, "two");
      assert.equal(await b.getAtTime(STORE, "k", -Infinity), null);
    } finally {
      await one.end();
      await two.end();
    }
  });
});

describe("PostgresBackend: options and bad input", () => {
  it("refuses what is not a pool, and table prefixes that are not plain identifiers", () => {
    for (const pool of [null, {}, { query() {} }, "postgres://x"]) {
      assert.throws(() => new PostgresBackend(pool), isCode("invalid_options"));
    }
    const pool = { query() {}, connect() {} };
    for (const tablePrefix of ["Skilift_", "a-b", 'x"; DROP TABLE y; --', "1abc", "", "é", "x".repeat(41), 5]) {
      assert.throws(() => new PostgresBackend(pool, { tablePrefix }), isCode("invalid_options"), String(tablePrefix));
    }
    assert.throws(() => new PostgresBackend(pool, null), isCode("invalid_options"));
    new PostgresBackend(pool, { tablePrefix: "game_1_" });
  });

  it("refuses strings PostgreSQL would change (NUL, lone surrogates) instead of storing something else", async () => {
    const pool = newPool(1);
    try {
      const b = new PostgresBackend(pool, { tablePrefix: prefix() });
      await assert.rejects(b.put(STORE, "a\u0000b", "1", null, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "\ud800", "1", null, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "a\u0000", null, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "\udfff", null, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.get("\u0000", "k"), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "1", null, { userIds: [Infinity] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "1", 3, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.getAtTime(STORE, "k", NaN), isCode("invalid_options"));
      assert.equal(await b.get(STORE, "k"), null);
    } finally {
      await pool.end();
    }
  });

  it("tokens it never hands out match nothing (and never reach SQL as a bad cast)", async () => {
    const pool = newPool(1);
    try {
      const b = new PostgresBackend(pool, { tablePrefix: prefix() });
      const v = await b.put(STORE, "k", "1", null, { userIds: [] });
      assert.match(v, /^[1-9][0-9]*$/);
      for (const bad of ["", "0", `0${v}`, `${v} `, "-1", "1e3", "abc", "99999999999999999999", "9223372036854775808"]) {
        assert.equal(await b.put(STORE, "k", "2", bad, { userIds: [] }), null, bad);
        assert.equal(await b.getVersion(STORE, "k", bad), null, bad);
      }
      assert.equal((await b.get(STORE, "k")).value, "1");
      assert.equal(await b.put(STORE, "k", "2", "9223372036854775807", { userIds: [] }), null);
    } finally {
      await pool.end();
    }
  });

  it("a failed table creation is retried by the next call", async () => {
    let failures = 1;
    const real = newPool(1);
    const flaky = {
      query: (...a) => real.query(...a),
      connect: async () => {
        if (failures-- > 0) throw new Error("connection refused");
        return real.connect();
      },
    };
    try {
      const b = new PostgresBackend(flaky, { tablePrefix: prefix() });
      await assert.rejects(b.get(STORE, "k"), /connection refused/);
      assert.equal(await b.get(STORE, "k"), null);
    } finally {
      await real.end();
    }
  });
});
