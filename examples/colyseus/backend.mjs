// Where the player data lives, chosen by the environment:
//
//   (default)                   FsBackend in DATA_DIR (./data): every process
//                               on this machine may share the directory
//   SKILIFT_BACKEND=postgres    PostgresBackend on SKILIFT_PG_URL, tables named
//                               SKILIFT_TABLE_PREFIX* (skilift_ by default)

import { resolve } from "node:path";

/** `{ backend, label, close() }`; `close` ends the connections once the Store is closed. */
export async function openBackend(env = process.env) {
  const kind = env.SKILIFT_BACKEND ?? "fs";
  if (kind === "fs") {
    const { FsBackend } = await import("skilift/fs");
    const dir = resolve(env.DATA_DIR ?? "data");
    return { backend: new FsBackend(dir), label: dir, close: async () => {} };
  }
  if (kind === "postgres") {
    if (!env.SKILIFT_PG_URL) throw new Error("SKILIFT_BACKEND=postgres needs SKILIFT_PG_URL=postgres://user:pass@host/db");
    const { default: pg } = await import("pg");
    const { PostgresBackend } = await import("skilift/postgres");
    const pool = new pg.Pool({ connectionString: env.SKILIFT_PG_URL, max: 4 });
    const tablePrefix = env.SKILIFT_TABLE_PREFIX ?? "skilift_";
    const backend = new PostgresBackend(pool, { tablePrefix });
    return { backend, label: `PostgreSQL, tables ${tablePrefix}*`, close: () => pool.end() };
  }
  throw new Error(`SKILIFT_BACKEND must be fs or postgres, got ${JSON.stringify(kind)}`);
}
