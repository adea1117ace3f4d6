// The backend kit (skilift/testing, from the built package) on
// PostgresBackend on a real PostgreSQL server (SKILIFT_PG_URL, or the local
// one scripts/start-postgres.sh starts): one table prefix for this file,
// dropped afterwards, and a new PostgresBackend on it for every client.
import { after } from "node:test";
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { PostgresBackend } from "../../js/backends/postgres/index.js";
import { dropPrefix, freshPrefix, newPool } from "../backends/postgres-env.mjs";

const pool = newPool(10);
const tablePrefix = freshPrefix();
after(async () => {
  await dropPrefix(pool, tablePrefix);
  await pool.end();
});

backendContract("PostgresBackend", () => new PostgresBackend(pool, { tablePrefix }));
