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

/// What a sleep's slot holds.
enum Timer {
    Free,
    /// Not due yet; the waker of the task that last polled it.
    Waiting(Option<Waker>),
    Fired,
}

struct Slot {
    /// Which sleep holds the slot (0: none). Never reused, so a queue entry
    /// left by a cancelled sleep never fires the slot's next holder.
    serial: u64,
    timer: Timer,
}

/// A deadline in the queue: ordered by time, then by serial.
#[derive(PartialEq)]
struct Due(f64, u64, u32);

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// Free slots kept when no sleep is pending; above this the table is given
/// back (100,000 sessions loading at once hold 100,000 sleeps).
const KEEP_IDLE: usize = 1024;

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
    serial: u64,
    slots: Vec<Slot>,
    free: Vec<u32>,
    queue: BinaryHeap<Reverse<Due>>,
    /// The armed timer: its deadline and its `setTimeout` handle.
    armed: Option<(f64, JsValue)>,
}

impl Timers {
    fn waiting(&self, slot: u32, serial: u64) -> bool {
        self.slots
            .get(slot as usize)
            .is_some_and(|s| s.serial == serial && matches!(s.timer, Timer::Waiting(_)))
    }

    /// Frees a slot; with no sleep left, nothing may keep a Node process
    /// alive: the queue and the timer go.
    fn free(&mut self, slot: u32) {
        self.slots[slot as usize] = Slot {
            serial: 0,
            timer: Timer::Free,
        };
        self.free.push(slot);
        if self.free.len() == self.slots.len() {
            self.queue.clear();
            if self.slots.capacity() > KEEP_IDLE {
                self.slots = Vec::new();
                self.free = Vec::new();
            }
            self.arm(0.0);
        }
    }

    /// Arms the JS timer for the earliest pending deadline, if it is not
    /// armed for it already; clears it when nothing is pending.
    fn arm(&mut self, now: f64) {
        while let Some(Reverse(Due(_, serial, slot))) = self.queue.peek() {
            if self.waiting(*slot, *serial) {
                break;
            }
            self.queue.pop();
        }
        let next = self.queue.peek().map(|Reverse(Due(at, _, _))| *at);
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
                for s in &mut self.slots {
                    if let Timer::Waiting(w) = &mut s.timer {
                        if let Some(w) = w.take() {
                            w.wake();
                        }
                        s.timer = Timer::Fired;
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
            serial: 0,
            slots: Vec::new(),
            free: Vec::new(),
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
        while let Some(Reverse(Due(at, serial, slot))) = t.queue.peek() {
            if *at > now + SLACK_MS {
                break;
            }
            let (serial, slot) = (*serial, *slot);
            t.queue.pop();
            if t.waiting(slot, serial) {
                let s = &mut t.slots[slot as usize];
                if let Timer::Waiting(w) = std::mem::replace(&mut s.timer, Timer::Fired) {
                    wakers.extend(w);
                }
            }
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
struct Sleep {
    slot: u32,
    serial: u64,
}

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
            t.serial += 1;
            let serial = t.serial;
            let held = Slot {
                serial,
                timer: Timer::Waiting(None),
            };
            let slot = match t.free.pop() {
                Some(i) => {
                    t.slots[i as usize] = held;
                    i
                }
                None => {
                    t.slots.push(held);
                    (t.slots.len() - 1) as u32
                }
            };
            t.queue.push(Reverse(Due(now + delay, serial, slot)));
            t.arm(now);
            Sleep { slot, serial }
        })
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            match t.slots.get_mut(self.slot as usize) {
                Some(s) if s.serial == self.serial => match &mut s.timer {
                    Timer::Waiting(w) => {
                        if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                            *w = Some(cx.waker().clone());
                        }
                        Poll::Pending
                    }
                    _ => Poll::Ready(()),
                },
                // Not possible while the sleep lives; ready rather than hang.
                _ => Poll::Ready(()),
            }
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            if t.slots
                .get(self.slot as usize)
                .is_some_and(|s| s.serial == self.serial)
            {
                t.free(self.slot);
            }
        });
    }
}
