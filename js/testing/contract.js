// The backend contract (docs/backend-contract.md) as one suite: the part of
// the kit (index.js, `skilift/testing`) that calls a backend's methods
// directly. The optional methods (list, keysByUser, history, remove) are in
// optional-methods.js, registered inside this suite.
//
// `open()` resolves to `{ backend, close?, another? }`: a backend on which
// this test is alone (kit.js gives each test its own store names), the
// clean-up, and `another()`, a second client of the same storage (as
// another server would have). Options:
//   history: false   the backend has no getVersion/getAtTime/history
//   listing: false   the backend has no list/keysByUser
//   remove: false    the backend has no remove
//   writers: N       how many concurrent writers race on one key (default 8)
//
// No Node module is imported here: a browser page runs it too, through the
// `harness` argument { describe, it, assert } (tests/browser/).

import { optionalMethods } from "./optional-methods.js";

/** Increments a counter stored under `key` with get + conditional put, retrying on conflict. */
async function increment(backend, store, key, times) {
  let conflicts = 0;
  for (let i = 0; i < times; i++) {
    for (;;) {
      const entry = await backend.get(store, key);
      const n = entry ? JSON.parse(entry.value).n : 0;
      const version = await backend.put(store, key, JSON.stringify({ n: n + 1 }), entry ? entry.version : null, {
        userIds: [],
      });
      if (version !== null) break;
      conflicts++;
    }
  }
  return conflicts;
}

export const ODD_KEYS = [
  "../x",
  "../../etc/passwd",
  "a/b",
  "a\\b",
  "CON",
  "con",
  "nul.txt",
  ".",
  "..",
  "",
  " ",
  "key with spaces",
  "ÄÖÜ",
  "🎮 player",
  "x".repeat(1000),
  "%2F",
  "a%2Fb",
  "question?mark#hash",
  "new\nline",
  "tab\tkey",
  "a:b",
  "A",
  "a",
];

/** Registers the contract suite: `open` as kit.js hands it, `harness` { describe, it, assert }. */
export function contractTests(name, open, harness, options = {}) {
  const { describe, it, assert } = harness;
  const history = options.history !== false;
  const writers = options.writers ?? 8;
  const STORE = "players/global";

  describe(`backend contract: ${name}`, () => {
    /** Runs `fn(backend, another)` on a backend of its own and always closes it. */
    async function withBackend(fn) {
      const { backend, close, another } = await open();
      try {
        await fn(backend, another ?? (async () => backend));
      } finally {
        await close?.();
      }
    }

    it("get of a key never written is null", () =>
      withBackend(async (b) => {
        assert.equal(await b.get(STORE, "nobody"), null);
      }));

    it("put with expected null creates; the entry has value, version, time and userIds", () =>
      withBackend(async (b) => {
        const before = Date.now();
        const v = await b.put(STORE, "k", '{"a":1}', null, { userIds: [7, 8] });
        assert.equal(typeof v, "string");
        const e = await b.get(STORE, "k");
        assert.equal(e.value, '{"a":1}');
        assert.equal(e.version, v);
        assert.equal(typeof e.time, "number");
        assert.ok(e.time >= before - 5000 && e.time <= Date.now() + 5000, `time ${e.time} is about now`);
        assert.deepEqual([...(e.userIds ?? [])].sort(), [7, 8]);
      }));

    it("put with expected null on an existing key writes nothing and answers null", () =>
      withBackend(async (b) => {
        await b.put(STORE, "k", "1", null, { userIds: [] });
        assert.equal(await b.put(STORE, "k", "2", null, { userIds: [] }), null);
        assert.equal((await b.get(STORE, "k")).value, "1");
      }));

    it("put with a stale version writes nothing; with the current one it writes a new version", () =>
      withBackend(async (b) => {
        const v1 = await b.put(STORE, "k", "1", null, { userIds: [] });
        const v2 = await b.put(STORE, "k", "2", v1, { userIds: [] });
        assert.equal(typeof v2, "string");
        assert.notEqual(v2, v1);
        assert.equal(await b.put(STORE, "k", "3", v1, { userIds: [] }), null, "stale");
        assert.equal((await b.get(STORE, "k")).value, "2");
        assert.equal(await b.put(STORE, "k", "3", "no-such-version", { userIds: [] }), null);
        const v3 = await b.put(STORE, "k", "3", v2, { userIds: [] });
        assert.equal((await b.get(STORE, "k")).version, v3);
      }));

    it("put with a version on a key that does not exist answers null", () =>
      withBackend(async (b) => {
        const v = await b.put(STORE, "a", "1", null, { userIds: [] });
        assert.equal(await b.put(STORE, "b", "1", v, { userIds: [] }), null);
        assert.equal(await b.get(STORE, "b"), null);
      }));

    it("user ids are stored with each version", () =>
      withBackend(async (b) => {
        const v1 = await b.put(STORE, "k", "1", null, { userIds: [1] });
        await b.put(STORE, "k", "2", v1, { userIds: [1, 2] });
        const e = await b.get(STORE, "k");
        assert.deepEqual([...(e.userIds ?? [])].sort(), [1, 2]);
        if (history) {
          assert.deepEqual([...((await b.getVersion(STORE, "k", v1)).userIds ?? [])], [1]);
        }
      }));

    it(`${writers} concurrent writers racing on one key lose nothing`, () =>
      withBackend(async (b, another) => {
        const each = 10;
        // Spread over three clients, as several servers would be.
        const clients = [b, await another(), await another()];
        await Promise.all(Array.from({ length: writers }, (_, i) => increment(clients[i % 3], STORE, "race", each)));
        assert.equal(JSON.parse((await b.get(STORE, "race")).value).n, writers * each);
      }));

    it("clients creating one key at once: exactly one create wins", () =>
      withBackend(async (b, another) => {
        const clients = [b, await another(), await another()];
        const won = await Promise.all(
          Array.from({ length: 12 }, (_, i) => clients[i % 3].put(STORE, "new", JSON.stringify(i), null, { userIds: [] })),
        );
        const winners = won.filter((v) => v !== null);
        assert.equal(winners.length, 1, `one winner, got ${winners.length}`);
        const e = await clients[1].get(STORE, "new");
        assert.equal(e.version, winners[0]);
        assert.equal(e.value, JSON.stringify(won.indexOf(winners[0])));
      }));

    it("clients writing on one version at once: exactly one wins, the others answer null", () =>
      withBackend(async (b, another) => {
        const clients = [b, await another(), await another()];
        const v = await b.put(STORE, "k", "base", null, { userIds: [] });
        const won = await Promise.all(Array.from({ length: 12 }, (_, i) => clients[i % 3].put(STORE, "k", `w${i}`, v, { userIds: [] })));
        const winners = won.filter((x) => x !== null);
        assert.equal(winners.length, 1, `one winner, got ${winners.length}`);
        assert.equal((await clients[2].get(STORE, "k")).value, `w${won.indexOf(winners[0])}`);
      }));

    it("a token is never valid twice: writing a value back (A, B, A) does not revive the first token", () =>
      withBackend(async (b) => {
        const v1 = await b.put(STORE, "k", "same", null, { userIds: [] });
        const v2 = await b.put(STORE, "k", "other", v1, { userIds: [] });
        const v3 = await b.put(STORE, "k", "same", v2, { userIds: [] });
        assert.notEqual(v3, v1, "the third version has a token of its own");
        assert.equal(await b.put(STORE, "k", "stale", v1, { userIds: [] }), null, "the first token is stale");
        assert.equal((await b.get(STORE, "k")).version, v3);
      }));

    it("stores are separate namespaces, including the transactions store", () =>
      withBackend(async (b) => {
        await b.put("players/global", "k", "p", null, { userIds: [] });
        await b.put("players/eu", "k", "e", null, { userIds: [] });
        await b.put("skilift:transactions", "k", "t", null, { userIds: [] });
        assert.equal((await b.get("players/global", "k")).value, "p");
        assert.equal((await b.get("players/eu", "k")).value, "e");
        assert.equal((await b.get("skilift:transactions", "k")).value, "t");
        assert.equal(await b.get("players", "global/k"), null);
      }));

    it("odd keys are stored apart and never collide", () =>
      withBackend(async (b) => {
        for (const [i, key] of ODD_KEYS.entries()) {
          assert.equal(typeof (await b.put(STORE, key, JSON.stringify(i), null, { userIds: [] })), "string", key);
        }
        for (const [i, key] of ODD_KEYS.entries()) {
          assert.equal((await b.get(STORE, key))?.value, JSON.stringify(i), `key ${JSON.stringify(key)}`);
        }
      }));

    it("large and unicode values come back exactly", () =>
      withBackend(async (b) => {
        const big = JSON.stringify({ blob: "x".repeat(1024 * 1024), n: 1 });
        const uni = JSON.stringify({ s: "héllo wörld — 🎮🏆 \u0000 \u2028 \\ \" 中文" });
        await b.put(STORE, "big", big, null, { userIds: [] });
        await b.put(STORE, "uni", uni, null, { userIds: [] });
        assert.equal((await b.get(STORE, "big")).value, big);
        assert.equal((await b.get(STORE, "uni")).value, uni);
      }));

    if (history) {
      it("keeps history: getVersion and getAtTime", () =>
        withBackend(async (b) => {
          assert.equal(await b.getVersion(STORE, "h", "1"), null);
          assert.equal(await b.getAtTime(STORE, "h", Date.now()), null);
          const v1 = await b.put(STORE, "h", "one", null, { userIds: [] });
          const t1 = (await b.get(STORE, "h")).time;
          await new Promise((r) => setTimeout(r, 20));
          const v2 = await b.put(STORE, "h", "two", v1, { userIds: [] });
          const t2 = (await b.get(STORE, "h")).time;
          assert.ok(t2 >= t1);
          assert.equal((await b.getVersion(STORE, "h", v1)).value, "one");
          assert.equal((await b.getVersion(STORE, "h", v2)).value, "two");
          assert.equal(await b.getVersion(STORE, "h", "no-such-version"), null);
          assert.equal(await b.getAtTime(STORE, "h", t1 - 1000), null, "before the first write");
          if (t2 > t1) assert.equal((await b.getAtTime(STORE, "h", t1)).value, "one");
          assert.equal((await b.getAtTime(STORE, "h", t2 + 1000)).value, "two");
          assert.equal(await b.getVersion(STORE, "other", v1), null, "versions belong to their key");
        }));
    } else {
      it("has no history methods", () =>
        withBackend(async (b) => {
          assert.equal(typeof b.getVersion, "undefined");
          assert.equal(typeof b.getAtTime, "undefined");
        }));
    }

    optionalMethods({ it, assert, withBackend, odd: ODD_KEYS, options });
  });
}
