// The optional methods of the backend contract (docs/backend-contract.md):
// list, keysByUser, history and remove. Part of the contract suite
// (contract.js), which calls `optionalMethods` inside its describe with the
// same backend-of-its-own helper. Options (from backendContract's):
//   history: false   no getVersion/getAtTime/history
//   listing: false   no list/keysByUser
//   remove: false    no remove
// A method a backend lacks must then be absent (undefined), so the engine
// can tell it is not there.

const STORE = "players/global";

/**
 * Keys whose JavaScript order (UTF-16 code units) differs from code point
 * order (astral characters sort before U+E000..U+FFFF in UTF-16, after
 * them by code point) or from byte order of UTF-8, and other neighbours.
 */
export const ORDER_KEYS = [
  "\u{1F600}",
  "\u{10000}",
  "\u{10FFFF}",
  "\uE000",
  "\uFFFF",
  "\uFF5E",
  "\uFFFD",
  "\uD7FF",
  "a\u{1F3AE}",
  "a\uE000",
  "a\uFFFF",
  "a\u{10000}b",
  "a",
  "a ",
  "a\u007F",
  "a\u0080",
  "é",
  "e\u0301",
  "Z",
  "z",
  "~",
];

/** Writes each key (value = its index) a few at a time; resolves their versions. */
async function writeKeys(b, store, keys, { userIds = [], parallel = 25 } = {}) {
  const versions = new Array(keys.length);
  let next = 0;
  async function worker() {
    while (next < keys.length) {
      const i = next++;
      versions[i] = await b.put(store, keys[i], JSON.stringify(i), null, { userIds });
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return versions;
}

/**
 * Every key of `store` by paging with `after` = the last key of the
 * previous page. A backend whose order is not JavaScript's can page in a
 * circle: more pages than `maxPages` fail instead of hanging.
 */
async function listAll(b, store, options = {}, maxPages = 5000) {
  const all = [];
  const pages = [];
  let after;
  for (;;) {
    if (pages.length > maxPages) throw new Error(`paging did not end after ${maxPages} pages (at ${JSON.stringify(after)})`);
    const page = await b.list(store, after === undefined ? options : { ...options, after });
    pages.push(page.length);
    if (page.length === 0) break;
    all.push(...page);
    after = page[page.length - 1];
  }
  return { all, pages };
}

const sorted = (keys) => [...keys].sort();

export function optionalMethods({ it, assert, withBackend, odd, options }) {
  const history = options.history !== false;
  const listing = options.listing !== false;
  const removal = options.remove !== false;
  const put = (b, key, value, expected, userIds = [], store = STORE) => b.put(store, key, value, expected, { userIds });
  const invalid = (e) => e?.name === "SkiliftError" && e.code === "invalid_options";

  if (!listing) {
    it("has no listing methods", () =>
      withBackend(async (b) => {
        assert.equal(typeof b.list, "undefined");
        assert.equal(typeof b.keysByUser, "undefined");
      }));
  } else {
    it("list of an empty namespace is []", () =>
      withBackend(async (b) => {
        assert.deepEqual(await b.list(STORE), []);
        assert.deepEqual(await b.list(STORE, { prefix: "a", after: "b", limit: 5 }), []);
      }));

    it("list pages through 2,500 keys with limit 1000: every key once, in order", () =>
      withBackend(async (b) => {
        const keys = Array.from({ length: 2500 }, (_, i) => `p${(i * 7919) % 2500}${i % 3 === 0 ? "\u{1F3AE}" : i % 3 === 1 ? "\uE000" : ""}`);
        await writeKeys(b, STORE, keys);
        const first = await b.list(STORE);
        assert.equal(first.length, 1000, "the default limit is 1000");
        const { all, pages } = await listAll(b, STORE, { limit: 1000 });
        assert.deepEqual(pages, [1000, 1000, 500, 0]);
        assert.deepEqual(all, sorted(keys));
        assert.deepEqual(first, all.slice(0, 1000));
        const small = await listAll(b, STORE, { limit: 999 });
        assert.deepEqual(small.all, all, "limit 999 pages to the same keys");
      }));

    it("list answers odd keys and keys of every Unicode range exactly, in JavaScript string order", () =>
      withBackend(async (b) => {
        const keys = [...new Set([...odd, ...ORDER_KEYS])];
        await writeKeys(b, STORE, keys, { parallel: 4 });
        assert.deepEqual(await b.list(STORE), sorted(keys));
        // Paging one key at a time crosses every neighbouring pair.
        const { all } = await listAll(b, STORE, { limit: 1 });
        assert.deepEqual(all, sorted(keys));
        for (const after of [...keys, "\u{1F3AD}", "\uFFFF\uFFFF", "a\u{10FFFF}"]) {
          assert.deepEqual(await b.list(STORE, { after }), sorted(keys).filter((k) => k > after), `after ${JSON.stringify(after)}`);
        }
      }));

    it("list with a prefix answers only the keys that start with it", () =>
      withBackend(async (b) => {
        const keys = ["a", "ab", "abc", "abd", "ab\uFFFF", "ab\u{10000}", "ab\uE000x", "aB", "b", "", "\u{1F600}a", "\u{1F600}b", "\u{1F601}"];
        await writeKeys(b, STORE, keys, { parallel: 4 });
        const starting = (p) => sorted(keys).filter((k) => k.startsWith(p));
        for (const prefix of ["", "a", "ab", "abc", "abz", "ab\uFFFF", "ab\u{10000}", "\u{1F600}", "\uD83D\uDE00a", "zz"]) {
          assert.deepEqual(await b.list(STORE, { prefix }), starting(prefix), `prefix ${JSON.stringify(prefix)}`);
        }
        assert.deepEqual(await b.list(STORE, { prefix: "ab", after: "abc" }), starting("ab").filter((k) => k > "abc"));
        assert.deepEqual(await b.list(STORE, { prefix: "ab", after: "a" }), starting("ab"), "after before the prefix");
        assert.deepEqual(await b.list(STORE, { prefix: "ab", after: "b" }), [], "after past the prefix");
        assert.deepEqual(await b.list(STORE, { prefix: "ab", limit: 2 }), starting("ab").slice(0, 2));
        const { all } = await listAll(b, STORE, { prefix: "ab", limit: 2 });
        assert.deepEqual(all, starting("ab"));
      }));

    it("list is strictly after `after`, which need not be a key", () =>
      withBackend(async (b) => {
        await writeKeys(b, STORE, ["a", "b", "c"]);
        assert.deepEqual(await b.list(STORE, { after: "a" }), ["b", "c"]);
        assert.deepEqual(await b.list(STORE, { after: "aa" }), ["b", "c"]);
        assert.deepEqual(await b.list(STORE, { after: "" }), ["a", "b", "c"]);
        assert.deepEqual(await b.list(STORE, { after: "c" }), []);
        assert.deepEqual(await b.list(STORE, { after: "\u{10FFFF}" }), []);
        assert.deepEqual(await b.list(STORE, { limit: 2 }), ["a", "b"]);
        assert.deepEqual(await b.list(STORE, { after: undefined, limit: undefined, prefix: undefined }), ["a", "b", "c"]);
      }));

    it("list and keysByUser see one namespace: never a similar one or the transactions store", () =>
      withBackend(async (b) => {
        const stores = ["players/global", "players/globalx", "players/glob", "players/eu", "skilift:transactions", "players", "players/global/x"];
        for (const store of stores) {
          await put(b, "k", store, null, [7], store);
          await put(b, `${store}-only`, store, null, [7], store);
        }
        for (const store of stores) {
          assert.deepEqual(await b.list(store), sorted(["k", `${store}-only`]), store);
          assert.deepEqual(await b.keysByUser(store, 7), sorted(["k", `${store}-only`]), store);
        }
        assert.deepEqual(await b.list("players/other"), []);
        assert.deepEqual(await b.keysByUser("players/other", 7), []);
      }));

    it("keysByUser answers the keys whose current entry carries the user id, sorted", () =>
      withBackend(async (b) => {
        const v1 = await put(b, "k1", "1", null, [1, 2]);
        await put(b, "k2", "2", null, [2]);
        await put(b, "k3", "3", null, [3, 2.5, -4, 2 ** 53 - 1]);
        await put(b, "\u{1F600}", "4", null, [2]);
        await put(b, "\uE000", "5", null, [2]);
        assert.deepEqual(await b.keysByUser(STORE, 2), sorted(["k1", "k2", "\u{1F600}", "\uE000"]));
        assert.deepEqual(await b.keysByUser(STORE, 1), ["k1"]);
        assert.deepEqual(await b.keysByUser(STORE, 2.5), ["k3"]);
        assert.deepEqual(await b.keysByUser(STORE, -4), ["k3"]);
        assert.deepEqual(await b.keysByUser(STORE, 2 ** 53 - 1), ["k3"]);
        assert.deepEqual(await b.keysByUser(STORE, 99), []);
        // The newest version decides: k1 no longer carries 2, k2 gains 5.
        const v2 = await put(b, "k1", "1b", v1, [1]);
        assert.deepEqual(await b.keysByUser(STORE, 2), sorted(["k2", "\u{1F600}", "\uE000"]));
        const k2 = await b.get(STORE, "k2");
        await put(b, "k2", "2b", k2.version, [5, 2]);
        assert.deepEqual(await b.keysByUser(STORE, 5), ["k2"]);
        assert.deepEqual(await b.keysByUser(STORE, 2), sorted(["k2", "\u{1F600}", "\uE000"]));
        await put(b, "k1", "1c", v2, []);
        assert.deepEqual(await b.keysByUser(STORE, 1), []);
      }));

    it("list and keysByUser refuse bad arguments with invalid_options", () =>
      withBackend(async (b) => {
        for (const limit of [0, -1, 1.5, NaN, Infinity, "5", null, 2 ** 60]) {
          await assert.rejects(() => b.list(STORE, { limit }), invalid, `limit ${String(limit)}`);
        }
        for (const bad of [{ after: 5 }, { prefix: null }, { prefix: 1 }, { start: "a" }, null, 5, "a", []]) {
          await assert.rejects(() => b.list(STORE, bad), invalid, JSON.stringify(bad));
        }
        await assert.rejects(() => b.list(5), invalid);
        for (const userId of [NaN, Infinity, "1", null, undefined]) {
          await assert.rejects(() => b.keysByUser(STORE, userId), invalid, `userId ${String(userId)}`);
        }
      }));
  }

  if (!history) {
    it("has no history method", () =>
      withBackend(async (b) => {
        assert.equal(typeof b.history, "undefined");
      }));
  } else {
    it("history lists retained versions newest first, with before and limit", () =>
      withBackend(async (b) => {
        assert.deepEqual(await b.history(STORE, "h"), []);
        const versions = [];
        const times = [];
        let expected = null;
        for (let i = 0; i < 5; i++) {
          expected = await put(b, "h", `v${i}`, expected, [i, 100]);
          versions.push(expected);
          times.push((await b.get(STORE, "h")).time);
          await new Promise((r) => setTimeout(r, 15));
        }
        const all = await b.history(STORE, "h");
        assert.deepEqual(all.map((v) => v.version), [...versions].reverse());
        assert.deepEqual(all.map((v) => v.time), [...times].reverse());
        assert.deepEqual(all.map((v) => [...v.userIds].sort((x, y) => x - y)), [4, 3, 2, 1, 0].map((i) => [i, 100]));
        for (const v of all) assert.deepEqual(Object.keys(v).sort(), ["time", "userIds", "version"], "no value in history");
        assert.deepEqual((await b.history(STORE, "h", { limit: 2 })).map((v) => v.version), [versions[4], versions[3]]);
        if (times[2] > times[1]) {
          const before = await b.history(STORE, "h", { before: times[2] });
          assert.deepEqual(before.map((v) => v.version), [versions[1], versions[0]], "only versions with time < before");
          assert.deepEqual((await b.history(STORE, "h", { before: times[2], limit: 1 })).map((v) => v.version), [versions[1]]);
        }
        assert.deepEqual(await b.history(STORE, "h", { before: times[0] }), []);
        assert.deepEqual(await b.history(STORE, "h", { before: -Infinity }), []);
        assert.equal((await b.history(STORE, "h", { before: Infinity })).length, 5);
        assert.deepEqual(await b.history(STORE, "other"), [], "versions belong to their key");
        assert.deepEqual(await b.history("players/eu", "h"), [], "and to their namespace");
      }));

    it("history refuses bad options with invalid_options", () =>
      withBackend(async (b) => {
        for (const bad of [{ limit: 0 }, { limit: 1.5 }, { limit: "1" }, { before: NaN }, { before: "1" }, { after: 1 }, null, 5]) {
          await assert.rejects(() => b.history(STORE, "h", bad), invalid, JSON.stringify(bad));
        }
      }));
  }

  if (!removal) {
    it("has no remove method", () =>
      withBackend(async (b) => {
        assert.equal(typeof b.remove, "undefined");
      }));
    return;
  }

  it("remove erases the key: get, getVersion, getAtTime, history, list and keysByUser all empty", () =>
    withBackend(async (b) => {
      const v1 = await put(b, "gone", "secret-1", null, [42]);
      const v2 = await put(b, "gone", "secret-2", v1, [42]);
      await put(b, "stays", "x", null, [42]);
      await put(b, "gone", "other namespace", null, [42], "players/eu");
      await b.remove(STORE, "gone");
      assert.equal(await b.get(STORE, "gone"), null);
      if (history) {
        assert.equal(await b.getVersion(STORE, "gone", v1), null);
        assert.equal(await b.getVersion(STORE, "gone", v2), null);
        assert.equal(await b.getAtTime(STORE, "gone", Date.now() + 60_000), null);
        assert.deepEqual(await b.history(STORE, "gone"), []);
      }
      if (listing) {
        assert.deepEqual(await b.list(STORE), ["stays"]);
        assert.deepEqual(await b.keysByUser(STORE, 42), ["stays"]);
        assert.deepEqual(await b.list("players/eu"), ["gone"]);
      }
      assert.equal((await b.get("players/eu", "gone")).value, "other namespace", "the same key elsewhere is untouched");
      assert.equal((await b.get(STORE, "stays")).value, "x");
    }));

  it("remove of a key that does not exist is a no-op; a removed key can be created again", () =>
    withBackend(async (b) => {
      await b.remove(STORE, "never");
      assert.equal(await b.get(STORE, "never"), null);
      const v1 = await put(b, "k", "1", null);
      await b.remove(STORE, "k");
      await b.remove(STORE, "k");
      const v2 = await put(b, "k", "again", null, [9]);
      assert.equal(typeof v2, "string");
      assert.notEqual(v2, v1);
      const e = await b.get(STORE, "k");
      assert.equal(e.value, "again");
      assert.equal(e.version, v2);
      if (history) assert.deepEqual((await b.history(STORE, "k")).map((v) => v.version), [v2]);
      if (listing) {
        assert.deepEqual(await b.list(STORE), ["k"]);
        assert.deepEqual(await b.keysByUser(STORE, 9), ["k"]);
      }
    }));

  it("remove works on odd keys and in the transactions store, and leaves the other keys", () =>
    withBackend(async (b) => {
      await writeKeys(b, STORE, odd, { parallel: 4 });
      await put(b, "decision", "committed", null, [], "skilift:transactions");
      await b.remove("skilift:transactions", "decision");
      assert.equal(await b.get("skilift:transactions", "decision"), null);
      const removed = odd.filter((_, i) => i % 2 === 0);
      for (const key of removed) await b.remove(STORE, key);
      for (const [i, key] of odd.entries()) {
        assert.equal((await b.get(STORE, key))?.value ?? null, i % 2 === 0 ? null : JSON.stringify(i), JSON.stringify(key));
      }
      if (listing) {
        assert.deepEqual(await b.list(STORE), sorted(odd.filter((_, i) => i % 2 === 1)));
        assert.deepEqual(await b.list("skilift:transactions"), []);
      }
    }));

  it("a version from before a remove is refused, even once the key is written back past it", () =>
    withBackend(async (b) => {
      const old = [];
      let expected = null;
      for (let i = 0; i < 5; i++) {
        expected = await put(b, "k", `old ${i}`, expected);
        old.push(expected);
      }
      await b.remove(STORE, "k");
      for (const v of old) assert.equal(await put(b, "k", "stale", v), null, `stale ${v} on a removed key`);
      const fresh = [];
      expected = null;
      for (let i = 0; i < 8; i++) {
        expected = await put(b, "k", `new ${i}`, expected);
        fresh.push(expected);
        for (const v of old) assert.equal(await put(b, "k", "stale", v), null, `stale ${v} after ${i + 1} new writes`);
      }
      for (const v of fresh) assert.ok(!old.includes(v), `token ${v} was used before the remove`);
      assert.equal((await b.get(STORE, "k")).value, "new 7");
      if (history) {
        for (const v of old) assert.equal(await b.getVersion(STORE, "k", v), null, `old version ${v} is gone`);
        assert.deepEqual((await b.history(STORE, "k")).map((v) => v.version), [...fresh].reverse());
      }
    }));

  it("put racing remove: once remove resolves, no put holding an older version succeeds, and nothing is left", () =>
    withBackend(async (b) => {
      for (let round = 0; round < 5; round++) {
        const key = `race${round}`;
        const v = await put(b, key, "before", null, [1]);
        const writes = Array.from({ length: 6 }, (_, i) => put(b, key, `racer ${i}`, v, [1]));
        await b.remove(STORE, key);
        const late = await Promise.all(Array.from({ length: 3 }, () => put(b, key, "late", v, [1])));
        assert.deepEqual(late, [null, null, null], "a put started after the remove with the old version");
        const won = (await Promise.all(writes)).filter((x) => x !== null);
        assert.ok(won.length <= 1, "one compare-and-set winner at most");
        // A winner wrote before the remove, so the remove erased it too.
        assert.equal(await b.get(STORE, key), null, `round ${round}`);
        if (history) {
          assert.deepEqual(await b.history(STORE, key), []);
          for (const w of won) assert.equal(await b.getVersion(STORE, key, w), null);
        }
        if (listing) {
          assert.deepEqual(await b.list(STORE, { prefix: key }), []);
          assert.deepEqual(await b.keysByUser(STORE, 1), []);
        }
      }
    }));

  it("remove racing a create: the key ends either absent or created, and every read agrees", () =>
    withBackend(async (b) => {
      for (let round = 0; round < 5; round++) {
        const key = `create${round}`;
        const [created] = await Promise.all([put(b, key, "fresh", null, [3]), b.remove(STORE, key)]);
        const entry = await b.get(STORE, key);
        assert.equal(entry === null ? null : entry.version, entry === null ? null : created, "a present key is the create's");
        if (entry !== null) assert.equal(entry.value, "fresh");
        if (listing) {
          assert.deepEqual(await b.list(STORE, { prefix: key }), entry ? [key] : []);
          assert.deepEqual((await b.keysByUser(STORE, 3)).filter((k) => k === key), entry ? [key] : []);
        }
        if (history) assert.deepEqual((await b.history(STORE, key)).map((v) => v.version), entry ? [created] : []);
      }
    }));

  it("remove refuses bad names with invalid_options", () =>
    withBackend(async (b) => {
      await assert.rejects(() => b.remove(STORE, 5), invalid);
      await assert.rejects(() => b.remove(null, "k"), invalid);
    }));
}
