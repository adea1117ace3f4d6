//! The engine's [`Runtime`] in JS: `Date.now`, `setTimeout`, microtask
//! spawning, `Math.random`.
//!
//! A sleep owns its timer and clears it when dropped, so a session that has
//! stopped holds no timer and a Node process whose sessions have all stopped
//! exits by itself. While a session runs, its pull timer keeps the process
//! alive, so nothing unsaved is lost by an early exit.

use std::cell::RefCell;
use std::collections::HashMap;
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
    /// `setTimeout(handler, ms, id)`: the extra argument reaches the handler.
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64, id: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
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

/// The pending sleeps, by id. Every timer calls the one handler below with
/// its id: creating a wasm-bindgen closure per timer cost more than the
/// timer itself, and a save makes at least one.
#[derive(Default)]
struct Timers {
    next: u32,
    pending: HashMap<u32, Rc<RefCell<Fired>>>,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers::default());
    /// Lives as long as the module: the handler every timer calls.
    static ON_FIRE: Closure<dyn FnMut(f64)> = Closure::new(fire);
}

/// A timer went off: mark its sleep done and wake it (no borrow held).
fn fire(id: f64) {
    let fired = TIMERS.with(|t| t.borrow_mut().pending.remove(&(id as u32)));
    let Some(fired) = fired else { return };
    let waker = {
        let mut f = fired.borrow_mut();
        f.done = true;
        f.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}

/// A `setTimeout` as a future; dropping it clears the timer.
struct Sleep {
    fired: Rc<RefCell<Fired>>,
    id: u32,
    handle: Option<JsValue>,
}

impl Sleep {
    fn start(ms: f64) -> Sleep {
        let fired = Rc::new(RefCell::new(Fired::default()));
        let id = TIMERS.with(|t| {
            let mut t = t.borrow_mut();
            let id = t.next;
            t.next = t.next.wrapping_add(1);
            t.pending.insert(id, fired.clone());
            id
        });
        let delay = if ms.is_finite() {
            ms.clamp(0.0, MAX_TIMEOUT_MS)
        } else {
            MAX_TIMEOUT_MS
        };
        let handle = ON_FIRE
            .with(|f| set_timeout(f.as_ref().unchecked_ref(), delay, f64::from(id)))
            .ok();
        if handle.is_none() {
            // No timer could be set: resolve at once rather than hang forever.
            TIMERS.with(|t| t.borrow_mut().pending.remove(&id));
            fired.borrow_mut().done = true;
        }
        Sleep { fired, id, handle }
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
            TIMERS.with(|t| t.borrow_mut().pending.remove(&self.id));
            if let Some(handle) = &self.handle {
                let _ = clear_timeout(handle);
            }
        }
    }
}
