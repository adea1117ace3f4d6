//! One compare-and-set attempt of a pull: get the record, build what to
//! write, put it conditionally on the version read.

use std::rc::Rc;

use super::build::{build, Built, Rebuilt};
use super::confirm::{confirm, Written};
use super::error::PullError;
use crate::engine::error::Error;
use crate::engine::host::{Entry, Host, Storage};
use crate::engine::record::Record;
use crate::engine::replay::item::Batch;
use crate::engine::session::SessionInner;

/// How one attempt of a pull ended.
pub(crate) enum Outcome<E> {
    /// Written (or nothing to write); the cache is updated.
    Stored,
    /// The compare-and-set lost: try again on the newer record.
    Conflict,
    /// An action's result could not be encoded and was removed.
    Dropped(Error<E>),
}

/// One get (or none, see [`write_first`]), replay and conditional put.
pub(crate) async fn attempt<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
) -> Result<Outcome<H::Error>, PullError<H::Error>> {
    let context = &session.context;
    let storage = context.host.storage().clone();
    let mut known = write_first(session, batches);
    let entry = match &known {
        // The entry a read would find if nothing was written since (none,
        // for a key found absent); the conditional put below fails if
        // something was.
        Some(k) => k.version.as_ref().map(|version| Entry {
            value: String::new(),
            version: version.clone(),
            // Not read by a pull (only views show times).
            time: f64::NAN,
            user_ids: k.user_ids.clone(),
            data: None,
        }),
        None => {
            // The record this session wrote or read last: if that is still
            // the one stored, it need not be carried or decoded again.
            let held = session
                .state
                .borrow()
                .known
                .as_ref()
                .and_then(|k| k.version.clone());
            let get = storage.get_to_build(&context.namespace, &session.key, held.as_deref());
            let entry = context.counted(get.await)?;
            let mut st = session.state.borrow_mut();
            known = match (&entry, st.known.take()) {
                (Some(e), Some(k)) if k.version.as_ref() == Some(&e.version) => Some(k),
                // Still absent: the record built from the default data stands.
                (None, Some(k)) if k.version.is_none() => Some(k),
                _ => None,
            };
            entry
        }
    };
    let Rebuilt {
        record,
        data,
        write,
    } = match build(session, entry.as_ref(), known, batches).await? {
        Built::Ready(a) => a,
        Built::Dropped(err, item) => {
            session.fail_item(&item, &err);
            return Ok(Outcome::Dropped(err));
        }
    };
    let Some(text) = write else {
        // Nothing to write: what was read stays the known record.
        let user_ids = entry
            .as_ref()
            .map(|e| e.user_ids.clone())
            .unwrap_or_default();
        let version = entry.map(|e| e.version);
        return Ok(stored(session, batches, record, data, version, user_ids));
    };
    let expected = entry.as_ref().map(|e| e.version.clone());
    let user_ids = merged_user_ids(session, entry.as_ref());
    // Only the sabotaged build writes the same text twice; copying a whole
    // record for nothing was a few per cent of every save.
    let again = crate::engine::sabotage::active("last_writer_wins")
        .then(|| (text.clone(), user_ids.clone()));
    let put = storage.put(
        &context.namespace,
        &session.key,
        text,
        expected,
        user_ids.clone(),
    );
    let mut written = context.counted(put.await)?;
    if written.is_none() {
        context.stats.bump(|s| s.conflicts += 1);
        if let Some((text, user_ids)) = again {
            // Overwrite whatever the other writer stored.
            let now = context.counted(storage.get(&context.namespace, &session.key).await)?;
            let expected = now.map(|e| e.version);
            let put = storage.put(&context.namespace, &session.key, text, expected, user_ids);
            written = context.counted(put.await)?;
            if written.is_none() {
                context.stats.bump(|s| s.conflicts += 1);
            }
        }
    }
    let Some(version) = written else {
        return Ok(Outcome::Conflict);
    };
    context.stats.bump(|s| s.writes += 1);
    // A key this session created is the key it reads from now on (a record
    // it read is remembered by `build`; one it built but did not store must
    // not be).
    session.same_key(Some(record.origin.as_deref()));
    Ok(stored(
        session,
        batches,
        record,
        data,
        Some(version),
        user_ids,
    ))
}

/// The known record to build on without reading, when this attempt has
/// something to write and the session holds the record of the version it
/// wrote or read last: one backend call per save instead of two. A version
/// names one value (docs/backend-contract.md), so the record of the version
/// a read would find is the one held already, and the put is conditional on
/// that version: it stores only if nothing was written since, exactly as
/// after a read. If something was, the put answers `null` (a conflict), the
/// known record is gone (taken here), and the retry reads.
fn write_first<H: Host>(
    session: &SessionInner<H>,
    batches: &[Batch<H>],
) -> Option<Box<crate::engine::session::Known<H>>> {
    if batches.is_empty() {
        return None;
    }
    session.state.borrow_mut().known.take()
}

/// Confirms what is stored now: `record` and `data`, at `version` (`None`:
/// nothing is stored yet).
fn stored<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
    record: Record,
    data: H::Doc,
    version: Option<String>,
    user_ids: Vec<f64>,
) -> Outcome<H::Error> {
    let written = Written {
        record,
        data,
        version,
        user_ids,
    };
    confirm(session, batches, written);
    Outcome::Stored
}

/// The union of the stored user ids and this session's.
fn merged_user_ids<H: Host>(session: &SessionInner<H>, entry: Option<&Entry>) -> Vec<f64> {
    let mut ids: Vec<f64> = entry.map(|e| e.user_ids.clone()).unwrap_or_default();
    for id in &session.state.borrow().user_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}
