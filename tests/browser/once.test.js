// session.patchOnce and store.updateOnce in the browser build on IndexedDB:
// a receipt granted once with one `true`, on one session, on two Stores
// sharing the database (two servers), after a restart, and through a lost
// reply. Loaded by once.html; the two-tab race is in two-tabs.js.

import { describe, it, skip, assert } from "./harness.js";
import { built, game, withDatabase, LostReply, sleep } from "./engine-kit.js";

/** The stored data of `key`, read by a Store that holds no session. */
async function stored(open, key) {
  const { store } = await game(open());
  try {
    return await store.view(key).latest();
  } finally {
    await store.close();
  }
}

if (!built) skip("patchOnce on IndexedDB", "pkg/ not built (scripts/build.sh)");
else {
  describe("patchOnce on IndexedDB", () => {
    it("resolves true once stored, then false for the same id; the repeat is applied at once and undone", () =>
      withDatabase(async (open) => {
        const { store, grant } = await game(open());
        const session = store.load("alice");
        let seen;
        session.updated((data) => (seen = data));
        assert.equal(await session.patchOnce("R1", grant, "R1", 10), true);
        assert.deepEqual(seen, { coins: 10, log: ["R1"] });
        const again = session.patchOnce("R1", grant, "R1", 10);
        assert.deepEqual(seen, { coins: 20, log: ["R1", "R1"] }, "applied at once, like patch");
        assert.equal(await again, false);
        assert.deepEqual(seen, { coins: 10, log: ["R1"] }, "the pull that found R1 stored undid it");
        await session.stop();
        assert.deepEqual(await stored(open, "alice"), { coins: 10, log: ["R1"] });
        await store.close();
      }));

    it("two deliveries on one session before any pull: one true, applied once", () =>
      withDatabase(async (open) => {
        const { store, grant } = await game(open());
        const session = store.load("alice");
        const answers = await Promise.all([
          session.patchOnce("R2", grant, "R2", 3),
          session.patchOnce("R2", grant, "R2", 3),
        ]);
        assert.equal(answers.filter(Boolean).length, 1, `answers ${JSON.stringify(answers)}`);
        await session.stop();
        assert.deepEqual(await stored(open, "alice"), { coins: 3, log: ["R2"] });
        await store.close();
      }));

    it("the same receipts on two Stores sharing the database (two servers): each granted once, exactly one true", () =>
      withDatabase(async (open) => {
        const a = await game(open());
        const b = await game(open());
        const sa = a.store.load("bob");
        const sb = b.store.load("bob");
        const receipts = 16;
        const answers = [];
        for (let i = 0; i < receipts; i++) {
          const id = `P${i}`;
          // Both at the same moment (the first ones before either session has
          // loaded), each server first in turn so both can win.
          const first = i % 2 === 0 ? () => sa.patchOnce(id, a.grant, id, 1) : () => sb.patchOnce(id, b.grant, id, 1);
          const second = i % 2 === 0 ? () => sb.patchOnce(id, b.grant, id, 1) : () => sa.patchOnce(id, a.grant, id, 1);
          const pair = [first(), second()];
          answers.push(Promise.all(i % 2 === 0 ? pair : pair.reverse()));
          if (i % 4 === 3) await sleep(15);
        }
        const settled = await Promise.all(answers);
        const wrong = settled.map((pair, i) => [i, pair]).filter(([, pair]) => pair.filter(Boolean).length !== 1);
        assert.deepEqual(wrong, [], "receipts without exactly one true");
        await Promise.all([sa.stop(), sb.stop()]);
        const data = await stored(open, "bob");
        assert.equal(data.coins, receipts);
        assert.deepEqual([...data.log].sort(), Array.from({ length: receipts }, (_, i) => `P${i}`).sort());

        // A late retry on a restarted server (a new Store): told false, by both calls.
        const c = await game(open());
        const sc = c.store.load("bob");
        assert.equal(await sc.patchOnce("P0", c.grant, "P0", 1), false);
        assert.equal(await c.store.updateOnce("bob", "P1", c.grant, "P1", 1), false);
        await sc.stop();
        assert.equal((await stored(open, "bob")).coins, receipts);
        await Promise.all([a.store.close(), b.store.close(), c.store.close()]);
      }));

    it("a lost reply: the first write lands and its reply is lost; patchOnce still resolves true and applies once", () =>
      withDatabase(async (open) => {
        const lossy = new LostReply(open(), 0);
        const { store, grant, errors } = await game(lossy);
        const session = store.load("carol");
        await session.await(); // the load's write is not the one to lose
        lossy.losses = 1;
        const lostBefore = lossy.lost;
        assert.equal(await session.patchOnce("R3", grant, "R3", 4), true);
        assert.equal(lossy.lost, lostBefore + 1, "the fault fired");
        assert.ok(errors.length >= 1, "the lost reply was reported to onError");
        await session.stop();
        assert.deepEqual(await stored(open, "carol"), { coins: 4, log: ["R3"] });
        await store.close();
      }));
  });

  describe("updateOnce on IndexedDB", () => {
    it("true, then false for the same id, on this Store and another; an id patchOnce applied is refused too", () =>
      withDatabase(async (open) => {
        const a = await game(open());
        const b = await game(open());
        assert.equal(await a.store.updateOnce("dave", "G1", a.grant, "G1", 7), true);
        assert.equal(await a.store.updateOnce("dave", "G1", a.grant, "G1", 7), false);
        assert.equal(await b.store.updateOnce("dave", "G1", b.grant, "G1", 7), false);
        const session = b.store.load("dave");
        assert.equal(await session.patchOnce("G2", b.grant, "G2", 3), true);
        assert.equal(await a.store.updateOnce("dave", "G2", a.grant, "G2", 3), false);
        await session.stop();
        assert.deepEqual(await stored(open, "dave"), { coins: 10, log: ["G1", "G2"] });
        await Promise.all([a.store.close(), b.store.close()]);
      }));

    it("the same id from two Stores at the same moment: applied once, exactly one true", () =>
      withDatabase(async (open) => {
        const a = await game(open());
        const b = await game(open());
        const ids = Array.from({ length: 8 }, (_, i) => `U${i}`);
        const settled = await Promise.all(
          ids.map((id) => Promise.all([a.store.updateOnce("erin", id, a.grant, id, 1), b.store.updateOnce("erin", id, b.grant, id, 1)])),
        );
        assert.deepEqual(settled.filter((pair) => pair.filter(Boolean).length !== 1), [], "ids without exactly one true");
        const data = await stored(open, "erin");
        assert.equal(data.coins, ids.length);
        assert.deepEqual([...data.log].sort(), ids);
        await Promise.all([a.store.close(), b.store.close()]);
      }));

    it("a fault: the first put writes, then throws (a lost reply); updateOnce still resolves true and applies once", () =>
      withDatabase(async (open) => {
        const lossy = new LostReply(open());
        const { store, grant, errors } = await game(lossy);
        assert.equal(await store.updateOnce("frank", "L1", grant, "L1", 9), true);
        assert.equal(lossy.lost, 1, "the fault fired");
        assert.ok(lossy.puts >= 1);
        assert.ok(errors.length >= 1, "the lost reply was reported to onError");
        assert.deepEqual(await stored(open, "frank"), { coins: 9, log: ["L1"] });
        assert.equal(await store.updateOnce("frank", "L1", grant, "L1", 9), false, "a retry of the event is refused");
        assert.deepEqual(await stored(open, "frank"), { coins: 9, log: ["L1"] });
        await store.close();
      }));
  });
}
