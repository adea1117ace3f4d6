//! After an attempt is stored: acknowledge the prepares it carried and make
//! the cache the stored data plus whatever was patched meanwhile.

use std::rc::Rc;

use crate::engine::host::{Document, Host};
use crate::engine::record::Record;
use crate::engine::replay::item::{Batch, Item, Ran};
use crate::engine::replay::rebuild::replay_items;
use crate::engine::replay::work::{apply_decided, Mode, Work};
use crate::engine::session::{Known, SessionInner};

/// What one attempt wrote (or found already stored), and its version
/// (`None`: nothing is stored yet).
pub(crate) struct Written<H: Host> {
    pub record: Record,
    pub data: H::Doc,
    pub version: Option<String>,
    /// The user ids stored with `version`.
    pub user_ids: Vec<f64>,
}

/// Settles items now known stored in `record`: acknowledges their prepares,
/// and tells each exactly-once item whether it was the one that applied
/// its id (the record's `once` entry names it) or not (the id was already
/// there, or the action cancelled). `record` is the one written, or one
/// read later that shows the batch stored; `once` entries outlive both.
pub(crate) fn settle<H: Host>(session: &SessionInner<H>, items: &[Item<H>], record: &Record) {
    let applied = |id: &str, by: &str| record.once.get(id).is_some_and(|a| a.by == by);
    for item in items {
        match item {
            Item::Prepare(p) => {
                let ack = {
                    let mut st = session.state.borrow_mut();
                    let at = st.acks.iter().position(|(id, _)| *id == p.id);
                    at.map(|i| st.acks.swap_remove(i).1)
                };
                if let Some(ack) = ack {
                    ack.send(());
                }
            }
            Item::Once { once, .. } => {
                session.settle_once(&once.by, Ok(applied(&once.id, &once.by)));
            }
            Item::Update {
                once: Some(tag),
                outcome,
                ..
            } => {
                // The record decides, not the last replay: after a lost
                // reply the write that stored may be an earlier one.
                let mut outcome = outcome.borrow_mut();
                if applied(&tag.id, &tag.by) {
                    *outcome = Some(Ran::Applied);
                } else if matches!(*outcome, Some(Ran::Applied)) {
                    *outcome = Some(Ran::Cancelled);
                }
            }
            _ => {}
        }
    }
}

/// After a successful pull: the batches are stored; the cache becomes the
/// stored data plus whatever was patched while the pull was in flight.
pub(crate) fn confirm<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
    written: Written<H>,
) {
    let context = &session.context;
    let Written {
        mut record,
        data,
        version,
        user_ids,
    } = written;
    context
        .retired
        .borrow_mut()
        .settle(&session.key, &record.writers);
    for b in std::mem::take(batches) {
        settle(session, &b.items, &record);
    }
    loop {
        let queued: Vec<Item<H>> = session.state.borrow().queue.clone();
        // Decisions that arrived while this pull was in flight.
        let mut decided = data.clone();
        for pending in &record.pending {
            if let Some(committed) = context.known_decision(&pending.id) {
                decided = apply_decided(context, &session.key, decided, pending, committed);
            }
        }
        let mut work = Work::new(context, &session.key, Mode::Safe, decided);
        // Replaying queued prepares adds pending entries to a record; this
        // one only exists for that and is dropped. It knows the stored
        // exactly-once ids, so a queued patchOnce of one already applied
        // disappears from the cache (the game sees the stored data). The
        // ids are copied only when something queued needs them: this runs
        // on every pull.
        let mut unsaved = Record::new(String::new(), Vec::new());
        let needs_ids = queued
            .iter()
            .any(|i| matches!(i, Item::Once { .. } | Item::Update { once: Some(_), .. }));
        if needs_ids {
            unsaved.once = record.once.clone();
        }
        let _ = replay_items(context, &mut work, &mut unsaved, &queued);
        let Some(cache) = work.into_data() else {
            return;
        };
        let mut st = session.state.borrow_mut();
        if st.queue.len() != queued.len() {
            // An action patched this session while it replayed (the JS host
            // refuses that; another host might not): replay again with it.
            continue;
        }
        // The data text is not needed again: the document stands for it.
        record.data = String::new();
        // Decisions of its pending entries went into the cache above, not
        // into the record.
        let cache_follows = record.pending.is_empty();
        st.known = Some(Box::new(Known {
            version,
            record,
            data,
            user_ids,
            cache_follows,
        }));
        if !st.loaded {
            st.loaded = true;
            context.stats.bump(|s| s.loads += 1);
        }
        // Only a real change is news: a load that finds what the cache
        // already shows (the default data plus the same patches) is not.
        let changed = st.cache.first_difference(&cache).is_some();
        st.cache = cache.clone();
        drop(st);
        if changed {
            session.notify(&cache);
        }
        return;
    }
}
