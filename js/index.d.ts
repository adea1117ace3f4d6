// Types of the public surface (SPEC section 2). Hand-written: the wasm
// classes underneath are an implementation detail.

/** Where records live (SPEC section 3). Any object with these methods. */
export interface Backend {
  /** The current entry of a key, or null if it was never written. */
  get(store: string, key: string): Promise<Entry | null>;
  /**
   * Atomic compare-and-set: writes `value` only if the key's current version
   * is `expected` (null: the key must not exist). Resolves the new version
   * token, or null if the version did not match. Rejects on failure.
   */
  put(
    store: string,
    key: string,
    value: string,
    expected: string | null,
    meta: { userIds: number[] },
  ): Promise<string | null>;
  /** Optional history, for View.version. */
  getVersion?(store: string, key: string, version: string): Promise<Entry | null>;
  /** Optional history, for View.timestamp. */
  getAtTime?(store: string, key: string, timeMs: number): Promise<Entry | null>;
}

/** A stored entry; a missing userIds counts as []. */
export interface Entry {
  value: string;
  version: string;
  time: number;
  userIds?: number[];
}

export interface StoreOptions<T> {
  /** Data store name (namespace); may not contain "/". */
  name: string;
  /** Default "global"; may not contain "/". */
  scope?: string;
  /** Data of a key that has never been written. */
  defaultData: () => T;
  /** Named upgrade steps, run once per key, in order. Default []. */
  migrations?: { step: string; migrate: (old: any) => any }[];
  /** Checked after every action; false refuses the patch. */
  schema?: (value: unknown) => boolean;
  /** Seconds between pulls, default 15 (fractions allowed). */
  pullDelay?: number;
  /** Seconds before an undecided transaction may be aborted, default 60. */
  transactionTimeout?: number;
  /** Seconds a backend call may go unanswered before it counts as failed and is retried, default 30. */
  requestTimeout?: number;
  /** Where records live. */
  backend: Backend;
  /** Background failures; default console.warn. */
  onError?: (error: Error, key?: string) => void;
}

/**
 * A data store.
 *
 * @example
 * const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend: new MemoryBackend() });
 * const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
 * store.load("player_1").patch(addCoins, 10);
 */
export class Store<T> {
  constructor(options: StoreOptions<T>);
  readonly name: string;
  /** Starts loading; returns at once. */
  load(key: string): Session<T>;
  view(key: string): View<T>;
  /** Registers a plain action and returns it. */
  action<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /** Registers a transaction action under a permanent, unique name. */
  transaction<A extends unknown[]>(name: string, fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /** Stops every session of this store and waits for their final saves. */
  close(): Promise<void>;
}

/**
 * A loaded key.
 *
 * @example
 * const session = store.load("player_1");
 * const unbind = session.updated((data) => render(data));
 * session.patch(addCoins, 10);
 * await session.stop();
 */
export class Session<T> {
  private constructor();
  readonly key: string;
  patch<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined, ...args: A): boolean;
  /** Called at once and after every change; returns an unbind function. */
  updated(fn: (data: Readonly<T>) => void): () => void;
  /** Final save; repeat calls return the same promise. */
  stop(): Promise<void>;
  userid(user: number): void;
  /** Settles when the next request succeeds; never rejects. */
  await(): Promise<void>;
  bad(): string | undefined;
  loaded(): boolean;
}

/**
 * Reads a key without loading it.
 *
 * @example
 * await store.view("player_1").latest();
 */
export class View<T> {
  private constructor();
  latest(): Promise<T | undefined>;
  version(version: string): Promise<T | undefined>;
  /** number = ms since the epoch. */
  timestamp(time: Date | number): Promise<T | undefined>;
}

/**
 * Changes several keys all-or-nothing; resolves true if committed.
 *
 * @example
 * const ok = await transaction(() => tom.patch(giveMoney, 10), () => bob.patch(giveMoney, 10));
 */
export function transaction(success: () => void, failure?: () => void): Promise<boolean>;

/**
 * Reads or sets strict mode, process-wide.
 *
 * @example
 * strict(false);
 */
export function strict(value?: boolean): boolean;

/** The stable codes of {@link SkiliftError} (SPEC section 6). */
export type SkiliftErrorCode =
  | "action_invalid_function"
  | "transaction_invalid_action"
  | "transaction_invalid_function"
  | "strict_impure_action"
  | "strict_not_json_from_action"
  | "strict_pass_not_json_into_action"
  | "schema_validation_error"
  | "session_already_stopped"
  | "cannot_cancel_action"
  | "migration_does_not_return"
  | "history_unsupported"
  | "invalid_options"
  | "bad_data"
  | "backend_invalid_response"
  | "not_json"
  | "internal_error";

/**
 * Every error skilift throws, with a stable code (SPEC section 6).
 *
 * @example
 * try { session.patch(addCoins, 1); }
 * catch (e) { if (e instanceof SkiliftError && e.code === "session_already_stopped") reconnect(); }
 */
export class SkiliftError extends Error {
  constructor(code: SkiliftErrorCode, message: string);
  readonly name: "SkiliftError";
  readonly code: SkiliftErrorCode;
}

/**
 * In-process backend that keeps history.
 *
 * @example
 * const backend = new MemoryBackend();
 */
export class MemoryBackend implements Backend {
  constructor();
  get(store: string, key: string): Promise<Entry | null>;
  put(store: string, key: string, value: string, expected: string | null, meta: { userIds: number[] }): Promise<string | null>;
  getVersion(store: string, key: string, version: string): Promise<Entry | null>;
  getAtTime(store: string, key: string, timeMs: number): Promise<Entry | null>;
}
