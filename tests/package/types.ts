// Type tests of the published .d.ts files, compiled with `tsc --strict
// --noEmit` (tests/package/typecheck.mjs) as an ES module and as CommonJS
// under `moduleResolution: node16`, and under `bundler`.
//
// Every `// @ts-expect-error` line is a negative test: tsc fails if the
// line below it compiles, and typecheck.mjs also checks that each of those
// lines is an error on its own (and that nothing else is).

import {
  MemoryBackend,
  SkiliftError,
  Store,
  strict,
  transaction,
  type Backend,
  type DeepReadonly,
  type Entry,
  type HistoryOptions,
  type ListOptions,
  type VersionInfo,
  type Session,
  type SkiliftErrorCode,
  type StandardSchemaV1,
  type StoreOptions,
  type StoreStats,
  type View,
} from "skilift";
import skilift from "skilift";
import { FsBackend, type FsBackendOptions } from "skilift/fs";
import { FetchBackend, FetchBackendError } from "skilift/fetch";
import { createHandler, type HandlerOptions } from "skilift/server";
import { PostgresBackend, type PgPoolLike } from "skilift/postgres";
import { RedisBackend, type RedisClientLike, type RedisPipelineLike } from "skilift/redis";
import { SqliteBackend, type SqliteDatabaseLike } from "skilift/sqlite";
import { backendContract } from "skilift/testing";
import { IndexedDbBackend } from "skilift/indexeddb";
import indexeddbEntry from "skilift/indexeddb";
// A real validator library, installed into the test project beside
// typescript (run.sh); skilift itself depends on none.
import { z } from "zod";

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_ok?: T): void {}

interface Player {
  coins: number;
  items: string[];
  profile: { name: string };
}

const backend: Backend = new MemoryBackend();
const store = new Store<Player>({
  name: "players",
  defaultData: () => ({ coins: 0, items: [], profile: { name: "" } }),
  backend,
  pullDelay: 0.5,
  onError: (error, key) => console.warn(error.message, key),
});

// ---- Store<T> is generic over the data type, and infers it.
const inferred = new Store({ name: "levels", defaultData: () => ({ level: 1 }), backend });
assertType<Equal<typeof inferred, Store<{ level: number }>>>();
assertType<Equal<ReturnType<typeof store.load>, Session<Player>>>();
assertType<Equal<ReturnType<typeof store.view>, View<Player>>>();
assertType<Equal<Awaited<ReturnType<View<Player>["latest"]>>, Player | undefined>>();
// @ts-expect-error defaultData must return the store's data type
new Store<Player>({ name: "players", defaultData: () => ({ coins: "0" }), backend });
// @ts-expect-error options need a backend
new Store<Player>({ name: "players", defaultData: () => ({ coins: 0, items: [], profile: { name: "" } }) });
// @ts-expect-error a misspelt option is refused (the engine refuses it too)
new Store({ name: "players", defaultData: () => ({}), backend, pulldelay: 5 });
// @ts-expect-error pullDelay is a number of seconds
new Store({ name: "players", defaultData: () => ({}), backend, pullDelay: "15" });
// @ts-expect-error a backend needs put
new Store({ name: "players", defaultData: () => ({}), backend: { get: async () => null } });

// ---- A Standard Schema validator as `schema`: the data type is the
// schema's output type, and defaultData and actions are checked against it.
const ZPlayer = z.object({ coins: z.number(), items: z.array(z.string()) });
const zodStore = new Store({ name: "z", schema: ZPlayer, defaultData: () => ({ coins: 0, items: [] }), backend });
assertType<Equal<typeof zodStore, Store<{ coins: number; items: string[] }>>>();
const levelSchema: StandardSchemaV1<unknown, { level: number }> = {
  "~standard": { version: 1, vendor: "hand-written", validate: (value) => ({ value: value as { level: number } }) },
};
const handStore = new Store({ name: "h", schema: levelSchema, defaultData: () => ({ level: 1 }), backend });
assertType<Equal<typeof handStore, Store<{ level: number }>>>();
assertType<Equal<StandardSchemaV1.InferOutput<typeof levelSchema>, { level: number }>>();
const typedOptions: StoreOptions<{ coins: number; items: string[] }> = { name: "t", schema: ZPlayer, defaultData: () => ({ coins: 0, items: [] }), backend };
const fromTypedOptions = new Store(typedOptions);
assertType<Equal<typeof fromTypedOptions, Store<{ coins: number; items: string[] }>>>();
const predicateStore = new Store({ name: "p", schema: (value) => typeof value === "object", defaultData: () => ({ a: 1 }), backend });
assertType<Equal<typeof predicateStore, Store<{ a: number }>>>();
// @ts-expect-error defaultData lacks a field of the schema's output
new Store({ name: "z", schema: ZPlayer, defaultData: () => ({ coins: 0 }), backend });
// @ts-expect-error defaultData has a field of another type than the schema's output
new Store({ name: "z", schema: ZPlayer, defaultData: () => ({ coins: "0", items: [] }), backend });
// @ts-expect-error an action must return the schema's output type
zodStore.action((data) => ({ ...data, coins: "lots" }));
// @ts-expect-error a schema that is neither a predicate nor a Standard Schema
new Store({ name: "z", schema: { validate: () => true }, defaultData: () => ({}), backend });

// ---- store.update(key, action, ...args) checks the arguments against the action.
const updated: Promise<boolean> = store.update("player_2", (data, n: number) => ({ ...data, coins: data.coins + n }), 5);
// @ts-expect-error a string where the action takes a number
store.update("player_2", (data: Player, n: number) => ({ ...data, coins: data.coins + n }), "5");
// @ts-expect-error the argument is missing
store.update("player_2", (data: Player, n: number) => ({ ...data, coins: data.coins + n }));
// @ts-expect-error the key must be a string
store.update(2, (data: Player) => data);
// @ts-expect-error an action of another store's data type
store.update("player_2", (data: { level: number }) => data);

// ---- updateOnce, restore, keys, keysByUser, remove, view.history.
const onceUpdated: Promise<boolean> = store.updateOnce("player_2", "gift-1", (data, n: number) => ({ ...data, coins: data.coins + n }), 5);
// @ts-expect-error the id must be a string
store.updateOnce("player_2", 7, (data: Player) => data);
// @ts-expect-error a string where the action takes a number
store.updateOnce("player_2", "gift-1", (data: Player, n: number) => ({ ...data, coins: data.coins + n }), "5");
const restored: Promise<void> = store.restore("player_2", "41");
const listed: AsyncIterable<string> = store.keys({ prefix: "player_" });
// @ts-expect-error keys takes a prefix string
store.keys({ prefix: 5 });
const byUser: AsyncIterable<string> = store.keysByUser(12345);
// @ts-expect-error user ids are numbers
store.keysByUser("12345");
const removed: Promise<void> = store.remove("player_2");
const versions: Promise<{ version: string; time: number; userIds: number[] }[]> = store.view("player_2").history({ limit: 10, before: Date.now() });

// ---- store.stats() is nine numbers.
const counters: StoreStats = store.stats();
assertType<Equal<keyof StoreStats, "sessions" | "loads" | "pulls" | "writes" | "conflicts" | "retries" | "failures" | "bad" | "needsNewerVersion">>();
const failures: number = counters.failures;
// @ts-expect-error the counters are numbers
const sessionsText: string = store.stats().sessions;

// ---- Actions are typed by the store's data and their own arguments.
const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
const rename = store.action((data, name: string, _reason?: string) => ({ ...data, profile: { name } }));
const reset = store.action((data) => (data.coins === 0 ? undefined : { ...data, coins: 0 }));
const give = store.transaction("give", (data, n: number) => ({ ...data, coins: data.coins + n }));
assertType<Equal<typeof addCoins, (data: Player, n: number) => Player | undefined>>();
// @ts-expect-error an action must return the data type (or undefined)
store.action((data) => ({ ...data, coins: "lots" }));
// @ts-expect-error an action must return the data type (or undefined)
store.action((data, n: number) => n);
// @ts-expect-error a transaction action needs its permanent name
store.transaction((data: Player) => data);

// ---- session.patch(action, ...args) checks the arguments against the action.
const session = store.load("player_1");
const granted: Promise<boolean> = session.patchOnce("receipt-1", (data, gems: number) => ({ ...data, coins: data.coins + gems }), 100);
// @ts-expect-error the receipt id must be a string
session.patchOnce(1, (data: Player) => data);
// @ts-expect-error a string where the action takes a number
session.patchOnce("receipt-1", (data: Player, gems: number) => ({ ...data, coins: data.coins + gems }), "100");
// @ts-expect-error the id comes first
session.patchOnce((data: Player) => data, "receipt-1");
const patched: boolean = session.patch(addCoins, 10);
session.patch(rename, "Ada");
session.patch(rename, "Ada", "typo fix");
session.patch(reset);
session.patch(give, 5);
// @ts-expect-error a string where the action takes a number
session.patch(addCoins, "10");
// @ts-expect-error the argument is missing
session.patch(addCoins);
// @ts-expect-error one argument too many
session.patch(addCoins, 1, 2);
// @ts-expect-error a number where the action takes a string
session.patch(rename, 42);
// @ts-expect-error an action of another store's data type
session.patch(inferred.action((data, by: number) => ({ level: data.level + by })), 1);
// @ts-expect-error not a function
session.patch("addCoins", 10);

// ---- updated receives DeepReadonly<T> (the data is deeply frozen at run
// time) and returns an unbind function.
const unbind: () => void = session.updated((data) => {
  assertType<Equal<typeof data, DeepReadonly<Player>>>();
  const coins: number = data.coins;
  // @ts-expect-error the data passed to updated is read-only
  data.coins = coins + 1;
});
unbind();
interface Bag {
  items: { count: number; tags: string[] }[];
  owner: { profile: { name: string } };
}
const bags = new Store<Bag>({ name: "bags", defaultData: () => ({ items: [], owner: { profile: { name: "" } } }), backend });
bags.load("bag_1").updated((data) => {
  const count: number = data.items[0].count;
  const first: string = data.items[0].tags[0];
  // @ts-expect-error a nested object in an array is read-only
  data.items[0].count = count + 1;
  // @ts-expect-error an array element is read-only
  data.items[0] = { count: 1, tags: [] };
  // @ts-expect-error arrays have no mutating methods
  data.items.push({ count: 1, tags: [] });
  // @ts-expect-error arrays nested in arrays are read-only
  data.items[0].tags[0] = first;
  // @ts-expect-error nested objects are read-only at every level
  data.owner.profile.name = "bob";
  // What it hands out still reads as the data type.
  const copy: Bag = { items: data.items.map((i) => ({ ...i, tags: [...i.tags] })), owner: { profile: { ...data.owner.profile } } };
  console.log(copy);
});
// @ts-expect-error updated takes a callback
session.updated();

// ---- The rest of Session, View and the functions.
const key: string = session.key;
const stopped: Promise<void> = session.stop();
const next: Promise<void> = session.await();
const reason: string | undefined = session.bad();
const loaded: boolean = session.loaded();
session.userid(12345);
// @ts-expect-error user ids are numbers
session.userid("12345");
// @ts-expect-error sessions come from store.load
new (session.constructor as typeof Session)();
const view = store.view("player_1");
const latest: Promise<Player | undefined> = view.latest();
view.version("3");
view.timestamp(new Date());
view.timestamp(Date.now());
// @ts-expect-error a time is a Date or ms since the epoch
view.timestamp("yesterday");
const committed: Promise<boolean> = transaction(() => { session.patch(give, 1); }, () => {});
const isStrict: boolean = strict();
strict(false);
const closed: Promise<void> = store.close();

// ---- The default export: the same names as the named exports.
assertType<Equal<typeof skilift.Store, typeof Store>>();
assertType<Equal<typeof skilift.transaction, typeof transaction>>();
const viaDefault = new skilift.Store({ name: "default", defaultData: () => ({ n: 0 }), backend: new skilift.MemoryBackend() });
assertType<Equal<typeof viaDefault, Store<{ n: number }>>>();
// @ts-expect-error the default export has only the package's names
skilift.FsBackend;
assertType<Equal<typeof indexeddbEntry.IndexedDbBackend, typeof IndexedDbBackend>>();

// ---- Errors: a SkiliftError has one of the stable codes.
try {
  session.patch(addCoins, 1);
} catch (e) {
  if (e instanceof SkiliftError) {
    const code: SkiliftErrorCode = e.code;
    const asString: string = e.code;
    const message: string = e.message;
    if (e.code === "session_already_stopped") console.log(code, asString, message);
    // @ts-expect-error not one of the codes
    if (e.code === "session_stopped") console.log("never");
  }
}

// ---- Backends.
const entry: Promise<Entry | null> = backend.get("players/global", "player_1");
backend.put("players/global", "player_1", "{}", null, { userIds: [] });
// @ts-expect-error put needs the expected version (null for a new key)
backend.put("players/global", "player_1", "{}");
// The optional methods: absent from Backend unless a backend has them.
const memory = new MemoryBackend();
const listPage: Promise<string[]> = memory.list("players/global", { after: "a", limit: 10, prefix: "p" });
const userKeys: Promise<string[]> = memory.keysByUser("players/global", 42);
const versionInfos: Promise<VersionInfo[]> = memory.history("players/global", "player_1", { limit: 5, before: Date.now() });
const removal: Promise<void> = memory.remove("players/global", "player_1");
const listOptions: ListOptions = { limit: 1000 };
const historyOptions: HistoryOptions = {};
backend.list?.("players/global", listOptions);
// @ts-expect-error list is optional on a Backend
backend.list("players/global");
// @ts-expect-error a prefix is a string
memory.list("players/global", { prefix: 1 });
const unsupported: SkiliftErrorCode[] = ["history_unsupported", "listing_unsupported", "remove_unsupported"];
const skew: SkiliftErrorCode = "needs_newer_version";
const fsOptions: FsBackendOptions = { history: 10 };
const fsBackend: Backend = new FsBackend("./data", fsOptions);
new FsBackend("./data").keys("players/global");
// @ts-expect-error FsBackend takes a directory
new FsBackend();
const fetchBackend: Backend = new FetchBackend("http://127.0.0.1:8080", { headers: { Authorization: "Bearer t" } });
new FetchBackend(new URL("http://127.0.0.1:8080"), { headers: async () => ({ Authorization: "Bearer t" }) });
const status: number = new FetchBackendError(403, "forbidden", "no").status;
const handlerOptions: HandlerOptions = { authorize: (_req, target) => target.method === "GET" };
const ownKeyOnly: HandlerOptions = {
  authorize: (_req, { key, operation }) => key === "player_1" && (operation === "get" || operation === "put"),
};
// @ts-expect-error the key is absent for the calls on a whole store
const keyLength: HandlerOptions = { authorize: (_req, target) => target.key.length > 0 };
const handler = createHandler(backend, handlerOptions);
// @ts-expect-error authorize is required
createHandler(backend, {});
createHandler(backend, { authorize: () => true, admin: true });
createHandler(backend, { authorize: () => true, admin: { list: true, history: true } });
// @ts-expect-error the admin groups are list, keysByUser, history and remove
createHandler(backend, { authorize: () => true, admin: { lists: true } });
const pool: PgPoolLike = {
  query: async () => ({ rows: [] }),
  connect: async () => ({ query: async () => ({ rows: [] }), release: () => {} }),
};
const pgBackend: Backend = new PostgresBackend(pool, { tablePrefix: "game_" });
const pipeline: RedisPipelineLike = {
  evalsha: () => pipeline,
  eval: () => pipeline,
  hmget: () => pipeline,
  sadd: () => pipeline,
  wait: () => pipeline,
  exec: async () => [],
};
const redisClient: RedisClientLike = {
  evalsha: async () => null,
  eval: async () => null,
  hmget: async () => [],
  pipeline: () => pipeline,
  sadd: async () => 1,
  smembers: async () => [],
  zrangebylex: async () => [],
  get: async () => null,
  set: async () => "OK",
  scan: async () => ["0", []],
};
const redisBackend: Backend = new RedisBackend(redisClient, { keyPrefix: "game:", historyVersions: 10, waitForReplicas: 1, replicaTimeout: 0.5 });
// @ts-expect-error waitForReplicas is a number of replicas
new RedisBackend(redisClient, { waitForReplicas: true });
const idb: Backend = new IndexedDbBackend("my-game", { keepVersions: 20 });
declare const database: SqliteDatabaseLike;
const sqlite = new SqliteBackend(database, { tablePrefix: "game_", history: 10 });
// Every method of the contract, optional ones included, from the one Backend interface.
const sqliteList: Promise<string[]> = sqlite.list("players/global", { limit: 10 });
// @ts-expect-error history is a number of versions
new SqliteBackend(database, { history: true });
backendContract("SqliteBackend", () => sqlite, { listing: true, close: (client) => void client });
// @ts-expect-error open answers a backend
backendContract("nothing", () => 5);

// ---- StoreOptions<T> as a standalone type.
const options: StoreOptions<Player> = {
  name: "players",
  defaultData: () => ({ coins: 0, items: [], profile: { name: "" } }),
  backend: new MemoryBackend(),
  migrations: [
    { step: "v2", migrate: (old) => ({ ...old, items: [] }) },
    { step: "gems", migrate: (old) => ({ ...old, gems: 0 }), backwardsCompatible: true },
  ],
  schema: (value) => typeof value === "object" && value !== null,
};

export {
  patched, key, stopped, next, reason, loaded, latest, committed, isStrict, closed, entry,
  fsBackend, fetchBackend, status, handler, pgBackend, redisBackend, idb, sqliteList, options, failures, updated,
  listPage, userKeys, versionInfos, removal, historyOptions, unsupported, ownKeyOnly, keyLength,
};
