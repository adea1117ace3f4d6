//! A store's settings, their defaults and their checks.
//!
//! Times are in milliseconds here; a host whose users speak another unit
//! (the JS API speaks seconds) converts, and checks in that unit first so
//! its messages show what the user passed.

use super::error::{Code, Error};
use crate::engine::record::write::quoted;

/// A store's settings. Times are in milliseconds.
#[derive(Clone, Debug)]
pub struct StoreOptions<F> {
    /// Data store name; may not contain `/`.
    pub name: String,
    /// Scope; may not contain `/`. Default `"global"`.
    pub scope: String,
    /// Named migration steps, in order.
    pub migrations: Vec<(String, F)>,
    /// The steps of `migrations` marked `backwardsCompatible`: each record
    /// they run on remembers the mark, so servers that lack them still
    /// load the key (`replay/quarantine.rs`).
    pub compatible_steps: Vec<String>,
    /// Time between pulls.
    pub pull_delay_ms: f64,
    /// Age after which any reader may abort an undecided transaction.
    pub transaction_timeout_ms: f64,
    /// A storage call with no answer after this long counts as failed.
    pub request_timeout_ms: f64,
    /// How long a transaction keeps trying to prepare its keys.
    pub prepare_timeout_ms: f64,
    /// First retry delay after a failure.
    pub backoff_start_ms: f64,
    /// Longest retry delay.
    pub backoff_cap_ms: f64,
    /// How long a key keeps the exactly-once ids it applied.
    pub once_retention_ms: f64,
}

impl<F> StoreOptions<F> {
    /// Options with the defaults of docs/api.md.
    pub fn new(name: impl Into<String>) -> Self {
        StoreOptions {
            name: name.into(),
            scope: "global".into(),
            migrations: Vec::new(),
            compatible_steps: Vec::new(),
            pull_delay_ms: 15_000.0,
            transaction_timeout_ms: 60_000.0,
            request_timeout_ms: 30_000.0,
            prepare_timeout_ms: 5_000.0,
            backoff_start_ms: 500.0,
            backoff_cap_ms: 30_000.0,
            once_retention_ms: 30.0 * 24.0 * 3600.0 * 1000.0,
        }
    }

    pub(crate) fn validate<E>(&self) -> Result<(), Error<E>> {
        let bad = |m: String| Err(Error::new(Code::InvalidOptions, m));
        for (what, v) in [("name", &self.name), ("scope", &self.scope)] {
            if v.is_empty() || v.contains('/') {
                return bad(format!(
                    "store {what} must be a non-empty string without '/', got {}",
                    quoted(v)
                ));
            }
        }
        for (what, v) in [
            ("pullDelay", self.pull_delay_ms),
            ("transactionTimeout", self.transaction_timeout_ms),
            ("requestTimeout", self.request_timeout_ms),
            ("prepareTimeout", self.prepare_timeout_ms),
            ("backoffStart", self.backoff_start_ms),
            ("backoffCap", self.backoff_cap_ms),
            ("onceRetention", self.once_retention_ms),
        ] {
            if !(v.is_finite() && v > 0.0) {
                // The engine's options are in milliseconds; a host whose
                // users speak seconds checks before converting (convert.rs),
                // so this message only reaches Rust callers.
                return bad(format!(
                    "{what} must be a positive number of milliseconds, got {}",
                    crate::engine::error::number_text(v)
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (step, _) in &self.migrations {
            if step.is_empty() || !seen.insert(step.as_str()) {
                return bad(format!(
                    "migration steps need unique, non-empty names; {} is empty or repeated",
                    quoted(step)
                ));
            }
        }
        if let Some(stray) = self
            .compatible_steps
            .iter()
            .find(|c| !seen.contains(c.as_str()))
        {
            return bad(format!(
                "backwardsCompatible marks step {}, which is not one of the migration steps",
                quoted(stray)
            ));
        }
        Ok(())
    }
}
