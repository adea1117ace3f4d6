//! The record an attempt writes: from the entry just read (or the default
//! data), after the quarantine and exactly-once checks and the decisions of
//! pending transactions (read from storage), replayed by
//! [`rebuild`](crate::engine::replay::rebuild), then encoded.

use std::rc::Rc;

use super::confirm::settle;
use super::error::PullError;
use crate::engine::decisions::decision;
use crate::engine::error::{default_not_json, Code, Error};
use crate::engine::host::{Document, Entry, Host, Runtime, Storage};
use crate::engine::ids::random_id;
use crate::engine::record::Record;
use crate::engine::replay::item::{Batch, Item};
use crate::engine::replay::quarantine::{assert_writable, quarantine_reason};
use crate::engine::replay::rebuild::{compute, drop_unencodable, rebuild};
use crate::engine::replay::work::{Mode, Stop};
use crate::engine::session::{Known, SessionInner};

pub(crate) struct Rebuilt<H: Host> {
    pub record: Record,
    pub data: H::Doc,
    /// The text to write, or `None` when nothing changed.
    pub write: Option<<H::Storage as Storage>::Text>,
}

pub(crate) enum Built<H: Host> {
    Ready(Rebuilt<H>),
    /// An action's result could not be encoded; it was removed.
    Dropped(Error<H::Error>, Item<H>),
}

/// Builds the record to write from a fresh entry and the batches.
/// `known`: the entry's record and data, decoded before (its version is the
/// entry's), or `None` to decode the entry.
pub(crate) async fn build<H: Host>(
    session: &Rc<SessionInner<H>>,
    entry: Option<&Entry>,
    known: Option<Box<Known<H>>>,
    batches: &mut Vec<Batch<H>>,
) -> Result<Built<H>, PullError<H::Error>> {
    let context = &session.context;
    let host = &context.host;
    let now = host.runtime().now_ms();
    // Building on the known record is building on the entry read: the
    // version names the value (docs/backend-contract.md, guarantee 3); a
    // known absent key is built on when no entry was read.
    debug_assert!(
        known
            .as_ref()
            .is_none_or(|k| entry.map(|e| &e.version) == k.version.as_ref()),
        "invariant: a pull builds on the known record of version {:?} for the entry of version {:?}",
        known.as_ref().map(|k| &k.version),
        entry.map(|e| &e.version)
    );
    let (known_record, mut known_data, cache_follows) = match known {
        Some(k) => (Some(k.record), Some(k.data), k.cache_follows),
        None => (None, None, false),
    };
    let mut record = match (entry, known_record) {
        (_, Some(record)) => record,
        (None, None) => {
            let data = host
                .default_data()
                .map_err(|e| PullError::Failed(Error::Host(e)))?;
            // Not retried: a default JSON cannot hold is the game's code,
            // not a passing failure, and retrying it for ever would keep
            // the session (an update, a final save) from ever ending. The
            // session goes bad instead, writing nothing (`Store::load`
            // refuses such a default at load; this is one that changed).
            let json = data
                .to_json()
                .map_err(|path| PullError::Bad(Code::NotJson, default_not_json(&path)))?;
            // Default data is already in the latest shape: every step counts as done.
            let steps = context
                .options
                .migrations
                .iter()
                .map(|(s, _)| s.clone())
                .collect();
            let mut record = Record::new(json, steps);
            record.compatible = context.options.compatible_steps.clone();
            record.origin = Some(random_id(&**host.runtime()));
            record
        }
        (Some(e), None) => {
            let mut record =
                Record::decode(&e.value).map_err(|err| PullError::Bad(err.code(), err.reason()))?;
            if let Some(data) = &e.data {
                // The host decoded the data as it read it: `value` held
                // `null` in its place. Built on as on a known record's
                // data: parsed JSON, frozen (`Host::own` drafts it).
                let doc = H::Doc::from_host(data).ok_or_else(|| {
                    PullError::Failed(Error::new(
                        Code::Internal,
                        "internal: an entry's data was decoded by another host",
                    ))
                })?;
                record.data = String::new();
                known_data = Some(doc);
            }
            record
        }
    };
    // A key that vanished, or came back with another origin, was removed
    // (store.remove) since this session read it: writing would bring back
    // erased data, or mix it into the new key.
    if !session.same_key(entry.map(|_| record.origin.as_deref())) {
        return Err(PullError::Bad(
            Code::BadData,
            "the key was removed (store.remove) after this session loaded it; nothing was written: load the key again to start from the default data".into(),
        ));
    }
    if let Some(reason) = quarantine_reason(context, &record) {
        return Err(PullError::Bad(Code::NeedsNewerVersion, reason));
    }
    // Exactly-once: batches this session already stored (an ambiguous write
    // that did land) are dropped, not applied again.
    let mut all_batches = true;
    if !crate::engine::sabotage::active("exactly_once") {
        let stored = record.written_batch(&session.id);
        let (done, todo): (Vec<_>, Vec<_>) = std::mem::take(batches)
            .into_iter()
            .partition(|b| b.n <= stored);
        *batches = todo;
        all_batches = done.is_empty();
        for b in done {
            settle(session, &b.items, &record);
        }
    }
    // Look up decisions first (they await storage); the data work after
    // this is synchronous.
    let mut decided = Vec::new();
    let mut undecided = Vec::new();
    for pending in std::mem::take(&mut record.pending) {
        match decision(context, &pending).await? {
            Some(committed) => {
                context.acting_on(&pending.id, committed);
                decided.push((pending, committed));
            }
            None => undecided.push(pending),
        }
    }
    record.pending = undecided;

    let known_data = known_data.as_ref();
    let from_cache = cache_follows
        && all_batches
        && decided.is_empty()
        && record.pending.is_empty()
        && cache_is_replay(session, batches);
    #[cfg(debug_assertions)]
    if from_cache {
        assert_cache_is_replay(session, &record, known_data, batches);
    }
    let base = record;
    // In place, actions change the data itself, and nothing sees what they
    // store until the encode: a result JSON cannot hold is computed again in
    // safe mode, where each action runs on a draft (one that stores what JSON
    // would not keep as the game sees it is refused there, and skipped),
    // before an action is dropped as unencodable.
    let mut safe = false;
    loop {
        let cached = from_cache && !safe;
        let computed = if cached {
            // Nothing to migrate (the known record was built here) and no
            // decision to apply: the replay would run the very actions the
            // cache ran, on the very data, and actions are pure.
            Ok((base.clone(), session.state.borrow().cache.clone(), false))
        } else if safe {
            let key = &session.key;
            compute(
                context,
                key,
                &base,
                known_data,
                &decided,
                batches,
                Mode::Safe,
            )
        } else {
            rebuild(context, &session.key, &base, known_data, &decided, batches)
        };
        let (mut record, data, mut changed) = match computed {
            Ok(c) => c,
            Err(Stop::Bad(code, reason)) => return Err(PullError::Bad(code, reason)),
            Err(Stop::Redo) => {
                return Err(PullError::Failed(Error::new(
                    Code::Internal,
                    "internal: safe replay asked to be redone",
                )))
            }
        };
        sabotage_carried_fields(&mut record);
        if let Some(last) = batches.last() {
            // Exactly-once: no batch the record holds is written again.
            debug_assert!(
                batches[0].n > record.written_batch(&session.id),
                "invariant: session {} writes its batch {} again",
                session.id,
                batches[0].n
            );
            // This store's finished one-shots of the key (`retired.rs`).
            record.forget_writers(context.retired.borrow().of(&session.key));
            record.mark_written(&session.id, last.n, now);
            record.prune_once(now, context.options.once_retention_ms);
            changed = true;
        }
        let ids_changed = {
            let st = session.state.borrow();
            let stored = entry.map(|e| &e.user_ids);
            st.user_ids
                .iter()
                .any(|id| !stored.is_some_and(|s| s.contains(id)))
        };
        // Sealed before it is encoded: an in-place replay of a known document
        // ran on a draft (`Host::own`), which is slow to read until finished.
        // The cache is sealed already.
        let data = if cached { data } else { host.seal(data) };
        if !changed && !ids_changed {
            return Ok(Built::Ready(Rebuilt {
                record,
                data,
                write: None,
            }));
        }
        assert_writable(context, &record);
        let path = match host.record_text(&mut record, &data, known_data) {
            Ok(text) => {
                return Ok(Built::Ready(Rebuilt {
                    record,
                    data,
                    write: Some(text),
                }))
            }
            Err(path) => path,
        };
        if !safe && !from_cache {
            safe = true;
            continue;
        }
        return match drop_unencodable(
            context,
            &session.key,
            &base,
            known_data,
            &decided,
            batches,
            path,
        ) {
            Ok((error, item)) => Ok(Built::Dropped(error, item)),
            Err(e) => Err(PullError::Failed(e)),
        };
    }
}

/// The deliberate bugs of an older writer (`sabotage.rs`): forgetting the
/// fields of newer engines, or the marks of compatible steps.
fn sabotage_carried_fields(record: &mut Record) {
    if crate::engine::sabotage::active("drop_unknown") {
        record.unknown.clear();
    }
    if crate::engine::sabotage::active("drop_marks") {
        record.compatible.clear();
    }
}

/// Whether the cache is what replaying `batches` on the known record's data
/// gives (given `Known::cache_follows`): nothing is queued besides them,
/// and every item is a plain patch, which ran on the cache exactly as it
/// would run in the replay. Exactly-once items are not (the cache ran them
/// without the record's ids), nor are transactions or restores.
fn cache_is_replay<H: Host>(session: &SessionInner<H>, batches: &[Batch<H>]) -> bool {
    session.state.borrow().queue.is_empty()
        && batches
            .iter()
            .all(|b| b.items.iter().all(|i| matches!(i, Item::Action { .. })))
}

/// Asserts that the cache written as it is (`Known::cache_follows`) is what
/// replaying `batches` on the known record gives: the replay is run anyway
/// and compared (builds with debug assertions only; actions are pure, so
/// running them again changes nothing but the time it takes).
#[cfg(debug_assertions)]
fn assert_cache_is_replay<H: Host>(
    session: &SessionInner<H>,
    record: &Record,
    known: Option<&H::Doc>,
    batches: &[Batch<H>],
) {
    let context = &session.context;
    let replayed = rebuild(context, &session.key, record, known, &[], batches);
    let Ok((_, data, _)) = replayed else {
        panic!("invariant: the cache was written as it is, but its replay fails");
    };
    let data = context.host.seal(data);
    let cache = session.state.borrow().cache.clone();
    if let Some(at) = cache.first_difference(&data) {
        panic!("invariant: the cache written as it is differs from its replay at {at}");
    }
}
