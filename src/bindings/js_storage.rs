//! The engine's [`Storage`] over a JS backend object (docs/backend-contract.md).
//!
//! Each call is one glue call (`js/host/storage.js`): it looks the method
//! up, calls it, checks the shape of what the promise resolves to, and
//! answers through the exports of [`storage_calls`](super::storage_calls).
//! A synchronous throw or a rejection is [`StorageError::Failed`] carrying
//! the backend's own exception; an answer of the wrong shape is
//! [`StorageError::Invalid`] (reported as `backend_invalid_response`).
//! Calls start when the engine first polls the future, not when it is built.

use std::cell::RefCell;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use super::glue::{self, Glue};
use super::storage_calls::{Answer, Call, Reply};
use crate::engine::{Entry, Storage, StorageError, StorageFuture};

#[wasm_bindgen]
extern "C" {
    /// Calls `backend[method](store, key[, extra])`; answers with an entry
    /// (its value left out when its version is `known`; with `split`, its
    /// data parsed in JS and left out of the value: `Entry::data`), nothing,
    /// invalid or failed. `false` when the backend has no such method.
    #[wasm_bindgen(method, catch, js_name = getEntry)]
    fn get_entry(
        this: &Glue,
        backend: &JsValue,
        method: &str,
        store: &JsValue,
        key: &str,
        extra: &JsValue,
        known: Option<String>,
        slot: u32,
        serial: f64,
        split: bool,
    ) -> Result<bool, JsValue>;

    /// Calls `backend.put(store, key, value, expected, { userIds })`;
    /// answers with the new version, nothing (`null`), invalid or failed.
    /// `user_ids` is an array, or `undefined` for none (most saves: no
    /// typed-array view of wasm memory is made for nothing).
    #[wasm_bindgen(method, catch, js_name = putRecord)]
    fn put_record(
        this: &Glue,
        backend: &JsValue,
        store: &JsValue,
        key: &str,
        value: &JsValue,
        expected: Option<String>,
        user_ids: &JsValue,
        slot: u32,
        serial: f64,
    ) -> Result<bool, JsValue>;

    /// Calls `backend.remove(store, key)`; answers nothing or failed.
    #[wasm_bindgen(method, catch, js_name = removeKey)]
    fn remove_key(
        this: &Glue,
        backend: &JsValue,
        store: &str,
        key: &str,
        slot: u32,
        serial: f64,
    ) -> Result<bool, JsValue>;
}

/// A backend object supplied in the store's options.
pub struct JsStorage {
    backend: JsValue,
    /// The last store name passed, as a JS string: a store's sessions all
    /// use one namespace, so it crosses the boundary once, not per call.
    store: RefCell<Option<(String, JsValue)>>,
}

impl JsStorage {
    pub fn new(backend: JsValue) -> Self {
        JsStorage {
            backend,
            store: RefCell::new(None),
        }
    }

    /// `get`, its value left out when its version is `known`; with `split`,
    /// its data parsed in JS (`Entry::data`).
    fn read(
        &self,
        store: &str,
        key: &str,
        known: Option<String>,
        split: bool,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        let (backend, store) = (self.backend.clone(), self.store_name(store));
        let extra = JsValue::UNDEFINED;
        entry_future(backend, "get", store, key, extra, known, split)
    }

    /// `store` as a JS string.
    fn store_name(&self, store: &str) -> JsValue {
        let mut cached = self.store.borrow_mut();
        match &*cached {
            Some((name, value)) if name == store => value.clone(),
            _ => {
                let value = JsValue::from_str(store);
                *cached = Some((store.to_owned(), value.clone()));
                value
            }
        }
    }

    /// Whether the backend has a method called `name`.
    fn has(&self, name: &str) -> bool {
        Reflect::get(&self.backend, &JsValue::from_str(name))
            .map(|m| m.is_function())
            .unwrap_or(false)
    }
}

/// Runs a glue call, or fails as the backend would if the JS layer is missing.
fn with_glue(f: impl FnOnce(&Glue) -> Result<bool, JsValue>) -> Result<bool, JsValue> {
    glue::with(f).unwrap_or_else(|| Err(js_sys::Error::new(glue::MISSING).into()))
}

fn unexpected<T>(method: &str) -> Result<T, StorageError<JsValue>> {
    Err(StorageError::Invalid(format!(
        "internal: {method}() was answered as another method"
    )))
}

fn as_entry(answer: Answer, method: &str) -> Result<Option<Entry>, StorageError<JsValue>> {
    match answer? {
        Reply::Nothing => Ok(None),
        Reply::Entry(e) => Ok(Some(e)),
        Reply::Version(_) => unexpected(method),
    }
}

/// `backend[method](store, key[, extra])` read as an entry; its `value` is
/// left empty when its version is `known` (`Storage::get_unless`).
fn entry_future(
    backend: JsValue,
    method: &'static str,
    store: JsValue,
    key: &str,
    extra: JsValue,
    known: Option<String>,
    split: bool,
) -> StorageFuture<Option<Entry>, JsValue> {
    let key = key.to_owned();
    let call = Call::new(method, move |slot, serial| {
        with_glue(|g| {
            g.get_entry(
                &backend, method, &store, &key, &extra, known, slot, serial, split,
            )
        })
    });
    Box::pin(async move { as_entry(call.await, method) })
}

impl Storage for JsStorage {
    type Error = JsValue;
    /// A JS string: a pull's record is joined in JS (`JsHost::record_text`).
    type Text = JsValue;

    fn get(&self, store: &str, key: &str) -> StorageFuture<Option<Entry>, JsValue> {
        self.read(store, key, None, false)
    }

    fn get_unless(
        &self,
        store: &str,
        key: &str,
        known: &str,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        self.read(store, key, Some(known.to_owned()), false)
    }

    fn get_to_build(
        &self,
        store: &str,
        key: &str,
        known: Option<&str>,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        self.read(store, key, known.map(str::to_owned), true)
    }

    fn put(
        &self,
        store: &str,
        key: &str,
        value: JsValue,
        expected: Option<String>,
        user_ids: Vec<f64>,
    ) -> StorageFuture<Option<String>, JsValue> {
        let backend = self.backend.clone();
        let (store, key) = (self.store_name(store), key.to_owned());
        let ids = if user_ids.is_empty() {
            JsValue::UNDEFINED
        } else {
            user_ids
                .into_iter()
                .map(JsValue::from_f64)
                .collect::<Array>()
                .into()
        };
        let call = Call::new("put", move |slot, serial| {
            with_glue(|g| {
                g.put_record(&backend, &store, &key, &value, expected, &ids, slot, serial)
            })
        });
        Box::pin(async move {
            match call.await? {
                Reply::Nothing => Ok(None),
                Reply::Version(v) => Ok(Some(v)),
                Reply::Entry(_) => unexpected("put"),
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
        let (backend, version) = (self.backend.clone(), JsValue::from_str(version));
        entry_future(
            backend,
            "getVersion",
            self.store_name(store),
            key,
            version,
            None,
            false,
        )
    }

    fn get_at_time(
        &self,
        store: &str,
        key: &str,
        time_ms: f64,
    ) -> StorageFuture<Option<Entry>, JsValue> {
        let (backend, time) = (self.backend.clone(), JsValue::from_f64(time_ms));
        entry_future(
            backend,
            "getAtTime",
            self.store_name(store),
            key,
            time,
            None,
            false,
        )
    }

    fn same_backend(&self, other: &Self) -> bool {
        self.backend == other.backend
    }

    fn has_remove(&self) -> bool {
        self.has("remove")
    }

    fn remove(&self, store: &str, key: &str) -> StorageFuture<(), JsValue> {
        let backend = self.backend.clone();
        let (store, key) = (store.to_owned(), key.to_owned());
        let call = Call::new("remove", move |slot, serial| {
            with_glue(|g| g.remove_key(&backend, &store, &key, slot, serial))
        });
        // Whatever it resolves to, resolving is the answer.
        Box::pin(async move { call.await.map(|_| ()) })
    }
}
