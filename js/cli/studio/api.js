// The data routes of `skilift studio` (server.js is the HTTP edge that
// checks the Host header and the token first): what each reads from the
// target, and the two writes, which exist only with --write. Every answer
// is JSON built here from what the backend returned; the target's own
// options (an HTTP target's --header token) are never part of one.
//
// Every backend call goes through the target's door (../../host/backend_calls.js):
// a backend's garbage answer is a clear `backend_invalid_response` error, not
// a page built from it.
//
// Records are decoded for the page (format.js's decodeEnvelope), with the
// decision of each pending transaction looked up, so the page never needs
// to know the record format beyond the names of its parts.

import { decisionOf, decodeEnvelope } from "../format.js";
import { ask } from "../targets.js";
import { writeRestored } from "../write.js";

/** An answer the studio gives as `{ error, message }` with an HTTP status. */
export class StudioError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const KEYS_PAGE = 100;
const HISTORY_PAGE = 50;
const MAX_PAGE = 500;
const RAW_PREVIEW = 4096;

function param(params, name, { optional = false } = {}) {
  const value = params.get(name);
  if (value === null && !optional) throw new StudioError(400, "bad_request", `?${name}= is required`);
  return value ?? undefined;
}

function limitOf(params, fallback) {
  const text = params.get("limit");
  if (text === null) return fallback;
  const n = Number(text);
  if (!/^[1-9]\d*$/.test(text) || n > MAX_PAGE) throw new StudioError(400, "bad_request", `?limit= must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}

function bodyString(body, name) {
  const value = body?.[name];
  if (typeof value !== "string") throw new StudioError(400, "bad_request", `the body needs "${name}" (a string)`);
  return value;
}

/** What a page of keys shows of each key: its current entry, summed up. */
function summary(key, entry) {
  if (entry === null) return { key, gone: true };
  const record = decodeEnvelope(entry.value);
  return {
    key,
    version: entry.version,
    time: entry.time,
    userIds: entry.userIds ?? [],
    bytes: Buffer.byteLength(entry.value, "utf8"),
    ...(record.error ? { error: record.error } : record.decision ? { decision: record.decision } : { pending: record.pending.length, migrations: record.migrations.length }),
  };
}

/** One entry decoded for the page: metadata, the envelope's parts with pending decisions, and the data. */
async function describe(target, store, key, entry) {
  const head = { store, key, version: entry.version, time: entry.time, userIds: entry.userIds ?? [], bytes: Buffer.byteLength(entry.value, "utf8") };
  const record = decodeEnvelope(entry.value);
  if (record.error) return { ...head, kind: "undecodable", error: record.error, raw: entry.value.slice(0, RAW_PREVIEW) };
  if (record.decision) return { ...head, kind: "decision", decision: record.decision };
  const pending = await ask(target, "reading transaction decisions", () =>
    Promise.all(record.pending.map(async (p) => ({ ...p, decision: await decisionOf(target.door, p.id) }))),
  );
  return {
    ...head,
    kind: "record",
    format: record.skilift,
    origin: record.origin ?? null,
    migrations: record.migrations,
    pending,
    once: Object.entries(record.once ?? {}).map(([id, o]) => ({ id, time: o?.time, by: o?.by })).sort((a, b) => (b.time ?? 0) - (a.time ?? 0)),
    writers: Object.entries(record.writers ?? {}).map(([session, w]) => ({ session, batch: w?.batch, time: w?.time })).sort((a, b) => (b.time ?? 0) - (a.time ?? 0)),
    data: record.data,
  };
}

function need(target, method, what) {
  if (!target.door.has(method)) throw new StudioError(501, "unsupported", `${target.label} ${what} (its backend has no ${method})`);
}

async function current(target, store, key) {
  const entry = await ask(target, "reading the key", () => target.door.get(store, key));
  if (entry === null) throw new StudioError(404, "no_such_key", `no key ${JSON.stringify(key)} in ${store}`);
  return entry;
}

async function version(target, store, key, v) {
  need(target, "getVersion", "keeps no history");
  const entry = await ask(target, "reading the version", () => target.door.getVersion(store, key, v));
  if (entry === null) throw new StudioError(404, "no_such_version", `${JSON.stringify(key)} has no retained version ${JSON.stringify(v)}`);
  return entry;
}

/**
 * The routes, by "METHOD name" (the path after /api/). Each takes the
 * query's URLSearchParams and, for a POST, the JSON body.
 */
export function studioRoutes(target, { write }) {
  const { door } = target;
  const storeOf = (params) => target.resolveStore(param(params, "store"));
  const routes = {
    "GET info": async () => ({ target: target.label, write, stores: target.stores !== null }),

    "GET stores": async () => ({ stores: target.stores ? await ask(target, "listing stores", () => target.stores()) : null }),

    "GET keys": async (params) => {
      const store = await storeOf(params);
      const limit = limitOf(params, KEYS_PAGE);
      const after = param(params, "after", { optional: true });
      let keys;
      if (params.has("user")) {
        need(target, "keysByUser", "cannot search by user id");
        const user = Number(params.get("user"));
        if (!Number.isFinite(user)) throw new StudioError(400, "bad_request", "?user= must be a number");
        const all = await ask(target, "searching by user id", () => door.keysByUser(store, user));
        keys = all.filter((k) => after === undefined || k > after).slice(0, limit + 1);
      } else {
        need(target, "list", "cannot list keys");
        const prefix = param(params, "prefix", { optional: true }) ?? "";
        keys = await ask(target, "listing keys", () => door.list(store, { prefix, limit: limit + 1, ...(after === undefined ? {} : { after }) }));
      }
      const more = keys.length > limit;
      keys = keys.slice(0, limit);
      const entries = await ask(target, "reading keys", () => Promise.all(keys.map((k) => door.get(store, k))));
      return { store, keys: keys.map((k, i) => summary(k, entries[i])), more };
    },

    "GET key": async (params) => {
      const store = await storeOf(params);
      const key = param(params, "key");
      return describe(target, store, key, await current(target, store, key));
    },

    "GET version": async (params) => {
      const store = await storeOf(params);
      const key = param(params, "key");
      return describe(target, store, key, await version(target, store, key, param(params, "version")));
    },

    "GET history": async (params) => {
      const store = await storeOf(params);
      const key = param(params, "key");
      need(target, "history", "keeps no history");
      const limit = limitOf(params, HISTORY_PAGE);
      const beforeText = param(params, "before", { optional: true });
      const before = beforeText === undefined ? undefined : Number(beforeText);
      if (before !== undefined && !Number.isFinite(before)) throw new StudioError(400, "bad_request", "?before= must be a time in ms");
      const versions = await ask(target, "reading history", () => door.history(store, key, { limit: limit + 1, ...(before === undefined ? {} : { before }) }));
      const shown = versions.slice(0, limit);
      return { store, key, versions: shown, more: versions.length > limit };
    },
  };
  if (!write) return routes;

  // With --write only. Restore writes what `skilift restore` writes
  // (write.js), on the version the page showed its diff against: if the key
  // changed since, nothing is written and the page shows the new diff.
  routes["POST restore"] = async (_, body) => {
    const store = await target.resolveStore(bodyString(body, "store"));
    const key = bodyString(body, "key");
    const expected = bodyString(body, "current");
    const old = await version(target, store, key, bodyString(body, "version"));
    const now = await current(target, store, key);
    const changed = () => new StudioError(409, "changed", `${JSON.stringify(key)} changed since the diff was shown (it is now version ${now.version}): look at the new diff and confirm again`);
    if (now.version !== expected) throw changed();
    const written = await writeRestored(target, store, key, now, old);
    if (written === null) throw changed();
    return { store, key, version: written };
  };
  routes["POST remove"] = async (_, body) => {
    const store = await target.resolveStore(bodyString(body, "store"));
    const key = bodyString(body, "key");
    if (bodyString(body, "confirm") !== key) throw new StudioError(400, "not_confirmed", "type the key exactly to confirm its removal");
    need(target, "remove", "cannot remove keys");
    await current(target, store, key);
    await ask(target, "removing", () => door.remove(store, key));
    return { store, key, removed: true };
  };
  return routes;
}
