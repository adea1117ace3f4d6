// The backend kit (skilift/testing, from the built package) on
// SqliteBackend: one database file in a temp directory, and every client a
// new better-sqlite3 connection to it (as each server process would open
// its own), closed once its test is over.
import { after } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { SqliteBackend } from "../../js/backends/sqlite/index.js";

const dir = await mkdtemp(join(tmpdir(), "skilift-sqlite-contract-"));
after(() => rm(dir, { recursive: true, force: true }));

const connections = new Map();
backendContract(
  "SqliteBackend",
  () => {
    const database = new Database(join(dir, "data.db"));
    const backend = new SqliteBackend(database);
    connections.set(backend, database);
    return backend;
  },
  { close: (backend) => connections.get(backend).close() },
);
