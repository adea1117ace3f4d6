// Campaign http-hostile: thousands of hostile requests (http-requests.mjs)
// to createHandler on a real loopback server in a child process
// (http-server.mjs), several connections at a time. It checks:
//
// - no answer is a 5xx, and every answer is well-formed HTTP;
// - no GET, PUT or DELETE without the credentials is answered 2xx;
// - no hang: every connection is answered or closed within HANG_BOUND_MS
//   of the client sending everything (a liveness bound, far above any real
//   answer time; it measures nothing);
// - no crash: the server process is alive at the end;
// - no write without a 2xx: every write the backend logged has its version
//   in a 2xx answer the client received, to the request that carried its
//   value, and every 2xx answer to a PUT is a write the backend holds;
// - no remove without a 2xx: the backend logged as many removals as the
//   client received 204 answers to DELETEs (any 204 without Allow or
//   Access-Control-Allow-Methods, as damaged bytes can hold a DELETE too),
//   and, key by key, at least as many as DELETEs of that key were answered 204.

import { fork } from "node:child_process";
import net from "node:net";
import { Failures, fmt, rng } from "./support.mjs";
import { requestGenerator } from "./http-requests.mjs";
import { MAX_BODY_BYTES, ORIGIN, TOKEN } from "./http-server.mjs";

const SERVER = new URL("./http-server.mjs", import.meta.url);
const HANG_BOUND_MS = 20_000;
const PARALLEL = 12;

/** What the server sent on one connection, parsed: final answers `{ status, headers, body }` in order. */
export function parseAnswers(buf, methods) {
  const answers = [];
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf("\r\n\r\n", pos);
    if (end < 0) return { answers, error: `an answer head without its end: ${preview(buf.subarray(pos))}` };
    const [statusLine, ...lines] = buf.toString("latin1", pos, end).split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
    if (!m) return { answers, error: `not a status line: ${preview(Buffer.from(statusLine, "latin1"))}` };
    const status = Number(m[1]);
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    pos = end + 4;
    if (status < 200) continue; // 100 Continue
    const method = methods[answers.length];
    let length = 0;
    let toClose = false;
    // A damaged request's method is unknown (null), and so is that of every
    // request a mutation made of its bytes (beyond the listed ones:
    // undefined): its answer has no body if it was to a HEAD, seen as the
    // next answer right after the head, or as a body that would run past
    // the end.
    const cl = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
    const headAnswer = method == null && (pos + (cl ?? 0) > buf.length || buf.toString("latin1", pos, pos + 7) === "HTTP/1.");
    if (method === "HEAD" || headAnswer || status === 204 || status === 304) length = 0;
    else if (cl !== undefined) length = cl;
    else {
      length = buf.length - pos; // no length: the body runs to the close
      toClose = true;
    }
    if (pos + length > buf.length) return { answers, error: `an answer cut short (status ${status})` };
    answers.push({ status, headers, body: buf.subarray(pos, pos + length).toString("utf8"), toClose });
    pos += length;
  }
  return { answers, error: null };
}

/** A short printable form of some bytes, for failure messages. */
function preview(buf, max = 300) {
  const s = JSON.stringify(buf.subarray(0, max).toString("latin1"));
  return buf.length > max ? `${s}… (${buf.length} bytes)` : s;
}

/**
 * Sends a connection's bytes and collects what comes back until the server
 * closes, or (for well-formed requests) until every request is answered.
 */
function exchange(port, conn) {
  const methods = conn.requests.map((q) => q.method);
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks = [];
    let outcome = "closed";
    const timer = setTimeout(() => {
      outcome = "hung";
      socket.destroy();
    }, HANG_BOUND_MS);
    socket.on("data", (d) => {
      chunks.push(d);
      if (conn.end) return;
      const { answers, error } = parseAnswers(Buffer.concat(chunks), methods);
      if (!error && answers.length >= methods.length && !answers.at(-1).toClose) {
        outcome = "answered";
        socket.destroy();
      }
    });
    socket.on("error", (e) => {
      if (outcome === "closed") outcome = e.code === "ECONNRESET" || e.code === "EPIPE" ? "reset" : `error ${e.code}`;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ outcome, data: Buffer.concat(chunks) });
    });
    if (conn.end) socket.end(conn.bytes);
    else socket.write(conn.bytes);
  });
}

function startServer() {
  const child = fork(SERVER, ["serve"], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exit = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const port = new Promise((resolve, reject) => {
    child.on("message", (m) => m.type === "listening" && resolve(m.port));
    exit.then(() => reject(new Error(`the server exited before listening: ${stderr}`)));
  });
  const dump = () =>
    new Promise((resolve) => {
      child.on("message", (m) => m.type === "dump" && resolve(m));
      child.send({ type: "dump" });
    });
  return { child, port, exit, dump, stderr: () => stderr };
}

export async function run({ short, seed }) {
  const total = short ? 1500 : 10_000;
  const failures = new Failures();
  const server = startServer();
  let crashed = null;
  let stopping = false;
  server.exit.then((e) => (crashed = stopping ? crashed : e));
  const port = await server.port;

  const known = new Map(); // `${store}\0${key}` → the newest version seen in an answer
  const generator = requestGenerator(rng(seed), {
    token: TOKEN,
    origin: ORIGIN,
    maxBodyBytes: MAX_BODY_BYTES,
    knownVersion: (store, key) => known.get(`${store}\u0000${key}`),
  });
  const figures = { requests: 0, connections: 0, raw: 0, statuses: new Map(), closedUnanswered: 0, hung: 0, fivexx: 0 };
  const acked = new Map(); // version → { value } of the request a 2xx PUT answer went to
  const byValue = new Map(); // value → the request that carried it, and its answer
  const deleted = new Map(); // `${store}\0${key}` → 204 answers to well-formed DELETEs of it the client received
  let removalAnswers = 0; // 204 answers to DELETEs, damaged ones included

  async function one() {
    const conn = generator.connection();
    figures.connections++;
    figures.requests += conn.requests.length;
    if (conn.kind === "raw" || conn.kind === "mutated") figures.raw++;
    for (const req of conn.requests) if (req.value) byValue.set(req.value, { req, status: null, kind: conn.kind, conn });
    const { outcome, data } = await exchange(port, conn);
    conn.answer = { outcome, data };
    const { answers, error } = parseAnswers(data, conn.requests.map((q) => q.method));
    const what = () => `${conn.kind} connection ${preview(conn.bytes)}`;
    if (outcome === "hung") {
      figures.hung++;
      failures.add(`no answer and no close within ${HANG_BOUND_MS} ms: ${what()}`);
    }
    if (outcome.startsWith("error")) failures.add(`socket ${outcome}: ${what()}`);
    if (error) failures.add(`malformed answer (${error}) to ${what()}`);
    if (answers.length === 0) figures.closedUnanswered++;
    for (const [i, answer] of answers.entries()) {
      figures.statuses.set(answer.status, (figures.statuses.get(answer.status) ?? 0) + 1);
      if (answer.status >= 500) {
        figures.fivexx++;
        failures.add(`${answer.status} ${answer.body} to ${what()}`);
      }
      const req = conn.kind === "raw" || conn.kind === "mutated" ? undefined : conn.requests[i];
      if (req?.value) byValue.get(req.value).status = answer.status;
      if (req && !req.authorized && answer.status < 300 && ["GET", "PUT", "DELETE"].includes(req.method)) {
        failures.add(`${answer.status} without credentials to ${what()}`);
      }
      let body;
      try {
        body = JSON.parse(answer.body);
      } catch {
        body = undefined;
      }
      if (answer.status === 204 && answer.headers.allow === undefined && answer.headers["access-control-allow-methods"] === undefined) {
        removalAnswers++;
        if (req?.method === "DELETE" && req.valid) {
          const id = `${req.store}\u0000${req.key}`;
          deleted.set(id, (deleted.get(id) ?? 0) + 1);
          known.delete(id);
        }
      }
      if (answer.status >= 200 && answer.status < 300 && typeof body?.version === "string") {
        if (req) known.set(`${req.store}\u0000${req.key}`, body.version);
        // A PUT's answer is exactly { version }; a GET's carries the value too.
        if (Object.keys(body).length === 1) acked.set(body.version, { req });
      }
    }
  }

  const workers = Array.from({ length: PARALLEL }, async () => {
    while (figures.requests < total && crashed === null) await one();
  });
  await Promise.all(workers);

  let writes = [];
  let removes = [];
  if (crashed !== null) {
    failures.addFirst(`the server process died (${JSON.stringify(crashed)}): ${server.stderr().slice(0, 2000)}`);
  } else {
    const dump = await server.dump();
    writes = dump.writes;
    removes = dump.removes;
    const removed = new Map();
    for (const { store, key } of removes) removed.set(`${store}\u0000${key}`, (removed.get(`${store}\u0000${key}`) ?? 0) + 1);
    if (removes.length !== removalAnswers) failures.add(`${removes.length} removals in the backend, ${removalAnswers} 204 answers to DELETEs received`);
    for (const [id, answered] of deleted) {
      if ((removed.get(id) ?? 0) < answered) {
        failures.add(`${removed.get(id) ?? 0} removals of ${JSON.stringify(id.split("\u0000"))} in the backend, ${answered} 204 answers received`);
      }
    }
    for (const e of dump.errors) failures.add(`onError: ${e}`);
    for (const w of writes) {
      const ack = acked.get(w.version);
      const origin = byValue.get(w.value);
      if (!ack) {
        const how = origin ? `its request was answered ${origin.status ?? "nothing"} (${origin.kind}): ${preview(origin.req.bytes)}` : "no request carried its value";
        if (process.env.DEBUG_HTTP && origin) console.log(preview(origin.conn.bytes, 5000), "\n=>", origin.conn.answer.outcome, preview(origin.conn.answer.data, 5000));
        failures.add(`write without a 2xx answer: ${w.store}/${w.key} = ${JSON.stringify(w.value)} as version ${w.version}; ${how}`);
      } else if (ack.req && ack.req.value !== w.value) {
        failures.add(`version ${w.version} was answered to the request of ${ack.req.value} but stores ${JSON.stringify(w.value)}`);
      }
    }
    const written = new Set(writes.map((w) => w.version));
    for (const version of acked.keys()) {
      if (!written.has(version)) failures.add(`a 2xx answer to a PUT with version ${version}, which the backend never wrote`);
    }
    stopping = true; // from here on, the exit is ours
    server.child.kill("SIGKILL");
    await server.exit;
  }

  const statuses = [...figures.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${fmt(n)}`).join(" ");
  return {
    figures:
      `seed ${seed}, ${fmt(figures.requests)} requests on ${fmt(figures.connections)} connections (${fmt(figures.raw)} raw or damaged), ` +
      `${figures.fivexx} 5xx, ${figures.hung} hung, ${crashed === null ? 0 : 1} crashes, ${fmt(figures.closedUnanswered)} closed unanswered, ` +
      `${fmt(writes.length)} writes, ${fmt(writes.filter((w) => !acked.has(w.version)).length)} without a 2xx, ${fmt(removes.length)} removals; answers ${statuses}`,
    failures,
  };
}
