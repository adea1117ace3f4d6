// createHandler (skilift/server) over real HTTP on 127.0.0.1: what it refuses
// (each bad input is a 4xx and the backend is never called), authorize,
// failures without leaks, history, and CORS.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHandler } from "../../js/backends/http/server.js";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { SkiliftError } from "../../js/errors.js";
import { countingBackend, listen, rawRequest, request } from "./server-support.mjs";

const STORE = encodeURIComponent("players/global");
const PATH = `/v1/${STORE}/bob`;
const JSON_HEADERS = { "Content-Type": "application/json" };
const putBody = (value = '{"coins":1}', userIds = [1]) => JSON.stringify({ value, userIds });

/** A server on a counting MemoryBackend; `authorizations` counts authorize calls. */
async function serve(options = {}) {
  const backend = countingBackend();
  const state = { authorizations: 0, errors: [] };
  const server = await listen(
    createHandler(backend, {
      admin: true,
      authorize: () => {
        state.authorizations++;
        return true;
      },
      onError: (e) => state.errors.push(e),
      maxBodyBytes: 1024,
      ...options,
    }),
  );
  return { ...server, backend, state, request: (req) => request(server.port, req) };
}

describe("createHandler: options", () => {
  it("requires authorize: invalid_options without it", () => {
    for (const options of [undefined, null, {}, { authorize: true }, { cors: { origins: [] } }]) {
      assert.throws(
        () => createHandler(new MemoryBackend(), options),
        (e) => e instanceof SkiliftError && e.code === "invalid_options",
      );
    }
  });

  it("refuses a backend without get/put, bad cors, bad maxBodyBytes, bad onError", () => {
    const authorize = () => true;
    const bad = [
      [null, { authorize }],
      [{ get() {} }, { authorize }],
      [new MemoryBackend(), { authorize, cors: { origins: "http://a.example" } }],
      [new MemoryBackend(), { authorize, cors: { origins: ["http://localhost:5173/"] } }],
      [new MemoryBackend(), { authorize, cors: { origins: ["localhost:5173"] } }],
      [new MemoryBackend(), { authorize, cors: { origins: ["*"], credentials: true } }],
      [new MemoryBackend(), { authorize, maxBodyBytes: 0 }],
      [new MemoryBackend(), { authorize, maxBodyBytes: 1.5 }],
      [new MemoryBackend(), { authorize, onError: "log" }],
    ];
    for (const [backend, options] of bad) {
      assert.throws(
        () => createHandler(backend, options),
        (e) => e instanceof SkiliftError && e.code === "invalid_options",
        JSON.stringify(options),
      );
    }
  });
});

describe("createHandler: the protocol", () => {
  let s;
  before(async () => (s = await serve()));
  after(() => s.close());

  it("creates with If-None-Match: *, reads with ETag, updates with If-Match, refuses a stale version", async () => {
    const path = `/v1/${STORE}/${encodeURIComponent("a b/c")}`;
    const created = await s.request({
      method: "PUT",
      path,
      headers: { ...JSON_HEADERS, "If-None-Match": "*" },
      body: putBody('{"n":1}', [5, 6]),
    });
    assert.equal(created.status, 201);
    const v1 = created.json.version;
    assert.equal(typeof v1, "string");
    assert.equal(created.headers.etag, `"${v1}"`);

    const read = await s.request({ path });
    assert.equal(read.status, 200);
    assert.equal(read.headers.etag, `"${v1}"`);
    assert.equal(read.headers["cache-control"], "no-store");
    assert.match(read.headers["content-type"], /^application\/json/);
    assert.equal(read.json.value, '{"n":1}');
    assert.equal(read.json.version, v1);
    assert.deepEqual(read.json.userIds, [5, 6]);
    assert.equal(typeof read.json.time, "number");

    const again = await s.request({ method: "PUT", path, headers: { ...JSON_HEADERS, "If-None-Match": "*" }, body: putBody() });
    assert.equal(again.status, 412);
    assert.equal(again.json.error, "version_mismatch");

    const updated = await s.request({ method: "PUT", path, headers: { ...JSON_HEADERS, "If-Match": `"${v1}"` }, body: putBody('{"n":2}') });
    assert.equal(updated.status, 200);
    assert.notEqual(updated.json.version, v1);
    const stale = await s.request({ method: "PUT", path, headers: { ...JSON_HEADERS, "If-Match": `"${v1}"` }, body: putBody('{"n":3}') });
    assert.equal(stale.status, 412);
    assert.equal((await s.request({ path })).json.value, '{"n":2}');

    const old = await s.request({ path: `${path}?version=${encodeURIComponent(v1)}` });
    assert.equal(old.status, 200);
    assert.equal(old.json.value, '{"n":1}');
    assert.equal(old.headers.etag, `"${v1}"`);
    const now = await s.request({ path: `${path}?at=${Date.now() + 60_000}` });
    assert.equal(now.json.value, '{"n":2}');
    const before = await s.request({ path: `${path}?at=0` });
    assert.equal(before.status, 404);
    assert.equal(before.json.error, "not_found");
  });

  it("answers 404 not_found for a key never written", async () => {
    const r = await s.request({ path: `/v1/${STORE}/nobody` });
    assert.equal(r.status, 404);
    assert.equal(r.json.error, "not_found");
  });

  it("reads dot keys only in their $ form", async () => {
    for (const key of [".", ".."]) {
      const path = `/v1/${STORE}/$${key}`;
      const r = await s.request({ method: "PUT", path, headers: { ...JSON_HEADERS, "If-None-Match": "*" }, body: putBody(key) });
      assert.equal(r.status, 201);
      assert.equal((await s.request({ path })).json.value, key);
    }
  });
});

describe("createHandler: bad input is refused before authorize and the backend", () => {
  let s;
  before(async () => (s = await serve()));
  after(() => s.close());

  const put = (headers, body = putBody(), path = PATH) => ({
    method: "PUT",
    path,
    headers: { ...JSON_HEADERS, "If-None-Match": "*", ...headers },
    body,
  });
  const cases = [
    ["a path outside /v1/", { path: "/v2/x/y" }, 404],
    ["the root", { path: "/" }, 404],
    ["three segments", { path: `/v1/${STORE}/a/b` }, 404],
    ["four segments", { path: `/v1/${STORE}/a/history/x` }, 404],
    ["a raw store with a slash", { path: "/v1/players/global/bob" }, 404],
    ["bad percent-encoding", { path: `/v1/%ZZ/bob` }, 400],
    ["truncated percent-encoding", { path: `/v1/${STORE}/bo%2` }, 400],
    ["percent-encoded invalid UTF-8", { path: `/v1/${STORE}/%C0%AF` }, 400],
    ["a lone surrogate, CESU-encoded", { path: `/v1/${STORE}/%ED%A0%80` }, 400],
    ["a raw dot segment", { path: `/v1/${STORE}/..` }, 400],
    ["an encoded dot segment", { path: `/v1/${STORE}/%2E%2E` }, 400],
    ["a $ that is not a dot marker", { path: `/v1/${STORE}/$x` }, 400],
    ["an unknown query parameter", { path: `${PATH}?foo=1` }, 400],
    ["two history parameters", { path: `${PATH}?version=1&at=2` }, 400],
    ["a repeated parameter", { path: `${PATH}?version=1&version=2` }, 400],
    ["a parameter without a value", { path: `${PATH}?version` }, 400],
    ["a time that is not a number", { path: `${PATH}?at=soon` }, 400],
    ["an empty time", { path: `${PATH}?at=` }, 400],
    ["an infinite time", { path: `${PATH}?at=Infinity` }, 400],
    ["a time that overflows", { path: `${PATH}?at=1e999` }, 400],
    ["a version with bad percent-encoding", { path: `${PATH}?version=%E0%A4` }, 400],
    ["a GET with a body", { path: PATH, headers: { "Content-Length": "2" }, body: "{}" }, 400],
    ["a conditional GET", { path: PATH, headers: { "If-None-Match": '"1"' } }, 400],
    ["POST to the keys of a store", { method: "POST", path: `/v1/${STORE}` }, 405],
    ["POST", { method: "POST", path: PATH, headers: JSON_HEADERS, body: putBody() }, 405],
    ["PATCH", { method: "PATCH", path: PATH, headers: JSON_HEADERS, body: putBody() }, 405],
    ["HEAD", { method: "HEAD", path: PATH }, 405],
    ["a PUT without a precondition", { method: "PUT", path: PATH, headers: JSON_HEADERS, body: putBody() }, 428],
    ["a PUT with both preconditions", put({ "If-Match": '"1"' }), 400],
    ["If-None-Match that is not *", put({ "If-None-Match": '"1"' }), 400],
    ["If-Match: *", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": "*" } }, 400],
    ["a weak If-Match", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": 'W/"1"' } }, 400],
    ["an If-Match list", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": '"1", "2"' } }, 400],
    ["an unquoted If-Match", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": "1" } }, 400],
    ["an If-Match with a raw space", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": '"a b"' } }, 400],
    ["a non-canonical If-Match", { ...put({}), headers: { ...JSON_HEADERS, "If-Match": '"%31"' } }, 400],
    ["a PUT with a query", put({}, putBody(), `${PATH}?version=1`), 400],
    ["a PUT without Content-Type", { method: "PUT", path: PATH, headers: { "If-None-Match": "*" }, body: putBody() }, 415],
    ["a PUT of text/plain", put({ "Content-Type": "text/plain" }), 415],
    ["a PUT in another charset", put({ "Content-Type": "application/json; charset=latin1" }), 415],
    ["a body that is not JSON", put({}, "{value:"), 400],
    ["a body that is not UTF-8", put({}, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), 400],
    ["an empty body", put({}, ""), 400],
    ["a JSON array", put({}, "[]"), 400],
    ["JSON null", put({}, "null"), 400],
    ["a value that is not a string", put({}, JSON.stringify({ value: { n: 1 }, userIds: [] })), 400],
    ["no value", put({}, JSON.stringify({ userIds: [] })), 400],
    ["an unknown field", put({}, JSON.stringify({ value: "1", userIds: [], admin: true })), 400],
    ["user ids that are not numbers", put({}, JSON.stringify({ value: "1", userIds: ["1"] })), 400],
    ["user ids that are not an array", put({}, JSON.stringify({ value: "1", userIds: 1 })), 400],
    [
      "a declared body over maxBodyBytes",
      put({ "Content-Length": String(Buffer.byteLength(putBody("x".repeat(2000)))) }, putBody("x".repeat(2000))),
      413,
    ],
    [
      "a chunked body over maxBodyBytes",
      put({ "Transfer-Encoding": "chunked" }, putBody("x".repeat(2000))),
      413,
    ],
    ["headers over Node's limit", { path: PATH, headers: { "X-Big": "x".repeat(20_000) } }, 431],
  ];

  // The body is read only once authorize said yes (so strangers cannot make
  // the server read megabytes): for body errors, authorize has run.
  const bodyCases = new Set([
    "a body that is not JSON",
    "a body that is not UTF-8",
    "an empty body",
    "a JSON array",
    "JSON null",
    "a value that is not a string",
    "no value",
    "an unknown field",
    "user ids that are not numbers",
    "user ids that are not an array",
    "a chunked body over maxBodyBytes",
  ]);

  for (const [name, req, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = { total: s.backend.total, authorizations: s.state.authorizations };
      const r = await s.request(req).catch((e) => ({ status: 0, error: e }));
      assert.equal(r.status, status, r.text);
      if (r.json && status !== 431) assert.equal(typeof r.json.error, "string");
      assert.equal(s.backend.total, before.total, "the backend was not called");
      if (!bodyCases.has(name)) assert.equal(s.state.authorizations, before.authorizations, "authorize was not called");
      assert.deepEqual(s.state.errors, []);
    });
  }

  it("malformed HTTP is refused by Node before the handler", async () => {
    const before = s.backend.total;
    assert.equal(await rawRequest(s.port, "GET /v1/a/b HTTP/1.1\r\nHost: x\r\nBad Header: \u0000\r\n\r\n"), 400);
    assert.equal(await rawRequest(s.port, "NONSENSE\r\n\r\n"), 400);
    assert.equal(s.backend.total, before);
  });

  it("nothing was ever written", async () => {
    assert.equal(s.backend.calls.put, 0);
  });
});

describe("createHandler: authorize", () => {
  it("false answers 401 without credentials and 403 with them; the backend is untouched", async () => {
    const s = await serve({ authorize: () => false });
    try {
      const anonymous = await s.request({ path: PATH });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json.error, "unauthorized");
      const withToken = await s.request({ path: PATH, headers: { Authorization: "Bearer nope" } });
      assert.equal(withToken.status, 403);
      assert.equal(withToken.json.error, "forbidden");
      const write = await s.request({
        method: "PUT",
        path: PATH,
        headers: { ...JSON_HEADERS, "If-None-Match": "*", Authorization: "Bearer nope" },
        body: putBody(),
      });
      assert.equal(write.status, 403);
      assert.equal(s.backend.total, 0);
    } finally {
      await s.close();
    }
  });

  it("only exactly true lets a request through", async () => {
    for (const result of [1, "true", {}, [], null, undefined, Promise.resolve(1)]) {
      const s = await serve({ authorize: () => result });
      try {
        assert.equal((await s.request({ path: PATH })).status, 401, String(result));
        assert.equal(s.backend.total, 0);
      } finally {
        await s.close();
      }
    }
  });

  it("may be async, and receives the request and the decoded store, key and method", async () => {
    const seen = [];
    const s = await serve({
      authorize: async (req, target) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push({ ...target, auth: req.headers.authorization, url: req.url });
        return req.headers.authorization === "Bearer good" && target.store === "players/global";
      },
    });
    try {
      const path = `/v1/${STORE}/${encodeURIComponent("a b/c:d")}`;
      const headers = { ...JSON_HEADERS, "If-None-Match": "*", Authorization: "Bearer good" };
      assert.equal((await s.request({ method: "PUT", path, headers, body: putBody() })).status, 201);
      assert.equal((await s.request({ path, headers: { Authorization: "Bearer good" } })).status, 200);
      assert.equal((await s.request({ path: `/v1/${encodeURIComponent("other/global")}/k`, headers: { Authorization: "Bearer good" } })).status, 403);
      assert.deepEqual(seen, [
        { store: "players/global", key: "a b/c:d", method: "PUT", operation: "put", auth: "Bearer good", url: path },
        { store: "players/global", key: "a b/c:d", method: "GET", operation: "get", auth: "Bearer good", url: path },
        { store: "other/global", key: "k", method: "GET", operation: "get", auth: "Bearer good", url: `/v1/${encodeURIComponent("other/global")}/k` },
      ]);
      assert.equal(s.backend.calls.put, 1);
      assert.equal(s.backend.calls.get, 1);
    } finally {
      await s.close();
    }
  });

  it("an exception in authorize (sync or async) is a 500 that leaks nothing", async () => {
    for (const authorize of [
      () => {
        throw new Error("secret-token-db-password");
      },
      async () => {
        throw new Error("secret-token-db-password");
      },
    ]) {
      const s = await serve({ authorize });
      try {
        const r = await s.request({ path: PATH, headers: { Authorization: "Bearer x" } });
        assert.equal(r.status, 500);
        assert.deepEqual(r.json, { error: "internal", message: "internal error" });
        assert.doesNotMatch(r.text, /secret/);
        assert.equal(s.backend.total, 0);
        assert.equal(s.state.errors.length, 1);
        assert.match(s.state.errors[0].message, /secret-token/);
      } finally {
        await s.close();
      }
    }
  });
});

describe("createHandler: backend failures", () => {
  const secret = "connection to 10.0.0.7 failed: password=hunter2";
  const failing = {
    get: async () => {
      throw new Error(secret);
    },
    put: async () => {
      throw new Error(secret);
    },
    getVersion: async () => {
      throw new Error(secret);
    },
    getAtTime: async () => {
      throw new Error(secret);
    },
  };

  it("a backend that throws is a 500 with a generic message; the error goes to onError", async () => {
    const errors = [];
    const server = await listen(createHandler(failing, { admin: true, authorize: () => true, onError: (e, r) => errors.push([e, r]) }));
    try {
      const reqs = [
        { path: PATH },
        { path: `${PATH}?version=1` },
        { path: `${PATH}?at=5` },
        { method: "PUT", path: PATH, headers: { ...JSON_HEADERS, "If-None-Match": "*" }, body: putBody() },
      ];
      for (const req of reqs) {
        const r = await request(server.port, req);
        assert.equal(r.status, 500);
        assert.deepEqual(r.json, { error: "internal", message: "internal error" });
        assert.doesNotMatch(r.text, /hunter2|10\.0\.0\.7/);
      }
      assert.equal(errors.length, 4);
      assert.equal(errors[0][0].message, secret);
      assert.deepEqual(errors[3][1], { store: "players/global", key: "bob", method: "PUT", operation: "put" });
    } finally {
      await server.close();
    }
  });

  it("a backend answering garbage is a 500, never passed on", async () => {
    const garbage = [
      { get: async () => ({ value: 1, version: "1", time: 0 }), put: async () => null },
      { get: async () => ({ value: "x", version: 1, time: 0 }), put: async () => null },
      { get: async () => ({ value: "x", version: "1", time: "now" }), put: async () => null },
      { get: async () => ({ value: "x", version: "1", time: 0, userIds: ["a"] }), put: async () => null },
      { get: async () => "entry", put: async () => null },
      { get: async () => undefined, put: async () => null },
      { get: async () => ({ value: "x", version: "\ud800", time: 0 }), put: async () => null },
    ];
    for (const backend of garbage) {
      const errors = [];
      const server = await listen(createHandler(backend, { admin: true, authorize: () => true, onError: (e) => errors.push(e) }));
      try {
        const r = await request(server.port, { path: PATH });
        assert.equal(r.status, 500);
        assert.equal(errors.length, 1);
      } finally {
        await server.close();
      }
    }
    for (const answer of [42, "", undefined, { version: "2" }]) {
      const backend = { get: async () => null, put: async () => answer };
      const errors = [];
      const server = await listen(createHandler(backend, { admin: true, authorize: () => true, onError: (e) => errors.push(e) }));
      try {
        const r = await request(server.port, {
          method: "PUT",
          path: PATH,
          headers: { ...JSON_HEADERS, "If-Match": '"7"' },
          body: putBody(),
        });
        // "" is a valid (if odd) version token; the rest are garbage.
        assert.equal(r.status, answer === "" ? 200 : 500, String(answer));
      } finally {
        await server.close();
      }
    }
  });

  it("a backend without history answers 501 history_unsupported for ?version= and ?at=", async () => {
    const memory = new MemoryBackend();
    const backend = { get: (s, k) => memory.get(s, k), put: (...a) => memory.put(...a) };
    const server = await listen(createHandler(backend, { admin: true, authorize: () => true }));
    try {
      for (const query of ["version=1", "at=1"]) {
        const r = await request(server.port, { path: `${PATH}?${query}` });
        assert.equal(r.status, 501);
        assert.equal(r.json.error, "history_unsupported");
      }
    } finally {
      await server.close();
    }
  });
});

describe("createHandler: CORS", () => {
  const origin = "http://localhost:5173";

  it("is off by default: no CORS headers, preflights refused", async () => {
    const s = await serve();
    try {
      const r = await s.request({ path: PATH, headers: { Origin: origin } });
      assert.equal(r.status, 404);
      assert.equal(r.headers["access-control-allow-origin"], undefined);
      const pre = await s.request({
        method: "OPTIONS",
        path: PATH,
        headers: { Origin: origin, "Access-Control-Request-Method": "PUT" },
      });
      assert.equal(pre.status, 403);
      assert.equal(pre.headers["access-control-allow-origin"], undefined);
      assert.equal(s.state.authorizations, 1, "only the GET was authorized");
    } finally {
      await s.close();
    }
  });

  it("answers listed origins (exposing ETag) and nobody else", async () => {
    const s = await serve({ cors: { origins: [origin] } });
    try {
      await s.request({ method: "PUT", path: PATH, headers: { ...JSON_HEADERS, "If-None-Match": "*" }, body: putBody() });
      const allowed = await s.request({ path: PATH, headers: { Origin: origin } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers["access-control-allow-origin"], origin);
      assert.match(allowed.headers["access-control-expose-headers"], /\bETag\b/i);
      assert.match(allowed.headers.vary, /\bOrigin\b/);
      assert.equal(allowed.headers["access-control-allow-credentials"], undefined);

      const other = await s.request({ path: PATH, headers: { Origin: "http://evil.example" } });
      assert.equal(other.headers["access-control-allow-origin"], undefined);
      assert.match(other.headers.vary, /\bOrigin\b/);

      // Errors carry the CORS headers too, so the page can read the status.
      const refused = await s.request({ method: "PUT", path: PATH, headers: { ...JSON_HEADERS, Origin: origin }, body: putBody() });
      assert.equal(refused.status, 428);
      assert.equal(refused.headers["access-control-allow-origin"], origin);
    } finally {
      await s.close();
    }
  });

  it("handles preflights without authorize: allowed origin and method → 204 with the CORS answer", async () => {
    const s = await serve({ cors: { origins: [origin, "https://game.example"] } });
    try {
      const pre = await s.request({
        method: "OPTIONS",
        path: PATH,
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "authorization, content-type, if-match, if-none-match",
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers["access-control-allow-origin"], origin);
      assert.match(pre.headers["access-control-allow-methods"], /\bPUT\b/);
      assert.match(pre.headers["access-control-allow-methods"], /\bGET\b/);
      assert.match(pre.headers["access-control-allow-methods"], /\bDELETE\b/);
      assert.equal(pre.headers["access-control-allow-headers"], "authorization, content-type, if-match, if-none-match");
      assert.equal(pre.headers["access-control-max-age"], "600");
      assert.match(pre.headers.vary, /\bOrigin\b/);

      const badOrigin = await s.request({ method: "OPTIONS", path: PATH, headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "GET" } });
      assert.equal(badOrigin.status, 403);
      assert.equal(badOrigin.headers["access-control-allow-origin"], undefined);
      const badMethod = await s.request({ method: "OPTIONS", path: PATH, headers: { Origin: origin, "Access-Control-Request-Method": "PATCH" } });
      assert.equal(badMethod.status, 403);
      const badHeaders = await s.request({
        method: "OPTIONS",
        path: PATH,
        headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "a b, (c)" },
      });
      assert.equal(badHeaders.status, 400);
      const plain = await s.request({ method: "OPTIONS", path: PATH });
      assert.equal(plain.status, 204);
      assert.equal(plain.headers.allow, "GET, PUT, DELETE, OPTIONS");
      assert.equal(s.state.authorizations, 0);
      assert.equal(s.backend.total, 0);
    } finally {
      await s.close();
    }
  });

  it('"*" allows any origin without credentials; credentials: true is sent for listed origins', async () => {
    const any = await serve({ cors: { origins: ["*"] } });
    try {
      const r = await any.request({ path: PATH, headers: { Origin: "http://anything.example" } });
      assert.equal(r.headers["access-control-allow-origin"], "*");
    } finally {
      await any.close();
    }
    const withCredentials = await serve({ cors: { origins: [origin], credentials: true } });
    try {
      const r = await withCredentials.request({ path: PATH, headers: { Origin: origin } });
      assert.equal(r.headers["access-control-allow-origin"], origin);
      assert.equal(r.headers["access-control-allow-credentials"], "true");
    } finally {
      await withCredentials.close();
    }
  });
});
