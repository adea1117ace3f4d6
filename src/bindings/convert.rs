//! Conversions between JS values and engine types: errors (engine error →
//! `SkiliftError`, host error → the very value JS threw), arguments, and
//! values described for messages. The store options are `options.rs`.

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::glue;
use crate::engine::{Code, Error};

/// An engine error with the JS host's error type.
pub type JsError = Error<JsValue>;

/// The JS value to throw for an engine error: a `SkiliftError` for the
/// engine's own errors, the original exception for host errors.
pub fn to_js(error: &JsError) -> JsValue {
    match error {
        Error::Host(value) => value.clone(),
        Error::Skilift { code, message } => skilift_error(code.as_str(), message),
    }
}

/// Builds a `SkiliftError`. Without the JS layer (never in the package) it
/// falls back to a plain `Error` so the message is still seen.
pub fn skilift_error(code: &str, message: &str) -> JsValue {
    match glue::with(|g| g.make_error(code, message)) {
        Some(Ok(error)) => error,
        _ => js_sys::Error::new(&format!("{code}: {message}")).into(),
    }
}

/// An `invalid_options` error, ready to throw.
pub fn invalid_options(message: impl Into<String>) -> JsError {
    Error::new(Code::InvalidOptions, message)
}

/// A short description of a value for messages ("a number", "null").
pub fn describe(value: &JsValue) -> String {
    glue::with(|g| g.describe(value).ok())
        .flatten()
        .unwrap_or_else(|| "a value of another type".into())
}

/// A number as JavaScript prints it (`String(x)`; Rust's float formatting
/// would cost 14 KB of wasm and print `inf`).
pub fn js_number(x: f64) -> String {
    js_sys::Number::from(x)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_else(|_| "a number".into())
}

/// A string key (session keys, transaction names).
pub fn string_arg(value: &JsValue, what: &str) -> Result<String, JsError> {
    value
        .as_string()
        .ok_or_else(|| invalid_options(format!("{what} must be a string, got {}", describe(value))))
}

/// A function argument (`store.action(fn)`, `updated(fn)`).
pub fn function_arg(value: &JsValue, what: &str) -> Result<Function, JsError> {
    value.dyn_ref::<Function>().cloned().ok_or_else(|| {
        invalid_options(format!(
            "{what} must be a function, got {}",
            describe(value)
        ))
    })
}
