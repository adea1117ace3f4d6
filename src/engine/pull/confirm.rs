//! After an attempt is stored: acknowledge the prepares it carried and make
//! the cache the stored data plus whatever was patched meanwhile.

use std::rc::Rc;

use crate::engine::host::{Document, Host};
use crate::engine::record::Record;
use crate::engine::replay::item::{Batch, Item};
use crate::engine::replay::rebuild::replay_items;
use crate::engine::replay::work::{Mode, Work};
use crate::engine::session::SessionInner;

/// What one attempt wrote (or found already stored).
pub(crate) struct Written<H: Host> {
    pub record: Record,
    pub data: H::Doc,
}

/// Sends the acknowledgements of prepares that are now stored.
pub(crate) fn ack_prepares<H: Host>(session: &SessionInner<H>, items: &[Item<H>]) {
    for item in items {
        if let Item::Prepare(p) = item {
            let ack = session.state.borrow_mut().acks.remove(&p.id);
            if let Some(ack) = ack {
                ack.send(());
            }
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
    for b in std::mem::take(batches) {
        ack_prepares(session, &b.items);
    }
    let context = &session.context;
    let Written { record, data } = written;
    loop {
        let queued: Vec<Item<H>> = session.state.borrow().queue.clone();
        let mut work = Work::new(context, &session.key, Mode::Safe, data.clone());
        // Decisions that arrived while this pull was in flight.
        for pending in &record.pending {
            if let Some(committed) = context.known_decision(&pending.id) {
                let _ = work.decided(pending, committed);
            }
        }
        // Replaying queued prepares adds pending entries to a record; this
        // one only exists for that and is dropped.
        let mut unsaved = Record::new(String::new(), Vec::new());
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
