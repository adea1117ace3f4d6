//! Strict mode (docs/errors.md): checks too costly for production.
//!
//! Process-wide, as the JS `strict()` function is; the engine is
//! single-threaded, so a thread-local is the process.

use std::cell::Cell;

use super::error::{Code, Error};
use super::host::{Host, StrictFailure};

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

/// Runs an action the strict way ([`Host::call_strict`]) and words its
/// refusals. Returns the first run's result.
pub fn call_checked<H: Host>(
    host: &H,
    func: &H::Func,
    data: &H::Doc,
    args: &H::Args,
) -> Result<Option<H::Doc>, Error<H::Error>> {
    host.call_strict(func, data, args).map_err(|failure| match failure {
        StrictFailure::Host(e) => Error::Host(e),
        StrictFailure::ArgsNotJson(path) => Error::new(
            Code::StrictPassNotJsonIntoAction,
            format!("an argument passed to the action is not JSON at {path}; pass plain JSON values (no undefined, NaN, functions, Map, Date, class instances)"),
        ),
        StrictFailure::ResultNotJson(path) => Error::new(
            Code::StrictNotJsonFromAction,
            format!("the action returned data that is not JSON at {path}; return plain JSON values only"),
        ),
        StrictFailure::Differ(path) => Error::new(
            Code::StrictImpureAction,
            format!("the action is not pure: two runs on the same data differ at {path}; an action must depend only on its data and arguments"),
        ),
        StrictFailure::OneCancelled => Error::new(
            Code::StrictImpureAction,
            "the action is not pure: one run cancelled (returned undefined) and the other did not",
        ),
    })
}
