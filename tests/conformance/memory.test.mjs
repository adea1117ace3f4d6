// The backend kit (skilift/testing, from the built package) on MemoryBackend:
// one instance is the shared storage, so every client is that instance.
import { backendContract } from "../../pkg/cjs/testing/index.cjs";
import { MemoryBackend } from "../../js/backends/memory/index.js";

const shared = new MemoryBackend();
backendContract("MemoryBackend", () => shared);
