// `skilift studio <target>`: a web page on loopback to look at, compare and
// repair a target's player data. This file is the HTTP edge, and owns its
// safety rules; what each data route reads or writes is api.js, the page
// itself is the studio/ folder of the package (built by scripts/build.sh).
//
// - It binds 127.0.0.1 unless --host says otherwise.
// - Every /api request carries the token (a random 32 bytes printed once on
//   stdout) in the `x-skilift-token` header. Not a cookie: a browser sends
//   cookies to any site's requests, never a header another site sets.
// - A request whose Host header is neither the bound address nor
//   localhost is refused: a DNS-rebinding page reaches us under its own name.
// - No CORS answer at all, so another origin can neither send the token
//   header (its preflight fails) nor read an answer.
// - The page loads from this origin only (a Content-Security-Policy says
//   so), and no answer holds the target's credentials (--header lines stay
//   in the FetchBackend of this process).
// - Without --write, the writing routes do not exist (api.js).

import { createServer } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CliError } from "../directory.js";
import { networkInterfaces } from "node:os";
import { StudioError, studioRoutes } from "./api.js";

/** The port `skilift studio` serves on when --port is not given. */
export const DEFAULT_PORT = 4983;
const MAX_BODY = 64 * 1024;
const ASSET = /^\/assets\/([a-z0-9-]+\.(js|css|svg))$/;
const TYPES = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml", html: "text/html; charset=utf-8" };
const SAFETY = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * Where the page's files are: `studio/` beside the package's `cjs/` and
 * `esm/` (pkg/studio), found from the bin that is running (pkg/cjs/cli/main.cjs,
 * or js/cli/main.js in the repository, whose ../../studio is the sources).
 */
async function assetsDir() {
  const main = await realpath(process.argv[1]);
  return resolve(dirname(main), "..", "..", "studio");
}

async function loadAssets(dir) {
  try {
    return { index: await readFile(join(dir, "index.html")), dir };
  } catch {
    throw new CliError(`the studio's page is missing (no ${join(dir, "index.html")}): build the package with npm run build`);
  }
}

function send(res, status, body, type, headers = {}) {
  res.writeHead(status, { ...SAFETY, "Content-Type": type, "Content-Length": body.length, ...headers });
  res.end(body);
}

function sendJson(res, status, value) {
  send(res, status, Buffer.from(JSON.stringify(value)), "application/json; charset=utf-8");
}

function readJson(req) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new StudioError(413, "too_large", "the request body is too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        resolveBody(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new StudioError(400, "bad_request", "the body must be JSON"));
      }
    });
    req.on("error", reject);
  });
}

/**
 * The Host header values this server answers: the bound address and
 * localhost, on its port; bound to every interface (0.0.0.0, ::), each
 * interface's address.
 */
function allowedHosts(host, port) {
  const wildcard = host === "0.0.0.0" || host === "::";
  const addresses = wildcard ? Object.values(networkInterfaces()).flat().map((i) => i.address) : [host];
  const names = [...addresses, "127.0.0.1", "localhost", "::1"].map((a) => (a.includes(":") ? `[${a}]` : a));
  return new Set(names.map((name) => `${name}:${port}`.toLowerCase()));
}

function sameToken(given, token) {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Starts the studio on `target` (an opened CLI target). Options: `port`
 * (default DEFAULT_PORT, 0 for a free one), `host` (default 127.0.0.1),
 * `write`, `token` (default random), `assets` (the page's folder).
 * Resolves `{ url, port, token, close() }` once listening.
 */
export async function startStudio(target, { port = DEFAULT_PORT, host = "127.0.0.1", write = false, token, assets } = {}) {
  const page = await loadAssets(assets ?? (await assetsDir()));
  token ??= randomBytes(32).toString("hex");
  const routes = studioRoutes(target, { write });
  let hosts = new Set();

  async function handle(req, res) {
    if (!hosts.has(String(req.headers.host ?? "").toLowerCase())) {
      throw new StudioError(403, "foreign_host", "this studio answers only to its own address (Host header); open the URL it printed");
    }
    const url = new URL(req.url ?? "/", "http://studio.invalid");
    if (url.pathname === "/" && req.method === "GET") return send(res, 200, page.index, TYPES.html);
    const asset = ASSET.exec(url.pathname);
    if (asset && req.method === "GET") {
      const body = await readFile(join(page.dir, "assets", asset[1])).catch(() => null);
      if (body === null) throw new StudioError(404, "not_found", "no such file");
      return send(res, 200, body, TYPES[asset[2]]);
    }
    if (!url.pathname.startsWith("/api/")) throw new StudioError(404, "not_found", "no such page");
    if (!sameToken(req.headers["x-skilift-token"], token)) {
      throw new StudioError(401, "unauthorized", "the x-skilift-token header must hold the token skilift studio printed");
    }
    const route = routes[`${req.method} ${url.pathname.slice("/api/".length)}`];
    if (route === undefined) throw new StudioError(404, "no_such_route", `no route ${req.method} ${url.pathname}${write ? "" : " (the studio writes only with --write)"}`);
    const body = req.method === "POST" ? await readJson(req) : undefined;
    return sendJson(res, 200, await route(url.searchParams, body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof StudioError) return sendJson(res, error.status, { error: error.code, message: error.message });
      if (error instanceof CliError) return sendJson(res, 400, { error: "refused", message: error.message });
      sendJson(res, 500, { error: "internal", message: String(error?.message ?? error) });
    });
  });
  await new Promise((resolveListen, reject) => {
    server.once("error", (error) => {
      if (error.code === "EADDRINUSE") reject(new CliError(`port ${port} on ${host} is taken: pick another with --port N, or --port 0 for a free one`));
      else reject(new CliError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen(port, host, resolveListen);
  });
  const bound = server.address().port;
  hosts = allowedHosts(host, bound);
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/?token=${token}`,
    port: bound,
    token,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function parsePort(text) {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliError(`--port ${JSON.stringify(text)} is not a port: give 0 to 65535 (0 picks a free one)`, 2);
  return port;
}

/** The `studio` command: serves until SIGINT or SIGTERM; prints its one line on stdout. */
export async function runStudio(target, flags) {
  // Listening for the signals before the line is printed: whoever reads
  // the line may interrupt at once, and must get a clean exit.
  const interrupted = new Promise((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  const studio = await startStudio(target, { port: parsePort(flags.port), host: flags.host ?? "127.0.0.1", write: flags.write });
  console.log(`skilift studio: ${studio.url}`);
  await interrupted;
  await studio.close();
  return [];
}
