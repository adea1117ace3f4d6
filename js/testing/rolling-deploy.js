// A rolling deploy through the public API (docs/api.md#migrations), one
// suite of the kit (kit.js), run on every backend next to the operations
// API with the same `open()`.
//
// Two Store objects on one backend stand for a server of version 1 of a game
// and one of version 2, which has one more migration step: "gems", adding a
// field. Marked `backwardsCompatible`, both versions edit one key at once and
// nothing is lost; unmarked, the older server must answer
// `needs_newer_version` and write nothing. Every change carries a unique id
// into the data's `log`, and the step logs "migrated:gems" when it runs, so a
// check can say exactly which changes a key holds and how often the step ran.
//
// `skilift` is the built package (`pkg/node.mjs` in Node), `harness` is
// { describe, it, assert }; `options.history === false` skips what needs
// view.history().

import { until, withOpened } from "./operations.js";

const NS = "players/global";
const MIGRATED = "migrated:gems";

export function rollingDeployApi(name, open, { skilift, describe, it, assert }, options = {}) {
  const { Store } = skilift;
  const history = options.history !== false;

  /** A server of `version` 1 or 2; version 2's step is marked compatible unless `compatible: false`. */
  function server(backend, version, { compatible = true } = {}) {
    const errors = [];
    const migrations = [{ step: "coins", migrate: (d) => ({ ...d, coins: d.coins ?? 0 }) }];
    const gems = { step: "gems", migrate: (d) => ({ ...d, gems: 0, log: [...d.log, MIGRATED] }) };
    if (compatible) gems.backwardsCompatible = true;
    if (version === 2) migrations.push(gems);
    const store = new Store({
      name: "players",
      defaultData: () => (version === 2 ? { coins: 0, gems: 0, log: [] } : { coins: 0, log: [] }),
      backend,
      migrations,
      pullDelay: 0.05,
      onError: (error, key) => errors.push({ code: error?.code, key, message: String(error?.message ?? error) }),
    });
    // Version 1 knows nothing of gems; like every action it keeps the fields it does not know.
    const add = store.action((d, id, n) => ({ ...d, coins: d.coins + n, log: [...d.log, id] }));
    const gem = version === 2 ? store.action((d, id, n) => ({ ...d, gems: d.gems + n, log: [...d.log, id] })) : null;
    return { store, add, gem, errors };
  }

  const withBackend = (fn) => withOpened(open, fn);

  /** No session went bad and nothing was reported: neither bad data nor version skew. */
  function clean(...servers) {
    for (const { store, errors } of servers) {
      assert.deepEqual(errors, [], "nothing reported to onError");
      const stats = store.stats();
      assert.equal(stats.bad, 0, "no session went bad");
      assert.equal(stats.needsNewerVersion, 0, "no session needed a newer version");
    }
  }

  const sorted = (list) => [...list].sort();

  describe(`rolling deploy API: ${name}`, () => {
    it("an older and a newer server patch one key at once: every change once, the new field and its step survive the older writer", () =>
      withBackend(async (backend) => {
        const v1 = server(backend, 1);
        const v2 = server(backend, 2);
        const s1 = v1.store.load("hero");
        s1.patch(v1.add, "first", 1);
        await s1.await(); // stored by version 1: steps ["coins"]
        const s2 = v2.store.load("hero");
        s2.patch(v2.gem, "g-first", 1);
        await s2.await(); // migrated by version 2: gems added, the step marked compatible
        const adds = ["first"];
        const gems = ["g-first"];
        // Rounds of changes on both servers, each round saved by both pulls:
        // the second writer of a round holds an older version, so it conflicts
        // and replays its actions on the other version's record.
        for (let round = 0; round < 8; round++) {
          for (let i = 0; i < 3; i++) {
            s1.patch(v1.add, `a${round}.${i}`, 1);
            s2.patch(v2.add, `b${round}.${i}`, 1);
            s2.patch(v2.gem, `g${round}.${i}`, 1);
            adds.push(`a${round}.${i}`, `b${round}.${i}`);
            gems.push(`g${round}.${i}`);
          }
          await Promise.all([s1.await(), s2.await()]);
        }
        await s2.stop();
        s1.patch(v1.add, "last", 1); // the older server writes last, over the newer one's record
        adds.push("last");
        await s1.stop();
        assert.equal(s1.bad(), undefined);
        assert.equal(s2.bad(), undefined);
        const conflicts = v1.store.stats().conflicts + v2.store.stats().conflicts;
        assert.ok(conflicts > 0, `the two versions' writes conflicted (${conflicts})`);

        const want = { coins: adds.length, gems: gems.length };
        const seen = await v2.store.view("hero").latest();
        assert.deepEqual(sorted(seen.log), sorted([...adds, ...gems, MIGRATED]), "every change once, the step ran once");
        assert.deepEqual({ coins: seen.coins, gems: seen.gems }, want);
        assert.deepEqual(await v1.store.view("hero").latest(), seen, "the older server's view: the data as stored, gems included");

        // A fresh older server still loads the key: the older writer kept the
        // step and its mark (without the mark it would need a newer version;
        // without the step, version 2 would run it again).
        const v1b = server(backend, 1);
        const again = v1b.store.load("hero");
        again.patch(v1b.add, "fresh-old", 1);
        await again.stop();
        assert.equal(again.bad(), undefined);
        const end = await v2.store.view("hero").latest();
        assert.deepEqual(sorted(end.log), sorted([...adds, ...gems, MIGRATED, "fresh-old"]));
        assert.equal(end.gems, want.gems);
        clean(v1, v2, v1b);
        await Promise.all([v1.store.close(), v2.store.close(), v1b.store.close()]);
      }));

    it("update, updateOnce, view and restore work from both versions", () =>
      withBackend(async (backend) => {
        const v1 = server(backend, 1);
        const v2 = server(backend, 2);
        assert.equal(await v1.store.update("k", v1.add, "u1", 1), true);
        assert.equal(await v2.store.update("k", v2.gem, "u2", 1), true); // migrates
        assert.equal(await v1.store.update("k", v1.add, "u3", 1), true);
        assert.equal(await v1.store.updateOnce("k", "once-1", v1.add, "o1", 1), true);
        assert.equal(await v2.store.updateOnce("k", "once-1", v2.gem, "o1-again", 1), false);
        assert.equal(await v2.store.updateOnce("k", "once-2", v2.gem, "o2", 1), true);
        assert.equal(await v1.store.updateOnce("k", "once-2", v1.add, "o2-again", 1), false);
        const log = ["u1", MIGRATED, "u2", "u3", "o1", "o2"];
        assert.deepEqual(await v1.store.view("k").latest(), { coins: 3, gems: 2, log });
        assert.deepEqual(await v2.store.view("k").latest(), { coins: 3, gems: 2, log });

        // A key the newer server made (its default data has every step) loads on the older one.
        assert.equal(await v2.store.update("made-new", v2.gem, "n1", 5), true);
        const s1 = v1.store.load("made-new");
        s1.patch(v1.add, "n2", 1);
        await s1.stop();
        assert.equal(s1.bad(), undefined);
        assert.equal(await v1.store.update("made-new", v1.add, "n3", 1), true);
        assert.deepEqual(await v2.store.view("made-new").latest(), { coins: 2, gems: 5, log: ["n1", "n2", "n3"] });

        if (history) {
          const versions = await v1.store.view("k").history({ limit: 100 });
          const datas = await Promise.all(versions.map((v) => v1.store.view("k").version(v.version)));
          const at = (last) => versions[datas.findIndex((d) => d.log.at(-1) === last)].version;
          await v1.store.restore("k", at("u3")); // the older server restores a version of the newer shape
          const restored = { coins: 2, gems: 1, log: ["u1", MIGRATED, "u2", "u3"] };
          assert.deepEqual(await v2.store.view("k").latest(), restored);
          await v2.store.restore("k", at("o1"));
          assert.deepEqual(await v1.store.view("k").latest(), { coins: 3, gems: 1, log: ["u1", MIGRATED, "u2", "u3", "o1"] });
          assert.equal(await v1.store.update("k", v1.add, "after", 1), true, "the restores kept the step's mark");
          assert.equal(await v2.store.update("k", v2.gem, "after-2", 1), true, "and the step: version 2 does not run it again");
          assert.deepEqual(await v2.store.view("k").latest(), {
            coins: 4,
            gems: 2,
            log: ["u1", MIGRATED, "u2", "u3", "o1", "after", "after-2"],
          });
        }
        clean(v1, v2);
        await Promise.all([v1.store.close(), v2.store.close()]);
      }));

    it("a step not marked compatible: the older server needs a newer version, writes nothing, the newer data stays", () =>
      withBackend(async (backend) => {
        const v1 = server(backend, 1);
        const v2 = server(backend, 2, { compatible: false });
        const s1 = v1.store.load("k");
        s1.patch(v1.add, "a1", 1);
        await s1.await();
        const s2 = v2.store.load("k");
        s2.patch(v2.gem, "g1", 1);
        await s2.await(); // migrated by version 2, not marked compatible
        const stored = await backend.get(NS, "k");
        const newer = { coins: 1, gems: 1, log: ["a1", MIGRATED, "g1"] };
        const writes = v1.store.stats().writes;

        s1.patch(v1.add, "a2", 1);
        await until(() => s1.bad(), "the older session to stop");
        assert.match(s1.bad(), /gems/, "bad() names the step it lacks");
        await s1.stop();
        const late = v1.store.load("k"); // a player landing on an older server
        await until(() => late.bad(), "a fresh older session to stop");
        assert.match(late.bad(), /gems/);
        const skew = (e) => e?.code === "needs_newer_version";
        await assert.rejects(v1.store.update("k", v1.add, "u", 1), skew);
        await assert.rejects(v1.store.updateOnce("k", "once", v1.add, "o", 1), skew);
        if (history) await assert.rejects(v1.store.restore("k", stored.version), skew);

        const codes = new Set(v1.errors.map((e) => e.code));
        assert.deepEqual([...codes], ["needs_newer_version"], "reported as version skew, not as bad data");
        assert.ok(v1.errors.every((e) => e.key === "k"));
        const stats = v1.store.stats();
        // The two sessions, and the update and the updateOnce: in stats() each counts as a session.
        assert.equal(stats.needsNewerVersion, 4, "each stopped for version skew is counted");
        assert.equal(stats.bad, 0, "bad counts bad data only");
        assert.equal(stats.writes, writes, "the older server stored nothing");
        assert.equal((await backend.get(NS, "k")).version, stored.version, "the record is the newer server's");
        assert.deepEqual(await v2.store.view("k").latest(), newer);

        s2.patch(v2.gem, "g2", 1);
        await s2.stop();
        assert.deepEqual(await v2.store.view("k").latest(), { ...newer, gems: 2, log: [...newer.log, "g2"] });
        clean(v2);
        await Promise.all([v1.store.close(), v2.store.close()]);
      }));
  });
}
