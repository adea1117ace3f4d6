//! Decision records: reading them, writing one with create-if-absent, and
//! presumed abort past the transaction timeout (docs/transactions.md). The
//! only storage I/O besides a pull's own get and put; kept apart from
//! replay so replay stays synchronous.

use super::context::Context;
use super::host::{Host, Runtime, Storage, StorageError};
use super::record::{decode_decision, encode_decision, Pending};
use super::timeout::with_timeout;
use crate::engine::record::write::quoted;

/// The reserved store name of transaction decision records (docs/backend-contract.md).
pub const TRANSACTIONS_STORE: &str = "skilift:transactions";

/// The decision of a pending transaction, or `None` while it is undecided and
/// not timed out. Past the timeout this writes `aborted` if no decision
/// exists (create-if-absent), so every key reaches the same outcome.
pub(crate) async fn decision<H: Host>(
    context: &Context<H>,
    pending: &Pending,
) -> Result<Option<bool>, StorageError<H::Error>> {
    if let Some(d) = context.known_decision(&pending.id) {
        return Ok(Some(d));
    }
    if let Some(d) = read_decision(context, &pending.id).await? {
        return Ok(Some(d));
    }
    let now = context.host.runtime().now_ms();
    if now - pending.created as f64 <= context.options.transaction_timeout_ms {
        return Ok(None);
    }
    if super::sabotage::active("presumed_abort") {
        // The Roblox original's behaviour: treat as failed without deciding.
        return Ok(Some(false));
    }
    decide(context, &pending.id, false).await.map(Some)
}

/// Reads a decision record.
pub(crate) async fn read_decision<H: Host>(
    context: &Context<H>,
    id: &str,
) -> Result<Option<bool>, StorageError<H::Error>> {
    let rt = context.host.runtime().clone();
    let get = context.host.storage().get(TRANSACTIONS_STORE, id);
    let entry =
        context.counted(with_timeout(&*rt, context.options.request_timeout_ms, get).await)?;
    match entry {
        None => Ok(None),
        Some(entry) => match decode_decision(&entry.value) {
            Some(d) => {
                context.remember_decision(id, d);
                Ok(Some(d))
            }
            None => context.counted(Err(StorageError::Invalid(format!(
                "the decision record of transaction {} is not a decision",
                quoted(id)
            )))),
        },
    }
}

/// Writes a decision if none exists and returns the one that stands.
pub(crate) async fn decide<H: Host>(
    context: &Context<H>,
    id: &str,
    committed: bool,
) -> Result<bool, StorageError<H::Error>> {
    let rt = context.host.runtime().clone();
    let put = context.host.storage().put(
        TRANSACTIONS_STORE,
        id,
        encode_decision(committed).into(),
        None,
        Vec::new(),
    );
    let written =
        match context.counted(with_timeout(&*rt, context.options.request_timeout_ms, put).await) {
            Ok(written) => written,
            // The write failed or its answer was lost: a decision may exist
            // anyway (this one, or another server's). Reading is always safe.
            Err(e) => return read_decision(context, id).await?.ok_or(e),
        };
    match written {
        Some(_) => {
            context.remember_decision(id, committed);
            Ok(committed)
        }
        None => match read_decision(context, id).await? {
            Some(d) => Ok(d),
            None => context.counted(Err(StorageError::Invalid(format!(
                "the decision record of transaction {} exists for put but not for get",
                quoted(id)
            )))),
        },
    }
}
