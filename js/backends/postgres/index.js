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
// User-facing docs (options, examples): index.d.ts.

import { invalidOptions } from "../../errors.js";
import { checkNames as check, entryOf } from "../shared.js";

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

const checkNames = (method, store, key) =>
  check(`PostgresBackend.${method}`, store, key, {
    valid: isStorable,
    must: "strings without NUL characters or lone surrogates",
  });

/** An entry from a row: pg returns bigint and double columns as strings. */
const entryOfRow = (row) =>
  entryOf({ value: row.value, version: row.version, time: Number(row.time_ms), userIds: row.user_ids.map(Number) });

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
}

function names(prefix) {
  return {
    versions: `"${prefix}versions"`,
    heads: `"${prefix}heads"`,
    seq: `"${prefix}version_seq"`,
    timeIndex: `"${prefix}versions_by_time"`,
  };
}

function statements(prefix) {
  const t = names(prefix);
  const columns = "v.value, v.version::text AS version, v.time_ms, v.user_ids";
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
  };
}

/**
 * `CREATE ... IF NOT EXISTS` is not safe on its own when several sessions
 * run it at once (the loser can fail on a catalog unique index), so creators
 * take a transaction-scoped advisory lock named after the prefix first.
 */
async function createTables(pool, prefix) {
  const t = names(prefix);
  const client = await pool.connect();
  let broken;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`skilift:tables:${prefix}`]);
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
    await client.query("COMMIT");
  } catch (error) {
    broken = error;
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    // A client whose transaction failed is not put back in the pool.
    client.release(broken);
  }
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ PostgresBackend });
export default entry;
