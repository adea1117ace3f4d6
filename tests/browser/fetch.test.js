// FetchBackend in the browser build (pkg/esm, as a bundler resolves
// `skilift/fetch` for a browser) against real createHandler servers on
// another origin, started by run.mjs (`fetchSuite`): the CORS preflights of
// conditional requests, the ETag exposed to the page, the server's refusals
// readable as FetchBackendError, and a refused origin failing (never
// resolving a guess). Loaded by fetch.html?api=URL&closed=URL&token=T.

import { describe, it, skip, assert } from "./harness.js";
import { built, game } from "./engine-kit.js";

const params = new URL(location.href).searchParams;
const API = params.get("api");
const CLOSED = params.get("closed");
const TOKEN = params.get("token");
const FETCH = "../../pkg/esm/backends/http/fetch.js";

/** A namespace of its own per test: the servers' MemoryBackends live as long as the suite. */
let stores = 0;
const storeName = () => `fetch-${Date.now().toString(36)}-${++stores}`;

if (!built) skip("FetchBackend in the browser", "pkg/ not built (scripts/build.sh)");
else if (!API) skip("FetchBackend in the browser", "no ?api= server (open this page through tests/browser/run.mjs)");
else {
  const { FetchBackend, FetchBackendError } = await import(FETCH);
  const backend = (url = API, token = TOKEN) => new FetchBackend(url, { headers: { Authorization: `Bearer ${token}` } });

  describe("FetchBackend in the browser, cross-origin", () => {
    it("put and get answer versions: the preflights pass and the ETag is exposed to the page", async () => {
      const api = backend();
      const name = `${storeName()}/global`;
      assert.equal(await api.get(name, "ada"), null);
      const first = await api.put(name, "ada", '{"n":1}', null, {});
      assert.equal(typeof first, "string");
      assert.equal(await api.put(name, "ada", '{"n":2}', null, {}), null); // create-if-absent on a key that exists
      const second = await api.put(name, "ada", '{"n":2}', first, { userIds: [7] });
      assert.equal(typeof second, "string");
      assert.notEqual(second, first);
      assert.equal(await api.put(name, "ada", '{"n":3}', first, {}), null); // a stale version
      const entry = await api.get(name, "ada");
      assert.deepEqual([entry.value, entry.version, entry.userIds], ['{"n":2}', second, [7]]);
    });

    it("a session's patches are stored and read back by another Store (preflighted If-Match / If-None-Match, ETag exposed)", async () => {
      const name = storeName();
      const a = await game(backend(), { name });
      const session = a.store.load("ada");
      for (let i = 0; i < 5; i++) session.patch(a.grant, `p${i}`, 1);
      await session.stop();
      assert.deepEqual(session.bad(), undefined);
      const b = await game(backend(), { name });
      assert.deepEqual(await b.store.view("ada").latest(), { coins: 5, log: ["p0", "p1", "p2", "p3", "p4"] });
      await Promise.all([a.store.close(), b.store.close()]);
      assert.deepEqual(a.errors.concat(b.errors).map(String), []);
    });

    it("two Stores on one key at once: every change stored once (conflicts answered 412 and retried)", async () => {
      const name = storeName();
      const servers = await Promise.all([game(backend(), { name }), game(backend(), { name })]);
      const sessions = servers.map(({ store }) => store.load("bo"));
      await Promise.all(sessions.map((s) => s.await()));
      servers.forEach(({ grant }, n) => {
        for (let i = 0; i < 20; i++) sessions[n].patch(grant, `s${n}-${i}`, 1);
      });
      await Promise.all(sessions.map((s) => s.stop()));
      const data = await servers[0].store.view("bo").latest();
      assert.equal(data.coins, 40);
      assert.equal(new Set(data.log).size, 40);
      assert.ok(servers[0].store.stats().conflicts + servers[1].store.stats().conflicts > 0, "the two stores never conflicted");
      await Promise.all(servers.map(({ store }) => store.close()));
    });

    it("store.update and updateOnce: true once, false for the same id again", async () => {
      const { store, grant } = await game(backend(), { name: storeName() });
      assert.equal(await store.update("cy", grant, "gift", 3), true);
      assert.equal(await store.updateOnce("cy", "receipt-1", grant, "receipt-1", 10), true);
      assert.equal(await store.updateOnce("cy", "receipt-1", grant, "receipt-1", 10), false);
      assert.deepEqual(await store.view("cy").latest(), { coins: 13, log: ["gift", "receipt-1"] });
      await store.close();
    });

    it("the server's refusal is a FetchBackendError the page can read: 403 forbidden for a wrong token", async () => {
      let error;
      try {
        await backend(API, "wrong").get("players/global", "ada");
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof FetchBackendError, `expected a FetchBackendError, got ${error}`);
      assert.equal(error.status, 403);
      assert.equal(error.code, "forbidden");
    });

    it("a server that does not allow this origin: every call rejects, none resolves", async () => {
      const closed = backend(CLOSED);
      for (const call of [() => closed.get("players/global", "ada"), () => closed.put("players/global", "ada", "{}", null, {})]) {
        let outcome = "resolved";
        try {
          await call();
        } catch (e) {
          outcome = e instanceof TypeError ? "TypeError" : String(e);
        }
        assert.equal(outcome, "TypeError");
      }
    });
  });
}
