// Read-only queries about a whole PostgresBackend's tables, for tools
// (`skilift inspect` and `skilift studio` in js/cli/). Internal API, not a
// public subpath: it lives here so that only js/backends/postgres/ knows
// the table layout.

import { names } from "./tables.js";

/**
 * The stores under `tablePrefix` that hold keys: [{ store, keys }], sorted
 * in JavaScript string order; none when the tables were never created.
 * `tablePrefix` must be one a PostgresBackend accepted.
 */
export async function listStores(pool, tablePrefix = "skilift_") {
  const t = names(tablePrefix);
  const { rows: exists } = await pool.query("SELECT to_regclass($1) IS NOT NULL AS ready", [t.heads]);
  if (!exists[0]?.ready) return [];
  const { rows } = await pool.query(`SELECT store, count(*)::int AS keys FROM ${t.heads} GROUP BY store`);
  return rows.map((r) => ({ store: r.store, keys: r.keys })).sort((a, b) => (a.store < b.store ? -1 : a.store > b.store ? 1 : 0));
}
