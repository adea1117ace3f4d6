// Types of the public surface. Hand-written: the wasm classes underneath
// are an implementation detail. Each call's doc is the short form, with an
// example and an `@see` link to its normative section in docs/api.md
// (tests/node/api-surface.test.mjs keeps the three in step with README.md).

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
  /** Data of a key that has never been written: plain JSON (`store.load` throws `not_json` otherwise). */
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
 * @see docs/api.md#new-storeoptions
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
   * Starts loading `key` and returns its session at once. Throws what
   * `defaultData()` throws, and `not_json` if it returns what JSON cannot hold.
   *
   * @example
   * const session = store.load("player_1");
   * @see docs/api.md#storeloadkey
   */
  load(key: string): Session<T>;
  /**
   * A read-only view of `key`, without loading it.
   *
   * @example
   * await store.view("player_1").latest();
   * @see docs/api.md#storeviewkey
   */
  view(key: string): View<T>;
  /**
   * Registers a plain action and returns it.
   *
   * @example
   * const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
   * @see docs/api.md#storeactionfn
   */
  action<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /**
   * Registers a transaction action under a permanent, unique name and
   * returns it. Never rename or remove a name used in production.
   *
   * @example
   * const giveMoney = store.transaction("giveMoney", (data, n: number) => ({ ...data, money: data.money + n }));
   * @see docs/api.md#storetransactionname-fn
   */
  transaction<A extends unknown[]>(name: string, fn: (data: T, ...args: A) => T | undefined): typeof fn;
  /**
   * A one-shot write of a key this server need not keep loaded (a gift to
   * an offline friend): read, apply the action, compare-and-set, retried
   * like a final save. Resolves `true` once stored, `false` if the action
   * cancelled; rejects with the action's error, or `bad_data` /
   * `needs_newer_version` on a quarantined key.
   *
   * @example
   * const sendGift = store.action((data, from: string) => ({ ...data, gifts: [...data.gifts, from] }));
   * await store.update("player_2", sendGift, "player_1"); // true
   * @see docs/api.md#storeupdatekey-fn-args
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
   * @see docs/api.md#storeupdateoncekey-id-fn-args
   */
  updateOnce<A extends unknown[]>(key: string, id: string, fn: (data: T, ...args: A) => T | undefined, ...args: A): Promise<boolean>;
  /**
   * Makes a retained version (from `view.history()`) the key's current
   * data; open sessions replay their queued changes on it at their next
   * pull. Rejects `not_found`, `history_unsupported` without history, or
   * `needs_newer_version`.
   *
   * @example
   * const [, previous] = await store.view("player_2").history({ limit: 2 });
   * await store.restore("player_2", previous.version);
   * @see docs/api.md#storerestorekey-version
   */
  restore(key: string, version: string): Promise<void>;
  /**
   * Every key of this store's namespace, in string order, paged from the
   * backend's `list` (`listing_unsupported` without it).
   *
   * @example
   * for await (const key of store.keys({ prefix: "player_" })) await store.update(key, addStarterPack);
   * @see docs/api.md#storekeysoptions
   */
  keys(options?: { prefix?: string }): AsyncIterable<string>;
  /**
   * The keys whose current version carries `userId` (see `session.userid`).
   *
   * @example
   * for await (const key of store.keysByUser(12345)) await store.remove(key);
   * @see docs/api.md#storekeysbyuseruserid
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
   * @see docs/api.md#storeremovekey
   */
  remove(key: string): Promise<void>;
  /**
   * The counters since this store was made, as a fresh plain object.
   *
   * @example
   * const { sessions, failures } = store.stats();
   * @see docs/api.md#storestats
   */
  stats(): StoreStats;
  /**
   * Stops every session of this store and waits for their final saves.
   *
   * @example
   * process.on("SIGTERM", () => store.close().then(() => process.exit(0)));
   * @see docs/api.md#storeclose
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
   * Applies a registered action to a copy-on-write draft of the data at
   * once and queues it for the next save; `false` if the action cancelled
   * (returned undefined). The arguments are frozen copies. Inside a
   * `transaction` closure the patch is recorded instead.
   *
   * @example
   * session.patch(addCoins, 10); // true
   * @see docs/api.md#sessionpatchfn-args
   */
  patch<A extends unknown[]>(fn: (data: T, ...args: A) => T | undefined, ...args: A): boolean;
  /**
   * An exactly-once patch for an external event (a purchase receipt),
   * applied at once like `patch`: resolves `true` once a write that applied
   * it is stored, `false` if `id` was already applied (on any server) or the
   * action cancelled; rejects `bad_data` if the key goes bad first.
   *
   * @example
   * if (await session.patchOnce(receipt.id, grantGems, receipt.gems)) console.log("granted");
   * @see docs/api.md#sessionpatchonceid-fn-args
   */
  patchOnce<A extends unknown[]>(id: string, fn: (data: T, ...args: A) => T | undefined, ...args: A): Promise<boolean>;
  /**
   * Calls `fn` now with the current (deeply frozen) data and after every
   * change. Returns a function that unbinds it.
   *
   * @example
   * const unbind = session.updated((data) => (label.text = String(data.coins)));
   * unbind();
   * @see docs/api.md#sessionupdatedfn
   */
  updated(fn: (data: DeepReadonly<T>) => void): () => void;
  /**
   * Stops pulling and makes the final save. Calling it again returns the
   * same promise.
   *
   * @example
   * await session.stop();
   * @see docs/api.md#sessionstop
   */
  stop(): Promise<void>;
  /**
   * Adds a user id (GDPR metadata) written with this key from now on.
   *
   * @example
   * session.userid(12345);
   * @see docs/api.md#sessionuseridid
   */
  userid(user: number): void;
  /**
   * Settles once a request (load, pull or final save) that started after
   * the call has succeeded, so every earlier patch is stored; a pull already
   * in flight does not count. At once on a stopped session. Never rejects.
   *
   * @example
   * await store.load("player_1").await(); // data is loaded
   * @see docs/api.md#sessionawait
   */
  await(): Promise<void>;
  /**
   * Why this server must not touch the stored data (`bad_data`, or `needs_newer_version`), or undefined.
   *
   * @example
   * if (session.bad()) kick(player, session.bad());
   * @see docs/api.md#sessionbad
   */
  bad(): string | undefined;
  /**
   * Whether the first pull has succeeded.
   *
   * @example
   * session.loaded(); // false right after load
   * @see docs/api.md#sessionloaded
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
   * @see docs/api.md#viewlatest
   */
  latest(): Promise<T | undefined>;
  /**
   * The data of a past version token; rejects with `history_unsupported`
   * when the backend keeps no history.
   *
   * @example
   * await view.version("3");
   * @see docs/api.md#viewversionversion
   */
  version(version: string): Promise<T | undefined>;
  /**
   * The data that was current at `time` (a Date, or ms since the epoch).
   *
   * @example
   * await view.timestamp(Date.now() - 60_000);
   * @see docs/api.md#viewtimestamptime
   */
  timestamp(time: Date | number): Promise<T | undefined>;
  /**
   * The retained versions, newest first: at most `limit` (default 100),
   * only those written before `before` (ms) if given.
   *
   * @example
   * const versions = await store.view("player_1").history({ limit: 10 });
   * @see docs/api.md#viewhistoryoptions
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
 * @see docs/api.md#transactionsuccess-failure
 */
export function transaction(success: () => void, failure?: () => void): Promise<boolean>;

/**
 * Reads strict mode, or sets it when `value` is given; returns the value in
 * force. Process-wide; on by default unless NODE_ENV is "production".
 *
 * @example
 * strict(false); // skip the double runs and JSON checks in production
 * strict();      // false
 * @see docs/api.md#strictvalue
 */
export function strict(value?: boolean): boolean;

// SkiliftError and its codes are typed beside errors.js.
export { SkiliftError } from "./errors.js";
export type { SkiliftErrorCode } from "./errors.js";

// MemoryBackend is typed beside its code, in backends/memory/index.d.ts.
export { MemoryBackend } from "./backends/memory/index.js";

// The default export (`import skilift from "skilift"`, an object holding the
// names above) needs no declaration: these types describe a CommonJS-shaped
// module, for which TypeScript already types the default import as this
// whole module, and every build (js/index.js, node.mjs, the CommonJS
// interop) has that default at run time.
