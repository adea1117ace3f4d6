// The routes of list, keysByUser, history and remove (docs/http-protocol.md)
// on both sides, over real HTTP on 127.0.0.1: createHandler refuses bad
// queries and bodies with a 4xx before authorize and the backend, puts
// authorize in front of each route (with the operation, and no key for the
// store's keys), answers 501 for a backend without the method and 500 for
// one answering garbage; FetchBackend rejects every answer the protocol
// does not allow instead of resolving it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHandler } from "../../js/backends/http/server.js";
import { FetchBackend, FetchBackendError } from "../../js/backends/http/fetch.js";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { SkiliftError } from "../../js/errors.js";
import { countingBackend, listen, request } from "./server-support.mjs";

const STORE = "players/global";
const S = encodeURIComponent(STORE);
const isCode = (code) => (e) => e instanceof SkiliftError && e.code === code;

/** createHandler over a counting backend (`inner`), counting authorize calls and recording what it saw. */
async function serve(inner = new MemoryBackend(), options = {}) {
  const backend = countingBackend(inner);
  const state = { authorizations: [], errors: [] };
  const server = await listen(
    createHandler(backend, {
      admin: true,
      authorize: (req, target) => {
        state.authorizations.push(target);
        return options.allow ? options.allow(req, target) : true;
      },
      onError: (e, r) => state.errors.push([e, r]),
    }),
  );
  return { ...server, backend, state, request: (req) => request(server.port, req) };
}

describe("createHandler: list, keysByUser, history and remove refuse bad requests first", () => {
  let s;
  before(async () => (s = await serve()));
  after(() => s.close());

  const cases = [
    ["a limit of 0", { path: `/v1/${S}?limit=0` }, 400],
    ["a negative limit", { path: `/v1/${S}?limit=-1` }, 400],
    ["a fractional limit", { path: `/v1/${S}?limit=1.5` }, 400],
    ["a limit in exponent form", { path: `/v1/${S}?limit=1e3` }, 400],
    ["an empty limit", { path: `/v1/${S}?limit=` }, 400],
    ["a huge limit", { path: `/v1/${S}?limit=99999999999999999999` }, 400],
    ["a repeated after", { path: `/v1/${S}?after=a&after=b` }, 400],
    ["an after without a value", { path: `/v1/${S}?after` }, 400],
    ["an unknown parameter", { path: `/v1/${S}?start=a` }, 400],
    ["a prefix with bad percent-encoding", { path: `/v1/${S}?prefix=%ZZ` }, 400],
    ["a prefix that is not UTF-8", { path: `/v1/${S}?prefix=%C0%AF` }, 400],
    ["a user that is not a number", { path: `/v1/${S}?user=bob` }, 400],
    ["an infinite user", { path: `/v1/${S}?user=Infinity` }, 400],
    ["a user with a limit", { path: `/v1/${S}?user=1&limit=2` }, 400],
    ["version= on the keys", { path: `/v1/${S}?version=1` }, 400],
    ["a listing with a body", { path: `/v1/${S}`, headers: { "Content-Length": "2" }, body: "{}" }, 400],
    ["a conditional listing", { path: `/v1/${S}`, headers: { "If-None-Match": "*" } }, 400],
    ["a PUT to the keys", { method: "PUT", path: `/v1/${S}` }, 405],
    ["a DELETE of the keys", { method: "DELETE", path: `/v1/${S}` }, 405],
    ["a history limit of 0", { path: `/v1/${S}/bob/history?limit=0` }, 400],
    ["a history before that is not a number", { path: `/v1/${S}/bob/history?before=soon` }, 400],
    ["an infinite before", { path: `/v1/${S}/bob/history?before=Infinity` }, 400],
    ["version= on a history", { path: `/v1/${S}/bob/history?version=1` }, 400],
    ["a PUT to a history", { method: "PUT", path: `/v1/${S}/bob/history` }, 405],
    ["another sub-resource", { path: `/v1/${S}/bob/versions` }, 404],
    ["a DELETE with a query", { method: "DELETE", path: `/v1/${S}/bob?version=1` }, 400],
    ["a DELETE with a body", { method: "DELETE", path: `/v1/${S}/bob`, headers: { "Content-Length": "2" }, body: "{}" }, 400],
    ["a conditional DELETE", { method: "DELETE", path: `/v1/${S}/bob`, headers: { "If-Match": '"1"' } }, 400],
    ["a DELETE with a bad key", { method: "DELETE", path: `/v1/${S}/%2E%2E` }, 400],
  ];
  for (const [name, req, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = { total: s.backend.total, authorizations: s.state.authorizations.length };
      const r = await s.request(req);
      assert.equal(r.status, status, r.text);
      assert.equal(typeof r.json?.error, "string");
      assert.equal(s.backend.total, before.total, "the backend was not called");
      assert.equal(s.state.authorizations.length, before.authorizations, "authorize was not called");
    });
  }
  it("405 answers say which methods a resource has", async () => {
    assert.equal((await s.request({ method: "PUT", path: `/v1/${S}` })).headers.allow, "GET, OPTIONS");
    assert.equal((await s.request({ method: "POST", path: `/v1/${S}/bob` })).headers.allow, "GET, PUT, DELETE, OPTIONS");
  });
});

describe("createHandler: the new routes", () => {
  it("answer { keys }, { versions } and 204, with authorize told the operation (and no key for the store's keys)", async () => {
    const s = await serve();
    try {
      const v1 = await s.backend.put(STORE, "a b", "1", null, { userIds: [7] });
      await s.backend.put(STORE, "a b", "2", v1, { userIds: [7, 8] });
      await s.backend.put(STORE, "c", "3", null, { userIds: [8] });
      const list = await s.request({ path: `/v1/${S}?after=a&limit=5&prefix=` });
      assert.equal(list.status, 200);
      assert.equal(list.headers["cache-control"], "no-store");
      assert.deepEqual(list.json, { keys: ["a b", "c"] });
      assert.deepEqual((await s.request({ path: `/v1/${S}?prefix=a` })).json, { keys: ["a b"] });
      assert.deepEqual((await s.request({ path: `/v1/${S}?user=8` })).json, { keys: ["a b", "c"] });
      assert.deepEqual((await s.request({ path: `/v1/${S}?user=8e0` })).json, { keys: ["a b", "c"] });
      const history = await s.request({ path: `/v1/${S}/${encodeURIComponent("a b")}/history?limit=1` });
      assert.equal(history.status, 200);
      assert.equal(history.json.versions.length, 1);
      assert.deepEqual(Object.keys(history.json.versions[0]).sort(), ["time", "userIds", "version"]);
      const removed = await s.request({ method: "DELETE", path: `/v1/${S}/c` });
      assert.equal(removed.status, 204);
      assert.equal(removed.text, "");
      assert.equal((await s.request({ method: "DELETE", path: `/v1/${S}/never` })).status, 204, "removing a missing key is fine");
      assert.deepEqual((await s.request({ path: `/v1/${S}` })).json, { keys: ["a b"] });
      assert.deepEqual(s.state.authorizations.slice(0, 5), [
        { store: STORE, method: "GET", operation: "list" },
        { store: STORE, method: "GET", operation: "list" },
        { store: STORE, method: "GET", operation: "keysByUser", userId: 8 },
        { store: STORE, method: "GET", operation: "keysByUser", userId: 8 },
        { store: STORE, key: "a b", method: "GET", operation: "history" },
      ]);
      assert.deepEqual(s.state.authorizations[5], { store: STORE, key: "c", method: "DELETE", operation: "remove" });
      assert.deepEqual(s.state.errors, []);
    } finally {
      await s.close();
    }
  });

  it("authorize stands in front of each: 401 without credentials, 403 with, the backend untouched", async () => {
    const s = await serve(new MemoryBackend(), { allow: (req, target) => target.operation === "get" });
    try {
      await s.backend.put(STORE, "k", "1", null, { userIds: [1] });
      const before = s.backend.total;
      for (const req of [
        { path: `/v1/${S}` },
        { path: `/v1/${S}?user=1` },
        { path: `/v1/${S}/k/history` },
        { method: "DELETE", path: `/v1/${S}/k` },
      ]) {
        assert.equal((await s.request(req)).status, 401, JSON.stringify(req));
        assert.equal((await s.request({ ...req, headers: { Authorization: "Bearer x" } })).status, 403, JSON.stringify(req));
      }
      assert.equal(s.backend.total, before);
      assert.equal((await s.request({ path: `/v1/${S}/k` })).status, 200, "the operation it allows");
      assert.notEqual(await s.backend.get(STORE, "k"), null);
    } finally {
      await s.close();
    }
  });

  it("a backend without the methods answers 501, and FetchBackend rejects with the matching code", async () => {
    const inner = new MemoryBackend();
    const s = await serve({ get: (...a) => inner.get(...a), put: (...a) => inner.put(...a) });
    try {
      const cases = [
        [{ path: `/v1/${S}` }, "listing_unsupported"],
        [{ path: `/v1/${S}?user=1` }, "listing_unsupported"],
        [{ path: `/v1/${S}/k/history` }, "history_unsupported"],
        [{ method: "DELETE", path: `/v1/${S}/k` }, "remove_unsupported"],
      ];
      for (const [req, code] of cases) {
        const r = await s.request(req);
        assert.equal(r.status, 501);
        assert.equal(r.json.error, code);
      }
      assert.equal(s.state.authorizations.length, 0, "refused before authorize");
      const client = new FetchBackend(s.url);
      await assert.rejects(client.list(STORE), isCode("listing_unsupported"));
      await assert.rejects(client.keysByUser(STORE, 1), isCode("listing_unsupported"));
      await assert.rejects(client.history(STORE, "k"), isCode("history_unsupported"));
      await assert.rejects(client.remove(STORE, "k"), isCode("remove_unsupported"));
    } finally {
      await s.close();
    }
  });

  it("a backend that throws or answers garbage is a generic 500; the details go to onError", async () => {
    const garbage = {
      get: async () => null,
      put: async () => null,
      list: async () => [1, 2],
      keysByUser: async () => "a",
      history: async () => [{ version: 1 }],
      remove: async () => {
        throw new Error("disk on fire at 10.0.0.7");
      },
    };
    const s = await serve(garbage);
    try {
      for (const req of [{ path: `/v1/${S}` }, { path: `/v1/${S}?user=1` }, { path: `/v1/${S}/k/history` }, { method: "DELETE", path: `/v1/${S}/k` }]) {
        const r = await s.request(req);
        assert.equal(r.status, 500);
        assert.deepEqual(r.json, { error: "internal", message: "internal error" });
      }
      assert.equal(s.state.errors.length, 4);
      assert.deepEqual(s.state.errors.slice(0, 3).map(([e]) => e.code), ["backend_invalid_response", "backend_invalid_response", "backend_invalid_response"]);
      assert.equal(s.state.errors[3][0].message, "disk on fire at 10.0.0.7");
    } finally {
      await s.close();
    }
  });
});

/** A server answering every request with `answer(req)` → { status, body (JSON-encoded), headers }. */
async function fakeServer(answer) {
  return listen((req, res) => {
    req.resume();
    req.on("end", () => {
      const { status, body, headers = {} } = answer(req);
      const text = body === undefined ? "" : JSON.stringify(body);
      res.writeHead(status, { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers });
      res.end(text);
    });
  });
}

describe("FetchBackend: the new routes trust nothing", () => {
  it("sends the options as the protocol says, and refuses bad ones before sending", async () => {
    const seen = [];
    const server = await fakeServer((req) => {
      seen.push(`${req.method} ${req.url}`);
      return req.method === "DELETE" ? { status: 204 } : req.url.includes("/history") ? { status: 200, body: { versions: [] } } : { status: 200, body: { keys: [] } };
    });
    try {
      const b = new FetchBackend(server.url);
      await b.list(STORE);
      await b.list(STORE, { after: "a&b", prefix: "a", limit: 5 });
      await b.keysByUser(STORE, 1e21);
      await b.history(STORE, "a/b", { limit: 3, before: 1700000000000.5 });
      await b.history(STORE, "k");
      assert.deepEqual(await b.history(STORE, "k", { before: -Infinity }), []);
      await b.remove(STORE, "..");
      assert.deepEqual(seen, [
        `GET /v1/${S}?limit=1000`,
        `GET /v1/${S}?after=a%26b&prefix=a&limit=5`,
        `GET /v1/${S}?user=1e%2B21`,
        `GET /v1/${S}/a%2Fb/history?limit=3&before=1700000000000.5`,
        `GET /v1/${S}/k/history?limit=100`,
        `DELETE /v1/${S}/$..`,
      ]);
      for (const call of [() => b.list(STORE, { limit: 0 }), () => b.list(STORE, { after: "\uD800" }), () => b.keysByUser(STORE, NaN), () => b.history(STORE, "k", { limit: -1 }), () => b.remove(STORE, "\uDC00")]) {
        await assert.rejects(call, isCode("invalid_options"));
      }
      assert.equal(seen.length, 6, "nothing sent for bad arguments");
    } finally {
      await server.close();
    }
  });

  it("rejects answers out of order, out of range, over the limit or of the wrong shape", async () => {
    let reply;
    const server = await fakeServer(() => reply);
    try {
      const b = new FetchBackend(server.url);
      const invalid = isCode("backend_invalid_response");
      const bad = [
        [() => b.list(STORE), { keys: ["b", "a"] }],
        [() => b.list(STORE), { keys: ["a", "a"] }],
        [() => b.list(STORE, { after: "b" }), { keys: ["a"] }],
        [() => b.list(STORE, { after: "b" }), { keys: ["b"] }],
        [() => b.list(STORE, { prefix: "x" }), { keys: ["y"] }],
        [() => b.list(STORE, { limit: 1 }), { keys: ["a", "b"] }],
        [() => b.list(STORE), { keys: [1] }],
        [() => b.list(STORE), { keys: "a" }],
        [() => b.list(STORE), { keys: [], more: true }],
        [() => b.list(STORE), ["a"]],
        [() => b.keysByUser(STORE, 1), { keys: ["b", "a"] }],
        [() => b.history(STORE, "k"), { versions: [{ version: "1", time: 1, userIds: [] }, { version: "2", time: 2, userIds: [] }] }],
        [() => b.history(STORE, "k", { limit: 1 }), { versions: [{ version: "2", time: 2, userIds: [] }, { version: "1", time: 1, userIds: [] }] }],
        [() => b.history(STORE, "k", { before: 5 }), { versions: [{ version: "1", time: 5, userIds: [] }] }],
        [() => b.history(STORE, "k"), { versions: [{ version: 1, time: 1, userIds: [] }] }],
        [() => b.history(STORE, "k"), { versions: [{ version: "1", time: 1, userIds: [], value: "x" }] }],
        [() => b.history(STORE, "k"), { versions: [{ version: "1", time: 1 }] }],
      ];
      for (const [call, body] of bad) {
        reply = { status: 200, body };
        await assert.rejects(call, invalid, JSON.stringify(body));
      }
      reply = { status: 200, body: { keys: [] }, headers: { "Content-Type": "text/html" } };
      await assert.rejects(b.list(STORE), invalid, "not labelled JSON");
      for (const status of [200, 404, 500]) {
        reply = { status, body: { error: "x" } };
        await assert.rejects(b.remove(STORE, "k"), (e) => e instanceof FetchBackendError && e.status === status, `remove answered ${status}`);
      }
      reply = { status: 404, body: { error: "no_such_route" } };
      await assert.rejects(b.list(STORE), (e) => e instanceof FetchBackendError && e.code === "no_such_route", "an older server");
      reply = { status: 403, body: { error: "forbidden" } };
      await assert.rejects(b.history(STORE, "k"), (e) => e instanceof FetchBackendError && e.status === 403);
    } finally {
      await server.close();
    }
  });
});
