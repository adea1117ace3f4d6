// createHandler with pipelined requests (several sent on one connection
// before any answer, as HTTP/1.1 allows): a write happens only if its answer
// can be sent. An answer with `Connection: close`, or bytes Node's parser
// refuses, end the connection, and the answers queued behind are never
// sent; the requests behind must then not reach the backend. (Found by the
// http-hostile stress campaign, tests/stress/http-hostile.mjs.)
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { createHandler } from "../../js/backends/http/server.js";
import { countingBackend, listen } from "./server-support.mjs";

const PATH = `/v1/${encodeURIComponent("players/global")}`;

/** A PUT creating `key`, as raw bytes; without credentials or without a precondition if asked. */
function put(key, { auth = true, precondition = true } = {}) {
  const body = JSON.stringify({ value: key, userIds: [] });
  const headers = [
    `PUT ${PATH}/${key} HTTP/1.1`,
    "Host: x",
    ...(auth ? ["Authorization: ok"] : []),
    ...(precondition ? ["If-None-Match: *"] : []),
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${headers.join("\r\n")}\r\n\r\n${body}`;
}

/**
 * Sends `bytes` in one write and resolves the status codes answered, in
 * order, once `count` answers are in or the server closed the connection.
 * It does not half-close: Node drops the answers still pending when a
 * client does.
 */
function pipeline(port, bytes, count) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    const statuses = () => [...text.matchAll(/(?:^|\r\n\r\n|\})HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    socket.on("data", (d) => {
      text += d.toString("latin1");
      if (statuses().length >= count && text.endsWith("}")) socket.destroy();
    });
    socket.on("error", (e) => (e.code === "ECONNRESET" ? null : reject(e)));
    socket.on("close", () => resolve(statuses()));
    socket.write(bytes);
  });
}

/** A server whose authorize lets "Authorization: ok" through, the others after a pause. */
async function serve() {
  const backend = countingBackend();
  const server = await listen(
    createHandler(backend, {
      admin: true,
      authorize: (req) => req.headers.authorization === "ok" || new Promise((r) => setTimeout(() => r(false), 20)),
      onError: () => {},
    }),
  );
  return { ...server, backend };
}

describe("createHandler: pipelined requests", () => {
  it("a PUT behind an answer that closes the connection is not written", async () => {
    const s = await serve();
    try {
      // The first PUT is refused as soon as its head is read, before its
      // body is: 428 with Connection: close.
      const statuses = await pipeline(s.port, put("refused", { precondition: false }) + put("behind"), 2);
      assert.deepEqual(statuses, [428]);
      assert.equal(await s.backend.get("players/global", "behind"), null, "a write whose answer was never sent");
    } finally {
      await s.close();
    }
  });

  it("a DELETE behind an answer that closes the connection removes nothing", async () => {
    const s = await serve();
    try {
      await s.backend.put("players/global", "kept", "v", null, { userIds: [] });
      const del = `DELETE ${PATH}/kept HTTP/1.1\r\nHost: x\r\nAuthorization: ok\r\n\r\n`;
      const statuses = await pipeline(s.port, put("refused", { precondition: false }) + del, 2);
      assert.deepEqual(statuses, [428]);
      assert.notEqual(await s.backend.get("players/global", "kept"), null, "a removal whose answer was never sent");
      assert.equal(s.backend.calls.remove, 0);
    } finally {
      await s.close();
    }
  });

  it("a PUT followed by bytes that are not HTTP is written only if its answer is sent", async () => {
    const s = await serve();
    try {
      const statuses = await pipeline(s.port, put("first") + "NONSENSE\r\n\r\n", 2);
      const written = (await s.backend.get("players/global", "first")) !== null;
      assert.equal(written, statuses[0] === 201, `answers ${statuses}, written: ${written}`);
    } finally {
      await s.close();
    }
  });

  it("a PUT behind a slow refusal waits for it, and is written and answered", async () => {
    const s = await serve();
    try {
      const statuses = await pipeline(s.port, put("refused", { auth: false }) + put("behind"), 2);
      assert.deepEqual(statuses, [401, 201]);
      assert.notEqual(await s.backend.get("players/global", "behind"), null);
    } finally {
      await s.close();
    }
  });

  it("pipelined PUTs that are all fine are all written and answered, in order", async () => {
    const s = await serve();
    try {
      const statuses = await pipeline(s.port, put("a") + put("b") + put("c"), 3);
      assert.deepEqual(statuses, [201, 201, 201]);
      for (const key of ["a", "b", "c"]) assert.notEqual(await s.backend.get("players/global", key), null);
    } finally {
      await s.close();
    }
  });
});
