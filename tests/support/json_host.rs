//! `JsonHost`: a `Host` whose documents are `serde_json::Value`s.
//!
//! Owns the test-side notions of document, action and error report. JSON
//! values cannot hold what JavaScript can (NaN, functions, cycles), so "not
//! plain JSON" is modelled by an object with the key [`NOT_JSON`]: the engine
//! sees the same `json_problem` / `to_json` failures it would see in WASM.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use serde_json::Value;
use skilift::engine::{Document, Error, Host, Verdict};

use super::runtime::SimRuntime;
use super::storage::SimStorage;

/// An object holding this key stands for a value that is not plain JSON.
pub const NOT_JSON: &str = "$notjson";

/// Path of the first object (depth first, keys in order) holding
/// [`NOT_JSON`], written from `root` as `root.items[2].x`.
pub fn not_json_path(v: &Value, root: &str) -> Option<String> {
    match v {
        Value::Object(m) if m.contains_key(NOT_JSON) => Some(root.to_string()),
        Value::Object(m) => m
            .iter()
            .find_map(|(k, c)| not_json_path(c, &format!("{root}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, c)| not_json_path(c, &format!("{root}[{i}]"))),
        _ => None,
    }
}

/// Path of the first place where `a` and `b` differ. Numbers compare as f64
/// because JSON (and JS) does not distinguish `1` from `1.0`.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(u, v, &p),
                    _ => Some(p),
                }
            })
        }
        (Value::Array(x), Value::Array(y)) => (0..x.len().max(y.len())).find_map(|i| {
            let p = format!("{path}[{i}]");
            match (x.get(i), y.get(i)) {
                (Some(u), Some(v)) => first_difference(u, v, &p),
                _ => Some(p),
            }
        }),
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonDoc(pub Value);

thread_local! {
    /// How many documents this thread decoded from JSON text (a pull that
    /// starts from the record it knows decodes none).
    static DECODES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The documents decoded from JSON text on this thread so far.
pub fn decodes() -> u64 {
    DECODES.with(|n| n.get())
}

impl Document for JsonDoc {
    fn to_json(&self) -> Result<String, String> {
        match self.json_problem() {
            Some(path) => Err(path),
            None => serde_json::to_string(&self.0).map_err(|e| e.to_string()),
        }
    }

    fn from_json(text: &str) -> Result<Self, String> {
        DECODES.with(|n| n.set(n.get() + 1));
        serde_json::from_str(text)
            .map(JsonDoc)
            .map_err(|e| e.to_string())
    }

    /// The data a pull's read decoded (`SimStorage::get_to_build`): counted
    /// as a decode, as it was one.
    fn from_host(data: &skilift::engine::HostData) -> Option<Self> {
        let value = data.0.downcast_ref::<Value>()?;
        DECODES.with(|n| n.set(n.get() + 1));
        Some(JsonDoc(value.clone()))
    }

    fn json_problem(&self) -> Option<String> {
        not_json_path(&self.0, "data")
    }

    fn first_difference(&self, other: &Self) -> Option<String> {
        first_difference(&self.0, &other.0, "data")
    }
}

pub type ActionFn = Rc<dyn Fn(&Value, &Value) -> Result<Option<Value>, String>>;

/// A registered action or migration: `f(data, args)` returns the new data,
/// `Ok(None)` to cancel, `Err` to throw. Equal when the names are (the engine
/// compares functions by identity; a name is the test's identity).
#[derive(Clone)]
pub struct JsonFn {
    pub name: String,
    pub f: ActionFn,
    /// The same action editing its argument in place, when it has that form:
    /// `call_in_place` uses it with no copy, so an action that fails halfway
    /// leaves its document half-changed, as a JS action does.
    pub in_place: Option<InPlaceFn>,
}

pub type InPlaceFn = Rc<dyn Fn(&mut Value, &Value) -> Result<(), String>>;

impl JsonFn {
    pub fn new(
        name: &str,
        f: impl Fn(&Value, &Value) -> Result<Option<Value>, String> + 'static,
    ) -> Self {
        JsonFn {
            name: name.to_string(),
            f: Rc::new(f),
            in_place: None,
        }
    }

    /// The common case: edit a copy of the data in place.
    pub fn mutating(
        name: &str,
        f: impl Fn(&mut Value, &Value) -> Result<(), String> + 'static,
    ) -> Self {
        let f: InPlaceFn = Rc::new(f);
        let g = f.clone();
        let mut func = Self::new(name, move |data, args| {
            let mut copy = data.clone();
            g(&mut copy, args).map(|()| Some(copy))
        });
        func.in_place = Some(f);
        func
    }
}

impl PartialEq for JsonFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl fmt::Debug for JsonFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonFn({})", self.name)
    }
}

/// A store's schema check: `None` when valid, else the issues (maybe none).
pub type SchemaFn = Rc<dyn Fn(&Value) -> Result<Option<Vec<String>>, String>>;

pub type Reports = Rc<RefCell<Vec<(String, Option<String>)>>>;

/// The host for one store on one server. Clones share everything.
#[derive(Clone)]
pub struct JsonHost {
    pub storage: Rc<SimStorage>,
    pub runtime: Rc<SimRuntime>,
    pub default: Rc<dyn Fn() -> Result<Value, String>>,
    pub schema: Option<SchemaFn>,
    /// Every `report`: (error code, or the host message; key).
    pub errors: Reports,
}

impl JsonHost {
    pub fn new(
        storage: Rc<SimStorage>,
        runtime: Rc<SimRuntime>,
        default: impl Fn() -> Result<Value, String> + 'static,
    ) -> Self {
        JsonHost {
            storage,
            runtime,
            default: Rc::new(default),
            schema: None,
            errors: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// A schema that says valid or not, without issues.
    pub fn with_schema(
        mut self,
        schema: impl Fn(&Value) -> Result<bool, String> + 'static,
    ) -> Self {
        self.schema = Some(Rc::new(move |v| Ok((!schema(v)?).then(Vec::new))));
        self
    }

    /// A schema that says why, as a Standard Schema does: the issues of the
    /// data (invalid when there are any).
    pub fn with_schema_issues(mut self, issues: impl Fn(&Value) -> Vec<String> + 'static) -> Self {
        self.schema = Some(Rc::new(move |v| {
            let found = issues(v);
            Ok((!found.is_empty()).then_some(found))
        }));
        self
    }

    pub fn reported(&self) -> Vec<(String, Option<String>)> {
        self.errors.borrow().clone()
    }
}

impl Host for JsonHost {
    fn own(&self, data: &JsonDoc) -> Option<JsonDoc> {
        // A `Value` clone is a deep copy: changing it leaves `data` alone.
        Some(data.clone())
    }

    type Doc = JsonDoc;
    type Func = JsonFn;
    type Args = Value;
    type Error = String;
    type Storage = SimStorage;
    type Runtime = SimRuntime;

    fn storage(&self) -> &Rc<SimStorage> {
        &self.storage
    }

    fn runtime(&self) -> &Rc<SimRuntime> {
        &self.runtime
    }

    // The action gets its own copy, so nothing it does can reach the
    // engine's document (the WASM host copies and freezes likewise).
    fn call(&self, func: &JsonFn, data: &JsonDoc, args: &Value) -> Result<Option<JsonDoc>, String> {
        let copy = data.0.clone();
        (func.f)(&copy, args).map(|out| out.map(JsonDoc))
    }

    fn call_in_place(
        &self,
        func: &JsonFn,
        mut data: JsonDoc,
        args: &Value,
    ) -> Result<Option<JsonDoc>, String> {
        match &func.in_place {
            Some(f) => f(&mut data.0, args).map(|()| Some(data)),
            None => self.call(func, &data, args),
        }
    }

    fn default_data(&self) -> Result<JsonDoc, String> {
        (self.default)().map(JsonDoc)
    }

    fn check_schema(&self, data: &JsonDoc) -> Result<Verdict, String> {
        match &self.schema {
            Some(s) => Ok(s(&data.0)?.map_or(Verdict::Valid, Verdict::Invalid)),
            None => Ok(Verdict::Valid),
        }
    }

    fn args_to_json(&self, args: &Value) -> Result<String, String> {
        match not_json_path(args, "args") {
            Some(path) => Err(path),
            None => serde_json::to_string(args).map_err(|e| e.to_string()),
        }
    }

    fn args_from_json(&self, json: &str) -> Result<Value, String> {
        match serde_json::from_str(json).map_err(|e| e.to_string())? {
            v @ Value::Array(_) => Ok(v),
            other => Err(format!("arguments are not an array: {other}")),
        }
    }

    fn no_args(&self) -> Value {
        Value::Array(Vec::new())
    }

    fn report(&self, error: &Error<String>, key: Option<&str>) {
        let what = match error {
            Error::Skilift { code, .. } => code.as_str().to_string(),
            Error::Host(msg) => msg.clone(),
        };
        self.errors
            .borrow_mut()
            .push((what, key.map(str::to_string)));
    }
}
