// createHandler's least privilege (js/backends/http/admin.js): at its
// defaults a handler serves reads and writes of single keys only; listing,
// the user-id search, past versions and removal are refused with 403
// operation_disabled before `authorize` or the backend sees the request,
// however generous `authorize` is, until the `admin` option names them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHandler } from "../../js/backends/http/server.js";
import { FetchBackend, FetchBackendError } from "../../js/backends/http/fetch.js";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { SkiliftError } from "../../js/errors.js";
import { countingBackend, listen, request } from "./server-support.mjs";

const S = encodeURIComponent("players/global");
const ADMIN_ROUTES = {
  list: { path: `/v1/${S}` },
  listPaged: { path: `/v1/${S}?limit=2&prefix=a`, group: "list" },
  keysByUser: { path: `/v1/${S}?user=7` },
  history: { path: `/v1/${S}/alice/history` },
  getVersion: { path: `/v1/${S}/alice?version=1`, group: "history" },
  getAtTime: { path: `/v1/${S}/alice?at=9000000000000000`, group: "history" },
  remove: { path: `/v1/${S}/alice`, method: "DELETE" },
};

/** A handler over a counting MemoryBackend holding alice (user id 7), whose authorize says yes to everything. */
async function serve(admin) {
  const backend = countingBackend();
  await backend.put("players/global", "alice", '{"coins":1}', null, { userIds: [7] });
  backend.calls.put = 0;
  let authorizations = 0;
  const server = await listen(
    createHandler(backend, {
      ...(admin === undefined ? {} : { admin }),
      authorize: () => {
        authorizations++;
        return true;
      },
    }),
  );
  return { ...server, backend, authorizations: () => authorizations };
}

describe("createHandler: admin operations are off by default", () => {
  it("refuses list, keysByUser, history, getVersion, getAtTime and remove, before authorize and the backend", async () => {
    const s = await serve();
    try {
      for (const [name, route] of Object.entries(ADMIN_ROUTES)) {
        const r = await request(s.port, { ...route, headers: { authorization: "Bearer admin" } });
        assert.equal(r.status, 403, name);
        assert.equal(r.json.error, "operation_disabled", name);
        assert.match(r.json.message, new RegExp(`admin: \\{ ${route.group ?? name}: true \\}`), name);
      }
      assert.equal(s.authorizations(), 0, "authorize never asked");
      assert.equal(s.backend.total, 0, "the backend never called");
      assert.notEqual(await s.backend.get("players/global", "alice"), null, "alice is still there");
    } finally {
      await s.close();
    }
  });

  it("serves get and put of a key at its defaults", async () => {
    const s = await serve();
    try {
      const client = new FetchBackend(s.url);
      const entry = await client.get("players/global", "alice");
      assert.equal(entry.value, '{"coins":1}');
      assert.notEqual(await client.put("players/global", "alice", '{"coins":2}', entry.version, { userIds: [7] }), null);
      assert.equal(s.authorizations(), 2);
    } finally {
      await s.close();
    }
  });

  it("FetchBackend gets a FetchBackendError with status 403 and code operation_disabled", async () => {
    const s = await serve();
    try {
      const client = new FetchBackend(s.url);
      for (const call of [() => client.list("players/global"), () => client.history("players/global", "alice"), () => client.remove("players/global", "alice")]) {
        await assert.rejects(call(), (e) => e instanceof FetchBackendError && e.status === 403 && e.code === "operation_disabled");
      }
    } finally {
      await s.close();
    }
  });

  it("admin: { list: true } opens listing only; admin: true opens all four", async () => {
    const some = await serve({ list: true, keysByUser: false });
    try {
      assert.equal((await request(some.port, ADMIN_ROUTES.list)).status, 200);
      for (const name of ["keysByUser", "history", "getVersion", "remove"]) {
        assert.equal((await request(some.port, ADMIN_ROUTES[name])).json.error, "operation_disabled", name);
      }
    } finally {
      await some.close();
    }
    const all = await serve(true);
    try {
      for (const name of ["list", "keysByUser", "history", "getAtTime"]) assert.equal((await request(all.port, ADMIN_ROUTES[name])).status, 200, name);
      assert.equal((await request(all.port, ADMIN_ROUTES.remove)).status, 204);
      assert.equal(await all.backend.get("players/global", "alice"), null);
    } finally {
      await all.close();
    }
  });

  it("refuses a bad admin option with invalid_options", () => {
    for (const admin of ["yes", 1, null, [], { lists: true }, { remove: "yes" }]) {
      assert.throws(
        () => createHandler(new MemoryBackend(), { authorize: () => true, admin }),
        (e) => e instanceof SkiliftError && e.code === "invalid_options",
        JSON.stringify(admin),
      );
    }
  });
});
