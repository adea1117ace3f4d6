//! The JS half of the document work (`js/host/glue.js`), as Rust sees it.
//!
//! Documents are frozen JS values; copying one for an action, freezing a
//! result, checking JSON and comparing documents all happen in JS, where the
//! values live. The glue object is installed once per module instance
//! ([`install`]) instead of being imported as a wasm-bindgen snippet, so the
//! same `.wasm` works in every wasm-bindgen target (CommonJS for Node,
//! ES modules for browsers).
//!
//! Every import is `catch`: a JS exception must never unwind through Rust
//! frames (it would leave `RefCell` borrows held).

use std::cell::RefCell;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The object exported as `glue` by `js/host/glue.js`.
    #[derive(Clone)]
    pub type Glue;

    /// Runs `func(copy of data, ...args)`; returns its frozen result, or
    /// `undefined` when the action cancelled. Rethrows the action's exception.
    #[wasm_bindgen(method, catch, js_name = callAction)]
    pub fn call_action(
        this: &Glue,
        func: &Function,
        data: &JsValue,
        args: &Array,
    ) -> Result<JsValue, JsValue>;

    /// Strict mode's checked call: arguments JSON, two runs, result JSON,
    /// equal results. Returns the first result (or `undefined`); throws the
    /// action's exception, or a refusal that [`Glue::strict_failure`] reads.
    #[wasm_bindgen(method, catch, js_name = callActionStrict)]
    pub fn call_action_strict(
        this: &Glue,
        func: &Function,
        data: &JsValue,
        args: &Array,
    ) -> Result<JsValue, JsValue>;

    /// `"kind:path"` when `thrown` is a strict refusal of `callActionStrict`.
    #[wasm_bindgen(method, catch, js_name = strictFailure)]
    pub fn strict_failure(this: &Glue, thrown: &JsValue) -> Result<Option<String>, JsValue>;

    /// Runs `func(data, ...args)` on `data` itself (the engine owns it and
    /// drops it afterwards): no copy, no freeze. Rethrows the exception.
    #[wasm_bindgen(method, catch, js_name = callActionInPlace)]
    pub fn call_action_in_place(
        this: &Glue,
        func: &Function,
        data: &JsValue,
        args: &Array,
    ) -> Result<JsValue, JsValue>;

    /// A draft of frozen `base` that in-place actions may change, for one
    /// replay; `seal` finishes it (js/host/draft.js).
    #[wasm_bindgen(method, catch, js_name = openDraft)]
    pub fn open_draft(this: &Glue, base: &JsValue) -> Result<JsValue, JsValue>;

    /// Finishes the open draft with its result, or deeply freezes a value
    /// the engine owns; returns the frozen value.
    #[wasm_bindgen(method, catch)]
    pub fn seal(this: &Glue, value: &JsValue) -> Result<JsValue, JsValue>;

    /// Parses JSON text into a value that is not frozen (for in-place work).
    #[wasm_bindgen(method, catch, js_name = parseJson)]
    pub fn parse_json(this: &Glue, text: &str) -> Result<JsValue, JsValue>;

    /// Runs `defaultData()` and returns a frozen copy of its result.
    #[wasm_bindgen(method, catch, js_name = callDefault)]
    pub fn call_default(this: &Glue, func: &Function) -> Result<JsValue, JsValue>;

    /// JSON text of a value, or `undefined` when it is not plain JSON. (A
    /// pull's record does not come this way: `record_text` joins it in JS.)
    #[wasm_bindgen(method, catch, js_name = toJson)]
    pub fn to_json(this: &Glue, value: &JsValue) -> Result<Option<String>, JsValue>;

    /// `head`, the JSON text of `value`, then `tail`, as one JS string (a
    /// pull's record: the engine writes the envelope, the data text stays
    /// in JS); `undefined` when the value is not plain JSON. What `value`
    /// shares with `base` (a plain JSON document, or `undefined`) is not
    /// checked again.
    #[wasm_bindgen(method, catch, js_name = recordText)]
    pub fn record_text(
        this: &Glue,
        head: &str,
        value: &JsValue,
        tail: &JsValue,
        base: &JsValue,
    ) -> Result<JsValue, JsValue>;

    /// Parses JSON text into a deeply frozen value; throws on bad text.
    #[wasm_bindgen(method, catch, js_name = fromJson)]
    pub fn from_json(this: &Glue, text: &str) -> Result<JsValue, JsValue>;

    /// Path (from `root`) of the first value that is not plain JSON.
    #[wasm_bindgen(method, catch, js_name = jsonProblem)]
    pub fn json_problem(
        this: &Glue,
        value: &JsValue,
        root: &str,
    ) -> Result<Option<String>, JsValue>;

    /// Path of the first place where two values differ as JSON.
    #[wasm_bindgen(method, catch, js_name = firstDifference)]
    pub fn first_difference(
        this: &Glue,
        a: &JsValue,
        b: &JsValue,
    ) -> Result<Option<String>, JsValue>;

    /// A new `SkiliftError` with this code and message.
    #[wasm_bindgen(method, catch, js_name = makeError)]
    pub fn make_error(this: &Glue, code: &str, message: &str) -> Result<JsValue, JsValue>;

    /// Calls `onError(error, key)` (or the default), swallowing its exceptions.
    #[wasm_bindgen(method, catch)]
    pub fn report(
        this: &Glue,
        on_error: &JsValue,
        error: &JsValue,
        key: Option<String>,
    ) -> Result<(), JsValue>;

    /// A short description of a value for error messages (`"a number"`).
    #[wasm_bindgen(method, catch)]
    pub fn describe(this: &Glue, value: &JsValue) -> Result<String, JsValue>;
}

thread_local! {
    static GLUE: RefCell<Option<Glue>> = const { RefCell::new(None) };
}

/// Installs the glue; a second install replaces the first. (One made from
/// inside a glue call, which the package never does, is ignored: the
/// glue is in use.)
pub fn install(glue: Glue) {
    GLUE.with(|g| {
        if let Ok(mut slot) = g.try_borrow_mut() {
            *slot = Some(glue);
        }
    });
}

/// Runs `f` with the installed glue, or returns `None` when the JS layer has
/// not installed it (the wasm module used without `js/`).
pub fn with<T>(f: impl FnOnce(&Glue) -> T) -> Option<T> {
    // A shared borrow is held while `f` calls into JS; JS calling back into
    // the engine only takes more shared borrows. Not cloning the handle
    // saves two externref-table operations on every document call (a patch
    // makes one).
    GLUE.with(|g| g.borrow().as_ref().map(f))
}

/// The message used when the glue is missing.
pub const MISSING: &str = "skilift's JS layer is not installed; import the package entry point instead of the raw wasm module";
