// The backend kit (skilift/testing, from the built package) on FsBackend:
// one temp directory, a new FsBackend on it for every client (as each server
// process would make its own).
import { after } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { FsBackend } from "../../js/backends/fs/index.js";

const dir = await mkdtemp(join(tmpdir(), "skilift-fs-contract-"));
after(() => rm(dir, { recursive: true, force: true }));

backendContract("FsBackend", () => new FsBackend(dir));
