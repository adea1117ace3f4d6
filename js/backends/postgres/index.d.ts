// Types of `skilift/postgres`. `pg` is an optional peer dependency: these
// types describe the part of its Pool that is used, so `@types/pg` is not needed.
import type { Backend } from "../../index.js";

/** The part of a `pg` Pool that PostgresBackend uses. */
export interface PgPoolLike {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: any[] }>;
  connect(): Promise<{
    query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
    release(error?: Error | boolean): void;
  }>;
}

export interface PostgresBackendOptions {
  /**
   * Prefix of the table and sequence names: 1-40 lowercase letters, digits
   * or `_`, not starting with a digit. Default "skilift_" (tables
   * skilift_heads, skilift_versions, sequence skilift_version_seq).
   */
  tablePrefix?: string;
}

/**
 * The multi-server backend on PostgreSQL. Creates its tables on first use;
 * keeps every version (history). Version tokens are decimal strings from
 * one sequence, never reused. The first start of a version with listing on
 * tables made by an older one builds two indexes (a function index on
 * the heads, GIN on the user ids), holding back writes of that table while
 * it runs.
 *
 * @example
 * import pg from "pg";
 * import { PostgresBackend } from "skilift/postgres";
 * const backend = new PostgresBackend(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * @see docs/api.md#new-postgresbackendpool-options
 */
export class PostgresBackend {
  constructor(pool: PgPoolLike, options?: PostgresBackendOptions);
}

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`. Where PostgresBackend differs: `history` keeps every
 * version; `list` is an index range scan, `keysByUser` goes through a GIN
 * index; `remove` deletes the key's head and every version row in one
 * transaction.
 */
export interface PostgresBackend extends Required<Backend> {}
