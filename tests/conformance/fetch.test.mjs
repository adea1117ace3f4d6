// The backend contract against FetchBackend talking over real HTTP (on
// 127.0.0.1) to createHandler serving a fresh MemoryBackend: this checks the
// client, the handler and the protocol between them at once; and the
// operations API (operations-api.mjs) and a rolling deploy
// (rolling-deploy-api.mjs) through the built package on it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { backendContract } from "./backend-contract.mjs";
import { operationsApi } from "./operations-api.mjs";
import { rollingDeployApi } from "./rolling-deploy-api.mjs";
import * as skilift from "../../pkg/node.mjs";
import { MemoryBackend } from "../../js/backends/memory/index.js";
import { createHandler } from "../../js/backends/http/server.js";
import { FetchBackend } from "../../js/backends/http/fetch.js";

async function open() {
  const server = http.createServer(createHandler(new MemoryBackend(), { admin: true, authorize: () => true }));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    backend: new FetchBackend(`http://127.0.0.1:${port}`),
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

backendContract("FetchBackend over createHandler(MemoryBackend)", open, {}, { describe, it, assert });
operationsApi("FetchBackend over createHandler(MemoryBackend)", open, { skilift, describe, it, assert });
rollingDeployApi("FetchBackend over createHandler(MemoryBackend)", open, { skilift, describe, it, assert });
