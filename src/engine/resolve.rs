//! What a pull needs besides the data itself: queued items, running one
//! action with the schema check, quarantine checks, and transaction
//! decisions (read, presumed abort, create-if-absent).
//!
//! Running actions is host code: call with no `RefCell` borrow of a session
//! held.

use super::error::{Code, Error};
use super::host::{Host, Runtime, Storage, StorageError};
use super::record::{decode_decision, encode_decision, Pending, Record};
use super::store::{StoreInner, TRANSACTIONS_STORE};
use super::timeout::with_timeout;

/// One unit of queued work.
pub(crate) enum Item<H: Host> {
    /// A plain patch.
    Action { func: H::Func, args: H::Args },
    /// Adds this key's part of a transaction (a prepare).
    Prepare(Pending),
}

impl<H: Host> Clone for Item<H> {
    fn clone(&self) -> Self {
        match self {
            Item::Action { func, args } => Item::Action {
                func: func.clone(),
                args: args.clone(),
            },
            Item::Prepare(p) => Item::Prepare(p.clone()),
        }
    }
}

/// Runs one action, with the store's schema check. `Ok(None)`: cancelled.
pub(crate) fn run_action<H: Host>(
    store: &StoreInner<H>,
    func: &H::Func,
    data: &H::Doc,
    args: &H::Args,
) -> Result<Option<H::Doc>, Error<H::Error>> {
    let result = store.host.call(func, data, args).map_err(Error::Host)?;
    if let Some(new) = &result {
        check_schema(store, new)?;
    }
    Ok(result)
}

/// Fails with `schema_validation_error` when the store's schema rejects `data`.
pub(crate) fn check_schema<H: Host>(
    store: &StoreInner<H>,
    data: &H::Doc,
) -> Result<(), Error<H::Error>> {
    if store.host.check_schema(data).map_err(Error::Host)? {
        Ok(())
    } else {
        Err(Error::new(
            Code::SchemaValidationError,
            format!(
                "the data produced by the action does not pass the schema of store {:?}",
                store.options.name
            ),
        ))
    }
}

/// Why a record must not be touched by this server, or `None`.
pub(crate) fn quarantine_reason<H: Host>(store: &StoreInner<H>, record: &Record) -> Option<String> {
    for step in &record.migrations {
        if !store.options.migrations.iter().any(|(s, _)| s == step) {
            return Some(format!(
                "the data has migration step {step:?}, which this server does not know (written by a newer server?)"
            ));
        }
    }
    for p in &record.pending {
        for call in p.success.iter().chain(&p.failure) {
            if store.named(&call.action).is_none() {
                return Some(format!(
                    "the data has a pending transaction with action {:?}, which this server does not know (written by a newer server?)",
                    call.action
                ));
            }
        }
    }
    None
}

/// The decision of a pending transaction, or `None` while it is undecided and
/// not timed out. Past the timeout this writes `aborted` if no decision
/// exists (create-if-absent), so every key reaches the same outcome.
pub(crate) async fn decision<H: Host>(
    store: &StoreInner<H>,
    pending: &Pending,
) -> Result<Option<bool>, StorageError<H::Error>> {
    if let Some(d) = store.known_decision(&pending.id) {
        return Ok(Some(d));
    }
    if let Some(d) = read_decision(store, &pending.id).await? {
        return Ok(Some(d));
    }
    let now = store.host.runtime().now_ms();
    if now - pending.created as f64 <= store.options.transaction_timeout_ms {
        return Ok(None);
    }
    if super::sabotage::active("presumed_abort") {
        // The Roblox original's behaviour: treat as failed without deciding.
        return Ok(Some(false));
    }
    decide(store, &pending.id, false).await.map(Some)
}

/// Reads a decision record.
pub(crate) async fn read_decision<H: Host>(
    store: &StoreInner<H>,
    id: &str,
) -> Result<Option<bool>, StorageError<H::Error>> {
    let rt = store.host.runtime().clone();
    let get = store.host.storage().get(TRANSACTIONS_STORE, id);
    match with_timeout(&*rt, store.options.request_timeout_ms, get).await? {
        None => Ok(None),
        Some(entry) => match decode_decision(&entry.value) {
            Some(d) => {
                store.remember_decision(id, d);
                Ok(Some(d))
            }
            None => Err(StorageError::Invalid(format!(
                "the decision record of transaction {id:?} is not a decision"
            ))),
        },
    }
}

/// Writes a decision if none exists and returns the one that stands.
pub(crate) async fn decide<H: Host>(
    store: &StoreInner<H>,
    id: &str,
    committed: bool,
) -> Result<bool, StorageError<H::Error>> {
    let rt = store.host.runtime().clone();
    let put = store.host.storage().put(
        TRANSACTIONS_STORE,
        id,
        encode_decision(committed),
        None,
        Vec::new(),
    );
    let written = match with_timeout(&*rt, store.options.request_timeout_ms, put).await {
        Ok(written) => written,
        // The write failed or its answer was lost: a decision may exist
        // anyway (this one, or another server's). Reading is always safe.
        Err(e) => return read_decision(store, id).await?.ok_or(e),
    };
    match written {
        Some(_) => {
            store.remember_decision(id, committed);
            Ok(committed)
        }
        None => match read_decision(store, id).await? {
            Some(d) => Ok(d),
            None => Err(StorageError::Invalid(format!(
                "the decision record of transaction {id:?} exists for put but not for get"
            ))),
        },
    }
}

/// The error to report for a storage call that gave no answer.
pub(crate) fn storage_error<E>(err: StorageError<E>) -> Error<E> {
    match err {
        StorageError::Failed(e) => Error::Host(e),
        StorageError::Invalid(why) => Error::new(
            Code::BackendInvalidResponse,
            format!("the backend answered something of the wrong shape: {why}"),
        ),
        StorageError::TimedOut => Error::new(
            Code::BackendFailed,
            "the backend did not answer within the request timeout",
        ),
    }
}
