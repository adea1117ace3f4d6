// RedisBackend (entry `skilift/redis`): the backend contract
// (docs/backend-contract.md) on Redis or a Redis Cluster, through an ioredis
// client the host passes in (an optional peer dependency: this module
// imports nothing from `ioredis`).
//
// Each (store, key) owns three Redis keys that share one hash tag, so they
// live in one slot of a cluster and every script touches one node:
//   {prefix}{<tag>}:cur    the current entry (a hash)
//   {prefix}{<tag>}:hist   past versions (a hash)
//   {prefix}{<tag>}:times  past versions by time (a sorted set)
// The compare-and-set is one Lua script (scripts.js). The listing indexes
// (list, keysByUser) are split by hash slot, so the same script keeps them
// (slots.js, listing.js). Layout, retention, durability and what Redis does
// and does not promise: docs/redis.md.
// User-facing docs (options, examples): index.d.ts.

import { randomBytes } from "node:crypto";
import { invalidOptions, SkiliftError } from "../../errors.js";
import { checkNames as check, checkStore, checkUserId, entryOf, historyOptions, listOptions } from "../shared.js";
import { AT_TIME, CAS, HISTORY, REINDEX, REMOVE, VERSION, script } from "./scripts.js";
import { memberOf, userIdText } from "./slots.js";
import { keysOfUserMembers, mergePage, reindex } from "./listing.js";
import { layout } from "./layout.js";

const SCRIPTS = {
  cas: script(CAS),
  version: script(VERSION),
  atTime: script(AT_TIME),
  history: script(HISTORY),
  remove: script(REMOVE),
  reindex: script(REINDEX),
};
/** Version tokens this backend hands out: write number, dot, 16 hex digits of nonce. */
const TOKEN = /^([1-9][0-9]{0,14})\.[0-9a-f]{16}$/;
const DEFAULT_PREFIX = "skilift:";
const DEFAULT_HISTORY = 100;
const DEFAULT_REPLICA_TIMEOUT_S = 1;

/** ioredis turns strings into UTF-8: a lone surrogate would silently become U+FFFD. */
const isStorable = (s) => typeof s === "string" && s.isWellFormed();

const STORABLE = { valid: isStorable, must: "strings without lone surrogates" };
const checkNames = (method, store, key) => check(`RedisBackend.${method}`, store, key, STORABLE);


/** An entry from its packed form "token\nms\nuserIds\nvalue". */
function unpack(packed) {
  const a = packed.indexOf("\n");
  const b = packed.indexOf("\n", a + 1);
  const c = packed.indexOf("\n", b + 1);
  return entryOf({
    version: packed.slice(0, a),
    time: Number(packed.slice(a + 1, b)),
    userIds: JSON.parse(packed.slice(b + 1, c)),
    value: packed.slice(c + 1),
  });
}

const errorText = (e) => String(e?.message ?? e);
const isNoScript = (e) => errorText(e).startsWith("NOSCRIPT");
/** Answers on which a script did not run: a redirection, or a node not serving its slots. */
const isNotRun = (e) => /^(NOSCRIPT|MOVED|ASK|TRYAGAIN|CLUSTERDOWN|LOADING|MASTERDOWN)\b/.test(errorText(e));

function options(raw) {
  if (typeof raw !== "object" || raw === null) throw invalidOptions("RedisBackend: options must be an object");
  const known = ["keyPrefix", "historyVersions", "waitForReplicas", "replicaTimeout"];
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) throw invalidOptions(`RedisBackend: unknown option ${JSON.stringify(name)} (known: ${known.join(", ")})`);
  }
  const prefix = raw.keyPrefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string" || prefix.length > 100 || /[{}]/.test(prefix) || !isStorable(prefix)) {
    throw invalidOptions(`RedisBackend: keyPrefix must be a string of at most 100 characters without { or }, got ${JSON.stringify(prefix)}`);
  }
  const history = raw.historyVersions ?? DEFAULT_HISTORY;
  if (history !== Infinity && !(Number.isInteger(history) && history >= 0)) {
    throw invalidOptions(`RedisBackend: historyVersions must be a whole number >= 0 or Infinity, got ${String(history)}`);
  }
  const replicas = raw.waitForReplicas ?? 0;
  if (!(Number.isInteger(replicas) && replicas >= 0)) {
    throw invalidOptions(`RedisBackend: waitForReplicas must be a whole number >= 0, got ${String(replicas)}`);
  }
  const timeout = raw.replicaTimeout ?? DEFAULT_REPLICA_TIMEOUT_S;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0.001) {
    throw invalidOptions(`RedisBackend: replicaTimeout must be a number of seconds >= 0.001, got ${String(timeout)}`);
  }
  return { prefix, keep: history === Infinity ? -1 : history, replicas, waitMs: Math.ceil(timeout * 1000) };
}

export class RedisBackend {
  #client;
  #o;
  /** The key names (layout.js). */
  #names;
  /** Keys whose last write here was not confirmed by enough replicas: their next get waits too. */
  #unconfirmed = new Set();
  /** `store\nslot` pairs known to be in the store's slot set (listing). */
  #noted = new Set();
  /** Resolves once entries written before the listing indexes are in them (reindex), once per instance. */
  #indexed = null;

  constructor(client, opts = {}) {
    if (
      typeof client !== "object" ||
      client === null ||
      !["evalsha", "eval", "hmget", "pipeline"].every((m) => typeof client[m] === "function")
    ) {
      throw invalidOptions("RedisBackend: client must be an ioredis Redis or Cluster client");
    }
    this.#client = client;
    this.#o = options(opts);
    this.#names = layout(this.#o.prefix);
  }

  #keys(store, key) {
    return this.#names.keysOf(store, key);
  }

  /**
   * Adds `slot` to the store's slot set, before anything can be put in its
   * buckets (once per process and pair). Never removed: an empty bucket
   * only costs a read. Under waitForReplicas it is sent with WAIT and
   * counted as done only once the replicas have it, so a slot set a
   * failover lost is added again by this process's next write there (the
   * write itself is acknowledged by its own WAIT; reindex adds every slot).
   */
  async #noteSlot(store, slot) {
    const id = `${store}\n${slot}`;
    if (this.#noted.has(id)) return;
    const key = this.#names.slotsKey(store);
    if (this.#o.replicas === 0) await this.#client.sadd(key, String(slot));
    else if ((await this.#withWait((p) => p.sadd(key, String(slot)))).replicas < this.#o.replicas) return;
    this.#noted.add(id);
  }

  /** EVALSHA, or EVAL when the server does not know the script yet (it did not run then). */
  async #run({ source, sha }, keys, args) {
    try {
      return await this.#client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await this.#client.eval(source, keys.length, ...keys, ...args);
    }
  }

  /**
   * `command` (a function adding one command to a pipeline) followed by
   * WAIT on the same connection, so WAIT counts the replicas that have
   * everything this connection wrote to that node. Resolves the command's
   * result and the number of replicas, or rejects with the command's error.
   */
  async #withWait(command) {
    const [[error, result], [waitError, replicas]] = await command(this.#client.pipeline())
      .wait(this.#o.replicas, this.#o.waitMs)
      .exec();
    if (error) throw error;
    if (waitError) throw waitError;
    return { result, replicas };
  }

  #notConfirmed(method, store, key, replicas) {
    this.#unconfirmed.add(`${store}\n${key}`);
    const o = this.#o;
    return new SkiliftError(
      "backend_failed",
      `RedisBackend.${method}: the last write to ${JSON.stringify(key)} in ${JSON.stringify(store)} is on the master, but only ` +
        `${replicas} of the ${o.replicas} replicas waitForReplicas asks for confirmed it within ${o.waitMs / 1000} s; ` +
        "it is not acknowledged and will be confirmed or written again on retry (check the replicas, or lower waitForReplicas)",
    );
  }

  /** The current entry of `key`, or null if it was never written. */
  async get(store, key) {
    checkNames("get", store, key);
    const [cur] = this.#keys(store, key);
    const id = `${store}\n${key}`;
    let fields;
    if (this.#o.replicas > 0 && this.#unconfirmed.has(id)) {
      let answer;
      try {
        answer = await this.#withWait((p) => p.hmget(cur, "t", "ms", "u", "v"));
      } catch (error) {
        if (!isNotRun(error)) throw error;
        // A redirection: a plain read lets ioredis learn where the slot is now.
        await this.#client.hmget(cur, "t");
        throw this.#notConfirmed("get", store, key, 0);
      }
      const { result, replicas } = answer;
      if (replicas < this.#o.replicas) throw this.#notConfirmed("get", store, key, replicas);
      this.#unconfirmed.delete(id);
      fields = result;
    } else {
      fields = await this.#client.hmget(cur, "t", "ms", "u", "v");
    }
    const [version, ms, ids, value] = fields;
    if (version === null || version === undefined) return null;
    return entryOf({ value, version, time: Number(ms), userIds: JSON.parse(ids) });
  }

  /**
   * Writes `value` if the current version is `expected` (null: only if the
   * key does not exist), in one script. Resolves the new version, or null if
   * the version did not match. With waitForReplicas, resolves only once that
   * many replicas have the write.
   */
  async put(store, key, value, expected, meta) {
    checkNames("put", store, key);
    if (!isStorable(value)) throw invalidOptions("RedisBackend.put: value must be a string without lone surrogates");
    if (expected !== null && typeof expected !== "string") {
      throw invalidOptions("RedisBackend.put: expected must be a version string or null");
    }
    const userIds = meta?.userIds ?? [];
    if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === "number" && Number.isFinite(id))) {
      throw invalidOptions("RedisBackend.put: meta.userIds must be an array of finite numbers");
    }
    // A token this backend never hands out cannot be the current version.
    if (expected !== null && !TOKEN.test(expected)) return null;
    const { slot, keys } = this.#names.allKeysOf(store, key);
    await this.#noteSlot(store, slot);
    const ui = userIds.map(userIdText).join(",");
    const args = [expected ?? "", value, JSON.stringify(userIds), randomBytes(8).toString("hex"), String(this.#o.keep), memberOf(key), ui];
    if (this.#o.replicas === 0) return (await this.#run(SCRIPTS.cas, keys, args)) ?? null;

    const { cas } = SCRIPTS;
    const n = keys.length;
    let answer;
    try {
      try {
        answer = await this.#withWait((p) => p.evalsha(cas.sha, n, ...keys, ...args));
      } catch (error) {
        if (!isNoScript(error)) throw error;
        answer = await this.#withWait((p) => p.eval(cas.source, n, ...keys, ...args));
      }
    } catch (error) {
      if (!isNotRun(error)) throw error;
      // The script did not run there: a redirection, which a pipeline holding
      // WAIT does not follow. Run it as a plain command, which ioredis
      // redirects (the same nonce makes a second run answer the first's
      // token). Which node holds the write is then not known here, so it is
      // not acknowledged: the next get of the key confirms it with WAIT.
      const token = await this.#run(cas, keys, args);
      if (token === null) return null;
      throw this.#notConfirmed("put", store, key, 0);
    }
    if (answer.result === null) return null;
    if (answer.replicas < this.#o.replicas) throw this.#notConfirmed("put", store, key, answer.replicas);
    this.#unconfirmed.delete(`${store}\n${key}`);
    return answer.result;
  }

  /** A past version of `key` by its token (within historyVersions), or null. */
  async getVersion(store, key, version) {
    checkNames("getVersion", store, key);
    if (typeof version !== "string") throw invalidOptions("RedisBackend.getVersion: version must be a string");
    const m = TOKEN.exec(version);
    if (!m) return null;
    const packed = await this.#run(SCRIPTS.version, this.#keys(store, key), [version, m[1].padStart(15, "0")]);
    return packed === null ? null : unpack(packed);
  }

  /** The version of `key` that was current at `timeMs` (within historyVersions), or null. */
  async getAtTime(store, key, timeMs) {
    checkNames("getAtTime", store, key);
    if (typeof timeMs !== "number" || Number.isNaN(timeMs)) {
      throw invalidOptions("RedisBackend.getAtTime: timeMs must be a number");
    }
    // Stored times are whole milliseconds: at or before 10.5 is at or before 10.
    const at = String(Math.floor(Math.min(Math.max(timeMs, -1e16), 1e16)));
    const packed = await this.#run(SCRIPTS.atTime, this.#keys(store, key), [at]);
    return packed === null ? null : unpack(packed);
  }

  /** `{ version, time, userIds }` of the versions of `key` (within historyVersions) before `before`, newest first. */
  async history(store, key, options) {
    checkNames("history", store, key);
    const { limit, before } = historyOptions("RedisBackend.history", options);
    // Stored times are whole milliseconds: before 10.5 is before 11.
    const until = String(Math.ceil(Math.min(Math.max(before, -1e16), 1e16)));
    const rows = await this.#run(SCRIPTS.history, this.#keys(store, key), [until, String(limit)]);
    return rows.map((row) => {
      const [version, ms, ids] = row.split("\n");
      return { version, time: Number(ms), userIds: JSON.parse(ids) };
    });
  }

  /**
   * Erases `key`: its entry, history and index members, in one script.
   * With waitForReplicas, resolves only once that many replicas have it.
   */
  async remove(store, key) {
    checkNames("remove", store, key);
    const { keys } = this.#names.allKeysOf(store, key);
    const args = [memberOf(key)];
    if (this.#o.replicas === 0) return void (await this.#run(SCRIPTS.remove, keys, args));
    const { remove } = SCRIPTS;
    let answer;
    try {
      try {
        answer = await this.#withWait((p) => p.evalsha(remove.sha, keys.length, ...keys, ...args));
      } catch (error) {
        if (!isNoScript(error)) throw error;
        answer = await this.#withWait((p) => p.eval(remove.source, keys.length, ...keys, ...args));
      }
    } catch (error) {
      if (!isNotRun(error)) throw error;
      // Not run there (see put): run it plainly; removing twice is harmless,
      // but which replicas have it is not known, so it is not acknowledged.
      await this.#run(remove, keys, args);
      throw this.#notConfirmed("remove", store, key, 0);
    }
    if (answer.replicas < this.#o.replicas) throw this.#notConfirmed("remove", store, key, answer.replicas);
  }

  /** One page of the keys of `store`, in JavaScript string order, merged from its slots' buckets. */
  async list(store, options) {
    checkStore("RedisBackend.list", store, STORABLE);
    const page = listOptions("RedisBackend.list", options, STORABLE);
    const slots = await this.#slots(store);
    const read = (slot, min, max, count) => this.#client.zrangebylex(this.#names.bucket(store, slot, "keys"), min, max, "LIMIT", 0, count);
    return mergePage(read, slots, page);
  }

  /** The keys of `store` whose current entry carries `userId`, sorted (one read per slot the store uses). */
  async keysByUser(store, userId) {
    checkStore("RedisBackend.keysByUser", store, STORABLE);
    checkUserId("RedisBackend.keysByUser", userId);
    const id = userIdText(userId);
    const slots = await this.#slots(store);
    const lists = await Promise.all(slots.map((slot) => this.#client.zrangebylex(this.#names.bucket(store, slot, "users"), `[${id}:`, `(${id};`)));
    return keysOfUserMembers(lists, id);
  }

  /** The slots `store` uses, once entries from before the indexes are in them. */
  async #slots(store) {
    this.#indexed ??= this.#indexOnce().catch((error) => {
      this.#indexed = null;
      throw error;
    });
    await this.#indexed;
    return (await this.#client.smembers(this.#names.slotsKey(store))).map(Number).sort((a, b) => a - b);
  }

  async #indexOnce() {
    if ((await this.#client.get(this.#names.markerKey)) === "1") return;
    await this.reindex();
  }

  /**
   * Puts every entry under keyPrefix into the listing indexes as its
   * current user ids say: those written before the indexes existed, and
   * any an older version wrote since (it does not keep the indexes). Scans
   * every master; run once by the first list or keysByUser of a keyPrefix
   * (then marked done), and again by hand after the last older server is
   * gone. Resolves how many entries it had to fix.
   */
  reindex() {
    return reindex({
      client: this.#client,
      prefix: this.#o.prefix,
      names: this.#names,
      noteSlot: (store, slot) => this.#noteSlot(store, slot),
      run: (keys, args) => this.#run(SCRIPTS.reindex, keys, args),
      storable: isStorable,
    });
  }
}

// A default export like the main entry's (js/index.js): the names above in
// one frozen object, for `import x from "skilift/<adapter>"`.
const entry = Object.freeze({ RedisBackend });
export default entry;
