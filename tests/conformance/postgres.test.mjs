// The backend contract against PostgresBackend on a real PostgreSQL server
// (SKILIFT_PG_URL, or the local one scripts/start-postgres.sh starts). Each
// test gets a fresh table prefix, dropped afterwards. The operations API
// (operations-api.mjs) and a rolling deploy (rolling-deploy-api.mjs) run
// on it too, through the built package.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { backendContract } from "./backend-contract.mjs";
import { operationsApi } from "./operations-api.mjs";
import { rollingDeployApi } from "./rolling-deploy-api.mjs";
import * as skilift from "../../pkg/node.mjs";
import { PostgresBackend } from "../../js/backends/postgres/index.js";
import { dropPrefix, freshPrefix, newPool } from "../backends/postgres-env.mjs";

const pool = newPool(10);
after(() => pool.end());

async function open() {
  const tablePrefix = freshPrefix();
  return { backend: new PostgresBackend(pool, { tablePrefix }), close: () => dropPrefix(pool, tablePrefix) };
}

backendContract("PostgresBackend", open, {}, { describe, it, assert });
operationsApi("PostgresBackend", open, { skilift, describe, it, assert });
rollingDeployApi("PostgresBackend", open, { skilift, describe, it, assert });
