//! The store's `schema` option: a plain predicate `(value) => boolean`, or a
//! Standard Schema v1 validator (Zod, Valibot, ArkType, …: an object, or a
//! function, with a `~standard` property `{ version: 1, vendor, validate }`).
//!
//! skilift checks every patch synchronously, so a validator whose `validate`
//! answers a Promise cannot be used. `new Store` validates the default data
//! once to find out; a validator that is asynchronous only for some data
//! (a Zod refinement reached on some branch) is refused by the first check
//! that gets a Promise, with `invalid_options`, and nothing is changed.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{describe, function_arg, invalid_options, to_js, JsError};
use crate::engine::record::write::quoted;
use crate::engine::Verdict;

/// A decoded `schema` option.
pub enum Schema {
    /// `(value) => boolean`; `false` refuses.
    Predicate(Function),
    /// A Standard Schema v1 validator: its `~standard` object (the `this`
    /// of `validate`), `validate` itself, and the vendor for messages.
    Standard {
        props: JsValue,
        validate: Function,
        vendor: String,
    },
}

/// Reads `object[name]`; a throwing getter counts as a bad option.
fn get(object: &JsValue, name: &str, what: &str) -> Result<JsValue, JsError> {
    Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| invalid_options(format!("reading {what} threw")))
}

/// Decodes `options.schema` (`undefined`: none). The `~standard` property
/// is looked at first: an ArkType type is a function too, but its call
/// does not answer a boolean.
pub fn decode(value: &JsValue) -> Result<Option<Schema>, JsError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let standard = if value.is_object() || value.is_function() {
        get(value, "~standard", "options.schema[\"~standard\"]")?
    } else {
        JsValue::UNDEFINED
    };
    if standard.is_undefined() {
        return Ok(Some(Schema::Predicate(function_arg(
            value,
            "options.schema (a function (value) => boolean or a Standard Schema validator)",
        )?)));
    }
    if !standard.is_object() {
        return Err(invalid_options(format!(
            "options.schema[\"~standard\"] must be a Standard Schema v1 object {{ version: 1, vendor, validate }}, got {}",
            describe(&standard)
        )));
    }
    let version = get(
        &standard,
        "version",
        "options.schema[\"~standard\"].version",
    )?;
    if version.as_f64() != Some(1.0) {
        return Err(invalid_options(format!(
            "options.schema is a Standard Schema of version {}; skilift supports version 1",
            describe(&version)
        )));
    }
    let vendor = get(&standard, "vendor", "options.schema[\"~standard\"].vendor")?
        .as_string()
        .unwrap_or_else(|| "unknown".into());
    let validate = get(
        &standard,
        "validate",
        "options.schema[\"~standard\"].validate",
    )?;
    let validate = function_arg(&validate, "options.schema[\"~standard\"].validate")?;
    Ok(Some(Schema::Standard {
        props: standard,
        validate,
        vendor,
    }))
}

/// Runs the schema on `data`. A predicate's or validator's exception is
/// carried through unchanged; an asynchronous answer is `invalid_options`.
pub fn check(schema: &Schema, data: &JsValue) -> Result<Verdict, JsValue> {
    match schema {
        Schema::Predicate(f) => Ok(if f.call1(&JsValue::UNDEFINED, data)?.is_truthy() {
            Verdict::Valid
        } else {
            Verdict::Invalid(Vec::new())
        }),
        Schema::Standard {
            props,
            validate,
            vendor,
        } => {
            let result = validate.call1(props, data)?;
            if is_thenable(&result) {
                swallow(&result);
                return Err(to_js(&asynchronous(vendor, "for this data")));
            }
            verdict(&result, vendor).map_err(|e| to_js(&e))
        }
    }
}

/// At `new Store`: runs a Standard Schema on the default data once, to
/// refuse an asynchronous validator before any patch. Whether the default
/// data passes does not matter here.
pub fn probe(schema: &Schema, default_data: &JsValue) -> Result<(), JsValue> {
    let Schema::Standard {
        props,
        validate,
        vendor,
    } = schema
    else {
        return Ok(());
    };
    let result = validate.call1(props, default_data)?;
    if is_thenable(&result) {
        swallow(&result);
        return Err(to_js(&asynchronous(vendor, "for the default data")));
    }
    Ok(())
}

fn asynchronous(vendor: &str, when: &str) -> JsError {
    invalid_options(format!(
        "options.schema (a Standard Schema from {}) answered a Promise {when}: it is asynchronous, and skilift checks every patch synchronously. Remove async refinements or transforms from the schema (Zod also answers a Promise when one of its checks throws)",
        quoted(vendor)
    ))
}

fn is_thenable(value: &JsValue) -> bool {
    (value.is_object() || value.is_function())
        && Reflect::get(value, &JsValue::from_str("then")).is_ok_and(|then| then.is_function())
}

/// An asynchronous answer is refused, not awaited: keep its rejection from
/// surfacing as an unhandled rejection in the host. The handler is the
/// global `Boolean`, a built-in that ignores what it is given (a Rust
/// closure taking a JS value here made wasm-bindgen refuse the wasm-opt'd
/// module).
fn swallow(thenable: &JsValue) {
    let ignore = Reflect::get(&js_sys::global(), &JsValue::from_str("Boolean")).unwrap_or_default();
    let then = Reflect::get(thenable, &JsValue::from_str("then")).unwrap_or_default();
    if let Some(then) = then.dyn_ref::<Function>() {
        // `then(undefined, Boolean)`: a throwing `then` changes nothing here.
        let _ = then.call2(thenable, &JsValue::UNDEFINED, &ignore);
    }
}

/// Reads a Standard Schema result: `{ value }` passes, `{ issues }` refuses.
fn verdict(result: &JsValue, vendor: &str) -> Result<Verdict, JsError> {
    let what = format!(
        "the validate() of options.schema (a Standard Schema from {})",
        quoted(vendor)
    );
    if !result.is_object() {
        return Err(invalid_options(format!(
            "{what} answered {}, not a result {{ value }} or {{ issues }}",
            describe(result)
        )));
    }
    let issues = get(result, "issues", &format!("the issues answered by {what}"))?;
    if issues.is_undefined() || issues.is_null() {
        return Ok(Verdict::Valid);
    }
    let Some(issues) = issues.dyn_ref::<Array>() else {
        return Err(invalid_options(format!(
            "{what} answered issues that are {}, not an array",
            describe(&issues)
        )));
    };
    Ok(Verdict::Invalid(issues.iter().map(|i| issue(&i)).collect()))
}

/// One issue as `data.inventory[3].count: message`.
fn issue(issue: &JsValue) -> String {
    let read = |name: &str| Reflect::get(issue, &JsValue::from_str(name)).unwrap_or_default();
    if !issue.is_object() {
        return format!("data: {}", describe(issue));
    }
    let message = read("message");
    let message = message.as_string().unwrap_or_else(|| describe(&message));
    format!("{}: {message}", path(&read("path")))
}

/// A Standard Schema path (keys, or segments `{ key }`) in the library's
/// style: `data.inventory[3].count`, `data["display name"]`.
pub fn path(segments: &JsValue) -> String {
    let mut out = String::from("data");
    let Some(segments) = segments.dyn_ref::<Array>() else {
        return out;
    };
    for segment in segments.iter() {
        let key = if segment.is_object() {
            Reflect::get(&segment, &JsValue::from_str("key")).unwrap_or_default()
        } else {
            segment
        };
        if let Some(n) = key.as_f64() {
            out.push_str(&format!("[{}]", super::convert::js_number(n)));
        } else if let Some(s) = key.as_string() {
            if is_identifier(&s) {
                out.push('.');
                out.push_str(&s);
            } else {
                out.push('[');
                crate::engine::record::write::push_string(&mut out, &s);
                out.push(']');
            }
        } else if key.is_symbol() {
            let name = key
                .unchecked_ref::<js_sys::Symbol>()
                .to_string()
                .as_string()
                .unwrap_or_else(|| "Symbol()".into());
            out.push_str(&format!("[{name}]"));
        } else {
            out.push_str(&format!("[{}]", describe(&key)));
        }
    }
    out
}

/// The same test as `IDENTIFIER` in js/host/documents.js, so the paths
/// here read like the ones of strict mode.
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}
