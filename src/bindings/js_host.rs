//! The engine's [`Host`] for JavaScript: documents are handles to deeply
//! frozen JS values ([`JsDoc`]), actions are JS functions compared by
//! identity, arguments are JS arrays, and errors are JS values.
//!
//! Each document operation is one call into `js/host/glue.js`, so the cost of a
//! patch is the cost of the JS work (an action on a copy-on-write draft,
//! js/host/draft.js) and no conversion of the document into Rust. Strict
//! mode's two runs and checks are one call too ([`Host::call_strict`]).

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::convert::{to_js, JsError};
use super::glue::{self, MISSING};
use super::js_runtime::JsRuntime;
use super::js_storage::JsStorage;
use super::schema::{self, Schema};
use crate::engine::record::Record;
use crate::engine::{Document, Host, HostData, StrictFailure, Verdict};

/// A handle to a deeply frozen JS value: the game's data for one key.
/// Cloning copies the handle, not the data.
#[derive(Clone, Debug)]
pub struct JsDoc(pub JsValue);

/// The message of a JS exception thrown by the glue (rare: a throwing
/// getter or a proxy in the data).
fn message(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

impl Document for JsDoc {
    fn to_json(&self) -> Result<String, String> {
        match glue::with(|g| g.to_json(&self.0)) {
            None => Err(MISSING.into()),
            Some(Err(e)) => Err(message(e)),
            Some(Ok(Some(text))) => Ok(text),
            Some(Ok(None)) => Err(self.json_problem().unwrap_or_else(|| "data".into())),
        }
    }

    fn from_json(text: &str) -> Result<Self, String> {
        match glue::with(|g| g.from_json(text)) {
            None => Err(MISSING.into()),
            Some(Err(e)) => Err(message(e)),
            Some(Ok(value)) => Ok(JsDoc(value)),
        }
    }

    fn from_json_owned(text: &str) -> Result<Self, String> {
        match glue::with(|g| g.parse_json(text)) {
            None => Err(MISSING.into()),
            Some(Err(e)) => Err(message(e)),
            Some(Ok(value)) => Ok(JsDoc(value)),
        }
    }

    fn from_host(data: &HostData) -> Option<Self> {
        data.0.downcast_ref::<JsValue>().cloned().map(JsDoc)
    }

    fn json_problem(&self) -> Option<String> {
        match glue::with(|g| g.json_problem(&self.0, "data")) {
            None => Some(MISSING.into()),
            // A value that makes the check itself throw is not plain JSON.
            Some(Err(_)) => Some("data".into()),
            Some(Ok(problem)) => problem,
        }
    }

    fn first_difference(&self, other: &Self) -> Option<String> {
        // The same object (a save that wrote the cache as it was): a cheap
        // `===` instead of a glue call.
        if self.0 == other.0 {
            return None;
        }
        match glue::with(|g| g.first_difference(&self.0, &other.0)) {
            None => Some(MISSING.into()),
            Some(Err(_)) => Some("data".into()),
            Some(Ok(difference)) => difference,
        }
    }
}

thread_local! {
    /// `Record::TAIL` as a JS string, made once.
    static TAIL: JsValue = JsValue::from_str(Record::TAIL);
}

/// One store's view of its JS host: the backend, the clock, and the
/// functions from its options.
pub struct JsHost {
    pub storage: Rc<JsStorage>,
    pub runtime: Rc<JsRuntime>,
    pub default_data: Function,
    pub schema: Option<Schema>,
    /// `onError`, or `undefined` for the default.
    pub on_error: JsValue,
}

fn missing_glue() -> JsValue {
    js_sys::Error::new(MISSING).into()
}

impl Host for JsHost {
    type Doc = JsDoc;
    type Func = Function;
    type Args = Array;
    type Error = JsValue;
    type Storage = JsStorage;
    type Runtime = JsRuntime;

    fn storage(&self) -> &Rc<JsStorage> {
        &self.storage
    }

    fn runtime(&self) -> &Rc<JsRuntime> {
        &self.runtime
    }

    fn call(&self, func: &Function, data: &JsDoc, args: &Array) -> Result<Option<JsDoc>, JsValue> {
        let result =
            glue::with(|g| g.call_action(func, &data.0, args)).ok_or_else(missing_glue)??;
        Ok((!result.is_undefined()).then_some(JsDoc(result)))
    }

    fn call_strict(
        &self,
        func: &Function,
        data: &JsDoc,
        args: &Array,
    ) -> Result<Option<JsDoc>, StrictFailure<JsValue>> {
        let Some(outcome) = glue::with(|g| g.call_action_strict(func, &data.0, args)) else {
            return Err(StrictFailure::Host(missing_glue()));
        };
        match outcome {
            Ok(result) => Ok((!result.is_undefined()).then_some(JsDoc(result))),
            // The glue throws its refusals as a marker object; anything else
            // is the action's own exception.
            Err(thrown) => Err(match glue::with(|g| g.strict_failure(&thrown)) {
                Some(Ok(Some(failure))) => {
                    strict_failure(&failure).unwrap_or(StrictFailure::Host(thrown))
                }
                _ => StrictFailure::Host(thrown),
            }),
        }
    }

    fn call_in_place(
        &self,
        func: &Function,
        data: JsDoc,
        args: &Array,
    ) -> Result<Option<JsDoc>, JsValue> {
        let result = glue::with(|g| g.call_action_in_place(func, &data.0, args))
            .ok_or_else(missing_glue)??;
        Ok((!result.is_undefined()).then_some(JsDoc(result)))
    }

    fn own(&self, data: &JsDoc) -> Option<JsDoc> {
        // No glue, or a draft refused: the replay goes safe, which needs
        // no draft.
        glue::with(|g| g.open_draft(&data.0))?.ok().map(JsDoc)
    }

    fn seal(&self, data: JsDoc) -> JsDoc {
        match glue::with(|g| g.seal(&data.0)) {
            Some(Ok(frozen)) => JsDoc(frozen),
            // Freezing a plain value cannot throw; a proxy in the data could.
            // The document is still correct, only not frozen.
            _ => data,
        }
    }

    fn default_data(&self) -> Result<JsDoc, JsValue> {
        let value =
            glue::with(|g| g.call_default(&self.default_data)).ok_or_else(missing_glue)??;
        Ok(JsDoc(value))
    }

    fn check_schema(&self, data: &JsDoc) -> Result<Verdict, JsValue> {
        match &self.schema {
            None => Ok(Verdict::Valid),
            Some(s) => schema::check(s, &data.0),
        }
    }

    fn record_text(
        &self,
        record: &mut Record,
        data: &JsDoc,
        base: Option<&JsDoc>,
    ) -> Result<JsValue, String> {
        let head = record.head();
        let none = JsValue::UNDEFINED;
        let base = base.map_or(&none, |b| &b.0);
        let text = TAIL.with(|tail| glue::with(|g| g.record_text(&head, &data.0, tail, base)));
        match text {
            None => Err(MISSING.into()),
            Some(Err(e)) => Err(message(e)),
            Some(Ok(text)) if text.is_undefined() => {
                Err(data.json_problem().unwrap_or_else(|| "data".into()))
            }
            Some(Ok(text)) => Ok(text),
        }
    }

    fn args_to_json(&self, args: &Array) -> Result<String, String> {
        match glue::with(|g| g.to_json(args)) {
            None => Err(MISSING.into()),
            Some(Ok(Some(text))) => Ok(text),
            Some(Ok(None)) | Some(Err(_)) => Err(glue::with(|g| g.json_problem(args, "args"))
                .and_then(Result::ok)
                .flatten()
                .unwrap_or_else(|| "args".into())),
        }
    }

    fn args_from_json(&self, json: &str) -> Result<Array, String> {
        let value = JsDoc::from_json(json)?.0;
        value
            .dyn_into::<Array>()
            .map_err(|_| "stored arguments are not a JSON array".into())
    }

    fn no_args(&self) -> Array {
        Array::new()
    }

    fn report(&self, error: &JsError, key: Option<&str>) {
        let value = to_js(error);
        // The glue swallows a throwing onError; if even that fails there is
        // nowhere left to report to, and background work must go on.
        let _ = glue::with(|g| g.report(&self.on_error, &value, key.map(str::to_owned)));
    }
}

/// Reads the glue's `"kind:path"` description of a strict refusal.
fn strict_failure(text: &str) -> Option<StrictFailure<JsValue>> {
    let (kind, path) = text.split_once(':')?;
    let path = path.to_owned();
    Some(match kind {
        "args" => StrictFailure::ArgsNotJson(path),
        "result" => StrictFailure::ResultNotJson(path),
        "differ" => StrictFailure::Differ(path),
        "cancel" => StrictFailure::OneCancelled,
        _ => return None,
    })
}
