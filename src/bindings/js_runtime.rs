//! The engine's [`Runtime`] in JS: `Date.now`, `setTimeout`, microtask
//! spawning, `Math.random`.
//!
//! All sleeps share one JS timer ([`Timers`]); a sleep dropped before it is
//! due cancels itself, and the timer is cleared once no sleep is pending,
//! so a Node process whose sessions have all stopped exits by itself. While a session runs, its pull timer keeps the process
//! alive, so nothing unsaved is lost by an early exit.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::slab::{Awaited, Slab, Ticket};
use crate::engine::{LocalBoxFuture, Runtime};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
    /// A monotonic clock for deadlines (Date.now can jump).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The longest delay `setTimeout` honours; longer ones fire at once.
const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// Time and tasks from the JS host.
#[derive(Default)]
pub struct JsRuntime;

impl Runtime for JsRuntime {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        Box::pin(Sleep::start(ms))
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// A deadline in the queue, for the sleep of a ticket: ordered by time,
/// then by serial. A cancelled sleep's entry stays behind, naming a ticket
/// that no longer holds, so it never fires the slot's next holder.
#[derive(PartialEq)]
struct Due(f64, Ticket);

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then(self.1.serial.total_cmp(&other.1.serial))
    }
}

/// The pending sleeps, and the one JS timer that serves them all.
///
/// One `setTimeout` per sleep cost every idle session a Node `Timeout`
/// object (about 200 bytes of JS heap, more than all of the session's wasm
/// state). Instead the sleeps wait in a queue by deadline and one timer is
/// armed for the earliest; when it fires, every sleep that is due wakes and
/// the timer is armed again for the next. Cancelled sleeps leave their queue
/// entry behind (skipped when reached): cheaper than removing from a heap.
/// A sleep is a slot in a table, not a shared allocation with a map from
/// ids: every pull starts and cancels one (its deadline), so that was an
/// allocation, a hash insert and a hash removal per save.
struct Timers {
    /// Done once the sleep is due.
    sleeps: Slab<Awaited<()>>,
    queue: BinaryHeap<Reverse<Due>>,
    /// The armed timer: its deadline and its `setTimeout` handle.
    armed: Option<(f64, JsValue)>,
}

impl Timers {
    fn waiting(&mut self, ticket: Ticket) -> bool {
        matches!(self.sleeps.get_mut(ticket), Some(Awaited::Waiting(_)))
    }

    /// Frees a sleep's slot; with no sleep left, nothing may keep a Node
    /// process alive: the queue and the timer go.
    fn free(&mut self, ticket: Ticket) {
        if self.sleeps.remove(ticket).is_some() && self.sleeps.is_empty() {
            self.queue.clear();
            self.arm(0.0);
        }
    }

    /// Arms the JS timer for the earliest pending deadline, if it is not
    /// armed for it already; clears it when nothing is pending.
    fn arm(&mut self, now: f64) {
        while let Some(&Reverse(Due(_, ticket))) = self.queue.peek() {
            if self.waiting(ticket) {
                break;
            }
            self.queue.pop();
        }
        let next = self.queue.peek().map(|Reverse(Due(at, _))| *at);
        match (next, &self.armed) {
            (Some(at), Some((armed_at, _))) if *armed_at <= at => return,
            (None, None) => return,
            _ => {}
        }
        if let Some((_, handle)) = self.armed.take() {
            let _ = clear_timeout(&handle);
        }
        let Some(at) = next else { return };
        let delay = (at - now).clamp(0.0, MAX_TIMEOUT_MS);
        match ON_FIRE.with(|f| set_timeout(f.as_ref().unchecked_ref(), delay)) {
            Ok(handle) => self.armed = Some((at, handle)),
            // No timer could be set: everything due resolves at once rather
            // than hang forever.
            Err(_) => {
                for timer in self.sleeps.values_mut() {
                    if let Awaited::Waiting(w) = std::mem::replace(timer, Awaited::Done(())) {
                        w.into_iter().for_each(Waker::wake);
                    }
                }
                self.queue.clear();
            }
        }
    }
}

thread_local! {
    static TIMERS: RefCell<Timers> = const {
        RefCell::new(Timers {
            sleeps: Slab::new(),
            queue: BinaryHeap::new(),
            armed: None,
        })
    };
    /// Lives as long as the module: the handler of the one timer.
    static ON_FIRE: Closure<dyn FnMut()> = Closure::new(fire);
}

/// A millisecond of slack: a timer may fire a hair before its deadline as
/// the clocks round, and such a sleep is due, not worth another timer.
const SLACK_MS: f64 = 1.0;

/// The timer went off: every due sleep is marked fired, the timer is armed
/// for the next, and then (no borrow held) the due sleeps are woken.
fn fire() {
    let now = performance_now();
    let wakers: Vec<Waker> = TIMERS.with(|t| {
        let mut t = t.borrow_mut();
        t.armed = None;
        let mut wakers = Vec::new();
        while let Some(&Reverse(Due(at, ticket))) = t.queue.peek() {
            if at > now + SLACK_MS {
                break;
            }
            t.queue.pop();
            wakers.extend(t.sleeps.complete(ticket, ()));
        }
        t.arm(now);
        wakers
    });
    for w in wakers {
        w.wake();
    }
}

/// A sleep as a future; dropping it before it is due cancels it (and clears
/// the JS timer when no other sleep is pending).
struct Sleep(Ticket);

impl Sleep {
    fn start(ms: f64) -> Sleep {
        let delay = if ms.is_finite() {
            ms.clamp(0.0, MAX_TIMEOUT_MS)
        } else {
            MAX_TIMEOUT_MS
        };
        let now = performance_now();
        TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            let ticket = t.sleeps.insert(Awaited::Waiting(None));
            t.queue.push(Reverse(Due(now + delay, ticket)));
            t.arm(now);
            Sleep(ticket)
        })
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Not waiting: fired (a sleep that lives always holds its slot).
        if TIMERS.with(|t| t.borrow_mut().sleeps.wait(self.0, cx.waker())) {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        TIMERS.with(|t| t.borrow_mut().free(self.0));
    }
}
