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
const instances = [];
const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args, newTarget) {
    const instance = Reflect.construct(target, args, newTarget);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
    if (typeof instance.exports.liveBytes === "function") instances.push(instance);
    return instance;
  },
});
let skilift;
try {
  skilift = await import(join(root, "pkg", "node.mjs"));
} finally {
  WebAssembly.Instance = Instance;
}

export const { Store, MemoryBackend, strict, transaction } = skilift;

/**
 * Bytes the engine's allocator holds now (src/bindings/memory_growth.rs
 * counts them), or NaN: what idle sessions keep, where the memory's size
 * only tells the peak of the load.
 */
export const wasmLiveBytes = () => (instances.length === 1 ? instances[0].exports.liveBytes() : NaN);

/** Bytes of the engine's wasm memory now (it only grows, so: the peak), or NaN if the instantiation was not seen. */
export const wasmMemoryBytes = () => (memories.length === 1 ? memories[0].buffer.byteLength : NaN);

/** Errors in the background are bugs in a benchmark: stop at once rather than report a figure of a broken run. */
export const failFast = (error) => {
  console.error(error);
  process.exit(1);
};
