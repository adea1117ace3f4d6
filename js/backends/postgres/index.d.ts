// Types of `skilift/postgres`. `pg` is an optional peer dependency: these
// types describe the part of its Pool that is used, so `@types/pg` is not needed.
import type { Backend, Entry, HistoryOptions, ListOptions, VersionInfo } from "../../index.js";

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
export class PostgresBackend implements Backend {
  constructor(pool: PgPoolLike, options?: PostgresBackendOptions);
  get(store: string, key: string): Promise<Entry | null>;
  put(store: string, key: string, value: string, expected: string | null, meta: { userIds: number[] }): Promise<string | null>;
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
  /** Every version of the key before `before`, newest first (no values). */
  history(store: string, key: string, options?: HistoryOptions): Promise<VersionInfo[]>;
  /** One page of the keys of `store` in JavaScript string order (an index range scan). */
  list(store: string, options?: ListOptions): Promise<string[]>;
  /** The keys of `store` whose current version carries `userId`, sorted (through a GIN index). */
  keysByUser(store: string, userId: number): Promise<string[]>;
  /** Deletes the key's head and every version row, in one transaction. */
  remove(store: string, key: string): Promise<void>;
}
