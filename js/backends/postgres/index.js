// PostgresBackend (entry `skilift/postgres`): the backend contract
// (docs/backend-contract.md) on PostgreSQL, through a `pg` Pool the host passes in (an
// optional peer dependency: this module imports nothing from `pg`).
//
// Two tables per prefix:
//   {prefix}versions  every version ever written: (store, key, version) →
//                     value, time_ms, user_ids. The history.
//   {prefix}heads     (store, key) → the current version.
// and one sequence, {prefix}version_seq, that numbers versions: a token is
// never reused, even for a key that is deleted by hand and written again.
//
// Each compare-and-set is ONE statement: a data-modifying CTE moves the head
// (INSERT ... ON CONFLICT DO NOTHING to create, UPDATE ... WHERE version =
// expected otherwise) and appends the history row from what it returned, so
// both happen or neither, and a lost race writes nothing. Under READ
// COMMITTED a concurrent UPDATE re-checks `version = expected` on the row it
// waited for, which is what makes the comparison atomic.
//
// Times come from the database's clock (so servers with skewed clocks agree)
// and never go backwards within a key, so getAtTime stays ordered.
//
// remove deletes the head, then (a second statement, so a fresh snapshot
// sees every version committed before the head was locked) the versions up
// to it, in one READ COMMITTED transaction. The deleted head row stays
// locked until the commit, so a racing update waits and then finds no head
// (null), and a racing create waits and then creates a new key. Tokens come
// from the sequence, so a re-created key never gets an old one.
//
// Listing order. PostgreSQL compares text by collation; even COLLATE "C"
// (UTF-8 bytes, i.e. code points) puts U+E000..U+FFFF before astral
// characters, where JavaScript (UTF-16 code units) puts them after. So keys
// are ordered by {prefix}utf16_order(key) COLLATE "C": a function that puts
// U+E000 before each astral character and U+E001 before each character of
// U+E000..U+FFFF, which makes byte order equal UTF-16 order (utf16Order
// below is the same map in JS, for the bounds). An expression index on it
// serves list; a GIN index on user_ids serves keysByUser. Both are created
// IF NOT EXISTS, over rows written by older versions too.
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames as check, checkStore, checkUserId, entryOf, historyOptions, listOptions } from "../shared.js";
import { names } from "./tables.js";

const PREFIX = /^[a-z_][a-z0-9_]{0,39}$/;
/** Version tokens this backend hands out: positive bigints in canonical decimal. */
const TOKEN = /^[1-9][0-9]{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;
const NOW_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::double precision";

function isToken(version) {
  return typeof version === "string" && TOKEN.test(version) && BigInt(version) <= MAX_BIGINT;
}

/** PostgreSQL text cannot hold NUL, and `pg` would silently replace lone surrogates. */
function isStorable(s) {
  return typeof s === "string" && !s.includes("\u0000") && s.isWellFormed();
}

const STORABLE = { valid: isStorable, must: "strings without NUL characters or lone surrogates" };
const checkNames = (method, store, key) => check(`PostgresBackend.${method}`, store, key, STORABLE);

/**
 * `s` mapped so that the byte order of the result (COLLATE "C") is the
 * UTF-16 order of `s`: U+E000 before each astral character, U+E001 before
 * each of U+E000..U+FFFF. The same map as the SQL function utf16_order.
 */
function utf16Order(s) {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    out += cp >= 0x10000 ? `\uE000${ch}` : cp >= 0xe000 ? `\uE001${ch}` : ch;
  }
  return out;
}
/** Above every utf16Order string's next character: the end of a prefix range, and never equal to one. */
const PAST = "\uE002";

/** An entry from a row: pg returns bigint and double columns as strings. */
const entryOfRow = (row) =>
  entryOf({ value: row.value, version: row.version, time: Number(row.time_ms), userIds: row.user_ids.map(Number) });

/**
 * What PostgresBackend listens with for "error" on the pool and on its
 * connections, so that a connection the server closes (a restart, a
 * failover, `pg_terminate_backend`, an idle timeout) never kills the
 * game's process. pg emits "error" on the pool for a connection idle in
 * it, and on a connection itself when it is checked out (`pool.connect`)
 * between queries, or errs twice during `pool.query` (its listener there
 * is a `once`): with no listener, Node throws the event. There is nothing
 * more to do: the query in flight rejects (and the engine retries it), and
 * the pool drops the connection and opens another for the next query. A
 * listener of the game's own still gets every error.
 * (tests/backends/postgres-faults.test.mjs)
 */
function connectionLost() {}

/** Listens on `pool` (once, however many backends share it) and on each connection it opens from now on. */
function guardPool(pool) {
  if (typeof pool.on !== "function" || typeof pool.listeners !== "function") return;
  if (pool.listeners("error").includes(connectionLost)) return;
  pool.on("error", connectionLost);
  pool.on("connect", (client) => client.on("error", connectionLost));
}

/**
 * `pool.connect()`, with `connectionLost` listening on the connection
 * while it is checked out (it may have been opened before `guardPool`);
 * `done(error)` releases it.
 */
async function checkOut(pool) {
  const client = await pool.connect();
  // A pool-like wrapper (one that counts or traces queries, say) may hand
  // out clients that are not event emitters: nothing to listen on then, as
  // `guardPool` does for such a pool. Its connections' errors are its own.
  const listens = typeof client.on === "function" && typeof client.removeListener === "function";
  if (listens) client.on("error", connectionLost);
  return {
    client,
    done: (error) => {
      if (listens) client.removeListener("error", connectionLost);
      client.release(error);
    },
  };
}

export class PostgresBackend {
  #pool;
  #prefix;
  #sql;
  #ready = null;

  constructor(pool, options = {}) {
    if (typeof pool !== "object" || pool === null || typeof pool.query !== "function" || typeof pool.connect !== "function") {
      throw invalidOptions("PostgresBackend: pool must be a pg Pool (with query and connect)");
    }
    if (typeof options !== "object" || options === null) throw invalidOptions("PostgresBackend: options must be an object");
    const prefix = options.tablePrefix ?? "skilift_";
    if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
      throw invalidOptions(
        `PostgresBackend: tablePrefix must be 1-40 lowercase letters, digits or _ (not starting with a digit), got ${JSON.stringify(prefix)}`,
      );
    }
    guardPool(pool);
    this.#pool = pool;
    this.#prefix = prefix;
    this.#sql = statements(prefix);
  }

  /** Creates the tables once per instance; a failed attempt is retried by the next call. */
  #setup() {
    this.#ready ??= createTables(this.#pool, this.#prefix).catch((error) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async #query(name, values) {
    await this.#setup();
    const { rows } = await this.#pool.query({ name: `skilift:${this.#prefix}:${name}`, text: this.#sql[name], values });
    return rows;
  }

  /** The current entry of `key`, or null if it was never written. */
  async get(store, key) {
    checkNames("get", store, key);
    const rows = await this.#query("get", [store, key]);
    return rows.length ? entryOfRow(rows[0]) : null;
  }

  /**
   * Writes `value` if the current version is `expected` (null: only if the
   * key does not exist), in one statement. Resolves the new version, or null
   * if the version did not match.
   */
  async put(store, key, value, expected, meta) {
    checkNames("put", store, key);
    if (!isStorable(value)) {
      throw invalidOptions("PostgresBackend.put: value must be a string without NUL characters or lone surrogates");
    }
    if (expected !== null && typeof expected !== "string") {
      throw invalidOptions("PostgresBackend.put: expected must be a version string or null");
    }
    const userIds = meta?.userIds ?? [];
    if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number" && Number.isFinite(id))) {
      throw invalidOptions("PostgresBackend.put: meta.userIds must be an array of finite numbers");
    }
    if (expected === null) {
      const rows = await this.#query("create", [store, key, value, userIds]);
      return rows.length ? rows[0].version : null;
    }
    // A token this backend never hands out cannot be the current version.
    if (!isToken(expected)) return null;
    const rows = await this.#query("update", [store, key, value, userIds, expected]);
    return rows.length ? rows[0].version : null;
  }

  /** A past version of `key` by its token, or null. */
  async getVersion(store, key, version) {
    checkNames("getVersion", store, key);
    if (typeof version !== "string") throw invalidOptions("PostgresBackend.getVersion: version must be a string");
    if (!isToken(version)) return null;
    const rows = await this.#query("version", [store, key, version]);
    return rows.length ? entryOfRow(rows[0]) : null;
  }

  /** The version of `key` that was current at `timeMs` (the last written at or before it), or null. */
  async getAtTime(store, key, timeMs) {
    checkNames("getAtTime", store, key);
    if (typeof timeMs !== "number" || Number.isNaN(timeMs)) {
      throw invalidOptions("PostgresBackend.getAtTime: timeMs must be a number");
    }
    const rows = await this.#query("atTime", [store, key, timeMs]);
    return rows.length ? entryOfRow(rows[0]) : null;
  }

  /** `{ version, time, userIds }` of the versions of `key` written before `before`, newest first. */
  async history(store, key, options) {
    checkNames("history", store, key);
    const { limit, before } = historyOptions("PostgresBackend.history", options);
    const rows = await this.#query("history", [store, key, before, limit]);
    return rows.map((row) => ({ version: row.version, time: Number(row.time_ms), userIds: row.user_ids.map(Number) }));
  }

  /** One page of the keys of `store`, in JavaScript string order (an index range scan). */
  async list(store, options) {
    checkStore("PostgresBackend.list", store, STORABLE);
    const { after, limit, prefix } = listOptions("PostgresBackend.list", options, STORABLE);
    // From the greater of `after` (excluded) and `prefix` (included), up to
    // the end of the prefix range.
    const fromAfter = after !== undefined && after >= prefix;
    const lower = utf16Order(fromAfter ? after : prefix);
    const rows = await this.#query("list", [store, lower, utf16Order(prefix) + PAST, fromAfter ? lower : PAST, limit]);
    return rows.map((row) => row.key);
  }

  /** The keys of `store` whose current version carries `userId`, sorted. */
  async keysByUser(store, userId) {
    checkStore("PostgresBackend.keysByUser", store, STORABLE);
    checkUserId("PostgresBackend.keysByUser", userId);
    const rows = await this.#query("byUser", [store, userId]);
    return rows.map((row) => row.key);
  }

  /** Erases `key` and every version of it (see the top of this file); nothing if it does not exist. */
  async remove(store, key) {
    checkNames("remove", store, key);
    await this.#setup();
    const { client, done } = await checkOut(this.#pool);
    let broken;
    try {
      await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
      const named = (name, values) => client.query({ name: `skilift:${this.#prefix}:${name}`, text: this.#sql[name], values });
      const { rows } = await named("removeHead", [store, key]);
      if (rows.length) await named("removeVersions", [store, key, rows[0].version]);
      await client.query("COMMIT");
    } catch (error) {
      broken = error;
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      done(broken);
    }
  }
}

function statements(prefix) {
  const t = names(prefix);
  const columns = "v.value, v.version::text AS version, v.time_ms, v.user_ids";
  // The expression of the key index, written exactly so the planner matches it.
  const order = `${t.order}(h.key) COLLATE "C"`;
  return {
    get: `SELECT ${columns} FROM ${t.heads} h
      JOIN ${t.versions} v ON v.store = h.store AND v.key = h.key AND v.version = h.version
      WHERE h.store = $1 AND h.key = $2`,
    create: `WITH head AS (
        INSERT INTO ${t.heads} (store, key, version) VALUES ($1, $2, nextval('${t.seq}'))
        ON CONFLICT DO NOTHING
        RETURNING version)
      INSERT INTO ${t.versions} (store, key, version, value, time_ms, user_ids)
      SELECT $1, $2, head.version, $3, ${NOW_MS}, $4::double precision[] FROM head
      RETURNING version::text AS version`,
    update: `WITH head AS (
        UPDATE ${t.heads} SET version = nextval('${t.seq}')
        WHERE store = $1 AND key = $2 AND version = $5::bigint
        RETURNING version)
      INSERT INTO ${t.versions} (store, key, version, value, time_ms, user_ids)
      SELECT $1, $2, head.version, $3,
        GREATEST(${NOW_MS},
          (SELECT p.time_ms FROM ${t.versions} p WHERE p.store = $1 AND p.key = $2 AND p.version = $5::bigint)),
        $4::double precision[]
      FROM head
      RETURNING version::text AS version`,
    version: `SELECT ${columns} FROM ${t.versions} v
      WHERE v.store = $1 AND v.key = $2 AND v.version = $3::bigint`,
    atTime: `SELECT ${columns} FROM ${t.versions} v
      WHERE v.store = $1 AND v.key = $2 AND v.time_ms <= $3::double precision
      ORDER BY v.time_ms DESC, v.version DESC LIMIT 1`,
    history: `SELECT v.version::text AS version, v.time_ms, v.user_ids FROM ${t.versions} v
      WHERE v.store = $1 AND v.key = $2 AND v.time_ms < $3::double precision
      ORDER BY v.time_ms DESC, v.version DESC LIMIT $4::bigint`,
    list: `SELECT h.key FROM ${t.heads} h
      WHERE h.store = $1 AND ${order} >= $2::text AND ${order} < $3::text AND ${order} <> $4::text
      ORDER BY ${order} LIMIT $5::bigint`,
    byUser: `SELECT h.key FROM ${t.heads} h
      JOIN ${t.versions} v ON v.store = h.store AND v.key = h.key AND v.version = h.version
      WHERE h.store = $1 AND v.user_ids @> ARRAY[$2::double precision]
      ORDER BY ${order}`,
    removeHead: `DELETE FROM ${t.heads} WHERE store = $1 AND key = $2 RETURNING version::text AS version`,
    removeVersions: `DELETE FROM ${t.versions} WHERE store = $1 AND key = $2 AND version <= $3::bigint`,
  };
}

/**
 * Creates what is missing, idempotently.
 *
 * When everything exists (every start but the first), one catalog query
 * finds so and no DDL runs: `CREATE INDEX IF NOT EXISTS` takes a SHARE lock
 * on its table even when the index exists, and a transaction holding such a
 * lock on one table while waiting for the other deadlocks with a put, which
 * locks both tables in one statement. For the same reason each statement
 * below is its own transaction (it locks one table at a time). `CREATE ...
 * IF NOT EXISTS` is not safe on its own when several sessions run it at once
 * (the loser can fail on a catalog unique index), so creators hold a session
 * advisory lock named after the prefix (released with the connection if the
 * process dies). On tables made by an earlier version, the index builds
 * hold back writes of that table while they run.
 */
async function createTables(pool, prefix) {
  const t = names(prefix);
  const objects = [t.seq, t.versions, t.heads, t.timeIndex, t.keyIndex, t.userIndex];
  const { rows } = await pool.query(
    `SELECT ${objects.map((_, i) => `to_regclass($${i + 1}) IS NOT NULL`).join(" AND ")}
       AND to_regprocedure($${objects.length + 1}) IS NOT NULL AS ready`,
    [...objects, `${t.order}(text)`],
  );
  if (rows[0].ready) return;
  const { client, done } = await checkOut(pool);
  let broken;
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`skilift:tables:${prefix}`]);
    try {
      await client.query(`CREATE SEQUENCE IF NOT EXISTS ${t.seq}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.versions} (
        store text NOT NULL,
        key text NOT NULL,
        version bigint NOT NULL,
        value text NOT NULL,
        time_ms double precision NOT NULL,
        user_ids double precision[] NOT NULL,
        PRIMARY KEY (store, key, version))`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${t.timeIndex} ON ${t.versions} (store, key, time_ms)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.heads} (
        store text NOT NULL,
        key text NOT NULL,
        version bigint NOT NULL,
        PRIMARY KEY (store, key))`);
      // Listing (added after the tables; IF NOT EXISTS indexes existing rows too).
      // E'' strings, so the backslashes mean the same whatever standard_conforming_strings says.
      await client.query(String.raw`CREATE OR REPLACE FUNCTION ${t.order}(k text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
        $f$ SELECT regexp_replace(regexp_replace(k, E'([\\uE000-\\uFFFF])', chr(57345) || E'\\1', 'g'),
                                  E'([\\U00010000-\\U0010FFFF])', chr(57344) || E'\\1', 'g') $f$`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${t.keyIndex} ON ${t.heads} (store, ${t.order}(key) COLLATE "C")`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${t.userIndex} ON ${t.versions} USING gin (user_ids)`);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`skilift:tables:${prefix}`]);
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // A client whose statements failed (its lock may be held) is not put back in the pool.
    done(broken);
  }
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ PostgresBackend });
export default entry;
