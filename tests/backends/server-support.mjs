// Helpers for the skilift/server and skilift/fetch tests: a real HTTP server
// on 127.0.0.1 (port 0), raw requests that send exactly what they are given,
// and a backend wrapper that counts what reaches the backend.

import http from "node:http";
import net from "node:net";
import { MemoryBackend } from "../../js/backends/memory/index.js";

/** Listens with `handler` on 127.0.0.1; resolves `{ url, port, close }`. */
export async function listen(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/**
 * One request with node:http, sent as given (no URL normalisation, no
 * header checks beyond Node's own). Resolves `{ status, headers, text, json }`.
 */
export function request(port, { method = "GET", path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends raw bytes on a TCP connection; resolves the status line's code (or 0 if the server hung up). */
export function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (d) => (data += d.toString("latin1")));
    socket.on("end", () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : 0);
    });
    socket.on("error", (e) => (e.code === "ECONNRESET" ? resolve(data ? Number(data.slice(9, 12)) : 0) : reject(e)));
    socket.end(bytes);
  });
}

const METHODS = ["get", "put", "getVersion", "getAtTime", "history", "list", "keysByUser", "remove"];

/** A MemoryBackend (or `inner`) whose every call is counted in `calls` (by method); only the methods `inner` has. */
export function countingBackend(inner = new MemoryBackend()) {
  const calls = Object.fromEntries(METHODS.filter((m) => typeof inner[m] === "function").map((m) => [m, 0]));
  const backend = {
    calls,
    get total() {
      return Object.values(calls).reduce((a, b) => a + b, 0);
    },
  };
  for (const method of Object.keys(calls)) {
    backend[method] = (...args) => {
      calls[method]++;
      return inner[method](...args);
    };
  }
  return backend;
}

/** Waits until every callback queued so far has run (no timers, no wall clock). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
