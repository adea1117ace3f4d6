//! wasm-bindgen tests of the binding layer (src/bindings/), run in Node:
//! `wasm-pack test --node` (scripts/test-wasm.sh). The same cases run in
//! headless Chromium from tests/wasm_browser.rs.
//!
//! They drive the exported classes (`WasmStore`, `WasmSession`, `WasmView`,
//! `WasmTransaction`) from Rust, with the real JS glue installed
//! (support.rs), a backend object written in JS, and JS functions as actions
//! and callbacks.
#![cfg(target_arch = "wasm32")]

mod documents;
mod errors;
mod sessions;
mod support;
