//! The WebAssembly binding layer: the only place with `#[wasm_bindgen]`.
//!
//! It turns JavaScript values into the engine's host traits ([`js_host`],
//! [`js_storage`], [`js_runtime`]), exposes one class per engine object
//! (`WasmStore`, `WasmSession`, `WasmView`, `WasmTransaction`), and turns
//! engine errors into JS `SkiliftError`s ([`convert`]). The public, idiomatic
//! JS surface (`Store`, `Session`, ...) is hand-written in `js/` on top of
//! these classes; users never see the `Wasm*` names.
//!
//! Architecture Invariant: per-document work (copying, freezing, JSON
//! checks) happens in JS (`js/host/documents.js`, called by the glue
//! object of `js/host/glue.js`), reached through [`glue::Glue`]; a
//! patch never converts a whole document to Rust.

mod convert;
mod glue;
mod js_host;
mod js_runtime;
mod js_storage;
mod memory_growth;
mod schema;
mod session;
mod slab;
mod storage_calls;
mod store;
mod transaction;
mod view;

use wasm_bindgen::prelude::*;

use crate::engine::strict;

pub use glue::Glue;
pub use session::WasmSession;
pub use storage_calls::calls_in_flight;
pub use store::WasmStore;
pub use transaction::WasmTransaction;
pub use view::WasmView;

/// Hands the engine its JS half (`js/host/glue.js`). Called once by the JS layer
/// right after the module is instantiated, before anything else.
///
/// ```js
/// import * as wasm from "../wasm/skilift.js";
/// import { glue } from "./glue.js";
/// wasm.installGlue(glue);
/// ```
#[wasm_bindgen(js_name = installGlue)]
pub fn install_glue(glue: Glue) {
    if let Err(thrown) = storage_calls::connect(&glue) {
        console_error(&format!(
            "skilift: the JS layer refused its storage calls: {thrown:?}"
        ));
    }
    glue::install(glue);
    // A panic is an engine bug; in wasm it aborts with a bare "unreachable".
    // Print its message first so the bug report says what went wrong.
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!("skilift: internal error (please report): {info}"));
    }));
}

/// The promise JS sees for an async method. Every method's future is boxed
/// first, so wasm-bindgen's promise glue (which inlines the future's poll)
/// exists once, not once per method: that was about 10 KB of wasm.
pub(crate) fn promise(
    future: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    let boxed: crate::engine::LocalBoxFuture<'static, Result<JsValue, JsValue>> = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = error, js_namespace = console)]
    fn console_error(message: &str);
}

/// Sets strict mode process-wide and returns the new value.
///
/// ```js
/// wasm.setStrict(false); // production
/// ```
/// The record text that restores `old` (a past version's stored text) over
/// `current` (the key's current stored text), for `skilift restore`: the
/// engine owns the record format, so tools ask it. Throws `bad_data` if
/// either does not decode, `needs_newer_version` if a newer version of
/// skilift wrote either. The fields of newer engines in `current` are kept.
#[wasm_bindgen(js_name = restoreRecord)]
pub fn restore_record(current: &str, old: &str) -> Result<String, JsValue> {
    use crate::engine::record::Record;
    use crate::engine::{Code, Error};
    let decode = |what: &str, text: &str| {
        Record::decode(text).map_err(|e| {
            convert::to_js(&Error::new(
                e.code(),
                format!("the {what} record: {}", e.reason()),
            ))
        })
    };
    let current = decode("current", current)?;
    let old = decode("old", old)?;
    current
        .restored_from(&old)
        .encode()
        .map_err(|why| convert::to_js(&Error::new(Code::NotJson, why)))
}

#[wasm_bindgen(js_name = setStrict)]
pub fn set_strict(value: bool) -> bool {
    strict::set(value)
}

/// Whether strict mode is on.
///
/// ```js
/// if (wasm.strictEnabled()) console.log("actions run twice");
/// ```
#[wasm_bindgen(js_name = strictEnabled)]
pub fn strict_enabled() -> bool {
    strict::enabled()
}
