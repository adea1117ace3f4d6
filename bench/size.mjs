// The size of the engine as users download it: the Node build's .wasm and
// the browser build's module that embeds the same wasm (LZMA-compressed, then base64
// in JS, which gzips differently, hence both). gzip -9, as the build prints.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./skilift.mjs";

export const FILES = ["pkg/cjs/wasm/skilift_bg.wasm", "pkg/esm/wasm/skilift_bytes.js"];

/** Returns `[{ file, raw, gzip }]` in bytes. */
export function benchSize() {
  return FILES.map((file) => {
    const bytes = readFileSync(join(root, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}
