// FetchBackend (skilift/fetch) against real HTTP servers on 127.0.0.1: the
// headers it sends, version tokens that need quoting, and everything it must
// reject instead of resolving (5xx, auth failures, garbage answers).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FetchBackend, FetchBackendError } from "../../js/backends/http/fetch.js";
import { createHandler } from "../../js/backends/http/server.js";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { SkiliftError } from "../../js/errors.js";
import { listen } from "./server-support.mjs";

const STORE = "players/global";
const isCode = (code) => (e) => e instanceof SkiliftError && e.code === code;

/** A server that answers every request with `answer(req, body)` → { status, headers, body }. */
async function fakeServer(answer) {
  return listen((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const { status, headers = {}, body = "" } = answer(req, Buffer.concat(chunks).toString("utf8"));
      res.writeHead(status, headers);
      res.end(body);
    });
  });
}

describe("FetchBackend: construction", () => {
  it("refuses what is not an absolute http(s) base URL, and init that sets method or body", () => {
    for (const url of ["", "not a url", "/relative", "ftp://127.0.0.1/", "http://127.0.0.1/?q=1", "http://127.0.0.1/#f", 42]) {
      assert.throws(() => new FetchBackend(url), isCode("invalid_options"), String(url));
    }
    assert.throws(() => new FetchBackend("http://127.0.0.1", { method: "POST" }), isCode("invalid_options"));
    assert.throws(() => new FetchBackend("http://127.0.0.1", { body: "x" }), isCode("invalid_options"));
    assert.throws(() => new FetchBackend("http://127.0.0.1", null), isCode("invalid_options"));
  });

  it("refuses bad arguments before sending anything", async () => {
    let requests = 0;
    const server = await fakeServer(() => (requests++, { status: 500 }));
    try {
      const b = new FetchBackend(server.url);
      await assert.rejects(b.get(1, "k"), isCode("invalid_options"));
      await assert.rejects(b.get(STORE, "\ud800"), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", 1, null, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "1", 5, { userIds: [] }), isCode("invalid_options"));
      await assert.rejects(b.put(STORE, "k", "1", null, { userIds: [NaN] }), isCode("invalid_options"));
      await assert.rejects(b.getAtTime(STORE, "k", Infinity), isCode("invalid_options"));
      await assert.rejects(b.getVersion(STORE, "k", 3), isCode("invalid_options"));
      // A token with a lone surrogate cannot have come from the protocol.
      assert.equal(await b.put(STORE, "k", "1", "\udc00", { userIds: [] }), null);
      assert.equal(await b.getVersion(STORE, "k", "\udc00"), null);
      assert.equal(requests, 0);
    } finally {
      await server.close();
    }
  });
});

describe("FetchBackend: headers and paths", () => {
  it("sends init.headers with every request, so the token reaches authorize", async () => {
    const seen = [];
    const server = await listen(
      createHandler(new MemoryBackend(), {
        admin: true,
        authorize: (req, { method }) => {
          seen.push([method, req.headers.authorization, req.headers["x-game"]]);
          return req.headers.authorization === "Bearer t0ken";
        },
      }),
    );
    try {
      const b = new FetchBackend(server.url, { headers: { Authorization: "Bearer t0ken", "X-Game": "g1" } });
      const v = await b.put(STORE, "k", "1", null, { userIds: [] });
      await b.get(STORE, "k");
      await b.getVersion(STORE, "k", v);
      await b.getAtTime(STORE, "k", Date.now() + 1000);
      await b.put(STORE, "k", "2", v, { userIds: [] });
      assert.deepEqual(seen, [
        ["PUT", "Bearer t0ken", "g1"],
        ["GET", "Bearer t0ken", "g1"],
        ["GET", "Bearer t0ken", "g1"],
        ["GET", "Bearer t0ken", "g1"],
        ["PUT", "Bearer t0ken", "g1"],
      ]);

      // Headers as a Headers object, and as a function called per request.
      const h = new FetchBackend(server.url, { headers: new Headers({ Authorization: "Bearer t0ken" }) });
      assert.equal((await h.get(STORE, "k")).value, "2");
      let calls = 0;
      const f = new FetchBackend(server.url, { headers: async () => (calls++, { Authorization: "Bearer t0ken" }) });
      await f.get(STORE, "k");
      await f.get(STORE, "k");
      assert.equal(calls, 2);
    } finally {
      await server.close();
    }
  });

  it("user headers cannot override the protocol's own", async () => {
    const server = await listen(createHandler(new MemoryBackend(), { admin: true, authorize: () => true }));
    try {
      const b = new FetchBackend(server.url, { headers: { "If-None-Match": "*", "If-Match": '"1"', "Content-Type": "text/plain" } });
      const v = await b.put(STORE, "k", "1", null, { userIds: [] });
      assert.equal(await b.put(STORE, "k", "2", "nope", { userIds: [] }), null);
      assert.equal(typeof (await b.put(STORE, "k", "2", v, { userIds: [] })), "string");
    } finally {
      await server.close();
    }
  });

  it("values that are not JSON, or hold lone surrogates, travel exactly", async () => {
    const server = await listen(createHandler(new MemoryBackend(), { admin: true, authorize: () => true }));
    try {
      const b = new FetchBackend(server.url);
      for (const [i, value] of ["plain text", "", "\ud800 lone", "x\udfffy", '{"half": ', "\u0000"].entries()) {
        await b.put(STORE, `v${i}`, value, null, { userIds: [] });
        assert.equal((await b.get(STORE, `v${i}`)).value, value, JSON.stringify(value));
      }
    } finally {
      await server.close();
    }
  });

  it("works under a base path, with or without a trailing slash", async () => {
    const handler = createHandler(new MemoryBackend(), { admin: true, authorize: () => true });
    const server = await listen((req, res) => {
      if (!req.url.startsWith("/api/skilift/")) {
        res.writeHead(500).end();
        return;
      }
      req.url = req.url.slice("/api/skilift".length);
      handler(req, res);
    });
    try {
      const a = new FetchBackend(`${server.url}/api/skilift`);
      const b = new FetchBackend(`${server.url}/api/skilift/`);
      await a.put(STORE, "k", "1", null, { userIds: [] });
      assert.equal((await b.get(STORE, "k")).value, "1");
    } finally {
      await server.close();
    }
  });
});

describe("FetchBackend: version tokens round-trip exactly through ETag and If-Match", () => {
  /** A MemoryBackend whose version tokens are awkward strings. */
  function oddVersions() {
    const inner = new MemoryBackend();
    const odd = ['a"b', "", "W/\"x\"", "*", " lead and trail ", "%22", "é🎮", "a,b", "\\", "1", "x".repeat(300)];
    const toOdd = new Map();
    const fromOdd = new Map();
    let i = 0;
    const map = (v) => {
      if (v === null) return null;
      if (!toOdd.has(v)) {
        const o = odd[i++ % odd.length] + (i > odd.length ? String(i) : "");
        toOdd.set(v, o);
        fromOdd.set(o, v);
      }
      return toOdd.get(v);
    };
    const entry = (e) => e && { ...e, version: map(e.version) };
    return {
      get: async (s, k) => entry(await inner.get(s, k)),
      put: async (s, k, value, expected, meta) => {
        if (expected !== null && !fromOdd.has(expected)) return null;
        return map(await inner.put(s, k, value, expected === null ? null : fromOdd.get(expected), meta));
      },
      getVersion: async (s, k, v) => (fromOdd.has(v) ? entry(await inner.getVersion(s, k, fromOdd.get(v))) : null),
      getAtTime: async (s, k, t) => entry(await inner.getAtTime(s, k, t)),
    };
  }

  let server;
  before(async () => (server = await listen(createHandler(oddVersions(), { admin: true, authorize: () => true }))));
  after(() => server.close());

  it("get, conditional put and getVersion see the exact tokens", async () => {
    const b = new FetchBackend(server.url);
    let version = await b.put(STORE, "k", "0", null, { userIds: [] });
    const seen = [version];
    for (let n = 1; n < 14; n++) {
      const e = await b.get(STORE, "k");
      assert.equal(e.version, version);
      assert.equal(e.value, String(n - 1));
      assert.equal(await b.put(STORE, "k", "stale", `${version}?`, { userIds: [] }), null);
      version = await b.put(STORE, "k", String(n), e.version, { userIds: [] });
      assert.equal(typeof version, "string");
      seen.push(version);
    }
    assert.ok(seen.includes('a"b') && seen.includes("") && seen.includes("é🎮"), JSON.stringify(seen));
    for (const [n, v] of seen.entries()) {
      const e = await b.getVersion(STORE, "k", v);
      assert.equal(e.version, v);
      assert.equal(e.value, String(n));
    }
  });
});

describe("FetchBackend: what it rejects", () => {
  it("rejects on 5xx, 401 and 403 with the status (never resolves)", async () => {
    for (const [status, code] of [
      [500, "internal"],
      [502, undefined],
      [503, undefined],
      [401, "unauthorized"],
      [403, "forbidden"],
    ]) {
      const server = await fakeServer(() => ({
        status,
        headers: code ? { "Content-Type": "application/json" } : { "Content-Type": "text/html" },
        body: code ? JSON.stringify({ error: code, message: "no" }) : "<h1>Bad gateway</h1>",
      }));
      try {
        const b = new FetchBackend(server.url);
        for (const call of [
          () => b.get(STORE, "k"),
          () => b.put(STORE, "k", "1", null, { userIds: [] }),
          () => b.put(STORE, "k", "1", "3", { userIds: [] }),
          () => b.getVersion(STORE, "k", "1"),
          () => b.getAtTime(STORE, "k", 5),
        ]) {
          await assert.rejects(call(), (e) => e instanceof FetchBackendError && e.status === status && e.code === code);
        }
      } finally {
        await server.close();
      }
    }
  });

  it("rejects when the server's backend fails (a real 500 from createHandler)", async () => {
    const failing = { get: async () => Promise.reject(new Error("db down")), put: async () => Promise.reject(new Error("db down")) };
    const server = await listen(createHandler(failing, { admin: true, authorize: () => true, onError: () => {} }));
    try {
      const b = new FetchBackend(server.url);
      await assert.rejects(b.get(STORE, "k"), (e) => e.status === 500 && !/db down/.test(e.message));
      await assert.rejects(b.put(STORE, "k", "1", null, { userIds: [] }), (e) => e.status === 500);
      await assert.rejects(b.getVersion(STORE, "k", "1"), isCode("history_unsupported"));
    } finally {
      await server.close();
    }
  });

  it("rejects when nothing listens", async () => {
    const server = await fakeServer(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    await assert.rejects(new FetchBackend(url).get(STORE, "k"));
  });

  const json = { "Content-Type": "application/json" };
  const entry = (over = {}) => JSON.stringify({ value: "{}", version: "7", time: 1, userIds: [], ...over });
  const getGarbage = [
    ["a 200 that is not JSON", { status: 200, headers: { ETag: '"7"', ...json }, body: "{not json" }],
    ["a 200 labelled text/html", { status: 200, headers: { ETag: '"7"', "Content-Type": "text/html" }, body: entry() }],
    ["a 200 without Content-Type", { status: 200, headers: { ETag: '"7"' }, body: entry() }],
    ["a 200 without ETag", { status: 200, headers: json, body: entry() }],
    ["a 200 whose ETag disagrees", { status: 200, headers: { ETag: '"8"', ...json }, body: entry() }],
    ["a weak ETag", { status: 200, headers: { ETag: 'W/"7"', ...json }, body: entry() }],
    ["an unquoted ETag", { status: 200, headers: { ETag: "7", ...json }, body: entry() }],
    ["a value that is not a string", { status: 200, headers: { ETag: '"7"', ...json }, body: entry({ value: {} }) }],
    ["a version that is not a string", { status: 200, headers: { ETag: '"7"', ...json }, body: entry({ version: 7 }) }],
    ["a time that is not a number", { status: 200, headers: { ETag: '"7"', ...json }, body: entry({ time: "1" }) }],
    ["user ids that are not numbers", { status: 200, headers: { ETag: '"7"', ...json }, body: entry({ userIds: ["1"] }) }],
    ["unknown fields", { status: 200, headers: { ETag: '"7"', ...json }, body: entry({ extra: 1 }) }],
    ["JSON null", { status: 200, headers: { ETag: '"7"', ...json }, body: "null" }],
    ["a 404 that is not the protocol's (wrong URL, proxy page)", { status: 404, headers: { "Content-Type": "text/html" }, body: "<h1>Not Found</h1>" }],
    ["a 404 with another error code", { status: 404, headers: json, body: JSON.stringify({ error: "no_such_route" }) }],
    ["a 204", { status: 204 }],
    ["a 412 on a GET", { status: 412, headers: json, body: JSON.stringify({ error: "version_mismatch" }) }],
    ["a redirect to nowhere", { status: 302, headers: { Location: "/elsewhere" } }],
  ];
  for (const [name, answer] of getGarbage) {
    it(`get rejects ${name}`, async () => {
      const server = await fakeServer((req) => (req.url === "/elsewhere" ? { status: 200, body: "<html>" } : answer));
      try {
        const b = new FetchBackend(server.url);
        await assert.rejects(b.get(STORE, "k"));
        await assert.rejects(b.getVersion(STORE, "k", "7"));
      } finally {
        await server.close();
      }
    });
  }

  const putGarbage = [
    ["a 201 to an If-Match write", true, { status: 201, headers: { ETag: '"8"', ...json }, body: '{"version":"8"}' }],
    ["a 200 to a create", false, { status: 200, headers: { ETag: '"8"', ...json }, body: '{"version":"8"}' }],
    ["a success without ETag", true, { status: 200, headers: json, body: '{"version":"8"}' }],
    ["a success whose ETag and body disagree", true, { status: 200, headers: { ETag: '"9"', ...json }, body: '{"version":"8"}' }],
    ["a success without body", true, { status: 200, headers: { ETag: '"8"', ...json } }],
    ["a success that keeps the old version", true, { status: 200, headers: { ETag: '"7"', ...json }, body: '{"version":"7"}' }],
    ["a 412 that is not the protocol's", true, { status: 412, headers: { "Content-Type": "text/plain" }, body: "Precondition Failed" }],
    ["a 404", true, { status: 404, headers: json, body: JSON.stringify({ error: "not_found" }) }],
    ["a 428", false, { status: 428, headers: json, body: JSON.stringify({ error: "precondition_required" }) }],
  ];
  for (const [name, update, answer] of putGarbage) {
    it(`put rejects ${name}`, async () => {
      const server = await fakeServer(() => answer);
      try {
        await assert.rejects(new FetchBackend(server.url).put(STORE, "k", "1", update ? "7" : null, { userIds: [] }));
      } finally {
        await server.close();
      }
    });
  }

  it("garbage is a backend_invalid_response error", async () => {
    const server = await fakeServer(() => ({ status: 200, headers: { ETag: '"7"', ...json }, body: entry({ value: 1 }) }));
    try {
      await assert.rejects(new FetchBackend(server.url).get(STORE, "k"), isCode("backend_invalid_response"));
    } finally {
      await server.close();
    }
  });

  it("resolves null only for the protocol's 404 and 412", async () => {
    const server = await fakeServer((req) =>
      req.method === "GET"
        ? { status: 404, headers: json, body: JSON.stringify({ error: "not_found", message: "x" }) }
        : { status: 412, headers: json, body: JSON.stringify({ error: "version_mismatch", message: "x" }) },
    );
    try {
      const b = new FetchBackend(server.url);
      assert.equal(await b.get(STORE, "k"), null);
      assert.equal(await b.getVersion(STORE, "k", "1"), null);
      assert.equal(await b.getAtTime(STORE, "k", 1), null);
      assert.equal(await b.put(STORE, "k", "1", null, { userIds: [] }), null);
      assert.equal(await b.put(STORE, "k", "1", "1", { userIds: [] }), null);
    } finally {
      await server.close();
    }
  });
});
