//! `WasmView`: reading a key without loading a session.

use js_sys::{Date, Promise};
use wasm_bindgen::prelude::*;

use super::promise::promise;
use wasm_bindgen::JsCast;

use super::convert::{describe, invalid_options, string_arg, to_js};
use super::js_host::{JsDoc, JsHost};
use crate::engine::{Error, Store};

/// A read-only view of one key.
///
/// ```js
/// const view = store.view("player_1");
/// const now = await view.latest();
/// ```
#[wasm_bindgen]
pub struct WasmView {
    store: Store<JsHost>,
    key: String,
}

impl WasmView {
    pub(crate) fn new(store: Store<JsHost>, key: String) -> Self {
        WasmView { store, key }
    }
}

fn settle(result: Result<Option<JsDoc>, Error<JsValue>>) -> Result<JsValue, JsValue> {
    match result {
        Ok(Some(doc)) => Ok(doc.0),
        Ok(None) => Ok(JsValue::UNDEFINED),
        Err(e) => Err(to_js(&e)),
    }
}

#[wasm_bindgen]
impl WasmView {
    /// The current data, or `undefined` if the key was never written.
    ///
    /// ```js
    /// await view.latest(); // { coins: 10 }
    /// ```
    pub fn latest(&self) -> Promise {
        let (store, key) = (self.store.clone(), self.key.clone());
        promise(async move { settle(store.view(&key).latest().await) })
    }

    /// The data of a past version token.
    ///
    /// ```js
    /// await view.version("3");
    /// ```
    pub fn version(&self, version: JsValue) -> Result<Promise, JsValue> {
        let version =
            string_arg(&version, "view.version(version): version").map_err(|e| to_js(&e))?;
        let (store, key) = (self.store.clone(), self.key.clone());
        Ok(promise(async move {
            settle(store.view(&key).version(&version).await)
        }))
    }

    /// The data that was current at a time (a `Date` or ms since the epoch).
    ///
    /// ```js
    /// await view.timestamp(new Date("2024-01-01"));
    /// ```
    pub fn timestamp(&self, time: JsValue) -> Result<Promise, JsValue> {
        let ms = match time.dyn_ref::<Date>() {
            Some(date) => Some(date.get_time()),
            None => time.as_f64(),
        };
        let Some(ms) = ms.filter(|ms| ms.is_finite()) else {
            return Err(to_js(&invalid_options(format!(
                "view.timestamp(time): time must be a Date or a number of ms since the epoch, got {}",
                describe(&time)
            ))));
        };
        let (store, key) = (self.store.clone(), self.key.clone());
        Ok(promise(async move {
            settle(store.view(&key).timestamp(ms).await)
        }))
    }
}
