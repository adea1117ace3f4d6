// Types of the public surface (docs/api.md). Hand-written: the wasm
// classes underneath are an implementation detail. This file is the one
// place for the user-facing API docs of `skilift` (the .js files beside it
// only say how and why they do it).

/**
 * What `updated` hands out: the data, deeply frozen at run time, so every
 * level is read-only here too (arrays become readonly arrays).
 *
 * @example
 * session.updated((data: DeepReadonly<Player>) => render(data.items[0]));
 */
export type DeepReadonly<T> = T extends (...args: any[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

// The backend contract's types live beside the adapters (backends/contract.d.ts).
import type { Backend, VersionInfo } from "./backends/contract.js";
export type { Backend, Entry, HistoryOptions, ListOptions, VersionInfo } from "./backends/contract.js";

// The Standard Schema v1 interface, declared beside this file (no validator
// library is a dependency).
import type { StandardSchemaV1 } from "./standard-schema.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
import type { StoreStats } from "./reports.js";
export type { StoreStats } from "./reports.js";

/**
 * T as written, but not a place TypeScript infers T from: with a Standard
 * Schema the data type comes from the schema, and `defaultData` and the
 * rest are checked against it. (The built-in `NoInfer` needs TypeScript 5.4.)
 */
type NotInferred<T> = [T][T extends any ? 0 : never];

/** The options of every store, whatever its data type (see {@link StoreOptions}). */
export interface StoreOptionsCommon {
  /** Data store name (namespace); may not contain "/". */
  name: string;
  /** Default "global"; may not contain "/". */
  scope?: string;
  /** Named upgrade steps, run once per key, in order. Default []. `backwardsCompatible`: docs/api.md#rolling-deploys. */
  migrations?: { step: string; migrate: (old: any) => any; backwardsCompatible?: boolean }[];
  /** Seconds between pulls, default 15 (fractions allowed). */
  pullDelay?: number;
  /** Seconds before an undecided transaction may be aborted, default 60. */
  transactionTimeout?: number;
  /** Seconds a backend call may go unanswered before it counts as failed and is retried, default 30. */
  requestTimeout?: number;
  /** Seconds a key keeps the ids of `patchOnce`/`updateOnce`, default 2592000 (30 days). */
  onceRetention?: number;
  /** Where records live. */
  backend: Backend;
  /** Background failures; default console.warn. */
  onError?: (error: Error, key?: string) => void;
}

/** The options of `new Store(options)` (docs/api.md#storeoptions). */
export interface StoreOptions<T> extends StoreOptionsCommon {
  /** Data of a key that has never been written. */
  defaultData: () => T;
  /**
   * Checked on the result of every action: a predicate (`false` refuses the
   * patch), or a Standard Schema v1 validator such as a Zod, Valibot or
   * ArkType schema (its issues refuse the patch, listed in the
   * `schema_validation_error` message). A validator must be synchronous.
   */
  schema?: ((value: unknown) => boolean) | StandardSchemaV1<unknown, T>;
}


/**
 * A data store: one namespace of keys in a backend, its options and its
 * registered actions. Options are checked at once (`invalid_options`).
 *
 * @example
 * const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend: new MemoryBackend() });
 * const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
 * store.load("player_1").patch(addCoins, 10);
 */
export class Store<T> {
  /** Without a schema or with a predicate: the data type is what `defaultData` returns (or `T` as given). */
  constructor(options: StoreOptionsCommon & { defaultData: () => T; schema?: (value: unknown) => boolean });
  /**
   * With a Standard Schema validator as `schema`, the data type is the
   * schema's output type, and `defaultData` must return it.
   *
   * @example
   * const store = new Store({ name: "players", schema: z.object({ coins: z.number() }), defaultData: () => ({ coins: 0 }), backend });
   * // Store<{ coins: number }>
   */
  constructor(options: StoreOptionsCommon & { defaultData: () => NotInferred<T>; schema?: StoreOptions<T>["schema"] });
  /** The store's name. */
  readonly name: string;
  /**
   * Starts loading `key` and returns its session at once.
   *
   * @example
   * const session = store.load("player_1");
   */
  load(key: string): Session<T>;
  /**
   * A read-only view of `key`, without loading it.
   *
   * @example
   * await store.view("player_1").latest();
   */
  view(key: string): View<T>;
  /**
   * Registers a plain action and returns it.
   *
   * @example
   * const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
   */
  action<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /**
   * Registers a transaction action under a permanent, unique name and
   * returns it. Never rename or remove a name used in production.
   *
   * @example
   * const giveMoney = store.transaction("giveMoney", (data, n: number) => ({ ...data, money: data.money + n }));
   */
  transaction<A extends unknown[]>(name: string, fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /**
   * A one-shot write of `key`, which this server need not keep loaded (a
   * gift to an offline friend, a moderator's fix): reads the stored data,
   * applies the registered action, writes with compare-and-set, retrying
   * like a final save (an outage is waited out, a lost reply never applies
   * it twice). Resolves `true` once stored, `false` if the action cancelled
   * on the stored data; rejects with the action's error if it threw or
   * failed the schema there, with `bad_data` or `needs_newer_version` on a
   * quarantined key (nothing written). A session that has the key loaded anywhere keeps its
   * own queued changes and sees the update at its next pull.
   *
   * @example
   * const sendGift = store.action((data, from: string) => ({ ...data, gifts: [...data.gifts, from] }));
   * await store.update("player_2", sendGift, "player_1"); // true
   */
  update<A extends unknown[]>(key: string, fn: (data: T, ...args: A) => T | undefined, ...args: A): Promise<boolean>;
  /**
   * `update`, applied only if the key has not applied `id` yet (by any
   * `updateOnce` or `patchOnce`, on any server): `true` once the write that
   * applied it is stored, `false` if the id was already applied or the
   * action cancelled. Ids are kept for `onceRetention`.
   *
   * @example
   * await store.updateOnce("player_2", "refund-981", addGems, 50); // true
   * await store.updateOnce("player_2", "refund-981", addGems, 50); // false
   */
  updateOnce<A extends unknown[]>(key: string, id: string, fn: (data: T, ...args: A) => T | undefined, ...args: A): Promise<boolean>;
  /**
   * Makes the data of a retained version (see `view.history()`) the key's
   * current data with a normal compare-and-set; open sessions see it at
   * their next pull, with their queued changes replayed on it. Rejects
   * `not_found` for a version the backend does not hold,
   * `history_unsupported` without history, `needs_newer_version`.
   *
   * @example
   * const [, previous] = await store.view("player_2").history({ limit: 2 });
   * await store.restore("player_2", previous.version);
   */
  restore(key: string, version: string): Promise<void>;
  /**
   * Every key of this store's namespace, in string order, paged from the
   * backend's `list` (`listing_unsupported` without it).
   *
   * @example
   * for await (const key of store.keys({ prefix: "player_" })) await store.update(key, addStarterPack);
   */
  keys(options?: { prefix?: string }): AsyncIterable<string>;
  /**
   * The keys whose current version carries `userId` (see `session.userid`).
   *
   * @example
   * for await (const key of store.keysByUser(12345)) await store.remove(key);
   */
  keysByUser(userId: number): AsyncIterable<string>;
  /**
   * Erases the key: its data and every retained version. Sessions that
   * loaded it before go bad at their next pull instead of writing it back;
   * a later load starts from `defaultData`. `remove_unsupported` without a
   * backend `remove`.
   *
   * @example
   * await store.remove("player_2");
   */
  remove(key: string): Promise<void>;
  /**
   * The counters since this store was made, as a fresh plain object.
   *
   * @example
   * const { sessions, failures } = store.stats();
   */
  stats(): StoreStats;
  /**
   * Stops every session of this store and waits for their final saves.
   *
   * @example
   * process.on("SIGTERM", () => store.close().then(() => process.exit(0)));
   */
  close(): Promise<void>;
}

/**
 * A loaded key. Get one from `store.load(key)`.
 *
 * @example
 * const session = store.load("player_1");
 * const unbind = session.updated((data) => render(data));
 * session.patch(addCoins, 10);
 * await session.stop();
 */
export class Session<T> {
  private constructor();
  /** The key this session reads and writes. */
  readonly key: string;
  /**
   * Applies a registered action to the data at once and queues it for the
   * next save. Returns `false` if the action cancelled (returned undefined).
   * Inside a `transaction` closure the patch is recorded instead. The
   * arguments are copied and frozen: changing them afterwards changes nothing.
   * The action gets a copy-on-write draft of the data, valid only while it
   * runs: only what it changes is copied (docs/api.md).
   *
   * @example
   * session.patch(addCoins, 10); // true
   */
  patch<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined, ...args: A): boolean;
  /**
   * An exactly-once patch for an external event (a purchase receipt):
   * applied at once like `patch` and stored only if the key has not applied
   * `id` yet. Resolves `true` once a write that applied it is stored,
   * `false` if the id was already applied (here or on any server) or the
   * action cancelled; rejects `bad_data` if the key goes bad first.
   * Mistakes throw at once, like `patch`.
   *
   * @example
   * if (await session.patchOnce(receipt.id, grantGems, receipt.gems)) console.log("granted");
   */
  patchOnce<A extends unknown[]>(id: string, fn: (data: T, ...args: A) => T | undefined, ...args: A): Promise<boolean>;
  /**
   * Calls `fn` now with the current (deeply frozen) data and after every
   * change. Returns a function that unbinds it.
   *
   * @example
   * const unbind = session.updated((data) => (label.text = String(data.coins)));
   * unbind();
   */
  updated(fn: (data: DeepReadonly<T>) => void): () => void;
  /**
   * Stops pulling and makes the final save. Calling it again returns the
   * same promise.
   *
   * @example
   * await session.stop();
   */
  stop(): Promise<void>;
  /**
   * Adds a user id (GDPR metadata) written with this key from now on.
   *
   * @example
   * session.userid(12345);
   */
  userid(user: number): void;
  /**
   * Settles when the next request (load, pull or final save) succeeds, or at
   * once on a stopped session. Never rejects.
   *
   * @example
   * await store.load("player_1").await(); // data is loaded
   */
  await(): Promise<void>;
  /**
   * Why this server must not touch the stored data (`bad_data`, or `needs_newer_version`), or undefined.
   *
   * @example
   * if (session.bad()) kick(player, session.bad());
   */
  bad(): string | undefined;
  /**
   * Whether the first pull has succeeded.
   *
   * @example
   * session.loaded(); // false right after load
   */
  loaded(): boolean;
}

/**
 * Reads a key without loading it. Get one from `store.view(key)`.
 *
 * @example
 * const view = store.view("player_1");
 * const now = await view.latest();
 * const then = await view.timestamp(new Date("2024-01-01"));
 */
export class View<T> {
  private constructor();
  /**
   * The current data, or undefined if the key was never written.
   *
   * @example
   * await store.view("player_1").latest(); // { coins: 10 }
   */
  latest(): Promise<T | undefined>;
  /**
   * The data of a past version token; rejects with `history_unsupported`
   * when the backend keeps no history.
   *
   * @example
   * await view.version("3");
   */
  version(version: string): Promise<T | undefined>;
  /**
   * The data that was current at `time` (a Date, or ms since the epoch).
   *
   * @example
   * await view.timestamp(Date.now() - 60_000);
   */
  timestamp(time: Date | number): Promise<T | undefined>;
  /**
   * The retained versions, newest first: at most `limit` (default 100),
   * only those written before `before` (ms) if given.
   *
   * @example
   * const versions = await store.view("player_1").history({ limit: 10 });
   */
  history(options?: { limit?: number; before?: number }): Promise<VersionInfo[]>;
}


/**
 * Changes several keys all-or-nothing (docs/transactions.md). The closures
 * run synchronously and their patches are recorded, not applied. Resolves
 * `true` if committed, `false` if aborted (storage trouble never rejects it).
 *
 * @example
 * bob.patch(takeMoney, 10);                 // escrow first (plain action)
 * const ok = await transaction(
 *   () => { tom.patch(giveMoney, 10); },    // applied everywhere if committed
 *   () => { bob.patch(giveMoney, 10); },    // applied everywhere if aborted
 * );
 */
export function transaction(success: () => void, failure?: () => void): Promise<boolean>;

/**
 * Reads strict mode, or sets it when `value` is given; returns the value in
 * force. Process-wide; on by default unless NODE_ENV is "production".
 *
 * @example
 * strict(false); // skip the double runs and JSON checks in production
 * strict();      // false
 */
export function strict(value?: boolean): boolean;

/** The stable codes of {@link SkiliftError} (docs/errors.md). */
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
  | "listing_unsupported"
  | "remove_unsupported"
  | "invalid_options"
  | "bad_data" | "needs_newer_version"
  | "backend_invalid_response"
  | "not_json"
  | "backend_failed"
  | "internal_error";

/**
 * Every error skilift throws, with a stable code (docs/errors.md).
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

// MemoryBackend is typed beside its code, in backends/memory/index.d.ts.
export { MemoryBackend } from "./backends/memory/index.js";

// The default export (`import skilift from "skilift"`, an object holding the
// names above) needs no declaration: these types describe a CommonJS-shaped
// module, for which TypeScript already types the default import as this
// whole module, and every build (js/index.js, node.mjs, the CommonJS
// interop) has that default at run time.
