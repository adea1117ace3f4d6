//! Errors as values with stable codes (docs/errors.md).
//!
//! The binding layer turns an [`Error::Skilift`] into a JS `SkiliftError`
//! with `code` set to [`Code::as_str`], and throws an [`Error::Host`] as the
//! very value the host threw.

use std::fmt;

/// The stable error codes of docs/errors.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    ActionInvalidFunction,
    TransactionInvalidAction,
    TransactionInvalidFunction,
    StrictImpureAction,
    StrictNotJsonFromAction,
    StrictPassNotJsonIntoAction,
    SchemaValidationError,
    SessionAlreadyStopped,
    CannotCancelAction,
    MigrationDoesNotReturn,
    HistoryUnsupported,
    /// `store.restore` of a version the backend does not hold.
    NotFound,
    /// The backend has no `list` (`store.keys`, `store.keysByUser`).
    ListingUnsupported,
    /// The backend has no `remove` (`store.remove`).
    RemoveUnsupported,
    InvalidOptions,
    BadData,
    /// The key was written by a newer version (a step not marked
    /// compatible, an unregistered transaction action, an unknown
    /// `requires` feature, a newer format): not corrupt, not ours to touch.
    NeedsNewerVersion,
    BackendInvalidResponse,
    NotJson,
    /// A backend call failed or timed out (reported to `onError`, retried).
    BackendFailed,
    /// The engine broke one of its own invariants: a bug in skilift, not in
    /// the game or the backend.
    Internal,
}

impl Code {
    /// The code as JavaScript sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ActionInvalidFunction => "action_invalid_function",
            Code::TransactionInvalidAction => "transaction_invalid_action",
            Code::TransactionInvalidFunction => "transaction_invalid_function",
            Code::StrictImpureAction => "strict_impure_action",
            Code::StrictNotJsonFromAction => "strict_not_json_from_action",
            Code::StrictPassNotJsonIntoAction => "strict_pass_not_json_into_action",
            Code::SchemaValidationError => "schema_validation_error",
            Code::SessionAlreadyStopped => "session_already_stopped",
            Code::CannotCancelAction => "cannot_cancel_action",
            Code::MigrationDoesNotReturn => "migration_does_not_return",
            Code::HistoryUnsupported => "history_unsupported",
            Code::NotFound => "not_found",
            Code::ListingUnsupported => "listing_unsupported",
            Code::RemoveUnsupported => "remove_unsupported",
            Code::InvalidOptions => "invalid_options",
            Code::BadData => "bad_data",
            Code::NeedsNewerVersion => "needs_newer_version",
            Code::BackendInvalidResponse => "backend_invalid_response",
            Code::NotJson => "not_json",
            Code::BackendFailed => "backend_failed",
            Code::Internal => "internal_error",
        }
    }
}

/// An engine error, or a host exception carried through unchanged.
#[derive(Clone, Debug)]
pub enum Error<E> {
    /// An error the engine itself raises.
    Skilift { code: Code, message: String },
    /// An exception thrown by host code (an action, a backend, a callback).
    Host(E),
}

impl<E> Error<E> {
    /// An engine error with a message that says what to fix.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error::Skilift {
            code,
            message: message.into(),
        }
    }

    /// The engine code, or `None` for a host exception.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Skilift { code, .. } => Some(*code),
            Error::Host(_) => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Skilift { code, message } => write!(f, "{}: {}", code.as_str(), message),
            Error::Host(e) => write!(f, "host error: {e:?}"),
        }
    }
}

/// Shorthand for engine results.
pub type Result<T, E> = std::result::Result<T, Error<E>>;

/// A number for a message, as JavaScript prints it for the values messages
/// show (`NaN`, `Infinity`, whole numbers), and with at most six decimals
/// otherwise. Not `{x}`: Rust prints `inf`, and its float formatting is
/// 14 KB of the wasm, kept in by nothing but messages.
pub fn number_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let micros = (x.abs() * 1e6).round();
    if micros >= 9e15 {
        // Too large for six decimals: whole, as an integer; beyond u64,
        // said in words (no message needs such numbers exactly).
        return if x.abs() < 1.8e19 {
            format!("{sign}{}", x.abs().round() as u64)
        } else {
            format!("{sign}1.8e+19 or more")
        };
    }
    let micros = micros as u64;
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:06}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// The `not_json` message for a `defaultData` result JSON cannot hold.
pub(crate) fn default_not_json(path: &str) -> String {
    format!(
        "defaultData returned a value that is not JSON at {path}; it must return plain JSON data \
         (an arrow function written `() => {{ coins: 0 }}` returns undefined: write `() => ({{ coins: 0 }})`)"
    )
}

#[cfg(test)]
mod tests {
    use super::number_text;

    #[test]
    fn numbers_read_as_in_javascript() {
        for (x, text) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.0, "0"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (-0.25, "-0.25"),
            (1.5e-3, "0.0015"),
            (123456.789, "123456.789"),
            (1e18, "1000000000000000000"),
            (-1e20, "-1.8e+19 or more"),
        ] {
            assert_eq!(number_text(x), text, "{x:e}");
        }
    }
}
