//! `WasmTransaction`: records the patches made inside `transaction(...)`
//! closures, then runs the protocol. `js/transaction.js` routes patches here.

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

use super::promise::promise;

use super::convert::{invalid_options, to_js};
use super::js_host::JsHost;
use super::session::{action_arg, WasmSession};
use crate::engine::{Code, Transaction};

/// A transaction being recorded.
///
/// ```js
/// const tx = new WasmTransaction();
/// tx.record(tom, true, giveMoney, [10]);
/// tx.record(bob, false, giveMoney, [10]);
/// const committed = await tx.commit();
/// ```
#[wasm_bindgen]
pub struct WasmTransaction {
    /// `None` once committed: a transaction runs once.
    inner: RefCell<Option<Transaction<JsHost>>>,
}

impl Default for WasmTransaction {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl WasmTransaction {
    /// An empty transaction.
    ///
    /// ```js
    /// const tx = new WasmTransaction();
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmTransaction {
        WasmTransaction {
            inner: RefCell::new(Some(Transaction::new())),
        }
    }

    /// Records a patch for the success (`committed = true`) or failure side;
    /// throws at once for a mistake.
    ///
    /// ```js
    /// tx.record(tom, true, giveMoney, [10]);
    /// ```
    pub fn record(
        &self,
        session: &WasmSession,
        committed: bool,
        func: JsValue,
        args: Array,
    ) -> Result<(), JsValue> {
        let func = action_arg(&func, Code::TransactionInvalidFunction)?;
        // Take the transaction out while the action runs: recording calls
        // the action, which could re-enter this object.
        let Some(mut tx) = self.inner.borrow_mut().take() else {
            return Err(to_js(&invalid_options("this transaction has already run")));
        };
        let result = tx.record(session.engine(), committed, &func, args);
        *self.inner.borrow_mut() = Some(tx);
        result.map_err(|e| to_js(&e))
    }

    /// Runs the protocol; resolves `true` if committed, `false` if aborted.
    ///
    /// ```js
    /// const committed = await tx.commit();
    /// ```
    pub fn commit(&self) -> Promise {
        let Some(tx) = self.inner.borrow_mut().take() else {
            return Promise::reject(&to_js(&invalid_options("this transaction has already run")));
        };
        // Called now, not inside the promise: the engine queues the prepares
        // synchronously, in the same turn as the patches before it (an
        // escrow lands in the same write as its pending record), and a
        // session stopped right after still saves its part.
        let outcome = tx.commit();
        promise(async move {
            let committed = outcome.await.map_err(|e| to_js(&e))?;
            Ok(JsValue::from_bool(committed))
        })
    }
}
