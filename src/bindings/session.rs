//! `WasmSession`: the engine's `Session` for JS. The public `Session` class
//! in `js/session.js` wraps it (varargs `patch`, transaction routing, the
//! unbind function returned by `updated`).

use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

use super::promise::promise;
use wasm_bindgen::JsCast;

use super::convert::{describe, function_arg, invalid_options, string_arg, to_js};
use super::js_host::{JsDoc, JsHost};
use crate::engine::{Code, Error, Session};

/// One loaded key.
///
/// ```js
/// const session = store.load("player_1");
/// session.patch(addCoins, [10]);
/// await session.stop();
/// ```
#[wasm_bindgen]
pub struct WasmSession {
    session: Session<JsHost>,
}

impl WasmSession {
    pub(crate) fn new(session: Session<JsHost>) -> Self {
        WasmSession { session }
    }

    /// The engine session (for transactions).
    pub(crate) fn engine(&self) -> &Session<JsHost> {
        &self.session
    }
}

/// An action that is not a function cannot be registered, so it is reported
/// the same way as an unregistered one.
pub(crate) fn action_arg(func: &JsValue, code: Code) -> Result<Function, JsValue> {
    func.dyn_ref::<Function>().cloned().ok_or_else(|| {
        to_js(&Error::new(
            code,
            format!(
                "the action must be a registered function, got {}",
                describe(func)
            ),
        ))
    })
}

#[wasm_bindgen]
impl WasmSession {
    /// The key.
    ///
    /// ```js
    /// session.key; // "player_1"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.session.key().to_owned()
    }

    /// Applies a registered action with an array of arguments; `false` when
    /// it cancelled itself (returned `undefined`).
    ///
    /// ```js
    /// session.patch(addCoins, [10]); // true
    /// ```
    pub fn patch(&self, func: JsValue, args: Array) -> Result<bool, JsValue> {
        let func = action_arg(&func, Code::ActionInvalidFunction)?;
        self.session.patch(&func, args).map_err(|e| to_js(&e))
    }

    /// [`WasmSession::patch`] by registration index (what `store.action`
    /// returned): the JS layer maps functions to indexes, so the engine needs
    /// no call into JS to find the action. `args` is `undefined` for no
    /// arguments (the queued patch then holds no handle for them).
    /// `undefined` when no action has that index (the caller then falls
    /// back to `patch`).
    #[wasm_bindgen(js_name = patchRegistered)]
    pub fn patch_registered(
        &self,
        index: u32,
        args: Option<Array>,
    ) -> Result<Option<bool>, JsValue> {
        self.session
            .patch_registered(index as usize, args)
            .map_err(|e| to_js(&e))
    }

    /// An exactly-once patch: applied at once like `patch`, and stored only
    /// if the key has not applied `id` yet. The promise resolves `true` once
    /// a write that applied it is stored, `false` if the id was already
    /// applied (or the action cancelled); it rejects with `bad_data` if the
    /// key goes bad first. Mistakes of the call throw at once.
    ///
    /// ```js
    /// await session.patchOnce("receipt-1", grantGems, [100]); // true
    /// ```
    #[wasm_bindgen(js_name = patchOnce)]
    pub fn patch_once(&self, id: JsValue, func: JsValue, args: Array) -> Result<Promise, JsValue> {
        let id =
            string_arg(&id, "session.patchOnce(id, fn, ...args): id").map_err(|e| to_js(&e))?;
        let func = action_arg(&func, Code::ActionInvalidFunction)?;
        let applied = self
            .session
            .patch_once(&id, &func, args)
            .map_err(|e| to_js(&e))?;
        Ok(promise(async move {
            let applied = applied.await.map_err(|e| to_js(&e))?;
            Ok(JsValue::from_bool(applied))
        }))
    }

    /// Binds a callback (called at once with the current data); returns an
    /// id for `unbind`.
    ///
    /// ```js
    /// const id = session.updated((data) => render(data));
    /// ```
    pub fn updated(&self, callback: JsValue) -> Result<f64, JsValue> {
        let callback = function_arg(&callback, "session.updated(fn): fn").map_err(|e| to_js(&e))?;
        let id = self
            .session
            .updated(Rc::new(move |data: &JsDoc| {
                callback.call1(&JsValue::UNDEFINED, &data.0).map(|_| ())
            }))
            .map_err(|e| to_js(&e))?;
        // Ids count up from 0; they stay exact far beyond any real use.
        Ok(id as f64)
    }

    /// Unbinds a callback by id; unknown ids are ignored.
    ///
    /// ```js
    /// session.unbind(id);
    /// ```
    pub fn unbind(&self, id: f64) {
        if id.is_finite() && id >= 0.0 {
            self.session.unbind(id as u64);
        }
    }

    /// Adds a GDPR user id, written with the key from now on.
    ///
    /// ```js
    /// session.userid(12345);
    /// ```
    pub fn userid(&self, user: JsValue) -> Result<(), JsValue> {
        let Some(user) = user.as_f64() else {
            return Err(to_js(&invalid_options(format!(
                "session.userid(id): id must be a number, got {}",
                describe(&user)
            ))));
        };
        self.session.userid(user).map_err(|e| to_js(&e))
    }

    /// Stops pulling and makes the final save; resolves when it is done.
    ///
    /// ```js
    /// await session.stop();
    /// ```
    pub fn stop(&self) -> Promise {
        let stopped = self.session.stop();
        promise(async move {
            stopped.await.map_err(|e| to_js(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Resolves once a request that started after the call has succeeded
    /// (docs/api.md#sessionawait); never rejects.
    ///
    /// ```js
    /// await session.await();
    /// ```
    #[wasm_bindgen(js_name = "await")]
    pub fn r#await(&self) -> Promise {
        let next = self.session.r#await();
        promise(async move {
            next.await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Why the stored data must not be touched, or `undefined`.
    ///
    /// ```js
    /// if (session.bad()) console.error(session.bad());
    /// ```
    pub fn bad(&self) -> Option<String> {
        self.session.bad()
    }

    /// Whether the first pull has succeeded.
    ///
    /// ```js
    /// session.loaded(); // false right after load
    /// ```
    pub fn loaded(&self) -> bool {
        self.session.loaded()
    }

    /// The current (frozen) data; games read it through `updated`.
    ///
    /// ```js
    /// session.data().coins;
    /// ```
    pub fn data(&self) -> JsValue {
        self.session.data().0
    }
}
