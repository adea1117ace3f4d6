// The backends that several processes share through one place on disk, for
// the tests that run them in child processes and SIGKILL them
// (processes.test.mjs, api-processes.test.mjs, tests/stress/fs-kill.mjs):
// FsBackend on a directory, SqliteBackend on a database file in it. The
// same tests run on each; `open(kind, dir)` is all that differs.

import { join } from "node:path";
import Database from "better-sqlite3";
import { FsBackend } from "../../pkg/cjs/backends/fs/index.cjs";
import { SqliteBackend } from "../../pkg/cjs/backends/sqlite/index.cjs";

/** The kinds, with the class each names. */
export const KINDS = { fs: "FsBackend", sqlite: "SqliteBackend" };

/** A new client of the storage in `dir` (its options: `{ history }`). */
export function openShared(kind, dir, options = {}) {
  if (kind === "fs") return new FsBackend(dir, options);
  if (kind === "sqlite") return new SqliteBackend(new Database(join(dir, "data.db")), options);
  throw new Error(`unknown backend kind ${JSON.stringify(kind)} (known: ${Object.keys(KINDS).join(", ")})`);
}

/** The number of a version token: FsBackend's is the number, SqliteBackend's `<epoch>.<number>`. */
export const versionNumber = (token) => Number(token.split(".").at(-1));
