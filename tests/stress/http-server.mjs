// Child process of the http-hostile campaign (http-hostile.mjs): a real
// server on 127.0.0.1 with createHandler over a MemoryBackend, in its own
// process so that a crash of the server is seen as the process exiting.
//
//   node http-server.mjs serve
// IPC: sends { type: "listening", port }; answers { type: "dump" } with
// { type: "dump", writes, removes, putCalls, errors }: every put that wrote
// (store, key, value, the version it answered) and every remove (store,
// key), so the parent can check that each had a 2xx answer, and what
// reached onError.

import http from "node:http";
import { createHandler } from "../../js/backends/http/server.js";
import { MemoryBackend } from "../../js/backends/memory/index.js";

export const MAX_BODY_BYTES = 4096;
export const TOKEN = "Bearer campaign";
export const ORIGIN = "https://game.example";

const memory = new MemoryBackend();
const writes = [];
const removes = [];
let putCalls = 0;
const errors = [];

// The backend the handler serves: the MemoryBackend, with each write logged.
const backend = {
  get: (...a) => memory.get(...a),
  getVersion: (...a) => memory.getVersion(...a),
  getAtTime: (...a) => memory.getAtTime(...a),
  history: (...a) => memory.history(...a),
  list: (...a) => memory.list(...a),
  keysByUser: (...a) => memory.keysByUser(...a),
  async remove(store, key) {
    await memory.remove(store, key);
    removes.push({ store, key });
  },
  async put(store, key, value, expected, meta) {
    putCalls++;
    const version = await memory.put(store, key, value, expected, meta);
    if (version !== null) writes.push({ store, key, value, expected, version });
    return version;
  },
};

if (process.argv[2] === "serve") {
  const handler = createHandler(backend, {
    admin: true,
    // Sometimes answered later, so requests overlap inside the handler.
    authorize: (req) => {
      const ok = req.headers.authorization === TOKEN;
      return req.headers["x-slow"] === undefined ? ok : new Promise((r) => setImmediate(() => r(ok)));
    },
    cors: { origins: [ORIGIN], credentials: true },
    maxBodyBytes: MAX_BODY_BYTES,
    onError: (error, request) => errors.push(`${request?.method} ${request?.store} ${request?.key}: ${error?.stack ?? error}`),
  });
  const server = http.createServer(handler);
  server.listen(0, "127.0.0.1", () => process.send({ type: "listening", port: server.address().port }));
  process.on("message", (m) => {
    if (m.type === "dump") process.send({ type: "dump", writes, removes, putCalls, errors });
  });
}
