// The backend kit (skilift/testing, from the built package) on
// SqliteBackend: one database file in a temp directory, and every client a
// new better-sqlite3 connection to it (as each server process would open
// its own), closed once its test is over.
import { after, test } from "node:test";
import assert from "node:assert/strict";
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

test("a database locked while it is switched to WAL (another process opening it at once) is waited for, not thrown", () => {
  // Fault injection: SQLite answers SQLITE_BUSY at once, without waiting,
  // when two new connections both ask for the lock the switch needs.
  const database = new Database(join(dir, "busy.db"));
  let refusals = 2;
  const busy = new Proxy(database, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (name !== "pragma") return typeof value === "function" ? value.bind(target) : value;
      return (text, options) => {
        if (text.startsWith("journal_mode") && refusals > 0) {
          refusals--;
          throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
        }
        return target.pragma(text, options);
      };
    },
  });
  const backend = new SqliteBackend(busy);
  assert.equal(refusals, 0);
  assert.equal(database.pragma("journal_mode", { simple: true }), "wal");
  assert.ok(backend);
  database.close();
});
