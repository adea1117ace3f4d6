// The backend contract against MemoryBackend (from the sources: adapters are
// plain JS and need no build).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backendContract } from "./backend-contract.mjs";
import { MemoryBackend } from "../../js/backends/memory/index.js";

backendContract("MemoryBackend", async () => ({ backend: new MemoryBackend() }), {}, { describe, it, assert });
