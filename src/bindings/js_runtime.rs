//! The engine's [`Runtime`] in JS: `Date.now`, `setTimeout`, microtask
//! spawning, `Math.random`.
//!
//! All sleeps share one JS timer ([`Timers`]); a sleep dropped before it is
//! due cancels itself, and the timer is cleared once no sleep is pending,
//! so a Node process whose sessions have all stopped exits by itself. While a session runs, its pull timer keeps the process
//! alive, so nothing unsaved is lost by an early exit.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
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

#[derive(Default)]
struct Fired {
    done: bool,
    waker: Option<Waker>,
}

/// A deadline in the queue: ordered by time, then by id.
#[derive(PartialEq)]
struct Due(f64, u32);

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

/// The pending sleeps, and the one JS timer that serves them all.
///
/// One `setTimeout` per sleep cost every idle session a Node `Timeout`
/// object (about 200 bytes of JS heap, more than all of the session's wasm
/// state). Instead the sleeps wait in a queue by deadline and one timer is
/// armed for the earliest; when it fires, every sleep that is due wakes and
/// the timer is armed again for the next. Cancelled sleeps leave their queue
/// entry behind (skipped when reached): cheaper than removing from a heap.
#[derive(Default)]
struct Timers {
    next: u32,
    pending: HashMap<u32, Rc<RefCell<Fired>>>,
    queue: BinaryHeap<Reverse<Due>>,
    /// The armed timer: its deadline and its `setTimeout` handle.
    armed: Option<(f64, JsValue)>,
}

impl Timers {
    /// Arms the JS timer for the earliest pending deadline, if it is not
    /// armed for it already; clears it when nothing is pending.
    fn arm(&mut self, now: f64) {
        while let Some(Reverse(Due(_, id))) = self.queue.peek() {
            if self.pending.contains_key(id) {
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
                for (_, fired) in self.pending.drain() {
                    fired.borrow_mut().done = true;
                }
                self.queue.clear();
            }
        }
    }
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers::default());
    /// Lives as long as the module: the handler of the one timer.
    static ON_FIRE: Closure<dyn FnMut()> = Closure::new(fire);
}

/// A millisecond of slack: a timer may fire a hair before its deadline as
/// the clocks round, and such a sleep is due, not worth another timer.
const SLACK_MS: f64 = 1.0;

/// The timer went off: every due sleep is marked done, the timer is armed
/// for the next, and then (no borrow held) the due sleeps are woken.
fn fire() {
    let now = performance_now();
    let wakers: Vec<Waker> = TIMERS.with(|t| {
        let mut t = t.borrow_mut();
        t.armed = None;
        let mut wakers = Vec::new();
        while let Some(Reverse(Due(at, id))) = t.queue.peek() {
            if *at > now + SLACK_MS {
                break;
            }
            let id = *id;
            t.queue.pop();
            if let Some(fired) = t.pending.remove(&id) {
                let mut f = fired.borrow_mut();
                f.done = true;
                wakers.extend(f.waker.take());
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
    fired: Rc<RefCell<Fired>>,
    id: u32,
}

impl Sleep {
    fn start(ms: f64) -> Sleep {
        let fired = Rc::new(RefCell::new(Fired::default()));
        let delay = if ms.is_finite() {
            ms.clamp(0.0, MAX_TIMEOUT_MS)
        } else {
            MAX_TIMEOUT_MS
        };
        let now = performance_now();
        let id = TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            let id = t.next;
            t.next = t.next.wrapping_add(1);
            t.pending.insert(id, fired.clone());
            t.queue.push(Reverse(Due(now + delay, id)));
            t.arm(now);
            id
        });
        Sleep { fired, id }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut fired = self.fired.borrow_mut();
        if fired.done {
            Poll::Ready(())
        } else {
            fired.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.fired.borrow().done {
            TIMERS.with(|t| {
                let mut t = t.borrow_mut();
                t.pending.remove(&self.id);
                if t.pending.is_empty() {
                    // Nothing left to wait for: no timer may keep a Node
                    // process alive.
                    t.queue.clear();
                    t.arm(0.0);
                }
            });
        }
    }
}
