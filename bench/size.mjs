// The size of the engine as users download it, gzip -9 as the build prints:
// the Node build's .wasm (profile `release`), the browser build's module
// that embeds its own wasm (profile `browser`, opt-level "z";
// LZMA-compressed, then base64 in JS, which gzips differently), and that
// embedded wasm itself, decoded: what the "wasm ≤ 100 KB" target weighs,
// since the page is where the engine is downloaded.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { root } from "./skilift.mjs";

export const FILES = ["pkg/cjs/wasm/skilift_bg.wasm", "pkg/esm/wasm/skilift_bytes.js"];
export const BROWSER_WASM = "the browser's wasm (skilift_bytes.js decoded)";

/** Returns `[{ file, raw, gzip }]` in bytes. */
export async function benchSize() {
  const sized = (file, bytes) => ({ file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  const files = FILES.map((file) => sized(file, readFileSync(join(root, file))));
  const { bytes } = await import(pathToFileURL(join(root, "pkg/esm/wasm/skilift_bytes.js")).href);
  return [...files, sized(BROWSER_WASM, bytes)];
}
