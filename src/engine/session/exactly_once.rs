//! Exactly-once patches (`session.patchOnce`, docs/api.md): the call, the
//! waiters that learn whether their item applied its id, and the session's
//! memory of which key it read (so a removed key is noticed).
//!
//! The pull decides; this file only queues and tells. An item's fate is
//! read from the stored record's `once` map by `settle`
//! (`pull/confirm.rs`), which names the item that applied each id.

use std::future::Future;
use std::rc::Rc;

use super::{OnceResult, OnceWaiters, Session, SessionInner};
use crate::engine::error::{Code, Error};
use crate::engine::host::Host;
use crate::engine::record::write::quoted;
use crate::engine::replay::item::{Item, OnceTag};
use crate::engine::signal::oneshot;

impl<H: Host> Session<H> {
    /// Applies `func` at once like [`Session::patch`] and queues it with
    /// `id`; the pull applies it only if the key's record has not applied
    /// `id` yet. Resolves `true` once a write that applied it is stored,
    /// `false` if the id was already applied or the action cancelled, and
    /// fails with `bad_data` if the key goes bad first. Errors of the call
    /// itself (unregistered function, the action throwing, the schema) are
    /// returned at once.
    pub fn patch_once(
        &self,
        id: &str,
        func: &H::Func,
        args: H::Args,
    ) -> Result<impl Future<Output = OnceResult<H>> + 'static, Error<H::Error>> {
        let inner = &self.0;
        inner.check_running()?;
        if id.is_empty() {
            return Err(Error::new(
                Code::InvalidOptions,
                "patchOnce(id, fn, ...args): id must be a non-empty string naming the external event (a receipt id)",
            ));
        }
        let Some(index) = inner.context.index_of(func) else {
            return Err(Error::new(
                Code::ActionInvalidFunction,
                format!(
                    "the function passed to patchOnce is not registered on store {}; register it with store.action(fn)",
                    quoted(&inner.context.options.name)
                ),
            ));
        };
        let once = inner.once_tag(id);
        let by = once.by.clone();
        let queued = self.apply_as(func, Some(args), |args| Item::Once {
            once,
            action: index,
            args,
        })?;
        let (tx, rx) = oneshot();
        if queued {
            let mut st = inner.state.borrow_mut();
            let waiters = st.once.get_or_insert_with(new_waiters);
            waiters.waiting.push((by, tx));
        } else {
            // Cancelled on the cache: nothing was queued.
            tx.send(Ok(false));
        }
        Ok(async move {
            rx.await.unwrap_or_else(|| {
                Err(Error::new(
                    Code::Internal,
                    "internal: a patchOnce ended without being settled",
                ))
            })
        })
    }
}

fn new_waiters<H: Host>() -> Box<OnceWaiters<H>> {
    Box::new(OnceWaiters {
        next: 1,
        waiting: Vec::new(),
    })
}

/// The hash a session keeps of a record's origin (`None`: a record written
/// before origins existed): 64-bit FNV-1a, enough to tell random ids apart
/// and far smaller in wasm than std's SipHash.
fn origin_hash(origin: Option<&str>) -> u64 {
    let Some(origin) = origin else { return 0 };
    origin.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl<H: Host> SessionInner<H> {
    /// A fresh tag for this session's next exactly-once item.
    pub(crate) fn once_tag(&self, id: &str) -> OnceTag {
        let mut st = self.state.borrow_mut();
        let waiters = st.once.get_or_insert_with(new_waiters);
        let n = waiters.next;
        waiters.next += 1;
        OnceTag {
            id: Rc::from(id),
            by: Rc::from(format!("{}:{n}", self.id)),
        }
    }

    /// Tells the caller of the exactly-once item `by` its outcome.
    pub(crate) fn settle_once(&self, by: &str, result: OnceResult<H>) {
        let waiter = {
            let mut st = self.state.borrow_mut();
            let Some(waiters) = st.once.as_mut() else {
                return;
            };
            let found = waiters.waiting.iter().position(|(b, _)| &**b == by);
            found.map(|i| waiters.waiting.swap_remove(i).1)
        };
        if let Some(waiter) = waiter {
            waiter.send(result);
        }
    }

    /// An item a pull had to drop (its result was not JSON): its caller, if
    /// it waits, gets the error.
    pub(crate) fn fail_item(&self, item: &Item<H>, error: &Error<H::Error>) {
        if let Item::Once { once, .. } = item {
            self.settle_once(&once.by, Err(error.clone()));
        }
    }

    /// Whether `stored` (the origin of the record just read, `None` if there
    /// is no record) is the key this session has been reading. The first
    /// record read is remembered; a key that vanishes or changes origin
    /// afterwards was removed.
    pub(crate) fn same_key(&self, stored: Option<Option<&str>>) -> bool {
        let mut st = self.state.borrow_mut();
        match (st.origin, stored) {
            (None, None) => true,
            (None, Some(origin)) => {
                st.origin = Some(origin_hash(origin));
                true
            }
            (Some(_), None) => false,
            (Some(seen), Some(origin)) => seen == origin_hash(origin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_hash;

    /// FNV-1a's published test vectors: a weaker mix (`|` for `^`) would
    /// make origins that differ in a few bits hash alike.
    #[test]
    fn origin_hash_is_fnv_1a() {
        assert_eq!(origin_hash(None), 0);
        assert_eq!(origin_hash(Some("")), 0xcbf2_9ce4_8422_2325);
        assert_eq!(origin_hash(Some("a")), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(origin_hash(Some("foobar")), 0x8594_4171_f739_67e8);
    }
}
