//! The few async primitives the engine needs, single-threaded and small:
//! a one-shot value, a wake-up flag, and racing two futures.
//!
//! Hand-written because the engine's dependency list is kept to serde; each
//! is a `RefCell` plus a stored `Waker`.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    closed: bool,
    waker: Option<Waker>,
}

/// The sending half of a one-shot channel.
pub struct Sender<T>(Rc<RefCell<Slot<T>>>);
/// The receiving half: resolves to `Some(value)`, or `None` if the sender
/// was dropped without sending.
pub struct Receiver<T>(Rc<RefCell<Slot<T>>>);

/// A one-shot channel.
pub fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        closed: false,
        waker: None,
    }));
    (Sender(slot.clone()), Receiver(slot))
}

impl<T> Sender<T> {
    /// Delivers the value and wakes the receiver.
    pub fn send(self, value: T) {
        let waker = {
            let mut slot = self.0.borrow_mut();
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.borrow_mut();
            slot.closed = true;
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = self.0.borrow_mut();
        if let Some(v) = slot.value.take() {
            return Poll::Ready(Some(v));
        }
        if slot.closed {
            return Poll::Ready(None);
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A wake-up flag: `notify` sets it, `wait` resolves once it is set and
/// clears it. Used to cut a session's sleep short (stop, transactions).
#[derive(Clone, Default)]
pub struct Notify(Rc<RefCell<(bool, Option<Waker>)>>);

impl Notify {
    /// Sets the flag and wakes the waiter.
    pub fn notify(&self) {
        let waker = {
            let mut s = self.0.borrow_mut();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Resolves when the flag is set, clearing it.
    pub fn wait(&self) -> impl Future<Output = ()> + 'static {
        let me = self.0.clone();
        poll_fn(move |cx| {
            let mut s = me.borrow_mut();
            if s.0 {
                s.0 = false;
                Poll::Ready(())
            } else {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// Which of two raced futures finished first.
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures and returns the first result; the other is dropped
/// (which cancels it: a dropped sleep clears its timer).
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}

/// Resolves when every receiver has resolved, returning their values in order.
pub async fn join_all<T>(receivers: Vec<Receiver<T>>) -> Vec<Option<T>> {
    let mut out = Vec::with_capacity(receivers.len());
    for r in receivers {
        out.push(r.await);
    }
    out
}
