//! Backend calls in flight, and the functions their answers come back
//! through.
//!
//! A backend call is started by one glue call (`js/host/storage.js`),
//! which calls the backend method, checks the shape of what its promise
//! resolves to, and answers through one of the functions of [`connect`],
//! naming the call by its [`Ticket`] in [`CALLS`] (`slab.rs`).
//! This replaced a `JsFuture` per call, which cost two registered closures,
//! a `then` and a `Promise.resolve` crossing, and one `Reflect.get` per entry
//! field: about twenty boundary crossings per save.
//!
//! Invariant: an answer reaches only the call it was made for. An answer to
//! a call that was dropped (its deadline passed, `requestTimeout`) names a
//! ticket that no longer holds its slot, and is ignored; a newer call in
//! that slot waits for its own.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::glue::Glue;
use super::slab::{Awaited, Slab, Ticket};
use crate::engine::{Entry, HostData, StorageError};

/// What a backend call resolved to, as `js/host/storage.js` read it.
pub enum Reply {
    /// `null` from `get`/`put`, or a `remove` that resolved.
    Nothing,
    Entry(Entry),
    /// The new version a `put` resolved to.
    Version(String),
}

pub type Answer = Result<Reply, StorageError<JsValue>>;

thread_local! {
    static CALLS: RefCell<Slab<Awaited<Answer>>> = const { RefCell::new(Slab::new()) };
}

fn open(waker: &Waker) -> Ticket {
    CALLS.with(|c| c.borrow_mut().insert(Awaited::Waiting(Some(waker.clone()))))
}

/// Frees the ticket's slot (answered or not).
fn close(ticket: Ticket) {
    CALLS.with(|c| c.borrow_mut().remove(ticket));
}

/// The answer of `ticket` if it came (its slot is freed); otherwise
/// remembers `waker` and returns `None`.
fn take(ticket: Ticket, waker: &Waker) -> Option<Answer> {
    CALLS.with(|c| {
        let mut c = c.borrow_mut();
        if c.wait(ticket, waker) {
            return None;
        }
        Some(match c.remove(ticket) {
            Some(Awaited::Done(answer)) => answer,
            _ => Err(StorageError::Invalid(
                "internal: a backend call lost its answer".into(),
            )),
        })
    })
}

/// Delivers `answer` to the call `(slot, serial)` if it still waits.
fn deliver(slot: u32, serial: f64, answer: Answer) {
    let waker = CALLS.with(|c| c.borrow_mut().complete(Ticket { slot, serial }, answer));
    // Woken outside the borrow: waking may poll (it only queues the task
    // in wasm-bindgen-futures, but nothing here relies on that).
    if let Some(w) = waker {
        w.wake();
    }
}

/// Starts a call: a glue call given the ticket, `false` when the backend
/// lacks the method. Boxed, so that one `poll` serves every method (each
/// monomorphized copy was a kilobyte of wasm).
type Start = Box<dyn FnOnce(u32, f64) -> Result<bool, JsValue>>;

/// A backend call: started by `start` on its first poll, then waiting for
/// its answer. Dropping it frees its slot; a late answer is then ignored.
pub struct Call {
    start: Option<Start>,
    method: &'static str,
    ticket: Option<Ticket>,
}

impl Call {
    pub fn new(
        method: &'static str,
        start: impl FnOnce(u32, f64) -> Result<bool, JsValue> + 'static,
    ) -> Self {
        Call {
            start: Some(Box::new(start)),
            method,
            ticket: None,
        }
    }
}

impl Future for Call {
    type Output = Answer;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        if let Some(start) = self.start.take() {
            let ticket = open(cx.waker());
            let started = start(ticket.slot, ticket.serial);
            return match started {
                Ok(true) => {
                    self.ticket = Some(ticket);
                    Poll::Pending
                }
                Ok(false) => {
                    close(ticket);
                    Poll::Ready(Err(StorageError::Invalid(format!(
                        "the backend has no {}() method",
                        self.method
                    ))))
                }
                Err(thrown) => {
                    close(ticket);
                    Poll::Ready(Err(StorageError::Failed(thrown)))
                }
            };
        }
        let Some(ticket) = self.ticket else {
            return Poll::Ready(Err(StorageError::Invalid(
                "internal: a backend call was polled after its answer".into(),
            )));
        };
        let Some(answer) = take(ticket, cx.waker()) else {
            return Poll::Pending;
        };
        self.ticket = None;
        Poll::Ready(answer)
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            close(ticket);
        }
    }
}

/// Calls in flight now (the wasm tests check that a call given up on does
/// not keep its slot).
pub fn calls_in_flight() -> u32 {
    CALLS.with(|c| c.borrow().len() as u32)
}

/// The kinds of a short answer (`answers.answer(slot, serial, kind, text)`).
const NOTHING: u32 = 0;
const VERSION: u32 = 1;

/// Hands `js/host/storage.js` the three functions its answers come back
/// through (`glue.connectStorage`): closures made once, for the life of the
/// module, so the loaders need not wire wasm exports to it.
///
/// - `entry(slot, serial, value, version, time, userIds, data)`: an entry
///   checked in JS; `value` is `undefined` when its version is the one the
///   engine said it knows; `data` is the record's data parsed and frozen,
///   `value` then the envelope with `null` in its place (a pull's read,
///   `Entry::data`), or `undefined`;
/// - `answer(slot, serial, kind, text)`: kind 0 is nothing (`null` from `get`
///   or `put`, or a `remove` that resolved), 1 the new version `text` of a
///   `put`, 2 an answer of the wrong shape (`text` says why);
/// - `failed(slot, serial, error)`: the backend's promise rejected.
pub fn connect(glue: &Glue) -> Result<(), JsValue> {
    let entry = Closure::<dyn Fn(u32, f64, Option<String>, String, f64, Vec<f64>, JsValue)>::new(
        |slot, serial, value: Option<String>, version, time, user_ids, data: JsValue| {
            let entry = Entry {
                value: value.unwrap_or_default(),
                version,
                time,
                user_ids,
                data: (!data.is_undefined()).then(|| HostData(Rc::new(data))),
            };
            deliver(slot, serial, Ok(Reply::Entry(entry)));
        },
    );
    let answer = Closure::<dyn Fn(u32, f64, u32, Option<String>)>::new(
        |slot, serial, kind, text: Option<String>| {
            let text = text.unwrap_or_default();
            let answer = match kind {
                NOTHING => Ok(Reply::Nothing),
                VERSION => Ok(Reply::Version(text)),
                _ => Err(StorageError::Invalid(text)),
            };
            deliver(slot, serial, answer);
        },
    );
    let failed = Closure::<dyn Fn(u32, f64, JsValue)>::new(|slot, serial, error| {
        deliver(slot, serial, Err(StorageError::Failed(error)));
    });
    let connected = glue.connect_storage(
        entry.as_ref().unchecked_ref(),
        answer.as_ref().unchecked_ref(),
        failed.as_ref().unchecked_ref(),
    );
    // Called for as long as the module lives.
    entry.forget();
    answer.forget();
    failed.forget();
    connected
}

#[wasm_bindgen]
extern "C" {
    /// Gives `js/host/storage.js` the functions of [`connect`].
    #[wasm_bindgen(method, catch, js_name = connectStorage)]
    fn connect_storage(
        this: &Glue,
        entry: &Function,
        answer: &Function,
        failed: &Function,
    ) -> Result<(), JsValue>;
}
