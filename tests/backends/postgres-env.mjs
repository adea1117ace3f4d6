// Where the PostgreSQL tests connect: SKILIFT_PG_URL, or else the local
// server that scripts/start-postgres.sh starts (idempotently) and prints.
// Also: fresh table prefixes per test run, and dropping them afterwards.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";

let url = process.env.SKILIFT_PG_URL;

/** The connection string of the test database, starting the local server if needed. */
export function pgUrl() {
  if (!url) {
    const script = fileURLToPath(new URL("../../scripts/start-postgres.sh", import.meta.url));
    url = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  }
  return url;
}

/** A new pg Pool on the test database (network traffic to 127.0.0.1 only, by default). */
export function newPool(max = 4) {
  return new pg.Pool({ connectionString: pgUrl(), max });
}

const run = `skilift_t${process.pid}_${randomBytes(3).toString("hex")}_`;
let counter = 0;

/** A table prefix no other test (or test run) uses. */
export function freshPrefix() {
  return `${run}${counter++}_`;
}

/** Drops the tables, sequence and function of `prefix`. */
export async function dropPrefix(pool, prefix) {
  await pool.query(
    `DROP TABLE IF EXISTS "${prefix}heads", "${prefix}versions"; DROP SEQUENCE IF EXISTS "${prefix}version_seq"; ` +
      `DROP FUNCTION IF EXISTS "${prefix}utf16_order"(text)`,
  );
}
