// The operations API (keys, keysByUser, remove, restore, history) and a
// rolling deploy (rolling-deploy-api.mjs) through the public Store, on the
// in-process backends: MemoryBackend and FsBackend.
// The network and server backends run the same suite in their own files
// (fetch.test.mjs, postgres.test.mjs, redis.test.mjs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as skilift from "../../pkg/node.mjs";
import { operationsApi } from "./operations-api.mjs";
import { rollingDeployApi } from "./rolling-deploy-api.mjs";
import { FsBackend } from "../../js/backends/fs/index.js";

const harness = { skilift, describe, it, assert };

const memory = async () => ({ backend: new skilift.MemoryBackend() });
async function fs() {
  const dir = await mkdtemp(join(tmpdir(), "skilift-fs-ops-"));
  return { backend: new FsBackend(dir), close: () => rm(dir, { recursive: true, force: true }) };
}

operationsApi("MemoryBackend", memory, harness);
operationsApi("FsBackend", fs, harness);
rollingDeployApi("MemoryBackend", memory, harness);
rollingDeployApi("FsBackend", fs, harness);
