//! Strict mode (docs/errors.md): checks too costly for production.
//!
//! Process-wide, as the JS `strict()` function is; the engine is
//! single-threaded, so a thread-local is the process.

use std::cell::Cell;

use super::error::{Code, Error};
use super::host::{Document, Host};

thread_local! {
    static STRICT: Cell<bool> = const { Cell::new(true) };
}

/// Reads strict mode.
pub fn enabled() -> bool {
    STRICT.with(|s| s.get())
}

/// Sets strict mode, returning the new value.
pub fn set(value: bool) -> bool {
    STRICT.with(|s| s.set(value));
    value
}

/// Runs an action the strict way: the arguments must be JSON, the action
/// runs twice on separate copies, the result must be JSON and both results
/// must be equal. Returns the first result.
pub fn call_checked<H: Host>(
    host: &H,
    func: &H::Func,
    data: &H::Doc,
    args: &H::Args,
) -> Result<Option<H::Doc>, Error<H::Error>> {
    if let Err(path) = host.args_to_json(args) {
        return Err(Error::new(
            Code::StrictPassNotJsonIntoAction,
            format!("an argument passed to the action is not JSON at {path}; pass plain JSON values (no undefined, NaN, functions, Map, Date, class instances)"),
        ));
    }
    let first = host.call(func, data, args).map_err(Error::Host)?;
    let second = host.call(func, data, args).map_err(Error::Host)?;
    match (&first, &second) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) => {
            if let Some(path) = a.json_problem() {
                return Err(Error::new(
                    Code::StrictNotJsonFromAction,
                    format!("the action returned data that is not JSON at {path}; return plain JSON values only"),
                ));
            }
            if let Some(path) = a.first_difference(b) {
                return Err(Error::new(
                    Code::StrictImpureAction,
                    format!("the action is not pure: two runs on the same data differ at {path}; an action must depend only on its data and arguments"),
                ));
            }
            Ok(first)
        }
        _ => Err(Error::new(
            Code::StrictImpureAction,
            "the action is not pure: one run cancelled (returned undefined) and the other did not",
        )),
    }
}
