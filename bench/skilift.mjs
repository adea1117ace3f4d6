// skilift as the benchmark sees it: the built package (pkg/, as published),
// plus a handle on the engine's wasm memory for the memory figures.
//
// The package does not export its wasm `Memory` (nor should it), so the
// benchmark watches the instantiation instead: it wraps
// `WebAssembly.Instance` while the package loads and keeps the instance
// whose exports hold a memory. Only the benchmark process is affected, and
// the wrapper is removed once the package is loaded.

import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const memories = [];
const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
    return instance;
  },
});
let skilift;
try {
  skilift = await import(join(root, "pkg", "node.mjs"));
} finally {
  WebAssembly.Instance = Instance;
}

export const { Store, MemoryBackend, strict } = skilift;

/** Bytes of the engine's wasm memory now (it only grows), or NaN if the instantiation was not seen. */
export const wasmMemoryBytes = () => (memories.length === 1 ? memories[0].buffer.byteLength : NaN);

/** Errors in the background are bugs in a benchmark: stop at once rather than report a figure of a broken run. */
export const failFast = (error) => {
  console.error(error);
  process.exit(1);
};
