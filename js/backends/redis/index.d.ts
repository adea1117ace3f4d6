// Types of `skilift/redis`. `ioredis` is an optional peer dependency: these
// types describe the part of its clients that is used, so this file does not
// import ioredis and compiles without it.
import type { Backend } from "../../index.js";

/** The part of an ioredis pipeline that RedisBackend uses. */
export interface RedisPipelineLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): RedisPipelineLike;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): RedisPipelineLike;
  hmget(key: string, ...fields: string[]): RedisPipelineLike;
  sadd(key: string, ...members: string[]): RedisPipelineLike;
  wait(numReplicas: number, timeoutMs: number): RedisPipelineLike;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The part of an ioredis `Redis` or `Cluster` client that RedisBackend uses. */
export interface RedisClientLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  pipeline(): RedisPipelineLike;
  // For list, keysByUser and reindex:
  sadd(key: string, ...members: string[]): Promise<unknown>;
  smembers(key: string): Promise<string[]>;
  zrangebylex(key: string, min: string, max: string, ...limit: (string | number)[]): Promise<string[]>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  /** On a Cluster: its master nodes, each scanned by reindex. */
  nodes?(role: "master"): { scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]> }[];
}

export interface RedisBackendOptions {
  /**
   * Prefix of every Redis key this backend writes: at most 100 characters,
   * without `{` or `}` (the hash tag that keeps a key's data in one cluster
   * slot follows it). Default "skilift:". Two backends with different
   * prefixes on one server are separate.
   */
  keyPrefix?: string;
  /**
   * How many past versions of each key are kept for `View.version` and
   * `View.timestamp` (besides the current one): a whole number >= 0, or
   * Infinity to keep them all. Default 100. Older versions are removed by
   * the write that pushes them out; asked for after that, they answer null.
   */
  historyVersions?: number;
  /**
   * Durability: a write is acknowledged only once this many replicas of the
   * key's master have it (Redis `WAIT`). Default 0 (acknowledged when the
   * master has it; a failover can then lose it). When fewer replicas confirm
   * within `replicaTimeout`, the put rejects with `backend_failed`: the write
   * is on the master but not acknowledged, and the engine retries until a
   * read of the key is confirmed by as many replicas (or the write is
   * re-applied on the new master if it was lost). See docs/redis.md.
   */
  waitForReplicas?: number;
  /** Seconds to wait for `waitForReplicas` replicas on each write (default 1, at least 0.001). */
  replicaTimeout?: number;
}

/**
 * The multi-server backend on Redis: a single server or a Redis Cluster
 * (ioredis `Redis` or `Cluster`, ioredis >= 5). Each compare-and-set is one
 * Lua script on one hash slot; keeps the last `historyVersions` versions of
 * each key. Version tokens are strings like "42.9f0c1d2e3a4b5c6d".
 *
 * @example
 * import Redis from "ioredis";
 * import { RedisBackend } from "skilift/redis";
 * const cluster = new Redis.Cluster([{ host: "10.0.0.1", port: 6379 }]);
 * const backend = new RedisBackend(cluster, { waitForReplicas: 1 });
 * @see docs/api.md#new-redisbackendclient-options
 */
export class RedisBackend {
  constructor(client: RedisClientLike, options?: RedisBackendOptions);
  /**
   * Puts entries written by versions without listing into the indexes
   * (scanning every master under keyPrefix); resolves how many it fixed.
   * The first list or keysByUser under a keyPrefix runs it once by itself;
   * run it again once the last server of an older version is gone, since
   * those do not keep the indexes.
   * @see docs/api.md#redisbackendreindex
   */
  reindex(): Promise<number>;
}

/**
 * Every method of the backend contract (docs/backend-contract.md), declared
 * once in `Backend`. Where RedisBackend differs: `history` keeps
 * `historyVersions` past versions; `list` merges the store's index buckets
 * (one per hash slot it uses; docs/redis.md) and `keysByUser` reads one
 * bucket per slot; `remove` erases the key, its history and its index
 * entries in one script (with `waitForReplicas`, acknowledged once the
 * replicas have it).
 */
export interface RedisBackend extends Required<Backend> {}
