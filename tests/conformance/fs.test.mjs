// The backend contract against FsBackend, each test on a fresh temp directory.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendContract } from "./backend-contract.mjs";
import { FsBackend } from "../../js/backends/fs/index.js";

backendContract(
  "FsBackend",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "skilift-fs-contract-"));
    return { backend: new FsBackend(dir), close: () => rm(dir, { recursive: true, force: true }) };
  },
  {},
  { describe, it, assert },
);
