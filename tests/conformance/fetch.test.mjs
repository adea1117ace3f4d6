// The backend kit (skilift/testing, from the built package) on FetchBackend
// talking over real HTTP (on 127.0.0.1) to createHandler serving one
// MemoryBackend: this checks the client, the handler and the protocol
// between them at once. Every client is a new FetchBackend on the server.
import { after } from "node:test";
import http from "node:http";
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { createHandler } from "../../js/backends/http/server.js";
import { FetchBackend } from "../../js/backends/http/fetch.js";

// admin: the kit tests listing, user-id search, history and removal too.
const server = http.createServer(createHandler(new MemoryBackend(), { authorize: () => true, admin: true }));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address();
after(
  () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
);

backendContract("FetchBackend over createHandler(MemoryBackend)", () => new FetchBackend(`http://127.0.0.1:${port}`));
