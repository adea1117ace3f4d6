//! The promise JS sees for each async method of the exported classes.

use wasm_bindgen::prelude::*;

/// The promise JS sees for an async method. Every method's future is boxed
/// first, so wasm-bindgen's promise glue (which inlines the future's poll)
/// exists once, not once per method: that was about 10 KB of wasm.
pub(crate) fn promise(
    future: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    let boxed: crate::engine::LocalBoxFuture<'static, Result<JsValue, JsValue>> = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}
