//! What every wasm test needs: the JS glue installed, a JS backend, JS
//! functions and recorders, and small helpers to read JS values.
//!
//! The glue is the real `js/host/glue.js` (with the JSON value checks of
//! `js/host/json_values.js`, the document operations of
//! `js/host/documents.js`, the drafts of `js/host/draft.js`, the record
//! split of `js/host/records.js`, the answer checks of
//! `js/host/backend_calls.js`, the backend calls of
//! `js/host/storage.js` and the `SkiliftError` of `js/errors.js`),
//! read at compile time and turned into the body of a `new Function(...)`: the tests check the Rust bindings against the very
//! JS half they run with in the package. A `#[wasm_bindgen(module =
//! "/js/host/glue.js")]` import does not work here: glue.js imports
//! other modules, and wasm-bindgen copies a snippet file alone into its
//! output, without the modules it imports. `new Function` works the same in
//! Node and in the browser, and needs no change to js/.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use skilift::bindings::{install_glue, WasmStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const ERRORS_JS: &str = include_str!("../../js/errors.js");
const JSON_VALUES_JS: &str = include_str!("../../js/host/json_values.js");
const DOCUMENTS_JS: &str = include_str!("../../js/host/documents.js");
const RECORDS_JS: &str = include_str!("../../js/host/records.js");
const DRAFT_JS: &str = include_str!("../../js/host/draft.js");
const BACKEND_CALLS_JS: &str = include_str!("../../js/host/backend_calls.js");
const STORAGE_JS: &str = include_str!("../../js/host/storage.js");
const GLUE_JS: &str = include_str!("../../js/host/glue.js");

/// Turns one of js/'s ES modules into plain script text: drops its imports
/// (only those of modules inlined next to it are allowed) and its `export`
/// keywords. Anything else is refused loudly, so a change to glue.js that
/// this cannot follow fails with a message saying what to do.
fn as_script(source: &str, file: &str, inlined: &[&str]) -> String {
    let mut out = String::new();
    for line in source.lines() {
        if line.starts_with("import ") {
            let from = line
                .strip_suffix(';')
                .and_then(|l| l.rsplit_once(" from "))
                .map(|(_, from)| from.trim_matches('"'));
            assert!(
                from.is_some_and(|f| inlined.contains(&f)),
                "tests/wasm/support.rs: {file} has an import the wasm tests do not inline \
                 ({line}); add that module to the glue built in support.rs"
            );
            continue;
        }
        match line.strip_prefix("export ") {
            // `export { a, b };` re-exports names declared above: nothing to keep.
            Some(rest) if rest.starts_with('{') => continue,
            Some(rest) => out.push_str(rest),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

thread_local! {
    static SKILIFT_ERROR: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Installs the glue once per wasm instance (tests share one) and returns
/// the `SkiliftError` class the glue builds errors with. Strict mode is
/// process-wide: each test sets the mode it needs.
pub fn setup(strict: bool) -> JsValue {
    skilift::bindings::set_strict(strict);
    SKILIFT_ERROR.with(|slot| {
        if let Some(class) = slot.borrow().as_ref() {
            return class.clone();
        }
        let body = format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\nreturn {{ glue, SkiliftError }};",
            as_script(ERRORS_JS, "js/errors.js", &[]),
            as_script(JSON_VALUES_JS, "js/host/json_values.js", &[]),
            as_script(
                DOCUMENTS_JS,
                "js/host/documents.js",
                &["../errors.js", "./json_values.js"]
            ),
            as_script(RECORDS_JS, "js/host/records.js", &["./documents.js"]),
            as_script(
                DRAFT_JS,
                "js/host/draft.js",
                &["../errors.js", "./documents.js", "./json_values.js"]
            ),
            as_script(
                BACKEND_CALLS_JS,
                "js/host/backend_calls.js",
                &["../errors.js", "./documents.js"]
            ),
            as_script(
                STORAGE_JS,
                "js/host/storage.js",
                &["./backend_calls.js", "./records.js"]
            ),
            as_script(
                GLUE_JS,
                "js/host/glue.js",
                &[
                    "../errors.js",
                    "./documents.js",
                    "./draft.js",
                    "./storage.js",
                    "./json_values.js"
                ]
            ),
        );
        let module = Function::new_no_args(&body)
            .call0(&JsValue::UNDEFINED)
            .expect("js/host/glue.js evaluates");
        install_glue(get(&module, "glue").unchecked_into());
        let class = get(&module, "SkiliftError");
        *slot.borrow_mut() = Some(class.clone());
        class
    })
}

/// `new Function(args, body)`.
pub fn func(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// Evaluates a JS expression built from constants (no `eval`: a function
/// returning it).
pub fn js(expression: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expression});"))
        .call0(&JsValue::UNDEFINED)
        .expect("the test's JS expression evaluates")
}

/// `value.a.b.c`, `undefined` where a step is missing.
pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, name| {
        if v.is_object() || v.is_function() {
            Reflect::get(&v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    })
}

pub fn set(target: &JsValue, name: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(name), value).expect("set a property");
}

/// A plain object from name/value pairs.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (name, value) in fields {
        set(&o, name, value);
    }
    o
}

pub fn args(values: &[JsValue]) -> Array {
    values.iter().collect()
}

pub fn number(value: &JsValue, path: &str) -> f64 {
    get(value, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number in {}", json(value)))
}

/// `JSON.stringify(value)` for assertions and messages.
pub fn json(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

pub fn same(a: &JsValue, b: &JsValue) -> bool {
    Object::is(a, b)
}

/// Whether a value and everything in it is frozen.
pub fn deeply_frozen(value: &JsValue) -> bool {
    func(
        "v",
        "const f = (x) => x === null || typeof x !== 'object' ||
           (Object.isFrozen(x) && Object.values(x).every(f));
         return f(v);",
    )
    .call1(&JsValue::UNDEFINED, value)
    .unwrap()
    .is_truthy()
}

/// Awaits a promise: its value, or what it rejected with.
pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

pub async fn sleep(ms: f64) {
    let p = func(
        "ms",
        "return new Promise((resolve) => setTimeout(resolve, ms));",
    )
    .call1(&JsValue::UNDEFINED, &JsValue::from_f64(ms))
    .unwrap();
    JsFuture::from(p.unchecked_into::<Promise>()).await.unwrap();
}

/// Waits (up to 5 s) until `done()`; panics with `what` otherwise.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        sleep(10.0).await;
    }
    panic!("timed out waiting until {what}");
}

/// A thrown error's `code`, if it has one.
pub fn code(error: &JsValue) -> Option<String> {
    get(error, "code").as_string()
}

/// Asserts that `error` is a `SkiliftError` (a real `Error`, from the glue's
/// class, with a stack) with this code and a message containing `needle`.
pub fn assert_skilift_error(error: &JsValue, expected_code: &str, needle: &str) {
    let class = setup_class();
    let shown = format!(
        "{} / {}",
        json(error),
        get(error, "message").as_string().unwrap_or_default()
    );
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {shown}"
    );
    let is_skilift = func("e, C", "return e instanceof C;")
        .call2(&JsValue::UNDEFINED, error, &class)
        .unwrap()
        .is_truthy();
    assert!(is_skilift, "not a SkiliftError: {shown}");
    assert_eq!(
        get(error, "name").as_string().as_deref(),
        Some("SkiliftError")
    );
    assert_eq!(
        code(error).as_deref(),
        Some(expected_code),
        "code of {shown}"
    );
    let message = get(error, "message").as_string().unwrap_or_default();
    assert!(
        message.contains(needle),
        "message {message:?} lacks {needle:?}"
    );
    assert!(
        get(error, "stack")
            .as_string()
            .is_some_and(|s| !s.is_empty()),
        "no stack"
    );
}

fn setup_class() -> JsValue {
    SKILIFT_ERROR
        .with(|slot| slot.borrow().clone())
        .expect("setup() was called")
}

/// A JS function that records the arguments of every call.
pub struct Recorder {
    pub object: JsValue,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::with_body("")
    }

    /// A recorder that also runs `body` (with `args` and `calls` in scope)
    /// after recording, e.g. to throw on the second call.
    pub fn with_body(body: &str) -> Recorder {
        let make = format!(
            "const calls = [];
             const fn = (...args) => {{ calls.push(args); {body} }};
             return {{ fn, calls }};"
        );
        Recorder {
            object: Function::new_no_args(&make)
                .call0(&JsValue::UNDEFINED)
                .unwrap(),
        }
    }

    pub fn function(&self) -> JsValue {
        get(&self.object, "fn")
    }

    pub fn count(&self) -> u32 {
        get(&self.object, "calls")
            .unchecked_into::<Array>()
            .length()
    }

    /// The arguments of call `i`.
    pub fn call(&self, i: u32) -> Array {
        get(&self.object, "calls")
            .unchecked_into::<Array>()
            .get(i)
            .unchecked_into()
    }

    /// The first argument of the last call.
    pub fn last(&self) -> JsValue {
        let n = self.count();
        assert!(n > 0, "never called");
        self.call(n - 1).get(0)
    }
}

/// A MemoryBackend-like backend written in the test: compare-and-set on a
/// `Map`, no history, every call logged, and switches to make it fail or
/// answer garbage.
pub struct Backend {
    pub object: JsValue,
}

const BACKEND_JS: &str = r#"
const records = new Map();
let next = 1;
const backend = {
  records,
  log: [],
  // When not undefined, every call throws this value (synchronously for get,
  // as a rejection for put).
  failWith: undefined,
  // When true, get answers a value that is not an entry.
  garbage: false,
  // When true, get never answers.
  hang: false,
  get(store, key) {
    this.log.push({ method: "get", store, key });
    if (this.failWith !== undefined) throw this.failWith;
    if (this.hang) return new Promise(() => {});
    if (this.garbage) return Promise.resolve({ value: 42 });
    const r = records.get(store + "\u0000" + key);
    return Promise.resolve(r ? { ...r, userIds: [...r.userIds] } : null);
  },
  async put(store, key, value, expected, meta) {
    this.log.push({ method: "put", store, key, value, expected, userIds: meta.userIds });
    if (this.failWith !== undefined) throw this.failWith;
    const id = store + "\u0000" + key;
    const current = records.get(id);
    if ((current ? current.version : null) !== expected) return null;
    const version = String(next++);
    records.set(id, { value, version, time: Date.now(), userIds: [...meta.userIds] });
    return version;
  },
};
return backend;
"#;

impl Backend {
    pub fn new() -> Backend {
        Backend {
            object: Function::new_no_args(BACKEND_JS)
                .call0(&JsValue::UNDEFINED)
                .unwrap(),
        }
    }

    /// The stored record of `store/scope` + key, parsed.
    pub fn record(&self, namespace: &str, key: &str) -> Option<serde_json::Value> {
        let records = get(&self.object, "records").unchecked_into::<js_sys::Map>();
        let entry = records.get(&JsValue::from_str(&format!("{namespace}\u{0}{key}")));
        if entry.is_undefined() {
            return None;
        }
        let text = get(&entry, "value").as_string().expect("value is a string");
        Some(serde_json::from_str(&text).expect("the stored record is JSON"))
    }

    /// The data stored for `players/global` + key.
    pub fn data(&self, key: &str) -> Option<serde_json::Value> {
        self.record("players/global", key)
            .map(|r| r["data"].clone())
    }

    pub fn puts(&self) -> Vec<JsValue> {
        get(&self.object, "log")
            .unchecked_into::<Array>()
            .iter()
            .filter(|call| get(call, "method").as_string().as_deref() == Some("put"))
            .collect()
    }

    pub fn fail_with(&self, value: &JsValue) {
        set(&self.object, "failWith", value);
    }

    pub fn heal(&self) {
        set(&self.object, "failWith", &JsValue::UNDEFINED);
        set(&self.object, "hang", &JsValue::FALSE);
        set(&self.object, "garbage", &JsValue::FALSE);
    }

    pub fn hang(&self) {
        set(&self.object, "hang", &JsValue::TRUE);
    }

    pub fn garbage(&self) {
        set(&self.object, "garbage", &JsValue::TRUE);
    }
}

/// Store options: `players` with `{ coins: 0, items: [] }` by default, a fast
/// pull delay, this backend and this `onError`; `extra` overrides fields.
pub fn options(backend: &Backend, on_error: &Recorder, extra: &[(&str, JsValue)]) -> JsValue {
    let o = object(&[
        ("name", "players".into()),
        (
            "defaultData",
            func("", "return { coins: 0, items: [] };").into(),
        ),
        ("backend", backend.object.clone()),
        ("onError", on_error.function()),
        ("pullDelay", 0.05.into()),
    ]);
    for (name, value) in extra {
        set(&o, name, value);
    }
    o
}

pub fn store(backend: &Backend, on_error: &Recorder) -> WasmStore {
    WasmStore::new(options(backend, on_error, &[])).expect("valid options")
}

/// `(data, n) => { data.coins += n; data.items.push(n); return data; }`:
/// mutates the copy it is given, which is allowed.
pub fn add_coins() -> JsValue {
    func(
        "data, n",
        "data.coins += n; data.items.push(n); return data;",
    )
    .into()
}
