// Loads the WebAssembly engine for browsers (wasm-bindgen `--target web`)
// and installs the glue. Synchronous, from bytes embedded in a JS module
// (scripts/embed-wasm.mjs): no top-level await and no .wasm file to fetch,
// so every bundler takes it at its defaults; importers see a ready engine.
// Node uses engine.node.cjs instead (the build puts it in this file's place).

import * as wasm from "../wasm/skilift.js";
import { bytes } from "../wasm/skilift_bytes.js";
import { glue } from "./glue.js";

wasm.initSync({ module: bytes });
wasm.installGlue(glue);

export { wasm };
