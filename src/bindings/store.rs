//! `WasmStore`: the engine's `Store` for JS. The public `Store` class in
//! `js/store.js` wraps it.

use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::promise::promise;

use super::convert::{function_arg, string_arg, to_js};
use super::js_host::JsHost;
use super::js_runtime::JsRuntime;
use super::js_storage::JsStorage;
use super::options::store_options;
use super::schema;
use super::session::{action_arg, WasmSession};
use super::view::WasmView;
use crate::engine::{Code, Host, Store};

/// One data store (a `name/scope` namespace in a backend).
///
/// ```js
/// const store = new WasmStore({ name: "players", defaultData: () => ({ coins: 0 }), backend });
/// const session = store.load("player_1");
/// ```
#[wasm_bindgen]
pub struct WasmStore {
    store: Store<JsHost>,
}

#[wasm_bindgen]
impl WasmStore {
    /// Checks the options and creates the store; throws `invalid_options`.
    ///
    /// ```js
    /// new WasmStore({ name: "players", defaultData: () => ({}), backend: new MemoryBackend() });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmStore, JsValue> {
        let decoded = store_options(&options).map_err(|e| to_js(&e))?;
        let host = JsHost {
            storage: Rc::new(JsStorage::new(decoded.backend)),
            runtime: Rc::new(JsRuntime),
            default_data: decoded.default_data,
            schema: decoded.schema,
            on_error: decoded.on_error,
        };
        if let Some(schema) = &host.schema {
            // An asynchronous Standard Schema is refused here, not at the
            // first patch, whenever the default data shows it.
            schema::probe(schema, &host.default_data()?.0)?;
        }
        let store = Store::new(host, decoded.engine).map_err(|e| to_js(&e))?;
        Ok(WasmStore { store })
    }

    /// The store's name.
    ///
    /// ```js
    /// store.name; // "players"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.store.name().to_owned()
    }

    /// The namespace of the store's keys in the backend, `name/scope`, as
    /// the engine names it (for `js/operations.js`, which calls the
    /// backend directly).
    ///
    /// ```js
    /// store.namespace; // "players/global"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn namespace(&self) -> String {
        self.store.namespace().to_owned()
    }

    /// The store's `requestTimeout`, in milliseconds (default 30 s).
    ///
    /// ```js
    /// store.requestTimeoutMs; // 30000
    /// ```
    #[wasm_bindgen(getter, js_name = requestTimeoutMs)]
    pub fn request_timeout_ms(&self) -> f64 {
        self.store.request_timeout_ms()
    }

    /// Registers a plain action; returns its registration index, for
    /// `WasmSession.patchRegistered`.
    ///
    /// ```js
    /// const index = store.action(addCoins);
    /// ```
    pub fn action(&self, func: JsValue) -> Result<u32, JsValue> {
        let func = function_arg(&func, "store.action(fn): fn").map_err(|e| to_js(&e))?;
        Ok(index_u32(self.store.action(func)))
    }

    /// Registers a transaction action under a permanent name.
    ///
    /// ```js
    /// store.transaction("giveCoins", giveCoins);
    /// ```
    /// Returns the action's registration index, as `action` does.
    pub fn transaction(&self, name: JsValue, func: JsValue) -> Result<u32, JsValue> {
        let name = string_arg(&name, "store.transaction(name, fn): name").map_err(|e| to_js(&e))?;
        let func = function_arg(&func, "store.transaction(name, fn): fn").map_err(|e| to_js(&e))?;
        self.store
            .transaction(&name, func)
            .map(index_u32)
            .map_err(|e| to_js(&e))
    }

    /// Starts loading a key; returns its session at once.
    ///
    /// ```js
    /// const session = store.load("player_1");
    /// ```
    pub fn load(&self, key: JsValue) -> Result<WasmSession, JsValue> {
        let key = string_arg(&key, "store.load(key): key").map_err(|e| to_js(&e))?;
        let session = self.store.load(&key).map_err(|e| to_js(&e))?;
        Ok(WasmSession::new(session))
    }

    /// A read-only view of a key.
    ///
    /// ```js
    /// const data = await store.view("player_1").latest();
    /// ```
    pub fn view(&self, key: JsValue) -> Result<WasmView, JsValue> {
        let key = string_arg(&key, "store.view(key): key").map_err(|e| to_js(&e))?;
        Ok(WasmView::new(self.store.clone(), key))
    }

    /// A one-shot write of a key this server need not keep loaded; the
    /// promise resolves `true` when stored, `false` if the action cancelled.
    ///
    /// ```js
    /// await store.update("player_2", addCoins, [10]); // true
    /// ```
    pub fn update(&self, key: JsValue, func: JsValue, args: Array) -> Result<Promise, JsValue> {
        let key = string_arg(&key, "store.update(key, fn, ...args): key").map_err(|e| to_js(&e))?;
        let func = action_arg(&func, Code::ActionInvalidFunction)?;
        let saved = self.store.update(&key, func, args).map_err(|e| to_js(&e))?;
        Ok(promise(async move {
            let stored = saved.await.map_err(|e| to_js(&e))?;
            Ok(JsValue::from_bool(stored))
        }))
    }

    /// `update`, applied only if the key has not applied `id` yet: `false`
    /// also when it had.
    ///
    /// ```js
    /// await store.updateOnce("player_2", "gift-7", addCoins, [10]); // true
    /// ```
    #[wasm_bindgen(js_name = updateOnce)]
    pub fn update_once(
        &self,
        key: JsValue,
        id: JsValue,
        func: JsValue,
        args: Array,
    ) -> Result<Promise, JsValue> {
        let key = string_arg(&key, "store.updateOnce(key, id, fn, ...args): key")
            .map_err(|e| to_js(&e))?;
        let id =
            string_arg(&id, "store.updateOnce(key, id, fn, ...args): id").map_err(|e| to_js(&e))?;
        let func = action_arg(&func, Code::ActionInvalidFunction)?;
        let saved = self
            .store
            .update_once(&key, &id, func, args)
            .map_err(|e| to_js(&e))?;
        Ok(promise(async move {
            let stored = saved.await.map_err(|e| to_js(&e))?;
            Ok(JsValue::from_bool(stored))
        }))
    }

    /// Makes a past version's data the key's current data (a normal
    /// compare-and-set; open sessions see it at their next pull).
    ///
    /// ```js
    /// await store.restore("player_2", "41");
    /// ```
    pub fn restore(&self, key: JsValue, version: JsValue) -> Result<Promise, JsValue> {
        let what = "store.restore(key, version)";
        let key = string_arg(&key, &format!("{what}: key")).map_err(|e| to_js(&e))?;
        let version = string_arg(&version, &format!("{what}: version")).map_err(|e| to_js(&e))?;
        let store = self.store.clone();
        Ok(promise(async move {
            store.restore(&key, &version).await.map_err(|e| to_js(&e))?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// The counters since the store was made, as a plain object (cheap: a
    /// copy of nine numbers).
    ///
    /// ```js
    /// store.stats(); // { sessions: 1, loads: 1, pulls: 3, writes: 2, ... }
    /// ```
    pub fn stats(&self) -> Object {
        let s = self.store.stats();
        let object = Object::new();
        for (name, value) in [
            ("sessions", s.sessions),
            ("loads", s.loads),
            ("pulls", s.pulls),
            ("writes", s.writes),
            ("conflicts", s.conflicts),
            ("retries", s.retries),
            ("failures", s.failures),
            ("bad", s.bad),
            ("needsNewerVersion", s.needs_newer_version),
        ] {
            // Setting a data property on a fresh plain object cannot throw.
            let _ = Reflect::set(
                &object,
                &JsValue::from_str(name),
                &JsValue::from_f64(value as f64),
            );
        }
        object
    }

    /// Stops every session of the store and waits for their final saves.
    ///
    /// ```js
    /// await store.close();
    /// ```
    pub fn close(&self) -> Promise {
        let store = self.store.clone();
        promise(async move {
            store.close().await.map_err(|e| to_js(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// A registration index for JS; no store registers four billion actions.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
