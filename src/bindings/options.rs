//! The options of `new Store(options)` (docs/api.md), decoded and checked
//! in seconds, the user's unit, then converted to the engine's
//! milliseconds.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{describe, function_arg, invalid_options, js_number, string_arg, JsError};
use super::schema::{self, Schema};
use crate::engine::record::write::quoted;
use crate::engine::StoreOptions;

/// Everything `new Store(options)` takes, decoded and checked.
pub struct DecodedOptions {
    pub engine: StoreOptions<Function>,
    pub default_data: Function,
    pub schema: Option<Schema>,
    pub backend: JsValue,
    /// A function, or `undefined` for the default (`console.warn`).
    pub on_error: JsValue,
}

const KNOWN_OPTIONS: [&str; 11] = [
    "name",
    "scope",
    "defaultData",
    "migrations",
    "schema",
    "pullDelay",
    "transactionTimeout",
    "requestTimeout",
    "onceRetention",
    "backend",
    "onError",
];

/// Decodes the options object of `new Store(options)` (docs/api.md).
/// Unknown keys are refused: a misspelt `pulldelay` would otherwise be
/// silently ignored.
pub fn store_options(options: &JsValue) -> Result<DecodedOptions, JsError> {
    if !options.is_object() || options.is_function() {
        return Err(invalid_options(format!(
            "new Store(options) needs an options object, got {}",
            describe(options)
        )));
    }
    for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN_OPTIONS.contains(&key.as_str()) {
            return Err(invalid_options(format!(
                "unknown store option {}; known options are {}",
                quoted(&key),
                // Not `join`: its copy for `&str` slices was 1.2 KB of wasm.
                KNOWN_OPTIONS
                    .iter()
                    .fold(String::new(), |all, o| if all.is_empty() {
                        (*o).to_owned()
                    } else {
                        all + ", " + o
                    })
            )));
        }
    }
    let name = field(options, "name")?;
    let name = string_arg(&name, "options.name")?;
    let mut engine = StoreOptions::new(name);
    let scope = field(options, "scope")?;
    if !scope.is_undefined() {
        engine.scope = string_arg(&scope, "options.scope")?;
    }
    (engine.migrations, engine.compatible_steps) = migrations(&field(options, "migrations")?)?;
    for (what, slot) in [
        ("pullDelay", &mut engine.pull_delay_ms),
        ("transactionTimeout", &mut engine.transaction_timeout_ms),
        // Not in docs/api.md: how long a backend call may go unanswered before
        // it counts as failed (and is retried). Default 30 s.
        ("requestTimeout", &mut engine.request_timeout_ms),
        // How long a key keeps the ids of patchOnce/updateOnce. Default 30 days.
        ("onceRetention", &mut engine.once_retention_ms),
    ] {
        let value = field(options, what)?;
        if value.is_undefined() {
            continue;
        }
        let seconds = value.as_f64().ok_or_else(|| {
            invalid_options(format!(
                "options.{what} must be a number of seconds, got {}",
                describe(&value)
            ))
        })?;
        // Checked here, in the user's unit, so the message shows what was
        // passed (the engine checks again in milliseconds).
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(invalid_options(format!(
                "options.{what} must be a positive number of seconds, got {}",
                js_number(seconds)
            )));
        }
        *slot = seconds * 1000.0;
    }
    let default_data = function_arg(&field(options, "defaultData")?, "options.defaultData")?;
    let schema = schema::decode(&field(options, "schema")?)?;
    let on_error = field(options, "onError")?;
    if !on_error.is_undefined() && !on_error.is_function() {
        return Err(invalid_options(format!(
            "options.onError must be a function, got {}",
            describe(&on_error)
        )));
    }
    let backend = field(options, "backend")?;
    check_backend(&backend)?;
    Ok(DecodedOptions {
        engine,
        default_data,
        schema,
        backend,
        on_error,
    })
}

const STEP_KEYS: [&str; 3] = ["step", "migrate", "backwardsCompatible"];

/// The migration steps in order, each name with its function.
type Steps = Vec<(String, Function)>;

/// The steps, and the names of those marked `backwardsCompatible`.
fn migrations(value: &JsValue) -> Result<(Steps, Vec<String>), JsError> {
    let mut compatible = Vec::new();
    if value.is_undefined() {
        return Ok((Vec::new(), compatible));
    }
    let Some(list) = value.dyn_ref::<Array>() else {
        return Err(invalid_options(format!(
            "options.migrations must be an array of {{ step, migrate, backwardsCompatible? }}, got {}",
            describe(value)
        )));
    };
    let steps = list
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if !m.is_object() {
                return Err(invalid_options(format!(
                    "options.migrations[{i}] must be {{ step, migrate, backwardsCompatible? }}, got {}",
                    describe(&m)
                )));
            }
            // A misspelt `backwardsCompatible` would silently leave the step
            // unmarked, and older servers would stop the keys it migrates.
            for key in Object::keys(m.unchecked_ref::<Object>()).iter() {
                let key = key.as_string().unwrap_or_default();
                if !STEP_KEYS.contains(&key.as_str()) {
                    return Err(invalid_options(format!(
                        "options.migrations[{i}] has unknown key {}; a step has step, migrate and backwardsCompatible",
                        quoted(&key)
                    )));
                }
            }
            let step = string_arg(
                &field(&m, "step")?,
                &format!("options.migrations[{i}].step"),
            )?;
            let migrate = function_arg(
                &field(&m, "migrate")?,
                &format!("options.migrations[{i}].migrate"),
            )?;
            let marked = field(&m, "backwardsCompatible")?;
            match marked.as_bool() {
                Some(true) => compatible.push(step.clone()),
                Some(false) => {}
                None if marked.is_undefined() => {}
                None => {
                    return Err(invalid_options(format!(
                        "options.migrations[{i}].backwardsCompatible must be true or false, got {}",
                        describe(&marked)
                    )))
                }
            }
            Ok((step, migrate))
        })
        .collect::<Result<_, _>>()?;
    Ok((steps, compatible))
}

/// A backend is an object with `get` and `put` methods (docs/backend-contract.md).
fn check_backend(backend: &JsValue) -> Result<(), JsError> {
    if !backend.is_object() {
        return Err(invalid_options(format!(
            "options.backend must be a backend object (for example new MemoryBackend()), got {}",
            describe(backend)
        )));
    }
    for method in ["get", "put"] {
        if !field(backend, method)?.is_function() {
            return Err(invalid_options(format!(
                "options.backend has no {method}() method; see the backend contract in the README"
            )));
        }
    }
    Ok(())
}

/// Reads `object[name]`; a throwing getter counts as a bad option.
fn field(object: &JsValue, name: &str) -> Result<JsValue, JsError> {
    Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| invalid_options(format!("reading option {} threw", quoted(name))))
}
