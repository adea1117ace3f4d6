//! Collecting decision records (docs/transactions.md#collection): once no
//! key holds a transaction's pending entry any more, its decision record in
//! `skilift:transactions` is deleted, so they do not pile up.
//!
//! Only the coordinator collects, because only it knows every key of the
//! transaction, and only after the decision. Why that never lets a key
//! resolve the transaction differently:
//!
//! - A pending entry is added only by the coordinator's own prepares. After
//!   the decision it knows the outcome (`remember_decision`), so a prepare
//!   it replays applies the outcome at once instead of adding an entry; a
//!   prepare already built into a write in flight either lands before the
//!   session's next stored write (which resolves it) or fails its
//!   compare-and-set.
//! - So the check waits for one stored pull of every participant that
//!   started after the decision (`await`), then reads each key: an entry
//!   still there (a session that stopped first, a key gone bad, a read that
//!   failed) keeps the record, to be resolved by readers as before.
//! - Any other writer that still holds an older version with the entry
//!   fails its compare-and-set (version tokens are never reused). If it
//!   looked for the decision after the deletion, it may presume an abort
//!   and write a new `aborted` record, but its write of the key fails, and
//!   the next read shows the entry gone: an orphan record, no split.

use std::rc::Rc;

use super::context::Context;
use super::decisions::TRANSACTIONS_STORE;
use super::host::{Host, Storage};
use super::record::Record;
use super::session::Session;
use super::timeout::with_timeout;

/// Deletes the decision record of transaction `id` once none of `sessions`'
/// keys holds its pending entry. Best effort: any doubt keeps the record.
pub(crate) async fn collect_decision<H: Host>(
    coordinator: Rc<Context<H>>,
    id: String,
    sessions: Vec<Session<H>>,
) {
    let storage = coordinator.host.storage().clone();
    if !storage.has_remove() {
        return;
    }
    let _running = Running::new(&coordinator);
    if !crate::engine::sabotage::active("early_collection") {
        for session in &sessions {
            session.r#await().await;
        }
        for session in &sessions {
            if !resolved(session, &id).await {
                return;
            }
        }
    }
    let rt = coordinator.host.runtime().clone();
    let timeout = coordinator.options.request_timeout_ms;
    let remove = storage.remove(TRANSACTIONS_STORE, &id);
    // A failed or unanswered delete leaves an orphan record, nothing worse.
    let _ = coordinator.counted(with_timeout(&*rt, timeout, remove).await);
}

/// Counts a collection in `Context::collecting` while it runs (also when its
/// task is dropped), so `store.close()` can wait for it.
struct Running<H: Host>(Rc<Context<H>>);

impl<H: Host> Running<H> {
    fn new(context: &Rc<Context<H>>) -> Self {
        context.collecting.set(context.collecting.get() + 1);
        Running(context.clone())
    }
}

impl<H: Host> Drop for Running<H> {
    fn drop(&mut self) {
        self.0.collecting.set(self.0.collecting.get() - 1);
    }
}

/// Whether the session's key, as stored now, no longer holds a pending entry
/// of transaction `id` (a removed key holds none).
async fn resolved<H: Host>(session: &Session<H>, id: &str) -> bool {
    let inner = &session.0;
    if inner.state.borrow().bad.is_some() {
        return false;
    }
    let context = &inner.context;
    let rt = context.host.runtime().clone();
    let get = context.host.storage().get(&context.namespace, &inner.key);
    let entry = with_timeout(&*rt, context.options.request_timeout_ms, get).await;
    match context.counted(entry) {
        Ok(None) => true,
        Ok(Some(entry)) => {
            Record::decode(&entry.value).is_ok_and(|r| r.pending.iter().all(|p| p.id != id))
        }
        Err(_) => false,
    }
}
