// store.update and store.updateOnce in the browser build on IndexedDB: a
// one-shot write to a key nobody has loaded, and a session that has the key
// loaded keeping its own queued change and seeing the update at its next
// pull. Loaded by once.html.

import { describe, it, skip, assert } from "./harness.js";
import { built, game, withDatabase } from "./engine-kit.js";

if (!built) skip("store.update on IndexedDB", "pkg/ not built (scripts/build.sh)");
else {
  describe("store.update on IndexedDB", () => {
    it("writes a key nobody has loaded; false, and nothing changed, when the action cancels", () =>
      withDatabase(async (open) => {
        const { store, grant, cancel } = await game(open());
        assert.equal(await store.update("gina", grant, "gift", 5), true);
        assert.deepEqual(await store.view("gina").latest(), { coins: 5, log: ["gift"] });
        assert.equal(await store.update("gina", grant, "fix", -2), true);
        assert.equal(await store.update("gina", cancel), false);
        const other = await game(open());
        assert.deepEqual(await other.store.view("gina").latest(), { coins: 3, log: ["gift", "fix"] });
        await Promise.all([store.close(), other.store.close()]);
      }));

    it("a session that has the key loaded keeps its queued change and sees the update at its next pull", () =>
      withDatabase(async (open) => {
        // The session's server pulls rarely, so its patch is still queued when the update lands.
        const a = await game(open(), { pullDelay: 60 });
        const b = await game(open());
        const session = a.store.load("hugo");
        let seen;
        session.updated((data) => (seen = data));
        await session.await();
        assert.equal(session.patch(a.grant, "own", 2), true);
        assert.equal(await b.store.update("hugo", b.grant, "gift", 5), true);
        assert.equal(await b.store.updateOnce("hugo", "G9", b.grant, "G9", 1), true);
        assert.deepEqual(await b.store.view("hugo").latest(), { coins: 6, log: ["gift", "G9"] }, "stored without the queued patch");
        assert.deepEqual(seen, { coins: 2, log: ["own"] }, "no pull yet");
        await session.await(); // its next pull
        assert.deepEqual(seen, { coins: 8, log: ["gift", "G9", "own"] });
        await session.stop();
        assert.deepEqual(await b.store.view("hugo").latest(), { coins: 8, log: ["gift", "G9", "own"] });
        await Promise.all([a.store.close(), b.store.close()]);
      }));
  });
}
