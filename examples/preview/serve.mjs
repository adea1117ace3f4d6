// Serves the repository root on 127.0.0.1 so the preview page can load the
// browser build (pkg/esm) by URL:
//
//   node examples/preview/serve.mjs [port]     then open the printed address
//
// Read-only: GET and HEAD only, never outside the repository root.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/** Starts serving; resolves `{ url, page, close }` (`page`: the preview's address). */
export async function serve(port = 0) {
  const server = createServer(async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return res.writeHead(405).end();
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      return res.writeHead(400).end();
    }
    if (path === "/") return res.writeHead(302, { location: "/examples/preview/" }).end();
    let file = resolve(join(ROOT, path));
    if ((file !== ROOT && !file.startsWith(ROOT + sep)) || path.includes("\0")) return res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise((ok, fail) => server.once("error", fail).listen(port, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    page: `${url}examples/preview/`,
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { page } = await serve(Number(process.argv[2] ?? process.env.PORT ?? 8080));
  console.log(`skilift preview: open ${page}  (Ctrl-C to stop; needs pkg/, made by npm run build)`);
}
