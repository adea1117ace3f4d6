//! The engine's [`Storage`] over a JS backend object (docs/backend-contract.md).
//!
//! Each call looks the method up on the object, calls it, and awaits the
//! promise. A synchronous throw or a rejection is [`StorageError::Failed`]
//! carrying the backend's own exception; an answer of the wrong shape is
//! [`StorageError::Invalid`] (reported as `backend_invalid_response`).
//! Calls start when the engine first polls the future, not when it is built.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::convert::{describe, entry};
use crate::engine::{Entry, Storage, StorageError, StorageFuture};

/// A backend object supplied in the store's options.
pub struct JsStorage {
    backend: JsValue,
}

type Answer = Result<JsValue, StorageError<JsValue>>;

impl JsStorage {
    pub fn new(backend: JsValue) -> Self {
        JsStorage { backend }
    }

    /// Whether the backend has a method called `name`.
    fn has(&self, name: &str) -> bool {
        Reflect::get(&self.backend, &JsValue::from_str(name))
            .map(|m| m.is_function())
            .unwrap_or(false)
    }
}

/// Calls `backend[method](...args)` and awaits its answer.
async fn call(backend: JsValue, method: &'static str, args: Array) -> Answer {
    let func = Reflect::get(&backend, &JsValue::from_str(method)).map_err(StorageError::Failed)?;
    let Some(func) = func.dyn_ref::<Function>() else {
        return Err(StorageError::Invalid(format!(
            "the backend has no {method}() method"
        )));
    };
    let returned = func.apply(&backend, &args).map_err(StorageError::Failed)?;
    // `Promise.resolve` also accepts a plain value from a synchronous backend.
    JsFuture::from(Promise::resolve(&returned))
        .await
        .map_err(StorageError::Failed)
}

fn strings(parts: &[&str]) -> Array {
    parts.iter().map(|s| JsValue::from_str(s)).collect()
}

/// `backend[method](...args)` read as an entry; its `value` is left empty
/// when its version is `known` (`Storage::get_unless`).
fn entry_future(
    backend: JsValue,
    method: &'static str,
    args: Array,
    known: Option<String>,
) -> StorageFuture<Option<Entry>, JsValue> {
    Box::pin(async move {
        let answer = call(backend, method, args).await?;
        entry(&answer, known.as_deref())
            .map_err(|why| StorageError::Invalid(format!("{method}() answered garbage: {why}")))
    })
}

impl Storage for JsStorage {
    type Error = JsValue;

    fn get(&self, store: &str, key: &str) -> StorageFuture<Option<Entry>, JsValue> {
        entry_future(self.backend.clone(), "get", strings(&[store, key]), None)
    }

    fn get_unless(
        &self,
        store: &str,
        key: &str,
        known: &str,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        let args = strings(&[store, key]);
        entry_future(self.backend.clone(), "get", args, Some(known.to_owned()))
    }

    fn put(
        &self,
        store: &str,
        key: &str,
        value: String,
        expected: Option<String>,
        user_ids: Vec<f64>,
    ) -> StorageFuture<Option<String>, JsValue> {
        let backend = self.backend.clone();
        let args = strings(&[store, key, &value]);
        args.push(&expected.map_or(JsValue::NULL, |v| JsValue::from_str(&v)));
        let meta = Object::new();
        let ids: Array = user_ids.into_iter().map(JsValue::from_f64).collect();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&meta, &JsValue::from_str("userIds"), &ids);
        args.push(&meta);
        Box::pin(async move {
            let answer = call(backend, "put", args).await?;
            if answer.is_null() {
                Ok(None)
            } else if let Some(version) = answer.as_string() {
                Ok(Some(version))
            } else {
                Err(StorageError::Invalid(format!(
                    "put() must resolve the new version string or null, got {}",
                    describe(&answer)
                )))
            }
        })
    }

    fn has_history(&self) -> bool {
        self.has("getVersion") && self.has("getAtTime")
    }

    fn get_version(
        &self,
        store: &str,
        key: &str,
        version: &str,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        entry_future(
            self.backend.clone(),
            "getVersion",
            strings(&[store, key, version]),
            None,
        )
    }

    fn get_at_time(
        &self,
        store: &str,
        key: &str,
        time_ms: f64,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        let args = strings(&[store, key]);
        args.push(&JsValue::from_f64(time_ms));
        entry_future(self.backend.clone(), "getAtTime", args, None)
    }

    fn same_backend(&self, other: &Self) -> bool {
        self.backend == other.backend
    }

    fn has_remove(&self) -> bool {
        self.has("remove")
    }

    fn remove(&self, store: &str, key: &str) -> StorageFuture<(), JsValue> {
        let backend = self.backend.clone();
        let args = strings(&[store, key]);
        Box::pin(async move {
            // Whatever it resolves to, resolving is the answer.
            call(backend, "remove", args).await.map(|_| ())
        })
    }
}
