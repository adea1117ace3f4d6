// Loads the WebAssembly engine for Node (wasm-bindgen `--target nodejs`,
// which instantiates synchronously, so `require` works) and installs the
// glue. The build copies this file to pkg/cjs/host/engine.cjs, in place of
// engine.js.
"use strict";

const wasm = require("../wasm/skilift.js");
const { glue } = require("./glue.cjs");

wasm.installGlue(glue);

exports.wasm = wasm;
