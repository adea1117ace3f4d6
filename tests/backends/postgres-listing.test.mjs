// PostgresBackend's listing, history and remove beyond the shared contract,
// on a real PostgreSQL server: tables made by an earlier version (without
// the listing function and indexes) keep working and get them, the key
// order matches JavaScript's on random keys from every Unicode range, list
// runs as an index range scan, and a remove racing writers on other pools
// leaves no version row behind.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { PostgresBackend } from "../../js/backends/postgres/index.js";
import { dropPrefix, freshPrefix, newPool } from "./postgres-env.mjs";

const STORE = "players/global";
const admin = newPool(2);
const pools = [];
const prefixes = [];
after(async () => {
  for (const p of prefixes) await dropPrefix(admin, p);
  await Promise.all([admin, ...pools].map((pool) => pool.end()));
});

function prefix() {
  const p = freshPrefix();
  prefixes.push(p);
  return p;
}

function pool() {
  const p = newPool(4);
  pools.push(p);
  return p;
}

/** A seeded generator (mulberry32). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random key of 0-4 characters from ranges whose UTF-16 and code point orders differ. */
function randomKey(next) {
  const ranges = [[0x20, 0x7e], [0x80, 0x7ff], [0xd7f0, 0xd7ff], [0xe000, 0xe010], [0xfff0, 0xffff], [0x10000, 0x10010], [0x1f600, 0x1f610], [0x10fff0, 0x10ffff]];
  let key = "";
  for (let n = Math.floor(next() * 5); n > 0; n--) {
    const [lo, hi] = ranges[Math.floor(next() * ranges.length)];
    key += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
  }
  return key;
}

describe("PostgresBackend listing", () => {
  it("tables made before listing existed keep their rows, and get the function and indexes", async () => {
    const p = prefix();
    // The layout of the version before list/keysByUser/history/remove.
    await admin.query(`CREATE SEQUENCE "${p}version_seq"`);
    await admin.query(`CREATE TABLE "${p}versions" (store text NOT NULL, key text NOT NULL, version bigint NOT NULL,
      value text NOT NULL, time_ms double precision NOT NULL, user_ids double precision[] NOT NULL, PRIMARY KEY (store, key, version))`);
    await admin.query(`CREATE INDEX "${p}versions_by_time" ON "${p}versions" (store, key, time_ms)`);
    await admin.query(`CREATE TABLE "${p}heads" (store text NOT NULL, key text NOT NULL, version bigint NOT NULL, PRIMARY KEY (store, key))`);
    for (const [i, key] of ["b", "\uE000", "a", "\u{1F600}"].entries()) {
      await admin.query(`INSERT INTO "${p}heads" VALUES ($1, $2, nextval('"${p}version_seq"'))`, [STORE, key]);
      await admin.query(
        `INSERT INTO "${p}versions" SELECT store, key, version, $3, $4, $5 FROM "${p}heads" WHERE store = $1 AND key = $2`,
        [STORE, key, `old ${i}`, 1_700_000_000_000 + i, [i]],
      );
    }
    const b = new PostgresBackend(pool(), { tablePrefix: p });
    assert.deepEqual(await b.list(STORE), ["a", "b", "\u{1F600}", "\uE000"]);
    assert.deepEqual(await b.keysByUser(STORE, 3), ["\u{1F600}"]);
    assert.equal((await b.history(STORE, "a"))[0].time, 1_700_000_000_002);
    await b.remove(STORE, "b");
    assert.deepEqual(await b.list(STORE), ["a", "\u{1F600}", "\uE000"]);
    const { rows } = await admin.query("SELECT indexname FROM pg_indexes WHERE tablename LIKE $1 || '%' ORDER BY indexname", [p]);
    assert.deepEqual(rows.map((r) => r.indexname), [`${p}heads_in_order`, `${p}heads_pkey`, `${p}versions_by_time`, `${p}versions_by_user`, `${p}versions_pkey`]);
    // A second backend (another server starting) creates nothing twice.
    assert.deepEqual(await new PostgresBackend(pool(), { tablePrefix: p }).list(STORE, { limit: 1 }), ["a"]);
  });

  it("orders 3,000 random keys from every Unicode range exactly as JavaScript does, page by page", async () => {
    const b = new PostgresBackend(pool(), { tablePrefix: prefix() });
    const next = random(11);
    const keys = [...new Set(Array.from({ length: 3000 }, () => randomKey(next)))];
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => b.put(STORE, key, "x", null, { userIds: [1] })));
    }
    const sorted = [...keys].sort();
    const paged = [];
    for (let page = await b.list(STORE, { limit: 97 }); page.length; page = await b.list(STORE, { limit: 97, after: paged.at(-1) })) {
      paged.push(...page);
    }
    assert.deepEqual(paged, sorted);
    assert.deepEqual(await b.keysByUser(STORE, 1), sorted);
    for (let i = 0; i < 200; i++) {
      const prefix = [...randomKey(next)].slice(0, 2).join("");
      const after = next() < 0.5 ? undefined : randomKey(next);
      const expected = sorted.filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).slice(0, 20);
      assert.deepEqual(await b.list(STORE, { prefix, after, limit: 20 }), expected, `prefix ${JSON.stringify(prefix)} after ${JSON.stringify(after)}`);
    }
  });

  it("list is an index range scan on the key order, not a sort of the namespace", async () => {
    const p = prefix();
    const b = new PostgresBackend(pool(), { tablePrefix: p });
    await b.list(STORE); // creates the tables
    await admin.query(
      `INSERT INTO "${p}heads" SELECT 's' || (g % 20), 'k' || g, g FROM generate_series(1, 20000) g`,
    );
    await admin.query(`ANALYZE "${p}heads"`);
    const client = await admin.connect();
    try {
      await client.query("SET enable_seqscan = off");
      await client.query(`PREPARE probe(text, text, text, text, bigint) AS SELECT h.key FROM "${p}heads" h
        WHERE h.store = $1 AND "${p}utf16_order"(h.key) COLLATE "C" >= $2::text AND "${p}utf16_order"(h.key) COLLATE "C" < $3::text
          AND "${p}utf16_order"(h.key) COLLATE "C" <> $4::text ORDER BY "${p}utf16_order"(h.key) COLLATE "C" LIMIT $5::bigint`);
      await client.query("SET plan_cache_mode = force_generic_plan");
      const { rows } = await client.query("EXPLAIN EXECUTE probe('s1', 'k', 'k\uE002', '\uE002', 1000)");
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      assert.match(plan, new RegExp(`Index (Only )?Scan using "?${p}heads_in_order`), plan);
      assert.doesNotMatch(plan, /Sort/, plan);
    } finally {
      client.release();
    }
  });

  it("servers starting while others write, on tables without the listing indexes, neither deadlock nor fail", async () => {
    const p = prefix();
    const writers = Array.from({ length: 4 }, () => new PostgresBackend(pool(), { tablePrefix: p }));
    await writers[0].list(STORE);
    for (let round = 0; round < 6; round++) {
      // As an earlier version left them: no listing function or indexes.
      await admin.query(`DROP INDEX "${p}heads_in_order"; DROP INDEX "${p}versions_by_user"; DROP FUNCTION "${p}utf16_order"(text)`);
      let stop = false;
      const writes = writers.map(async (b, i) => {
        let n = 0;
        while (!stop) {
          const key = `w${i}-${n++ % 5}`;
          const e = await b.get(STORE, key);
          await b.put(STORE, key, "x", e ? e.version : null, { userIds: [i] });
        }
      });
      await new Promise((r) => setTimeout(r, 20));
      const starting = Array.from({ length: 4 }, () => new PostgresBackend(pool(), { tablePrefix: p }).list(STORE, { limit: 1 }));
      await Promise.all(starting);
      stop = true;
      await Promise.all(writes);
    }
    assert.equal((await writers[0].list(STORE)).length, 20);
  });

  it("remove racing writers on other pools leaves no version row, and the key starts again", async () => {
    const p = prefix();
    const backends = Array.from({ length: 3 }, () => new PostgresBackend(pool(), { tablePrefix: p }));
    for (let round = 0; round < 20; round++) {
      const key = `k${round}`;
      let stop = false;
      const writer = async (b) => {
        while (!stop) {
          const e = await b.get(STORE, key);
          await b.put(STORE, key, `w${round}`, e ? e.version : null, { userIds: [5] });
        }
      };
      const writers = [writer(backends[0]), writer(backends[1])];
      await new Promise((r) => setTimeout(r, 5));
      stop = true;
      await backends[2].remove(STORE, key);
      await Promise.all(writers);
      await backends[2].remove(STORE, key);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${p}versions" WHERE store = $1 AND key = $2`, [STORE, key]);
      assert.equal(rows[0].n, 0, `round ${round}: versions left`);
      assert.equal(await backends[0].get(STORE, key), null);
      assert.equal(typeof (await backends[1].put(STORE, key, "again", null, { userIds: [] })), "string");
    }
  });
});
