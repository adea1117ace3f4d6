//! The shared context of one store: host, options, action registry,
//! decision cache and counters. Everything above it (replay, decision records, sessions,
//! pulls, views, transactions) reads the store through this, and it imports
//! none of them.

use std::cell::RefCell;
use std::collections::HashMap;

use super::error::{Code, Error};
use super::host::{Host, StorageError};
use super::options::StoreOptions;
use super::retired::Retired;
use super::stats::Counters;
use crate::engine::record::write::quoted;

/// How many transaction decisions a store keeps in memory.
const DECISION_CACHE_LIMIT: usize = 10_000;

/// A registered action.
struct Registered<F> {
    func: F,
    /// The permanent name of a transaction action; `None` for plain actions.
    name: Option<String>,
}

/// What every part of the engine shares about one store: its host, its
/// options, its registered actions and the transaction decisions it has
/// seen. The store's sessions are not here: they belong to [`Store`], so
/// nothing below the store needs to know about the sessions.
///
/// [`Store`]: super::store::Store
pub(crate) struct Context<H: Host> {
    pub host: H,
    pub options: StoreOptions<H::Func>,
    pub namespace: String,
    actions: RefCell<Vec<Registered<H::Func>>>,
    /// The arguments of an action queued without any (`Item::Action`'s
    /// `None`): one value for all, so such a queued patch holds no handle.
    pub empty_args: H::Args,
    /// Transaction decisions seen by this store. Decisions never change, so
    /// a cached one never goes stale.
    decisions: RefCell<HashMap<String, bool>>,
    /// Every outcome this store has acted on, never forgotten: only in
    /// builds with debug assertions (the tests, the simulation), to assert
    /// that a decided transaction never changes outcome.
    #[cfg(debug_assertions)]
    outcomes: RefCell<HashMap<String, bool>>,
    /// `store.stats()`, bumped by sessions, pulls, views and transactions.
    pub stats: Counters,
    /// Decision-record collections running (`collect.rs`), which `close`
    /// waits for.
    pub collecting: std::cell::Cell<usize>,
    /// The `null` document a one-shot session's unseen cache holds
    /// (`Session::one_shot`): decoded once per store, not per update.
    pub null_doc: std::cell::OnceCell<H::Doc>,
    /// This store's finished one-shot sessions by key, whose `writers`
    /// entries its next write of the key drops (`retired.rs`).
    pub retired: RefCell<Retired>,
}

impl<H: Host> Context<H> {
    pub fn new(host: H, options: StoreOptions<H::Func>) -> Self {
        let namespace = format!("{}/{}", options.name, options.scope);
        let empty_args = host.no_args();
        Context {
            host,
            empty_args,
            options,
            namespace,
            actions: RefCell::new(Vec::new()),
            decisions: RefCell::new(HashMap::new()),
            #[cfg(debug_assertions)]
            outcomes: RefCell::new(HashMap::new()),
            stats: Counters::default(),
            collecting: std::cell::Cell::new(0),
            null_doc: std::cell::OnceCell::new(),
            retired: RefCell::new(Retired::default()),
        }
    }

    /// Registers a plain action and returns its index ([`Context::action_at`]).
    /// Registering the same function again is harmless and gives the same index.
    pub fn register_action(&self, func: H::Func) -> usize {
        let mut actions = self.actions.borrow_mut();
        match actions.iter().position(|a| a.func == func) {
            Some(index) => index,
            None => {
                actions.push(Registered { func, name: None });
                actions.len() - 1
            }
        }
    }

    /// The registration index of `func`, if it is registered.
    pub fn index_of(&self, func: &H::Func) -> Option<usize> {
        self.actions.borrow().iter().position(|a| &a.func == func)
    }

    /// The action registered at `index`. Registrations are never removed, so
    /// an index stays valid for the store's life: the JS layer keeps a map
    /// from function to index and patches by index, which finds the action
    /// without comparing it to every registered function.
    pub fn action_at(&self, index: usize) -> Option<H::Func> {
        self.actions.borrow().get(index).map(|a| a.func.clone())
    }

    /// Registers a transaction action under a permanent, unique name.
    pub fn register_transaction(
        &self,
        name: &str,
        func: H::Func,
    ) -> Result<usize, Error<H::Error>> {
        if name.is_empty() {
            return Err(Error::new(
                Code::InvalidOptions,
                "a transaction action needs a non-empty name",
            ));
        }
        let mut actions = self.actions.borrow_mut();
        let existing = actions.iter().position(|a| a.func == func);
        if let Some(index) = existing {
            match &actions[index].name {
                Some(n) if n == name => return Ok(index),
                Some(n) => {
                    return Err(Error::new(
                        Code::InvalidOptions,
                        format!("this function is already registered as transaction action {}; one function has one permanent name", quoted(n)),
                    ))
                }
                None => {}
            }
        }
        if actions.iter().any(|a| a.name.as_deref() == Some(name)) {
            return Err(Error::new(
                Code::InvalidOptions,
                format!("a different function is already registered as transaction action {}; names must be unique", quoted(name)),
            ));
        }
        match existing {
            Some(index) => {
                actions[index].name = Some(name.to_owned());
                Ok(index)
            }
            None => {
                actions.push(Registered {
                    func,
                    name: Some(name.to_owned()),
                });
                Ok(actions.len() - 1)
            }
        }
    }

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
        self.acting_on(id, committed);
        let mut decisions = self.decisions.borrow_mut();
        if decisions.len() >= DECISION_CACHE_LIMIT {
            decisions.clear();
        }
        decisions.insert(id.to_owned(), committed);
    }

    /// Asserts that `committed` is the outcome this store has seen for
    /// transaction `id` every time: a decided transaction never changes
    /// outcome (debug builds only: the record of outcomes grows forever).
    pub fn acting_on(&self, id: &str, committed: bool) {
        #[cfg(debug_assertions)]
        {
            let seen = self.outcomes.borrow_mut().insert(id.to_owned(), committed);
            debug_assert!(
                seen.is_none_or(|seen| seen == committed),
                "invariant: transaction {id} was decided {}, now {}",
                outcome_name(seen == Some(true)),
                outcome_name(committed)
            );
        }
        #[cfg(not(debug_assertions))]
        let _ = (id, committed);
    }

    /// A cached decision.
    pub fn known_decision(&self, id: &str) -> Option<bool> {
        self.decisions.borrow().get(id).copied()
    }

    /// Passes a storage call's outcome through, counting it in `failures`
    /// when it gave no answer (rejected, timed out or answered garbage).
    pub fn counted<T>(
        &self,
        outcome: Result<T, StorageError<H::Error>>,
    ) -> Result<T, StorageError<H::Error>> {
        if outcome.is_err() {
            self.stats.failure();
        }
        outcome
    }

    /// Reports a background failure to the store's `onError`.
    pub fn report(&self, error: &Error<H::Error>, key: Option<&str>) {
        self.host.report(error, key);
    }
}

#[cfg(debug_assertions)]
fn outcome_name(committed: bool) -> &'static str {
    if committed {
        "committed"
    } else {
        "aborted"
    }
}
