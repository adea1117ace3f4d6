//! Rebuilding a key's data, pure and synchronous: a decoded record, the
//! decided pending transactions and the queued batches in; the new record
//! and data out. Tries in place first (one decode, the actions, one encode)
//! and falls back to safe mode when anything fails (see `work.rs`).
//!
//! Runs host code: call with no `RefCell` borrow of a session held.

use super::item::{Batch, Item, Ran};
use super::work::{Mode, Stop, Work};
use crate::engine::context::Context;
use crate::engine::error::{Code, Error};
use crate::engine::host::{Document, Host, Runtime};
use crate::engine::record::{Pending, Record};

/// The new record and data, in place if possible, else in safe mode. The
/// data is not sealed yet. `Err(Stop::Redo)` only if safe mode asks to be
/// redone, which it never should: an internal error.
///
/// `known`: `base`'s data already decoded (a frozen document): nothing is
/// decoded, in place works on the host's own copy of it (`Host::own`; in
/// JS a copy-on-write draft), and safe mode starts from it.
pub(crate) fn rebuild<H: Host>(
    context: &Context<H>,
    key: &str,
    base: &Record,
    known: Option<&H::Doc>,
    decided: &[(Pending, bool)],
    batches: &[Batch<H>],
) -> Result<(Record, H::Doc, bool), Stop> {
    match compute(context, key, base, known, decided, batches, Mode::InPlace) {
        Err(Stop::Redo) => compute(context, key, base, known, decided, batches, Mode::Safe),
        other => other,
    }
}

/// The working copy of `base`'s data for `mode`: from `known`, or decoded.
fn start<'a, H: Host>(
    context: &'a Context<H>,
    key: &'a str,
    base: &Record,
    known: Option<&H::Doc>,
    mode: Mode,
) -> Result<Work<'a, H>, Stop> {
    match (known, mode) {
        (Some(data), Mode::InPlace) => match context.host.own(data) {
            Some(owned) => Ok(Work::new(context, key, mode, owned)),
            None => Err(Stop::Redo),
        },
        (Some(data), Mode::Safe) => Ok(Work::new(context, key, mode, data.clone())),
        (None, _) => Work::decode(context, key, mode, &base.data),
    }
}

/// The new record and data from a decoded record, the decided pending
/// transactions and the batches. `changed`: whether anything but the
/// batches changed the record (migrations, resolved transactions).
/// Called in safe mode alone for an in-place result that could not be
/// encoded (in place, nothing checks what an action stores until then).
pub(crate) fn compute<H: Host>(
    context: &Context<H>,
    key: &str,
    base: &Record,
    known: Option<&H::Doc>,
    decided: &[(Pending, bool)],
    batches: &[Batch<H>],
    mode: Mode,
) -> Result<(Record, H::Doc, bool), Stop> {
    let mut record = base.clone();
    let mut work = start(context, key, base, known, mode)?;
    let mut changed = work.migrate(&mut record)?;
    for (pending, committed) in decided {
        work.decided(pending, *committed)?;
        changed = true;
    }
    for batch in batches {
        replay_items(context, &mut work, &mut record, &batch.items)?;
    }
    work.assert_resolved(&record);
    let data = work.into_data().ok_or(Stop::Redo)?;
    Ok((record, data, changed))
}

/// Replays queued items. A plain action that throws, cancels or fails the
/// schema on the fresh data is skipped (in safe mode, and reported); an
/// exactly-once item whose id `record` has applied is skipped, and one that
/// applies marks its id; a prepare adds a pending entry, or applies at once
/// if its decision is known; a restore replaces the data.
pub(crate) fn replay_items<H: Host>(
    context: &Context<H>,
    work: &mut Work<'_, H>,
    record: &mut Record,
    items: &[Item<H>],
) -> Result<(), Stop> {
    let now = || context.host.runtime().now_ms();
    for item in items {
        match item {
            Item::Action { action, args } => {
                // Registrations are never removed, so the index always names
                // its action.
                if let Some(func) = context.action_at(*action) {
                    work.action(&func, args.as_ref().unwrap_or(&context.empty_args))?;
                }
            }
            Item::Once { once, action, args } => {
                let ignore_ids = crate::engine::sabotage::active("once");
                if record.once.contains_key(&once.id) && !ignore_ids {
                    continue;
                }
                if let Some(func) = context.action_at(*action) {
                    let args = args.as_ref().unwrap_or(&context.empty_args);
                    if work.action(&func, args)? {
                        record.mark_once(&once.id, &once.by, now());
                    }
                }
            }
            Item::Update {
                func,
                args,
                outcome,
                once,
            } => {
                if let Some(tag) = once {
                    if record.once.contains_key(&tag.id) {
                        *outcome.borrow_mut() = Some(Ran::Cancelled);
                        continue;
                    }
                }
                let ran = work.run(func, args)?;
                if let (Ran::Applied, Some(tag)) = (&ran, once) {
                    record.mark_once(&tag.id, &tag.by, now());
                }
                *outcome.borrow_mut() = Some(ran);
            }
            Item::Restore(old) => work.restore(record, old)?,
            Item::Prepare(pending) => {
                // Two entries of one transaction would both be applied.
                debug_assert!(
                    !record.pending.iter().any(|p| p.id == pending.id),
                    "invariant: transaction {} prepared twice on one record",
                    pending.id
                );
                match context.known_decision(&pending.id) {
                    Some(committed) => work.decided(pending, committed)?,
                    None => record.pending.push(pending.clone()),
                }
            }
        }
    }
    Ok(())
}

/// The `not_json` error of an item dropped, and the item.
pub(crate) type Dropped<H> = (Error<<H as Host>::Error>, Item<H>);

/// Finds the first queued action whose result is not JSON, removes it, and
/// returns the `not_json` error to report with the item removed. Everything
/// else is kept.
pub(crate) fn drop_unencodable<H: Host>(
    context: &Context<H>,
    key: &str,
    base: &Record,
    known: Option<&H::Doc>,
    decided: &[(Pending, bool)],
    batches: &mut [Batch<H>],
    path: String,
) -> Result<Dropped<H>, Error<H::Error>> {
    let unencodable = || {
        Error::new(
            Code::NotJson,
            format!("the data is not JSON at {path} after migrations or transactions; nothing was written"),
        )
    };
    let mut record = base.clone();
    let mut work = start(context, key, base, known, Mode::Safe).map_err(|_| unencodable())?;
    work.migrate(&mut record).map_err(|_| unencodable())?;
    for (pending, committed) in decided {
        let _ = work.decided(pending, *committed);
    }
    for batch in batches.iter_mut() {
        for i in 0..batch.items.len() {
            let item = std::slice::from_ref(&batch.items[i]);
            let _ = replay_items(context, &mut work, &mut record, item);
            let problem = work.data().and_then(|d| d.json_problem());
            let action = matches!(
                batch.items[i],
                Item::Action { .. }
                    | Item::Once { .. }
                    | Item::Update { .. }
                    | Item::Restore { .. }
            );
            if let (Some(path), true) = (problem, action) {
                let removed = batch.items.remove(i);
                let error = Error::new(
                    Code::NotJson,
                    format!("an action produced data that is not JSON at {path}; the action was dropped and the rest saved"),
                );
                return Ok((error, removed));
            }
        }
    }
    // Not caused by a queued action: a migration or transaction action made
    // it. Writing is impossible; retrying will not help, but losing data is
    // worse, so keep everything and report.
    Err(unencodable())
}
