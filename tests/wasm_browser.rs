//! The wasm-bindgen tests of tests/wasm/, run in a browser:
//! `wasm-pack test --headless --chrome` (scripts/test-wasm.sh). A test crate
//! runs in one environment only, so this crate includes the same modules and
//! asks for a browser; `wasm-pack test --node` skips it, and the `--chrome`
//! run skips tests/wasm/main.rs.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm/documents.rs"]
mod documents;
#[path = "wasm/errors.rs"]
mod errors;
#[path = "wasm/sessions.rs"]
mod sessions;
#[path = "wasm/support.rs"]
mod support;
