// A small in-memory backend with one fault switched on (or none), for
// kit-teeth.test.mjs, which runs the kit on each in a child `node --test`:
//
//   SKILIFT_BROKEN=<fault> node --test tests/conformance/broken-backends.mjs
//
// Faults: "none" (the control: it must pass every test), "ignores-expected"
// (put writes whatever version it is given), "reuses-tokens" (tokens count
// per key, so a key removed and written again hands out its old ones),
// "code-point-order" (list and keysByUser sort by code point, not by UTF-16
// code unit as JavaScript does), "remove-keeps-history" (remove hides the
// current entry, but old versions stay readable).
// Not a *.test.mjs file: `node --test tests/conformance/` must not run it
// on its own.

import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { checkNames, checkStore, checkUserId, entryOf, historyOptions, listOptions, versionInfo } from "../../js/backends/shared.js";

const FAULTS = ["none", "ignores-expected", "reuses-tokens", "code-point-order", "remove-keeps-history"];
const fault = process.env.SKILIFT_BROKEN;
if (!FAULTS.includes(fault)) throw new Error(`SKILIFT_BROKEN must be one of ${FAULTS.join(", ")}, got ${fault}`);

/** Code point order: what a database's UTF-8 byte order gives, and not JavaScript's. */
const byCodePoint = (a, b) => {
  const x = [...a].map((c) => c.codePointAt(0));
  const y = [...b].map((c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
const order = fault === "code-point-order" ? byCodePoint : (a, b) => (a < b ? -1 : a > b ? 1 : 0);

class ToyBackend {
  #stores = new Map(); // store → key → versions, oldest first
  #ghosts = new Map(); // "remove-keeps-history": store → key → the versions remove hid
  #next = 1;

  #versions(store, key, map = this.#stores) {
    return map.get(store)?.get(key) ?? [];
  }
  /** Current versions and, with the fault, the ones a remove hid: what history reads. */
  #retained(store, key) {
    return [...this.#versions(store, key, this.#ghosts), ...this.#versions(store, key)];
  }

  async get(store, key) {
    checkNames("ToyBackend.get", store, key);
    const versions = this.#versions(store, key);
    return versions.length ? entryOf(versions.at(-1)) : null;
  }

  async put(store, key, value, expected, meta) {
    checkNames("ToyBackend.put", store, key);
    const versions = this.#versions(store, key);
    const current = versions.at(-1)?.version ?? null;
    if (fault !== "ignores-expected" && current !== (expected ?? null)) return null;
    const version = fault === "reuses-tokens" ? String(versions.length + 1) : String(this.#next++);
    const time = Math.max(Date.now(), versions.at(-1)?.time ?? -Infinity);
    if (!this.#stores.has(store)) this.#stores.set(store, new Map());
    this.#stores.get(store).set(key, [...versions, { value, version, time, userIds: [...meta.userIds] }]);
    return version;
  }

  async getVersion(store, key, version) {
    checkNames("ToyBackend.getVersion", store, key);
    const found = this.#retained(store, key).find((v) => v.version === version);
    return found ? entryOf(found) : null;
  }

  async getAtTime(store, key, timeMs) {
    checkNames("ToyBackend.getAtTime", store, key);
    const found = this.#retained(store, key).filter((v) => v.time <= timeMs).at(-1);
    return found ? entryOf(found) : null;
  }

  async history(store, key, options) {
    checkNames("ToyBackend.history", store, key);
    const { limit, before } = historyOptions("ToyBackend.history", options);
    return this.#retained(store, key).filter((v) => v.time < before).reverse().slice(0, limit).map(versionInfo);
  }

  async list(store, options) {
    checkStore("ToyBackend.list", store);
    const { after, limit, prefix } = listOptions("ToyBackend.list", options);
    const keys = [...(this.#stores.get(store)?.keys() ?? [])];
    return keys.filter((k) => k.startsWith(prefix) && (after === undefined || order(k, after) > 0)).sort(order).slice(0, limit);
  }

  async keysByUser(store, userId) {
    checkStore("ToyBackend.keysByUser", store);
    checkUserId("ToyBackend.keysByUser", userId);
    const keys = [...(this.#stores.get(store) ?? [])].filter(([, v]) => v.at(-1).userIds.includes(userId));
    return keys.map(([k]) => k).sort(order);
  }

  async remove(store, key) {
    checkNames("ToyBackend.remove", store, key);
    const versions = this.#versions(store, key);
    if (fault === "remove-keeps-history" && versions.length) {
      if (!this.#ghosts.has(store)) this.#ghosts.set(store, new Map());
      this.#ghosts.get(store).set(key, [...this.#versions(store, key, this.#ghosts), ...versions]);
    }
    this.#stores.get(store)?.delete(key);
  }
}

const shared = new ToyBackend();
backendContract(`ToyBackend (${fault})`, () => shared);
