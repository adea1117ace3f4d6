//! A store: one namespace of keys, its options, and its registered actions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::error::{Code, Error};
use super::host::Host;
use super::session::{Session, SessionInner};
use super::view::View;

/// How many transaction decisions a store keeps in memory.
const DECISION_CACHE_LIMIT: usize = 10_000;

/// The reserved store name of transaction decision records (docs/backend-contract.md).
pub const TRANSACTIONS_STORE: &str = "skilift:transactions";

/// A store's settings. Times are in milliseconds.
#[derive(Clone, Debug)]
pub struct StoreOptions<F> {
    /// Data store name; may not contain `/`.
    pub name: String,
    /// Scope; may not contain `/`. Default `"global"`.
    pub scope: String,
    /// Named migration steps, in order.
    pub migrations: Vec<(String, F)>,
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
}

impl<F> StoreOptions<F> {
    /// Options with the defaults of docs/api.md.
    pub fn new(name: impl Into<String>) -> Self {
        StoreOptions {
            name: name.into(),
            scope: "global".into(),
            migrations: Vec::new(),
            pull_delay_ms: 15_000.0,
            transaction_timeout_ms: 60_000.0,
            request_timeout_ms: 30_000.0,
            prepare_timeout_ms: 5_000.0,
            backoff_start_ms: 500.0,
            backoff_cap_ms: 30_000.0,
        }
    }

    fn validate<E>(&self) -> Result<(), Error<E>> {
        let bad = |m: String| Err(Error::new(Code::InvalidOptions, m));
        for (what, v) in [("name", &self.name), ("scope", &self.scope)] {
            if v.is_empty() || v.contains('/') {
                return bad(format!(
                    "store {what} must be a non-empty string without '/', got {v:?}"
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
        ] {
            if !(v.is_finite() && v > 0.0) {
                // The engine's options are in milliseconds; a host whose
                // users speak seconds checks before converting (convert.rs),
                // so this message only reaches Rust callers.
                return bad(format!(
                    "{what} must be a positive number of milliseconds, got {v}"
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (step, _) in &self.migrations {
            if step.is_empty() || !seen.insert(step.as_str()) {
                return bad(format!(
                    "migration steps need unique, non-empty names; {step:?} is empty or repeated"
                ));
            }
        }
        Ok(())
    }
}

/// A registered action.
struct Registered<F> {
    func: F,
    /// The permanent name of a transaction action; `None` for plain actions.
    name: Option<String>,
}

pub(crate) struct StoreInner<H: Host> {
    pub host: H,
    pub options: StoreOptions<H::Func>,
    pub namespace: String,
    actions: RefCell<Vec<Registered<H::Func>>>,
    /// Transaction decisions seen by this store. Decisions never change, so
    /// a cached one never goes stale.
    decisions: RefCell<HashMap<String, bool>>,
    sessions: RefCell<Vec<Weak<SessionInner<H>>>>,
}

/// A data store: `load` keys into sessions, `view` them, register actions.
pub struct Store<H: Host>(pub(crate) Rc<StoreInner<H>>);

impl<H: Host> Clone for Store<H> {
    fn clone(&self) -> Self {
        Store(self.0.clone())
    }
}

impl<H: Host> Store<H> {
    /// Creates a store; fails with `invalid_options` on bad options.
    pub fn new(host: H, options: StoreOptions<H::Func>) -> Result<Self, Error<H::Error>> {
        options.validate()?;
        let namespace = format!("{}/{}", options.name, options.scope);
        Ok(Store(Rc::new(StoreInner {
            host,
            options,
            namespace,
            actions: RefCell::new(Vec::new()),
            decisions: RefCell::new(HashMap::new()),
            sessions: RefCell::new(Vec::new()),
        })))
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.0.options.name
    }

    /// The namespace passed to the backend: `name/scope`.
    pub fn namespace(&self) -> &str {
        &self.0.namespace
    }

    /// The host this store was created with.
    pub fn host(&self) -> &H {
        &self.0.host
    }

    /// Registers a plain action. Registering the same function again is harmless.
    pub fn action(&self, func: H::Func) {
        let mut actions = self.0.actions.borrow_mut();
        if !actions.iter().any(|a| a.func == func) {
            actions.push(Registered { func, name: None });
        }
    }

    /// Registers a transaction action under a permanent, unique name.
    pub fn transaction(&self, name: &str, func: H::Func) -> Result<(), Error<H::Error>> {
        if name.is_empty() {
            return Err(Error::new(
                Code::InvalidOptions,
                "a transaction action needs a non-empty name",
            ));
        }
        let mut actions = self.0.actions.borrow_mut();
        if let Some(existing) = actions.iter_mut().find(|a| a.func == func) {
            match &existing.name {
                Some(n) if n == name => return Ok(()),
                Some(n) => {
                    return Err(Error::new(
                        Code::InvalidOptions,
                        format!("this function is already registered as transaction action {n:?}; one function has one permanent name"),
                    ))
                }
                None => {}
            }
        }
        if actions.iter().any(|a| a.name.as_deref() == Some(name)) {
            return Err(Error::new(
                Code::InvalidOptions,
                format!("a different function is already registered as transaction action {name:?}; names must be unique"),
            ));
        }
        match actions.iter_mut().find(|a| a.func == func) {
            Some(existing) => existing.name = Some(name.to_owned()),
            None => actions.push(Registered {
                func,
                name: Some(name.to_owned()),
            }),
        }
        Ok(())
    }

    /// Starts loading `key` and returns its session at once. Fails only
    /// when `defaultData` throws.
    pub fn load(&self, key: &str) -> Result<Session<H>, Error<H::Error>> {
        let session = Session::start(self.0.clone(), key.to_owned())?;
        let mut sessions = self.0.sessions.borrow_mut();
        sessions.retain(|w| w.strong_count() > 0);
        sessions.push(Rc::downgrade(&session.0));
        Ok(session)
    }

    /// Reads `key` without loading a session.
    pub fn view(&self, key: &str) -> View<H> {
        View::new(self.0.clone(), key.to_owned())
    }

    /// Stops every session of this store and waits for their final saves.
    /// Resolves with the first error a final save reported, if any.
    pub async fn close(&self) -> Result<(), Error<H::Error>> {
        let sessions: Vec<Session<H>> = self
            .0
            .sessions
            .borrow()
            .iter()
            .filter_map(|w| w.upgrade().map(Session))
            .collect();
        let stops: Vec<_> = sessions.iter().map(|s| s.stop()).collect();
        let mut first_error = None;
        for stop in stops {
            if let Err(e) = stop.await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl<H: Host> StoreInner<H> {
    /// Whether `func` is registered at all, and its transaction name if any.
    pub fn registration(&self, func: &H::Func) -> Option<Option<String>> {
        self.actions
            .borrow()
            .iter()
            .find(|a| &a.func == func)
            .map(|a| a.name.clone())
    }

    /// The transaction action registered under `name`.
    pub fn named(&self, name: &str) -> Option<H::Func> {
        self.actions
            .borrow()
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .map(|a| a.func.clone())
    }

    /// Caches a decision. The cache is bounded: forgetting a decision is
    /// always safe (a committed one is in storage; an aborted one that the
    /// courtesy write failed to store is presumed again after the timeout),
    /// it only costs a read.
    pub fn remember_decision(&self, id: &str, committed: bool) {
        let mut decisions = self.decisions.borrow_mut();
        if decisions.len() >= DECISION_CACHE_LIMIT {
            decisions.clear();
        }
        decisions.insert(id.to_owned(), committed);
    }

    /// A cached decision.
    pub fn known_decision(&self, id: &str) -> Option<bool> {
        self.decisions.borrow().get(id).copied()
    }

    /// Reports a background failure to the store's `onError`.
    pub fn report(&self, error: &Error<H::Error>, key: Option<&str>) {
        self.host.report(error, key);
    }
}
