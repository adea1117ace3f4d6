// The hostile requests of the http-hostile campaign (http-hostile.mjs),
// made from a seeded generator: each call of `connection()` gives the bytes
// of one TCP connection and what the campaign knows about the requests in
// it. Requests are built as raw bytes (never through node:http's client), so
// anything can be sent: bad paths, methods, headers, framing and bodies,
// oversized bodies, and bytes that are not HTTP at all.
//
// Every PUT body that could be valid carries a unique value ("w<n>"), so a
// write found in the backend afterwards can be traced back to its request.
// Besides GET and PUT of a key: GETs of a store's keys (list, keysByUser)
// and of a key's history, and DELETEs (remove), good and bad.

import { encodeSegment } from "../../js/backends/http/protocol.js";

const STORES = ["players/global", "skilift:transactions", "s", "$", "日本", ".", ""];
const KEYS = ["bob", "alice", ".", "..", "a/b", "?#&", "", " ", "é", "%41"];
const BAD_SEGMENTS = ["%ZZ", "%", "%C0%AF", "%ED%A0%80", "%2E", "%2e%2E", "$", "$x", "$...", ".", "..", "%00", "a%2Fb", "\u00ff\u00fe", "%FF"];
const METHODS = ["POST", "PATCH", "HEAD", "TRACE", "PROPFIND", "get", "FOO", "M-SEARCH", "PURGE", "QUERY", "PUT\u0000", "G ET"];
const TYPES_OK = ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"", "application/json \t; charset = utf-8"];
const TYPES_BAD = ["text/plain", "application/json; charset=latin1", "application/jsonx", "", "application/x-www-form-urlencoded", "*/*", "application/json; charset=utf-8; x=1"];
const NOT_HTTP = [
  () => Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), // a TLS ClientHello start
  () => Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00", "latin1"), // the HTTP/2 preface
  () => Buffer.from("SSH-2.0-OpenSSH_9.6\r\n"),
  () => Buffer.from("\r\n\r\n\r\n\r\n"),
  () => Buffer.from("GET /\r\n"), // HTTP/0.9
  () => Buffer.from("GET /v1/s/k HTTP/9.9\r\nHost: x\r\n\r\n"),
  () => Buffer.from("GET /v1/s/k HTTP/1.1\nHost: x\n\n"), // bare LF
  () => Buffer.from("PUT /v1/s/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), // smuggling shape
  () => Buffer.from("PUT /v1/s/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
  () => Buffer.from("PUT /v1/s/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
  () => Buffer.from("GET /v1/s/k HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n"),
  () => Buffer.from(`GET /${"a".repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
  () => Buffer.from(`GET /v1/s/k HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20000)}\r\n\r\n`),
  () => Buffer.from("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"),
  () => Buffer.from("GET /v1/s/k HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
  () => Buffer.from("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
];

/** The request generator: `connection()` gives the next connection to open. */
export function requestGenerator(random, { token, origin, maxBodyBytes, knownVersion }) {
  let nextValue = 0;
  const { int, pick, chance, bytes } = random;

  function segment(names) {
    return chance(0.85) ? encodeSegment(pick(names)) : pick(BAD_SEGMENTS);
  }

  function target(method) {
    const store = pick(STORES);
    const key = pick(KEYS);
    const good = `/v1/${encodeSegment(store)}/${encodeSegment(key)}`;
    const r = random.next();
    let path;
    // A GET asks for the store's keys or a key's history now and then.
    if (method === "GET" && r < 0.12) return { store, key: null, path: `/v1/${encodeSegment(store)}`, valid: true, resource: "keys" };
    if (method === "GET" && r < 0.2) return { store, key, path: `${good}/history`, valid: true, resource: "history" };
    if (r < 0.72) path = good;
    else if (r < 0.86) path = `/v1/${segment(STORES)}/${segment(KEYS)}`;
    else path = pick(["/", "/v1", "/v1/", `/v1/${encodeSegment(store)}`, `${good}/x`, `/v2/${encodeSegment(store)}/k`, `/V1/s/k`, `//v1/s/k`, `http://127.0.0.1${good}`, `${good}#frag`, "*", `/v1/${"%41".repeat(int(1, 3000))}/k`]);
    return { store, key, path, valid: path === good, resource: "key" };
  }

  function query(resource) {
    if (chance(0.75)) return "";
    if (resource === "keys") {
      return pick([`?limit=${int(1, 2000)}`, `?after=${encodeURIComponent(pick(KEYS))}`, `?prefix=${encodeURIComponent(pick(KEYS))}&limit=2`, `?user=${int(1, 1e6)}`, "?user=1&limit=2", "?limit=0", "?limit=1e3", "?limit=-1", "?after=%ZZ", "?user=x", "?after=a&after=b", "?x=1", "?limit=99999999999999999999"]);
    }
    if (resource === "history") return pick([`?limit=${int(1, 200)}`, `?before=${Date.now()}`, "?before=x", "?limit=0", "?version=1", "?before=1e400"]);
    return pick(["?version=1", `?version=${int(1, 50)}`, "?version=", `?at=${Date.now()}`, "?at=abc", "?at=1e400", "?at=-0", "?at=0x10", "?at=1.5", "?version=1&at=2", "?x", "?", "?&", "?version=%ZZ", "?at=%31", "?VERSION=1"]);
  }

  // Sets `framing.incomplete` when a request claims more body than it
  // carries, `framing.authorized` when it carries the credentials.
  function headerLines(method, { store, key }, hasBody, bodyLength, framing) {
    const h = [];
    if (chance(0.97)) h.push(`Host: 127.0.0.1`);
    const auth = random.next();
    framing.authorized = auth < 0.8;
    if (auth < 0.8) h.push(`Authorization: ${token}`);
    else if (auth < 0.9) h.push(`Authorization: Bearer wrong`);
    if (chance(0.15)) h.push("X-Slow: 1");
    if (chance(0.1)) h.push(`Origin: ${chance(0.6) ? origin : "https://evil.example"}`);
    if (method === "OPTIONS" && chance(0.6)) h.push(`Access-Control-Request-Method: ${pick(["GET", "PUT", "DELETE", "PATCH", ""])}`);
    if (method === "OPTIONS" && chance(0.3)) h.push(`Access-Control-Request-Headers: ${pick(["content-type, if-match", "x y", "", "authorization"])}`);
    if (method === "PUT" || (method === "DELETE" && chance(0.1)) || chance(0.05)) {
      const pre = random.next();
      const known = knownVersion(store, key);
      const tag = (v) => `"${encodeURIComponent(v)}"`;
      if (pre < 0.4) h.push(known === undefined ? "If-None-Match: *" : `If-Match: ${tag(known)}`);
      else if (pre < 0.55) h.push("If-None-Match: *");
      else if (pre < 0.65) h.push(`If-Match: ${tag(String(int(1, 40)))}`);
      else if (pre < 0.8) h.push(pick([`If-Match: W/"1"`, "If-Match: *", `If-Match: "1", "2"`, `If-Match: "%31"`, "If-Match: 1", `If-Match: ""`, `If-None-Match: "1"`, "If-Match: \"\u00e9\""]));
      else if (pre < 0.9) h.push(`If-Match: "1"`, "If-None-Match: *");
    }
    if (method === "PUT" || (hasBody && chance(0.5))) h.push(`Content-Type: ${chance(0.9) ? pick(TYPES_OK) : pick(TYPES_BAD)}`);
    if (hasBody) {
      const r = random.next();
      if (r < 0.9) h.push(`Content-Length: ${bodyLength}`);
      else if (r < 0.94) {
        h.push(`Content-Length: ${bodyLength + int(1, 100)}`); // claims more than is sent
        framing.incomplete = true;
      }
      else if (framing < 0.97) h.push(`Content-Length: ${Math.max(0, bodyLength - int(1, 10))}`); // claims less
      else h.push(`Content-Length: ${pick(["-1", "abc", "1e3", " ", "99999999999999999999"])}`);
    } else if (chance(0.02)) {
      h.push(`Content-Length: ${maxBodyBytes * 10}`);
      framing.incomplete = true;
    }
    if (chance(0.03)) h.push("Expect: 100-continue");
    if (chance(0.03)) h.push(pick(["Transfer-Encoding: gzip", "X-Bad\u0000: 1", "X-Ctl: a\u0007b", ": empty", "X-Latin: \u00e9\u00ff"]));
    if (chance(0.01)) for (let i = 0; i < int(100, 2500); i++) h.push(`X-Many-${i}: ${i}`);
    return h;
  }

  /** A PUT body: a valid one (with a fresh value) or something hostile. Returns { body, value }. */
  function putBody() {
    const value = `w${nextValue++}`;
    const userIds = chance(0.5) ? [] : [int(1, 1e6)];
    const r = random.next();
    if (r < 0.65) return { body: Buffer.from(JSON.stringify({ value, userIds })), value };
    if (r < 0.72) return { body: Buffer.from(JSON.stringify({ value, userIds, padding: "x" })), value };
    if (r < 0.8) return { body: bytes(int(maxBodyBytes + 1, maxBodyBytes * 3)), value: null }; // oversized
    const hostile = pick([
      "", "null", "[]", "{}", '{"value":5}', `{"value":"${value}","userIds":["a"]}`, `{"value":"${value}","userIds":[1e999]}`,
      `{"value":"${value}","userIds":{}}`, `{"__proto__":{"value":"${value}"}}`, '{"value":"x"', "\u00ef\u00bb\u00bf{}", "[".repeat(3000),
      `{"value":"${value}","value":{}}`, '{"value":"\\ud800"', "true", '"value"',
    ]);
    const body = Buffer.from(hostile, "latin1");
    if (chance(0.1)) return { body: Buffer.concat([Buffer.from(`{"value":"${value}`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), value: null };
    return { body, value: null };
  }

  /** One request: its bytes and what the campaign needs to know of it. */
  function request({ plain = false } = {}) {
    const r = random.next();
    const method = r < 0.32 ? "GET" : r < 0.7 ? "PUT" : r < 0.75 ? "DELETE" : r < 0.82 ? "OPTIONS" : pick(METHODS);
    const t = target(method);
    let body = null;
    let value = null;
    if (method === "PUT") ({ body, value } = putBody());
    else if (chance(0.05)) body = Buffer.from("{}");
    const lines = [`${method} ${t.path}${method === "PUT" || (method === "DELETE" && chance(0.9)) ? "" : query(t.resource)} ${plain || chance(0.97) ? "HTTP/1.1" : pick(["HTTP/1.0", "HTTP/2", "HTTP/1.1 x", "http/1.1"])}`];
    const framing = { incomplete: false, authorized: false };
    lines.push(...headerLines(method, t, body !== null, body?.length ?? 0, framing));
    const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
    return { bytes: body ? Buffer.concat([head, body]) : head, method, store: t.store, key: t.key, valid: t.valid, value, incomplete: framing.incomplete, authorized: framing.authorized };
  }

  /** Bytes of a request, damaged: flipped, inserted, cut or doubled. */
  function mutate(buf) {
    const b = Buffer.from(buf);
    const kind = int(0, 3);
    if (kind === 0) for (let i = 0; i < int(1, 4); i++) b[int(0, b.length - 1)] = int(0, 255);
    if (kind === 1) return Buffer.concat([b.subarray(0, int(0, b.length)), Buffer.from(pick(["\r", "\n", "\u0000", "\r\n", " ", ":", "\r\n\r\n"]), "latin1"), b.subarray(int(0, b.length))]);
    if (kind === 2) return b.subarray(0, int(0, b.length - 1));
    if (kind === 3) return Buffer.concat([b, b.subarray(0, int(0, b.length))]);
    return b;
  }

  /**
   * The next connection: `{ bytes, requests, kind, end }`. `requests` lists,
   * in order, the requests the campaign knows are in `bytes` (one of
   * unknown method for bytes that are not HTTP or damaged); `kind` is
   * "plain", "pipelined", "mutated" or "raw"; `end` says the client must
   * half-close after sending (the server cannot know otherwise that nothing
   * more is coming). Only then: Node drops the answers still pending when
   * a client half-closes, so well-formed requests keep the connection open
   * until they are answered.
   */
  function connection() {
    const r = random.next();
    if (r < 0.06) {
      const raw = chance(0.5) ? bytes(int(0, 4096)) : pick(NOT_HTTP)();
      return { bytes: raw, requests: [{ method: null, value: null }], kind: "raw", end: true };
    }
    if (r < 0.14) {
      const req = request();
      return { bytes: mutate(req.bytes), requests: [{ ...req, value: null, method: null }], kind: "mutated", end: true };
    }
    if (r < 0.3) {
      // Pipelined: requests the server reads whole (no body refused unread),
      // so the connection stays open for the next one.
      const reqs = [];
      for (let i = int(2, 4); reqs.length < i; ) {
        const req = request({ plain: true });
        if (req.method === "HEAD" || !/^[A-Z]+$/.test(req.method)) continue;
        reqs.push(req);
      }
      return { bytes: Buffer.concat(reqs.map((q) => q.bytes)), requests: reqs, kind: "pipelined", end: reqs.some((q) => q.incomplete) };
    }
    const req = request();
    return { bytes: req.bytes, requests: [req], kind: "plain", end: req.incomplete };
  }

  return { connection };
}
