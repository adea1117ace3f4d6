// The backend contract against PostgresBackend on a real PostgreSQL server
// (SKILIFT_PG_URL, or the local one scripts/start-postgres.sh starts). Each
// test gets a fresh table prefix, dropped afterwards.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { backendContract } from "./backend-contract.mjs";
import { PostgresBackend } from "../../js/backends/postgres/index.js";
import { dropPrefix, freshPrefix, newPool } from "../backends/postgres-env.mjs";

const pool = newPool(10);
after(() => pool.end());

backendContract(
  "PostgresBackend",
  async () => {
    const tablePrefix = freshPrefix();
    return { backend: new PostgresBackend(pool, { tablePrefix }), close: () => dropPrefix(pool, tablePrefix) };
  },
  {},
  { describe, it, assert },
);
