// Loads the WebAssembly engine for browsers (wasm-bindgen `--target web`)
// and installs the glue. Top-level await: importers see a ready engine.
// Node uses engine.node.cjs instead (the build puts it in this file's place).

import init, * as wasm from "../wasm/skilift.js";
import { glue } from "./glue.js";

await init();
wasm.installGlue(glue);

export { wasm };
