//! The session's life-cycle transitions the pull and transactions drive:
//! queueing a prepare, applying a decision, going bad, finishing; and the
//! one-shot session of `store.update`.

use std::rc::Rc;

use super::{Phase, Session, SessionInner};
use crate::engine::context::Context;
use crate::engine::error::{Code, Error};
use crate::engine::host::{Document, Host};
use crate::engine::record::Pending;
use crate::engine::replay::item::Item;
use crate::engine::replay::work::apply_decided;
use crate::engine::signal::{oneshot, Receiver};

impl<H: Host> Session<H> {
    /// A session whose cache nobody sees before its first pull sets it: a
    /// one-shot write's (`Store::update`), which starts stopping and hands
    /// no snapshot out. Its pull builds on the stored record, or on
    /// `defaultData` made there if the key is absent, never on this cache:
    /// making and freezing the default data for it was a fifth of an update.
    pub(crate) fn one_shot(context: Rc<Context<H>>, key: String) -> Result<Self, Error<H::Error>> {
        let placeholder = match context.null_doc.get() {
            Some(doc) => doc.clone(),
            None => {
                let doc = H::Doc::from_json("null")
                    .map_err(|e| Error::new(Code::Internal, format!("internal: {e}")))?;
                context.null_doc.get_or_init(|| doc).clone()
            }
        };
        Ok(Self::with_cache(context, key, placeholder))
    }
}

impl<H: Host> SessionInner<H> {
    /// Queues this key's part of a transaction and asks for a pull soon.
    /// The receiver resolves once the part is stored.
    pub(crate) fn enqueue_prepare(&self, pending: Pending) -> Receiver<()> {
        let (tx, rx) = oneshot();
        {
            let mut st = self.state.borrow_mut();
            // One per transaction id, as in a map: a second prepare replaces it.
            st.acks.retain(|(id, _)| *id != pending.id);
            st.acks.push((pending.id.clone(), tx));
            st.queue.push(Item::Prepare(pending));
        }
        self.wake.notify();
        rx
    }

    /// Applies a transaction's decided actions to the cache at once.
    pub(crate) fn apply_decision(&self, pending: &Pending, committed: bool) {
        self.context.acting_on(&pending.id, committed);
        let cache = {
            let st = self.state.borrow();
            if st.phase == Phase::Stopped {
                return;
            }
            st.cache.clone()
        };
        let new = apply_decided(&self.context, &self.key, cache, pending, committed);
        let mut st = self.state.borrow_mut();
        st.cache = new.clone();
        // The known record does not have this decision yet.
        if let Some(known) = st.known.as_mut() {
            known.cache_follows = false;
        }
        drop(st);
        self.notify(&new);
    }

    /// Marks the key bad: the session stops at once and never writes.
    pub(crate) fn go_bad(&self, code: Code, reason: String) {
        self.context
            .report(&Error::new(code, reason.clone()), Some(&self.key));
        // Version skew is counted apart: it is not broken data.
        self.context.stats.bump(|s| match code {
            Code::NeedsNewerVersion => s.needs_newer_version += 1,
            _ => s.bad += 1,
        });
        let mut st = self.state.borrow_mut();
        st.bad = Some((code, reason.clone()));
        st.queue.clear();
        st.inflight.clear();
        st.acks.clear();
        let once = st.once.take();
        drop(st);
        for (_, waiter) in once.map(|o| o.waiting).unwrap_or_default() {
            waiter.send(Err(Error::new(code, reason.clone())));
        }
        self.finish(Ok(()));
    }

    /// Ends the session: releases every waiter; holds nothing afterwards.
    pub(crate) fn finish(&self, result: Result<(), Error<H::Error>>) {
        let (awaiters, stoppers) = {
            let mut st = self.state.borrow_mut();
            if st.phase != Phase::Stopped {
                self.context.stats.bump(|s| s.sessions -= 1);
            }
            st.phase.advance(Phase::Stopped);
            st.stop_result = Some(result.clone());
            (
                std::mem::take(&mut st.awaiters),
                std::mem::take(&mut st.stop_waiters),
            )
        };
        for a in awaiters {
            a.send(());
        }
        for s in stoppers {
            s.send(result.clone());
        }
    }
}

impl<H: Host> Session<H> {
    /// Why this key must not be touched, as the error `update` and
    /// `restore` reject with: `bad_data` for data that is not a record this
    /// engine can read, `needs_newer_version` for one a newer version wrote.
    pub fn bad_error(&self) -> Option<Error<H::Error>> {
        let st = self.0.state.borrow();
        st.bad
            .as_ref()
            .map(|(code, why)| Error::new(*code, why.clone()))
    }
}
