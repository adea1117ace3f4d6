//! `Sim`: a deterministic single-threaded executor with virtual time.
//!
//! Owns the task table, the ready queue, the timer wheel and the clock. The
//! seeded RNG picks which ready task runs next, so one seed is one
//! interleaving and a sweep over seeds explores many. Time never passes while
//! something can run: when no task is ready the clock jumps to the earliest
//! timer. Every task belongs to an owner (a simulated server id) so a whole
//! server can be killed at once, as SIGKILL would.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::rng::SimRng;

/// Virtual time at the start of every simulation (ms since the epoch), so
/// timestamps look like real ones.
pub const START_MS: f64 = 1_700_000_000_000.0;
/// How far `block_on` lets virtual time run before giving up.
pub const DEFAULT_BLOCK_LIMIT_MS: f64 = 3_600_000.0;
/// A run that polls this often without finishing is a livelock (a task that
/// wakes itself forever at one instant); fail loudly rather than hang CI.
const MAX_POLLS_PER_RUN: u64 = 20_000_000;

pub type TaskFuture = Pin<Box<dyn Future<Output = ()>>>;

/// `Waker` needs `Send + Sync`, hence `Arc<Mutex<..>>` even on one thread.
/// A wake only records the task id; the executor does the polling.
struct TaskWaker {
    id: usize,
    ready: Arc<Mutex<Vec<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let mut q = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        // Queued once, however often it is woken before it runs.
        if !q.contains(&self.id) {
            q.push(self.id);
        }
    }
}

struct Task {
    owner: u32,
    fut: TaskFuture,
    waker: Waker,
}

struct Inner {
    rng: RefCell<SimRng>,
    now: Cell<f64>,
    // BTreeMap, not HashMap: `kill` drops futures in a fixed order, and drop
    // order can be observable (a Drop impl that logs, sends, ...).
    tasks: RefCell<BTreeMap<usize, Task>>,
    next_task: Cell<usize>,
    ready: Arc<Mutex<Vec<usize>>>,
    // Keyed by (deadline bits, sequence): ordered by time, then creation.
    timers: RefCell<BTreeMap<(u64, u64), Waker>>,
    next_timer: Cell<u64>,
    // The owner of the task being polled (it is out of `tasks` meanwhile),
    // and whether it was killed during its own poll.
    polling: Cell<Option<u32>>,
    kill_polling: Cell<bool>,
    polls: Cell<u64>,
}

/// Handle to a simulation; clones share it.
#[derive(Clone)]
pub struct Sim(Rc<Inner>);

/// Deadlines are non-negative, and non-negative f64s order like their bits.
fn time_key(t: f64) -> u64 {
    if t > 0.0 {
        t.to_bits()
    } else {
        0
    }
}

enum Timers {
    Fired,
    BeyondLimit,
    None,
}

impl Sim {
    pub fn new(seed: u64) -> Self {
        Sim(Rc::new(Inner {
            rng: RefCell::new(SimRng::new(seed)),
            now: Cell::new(START_MS),
            tasks: RefCell::new(BTreeMap::new()),
            next_task: Cell::new(0),
            ready: Arc::new(Mutex::new(Vec::new())),
            timers: RefCell::new(BTreeMap::new()),
            next_timer: Cell::new(0),
            polling: Cell::new(None),
            kill_polling: Cell::new(false),
            polls: Cell::new(0),
        }))
    }

    /// Virtual time in ms.
    pub fn now(&self) -> f64 {
        self.0.now.get()
    }

    /// Draws from the simulation's RNG (the closure must not re-enter `Sim`).
    pub fn with_rng<R>(&self, f: impl FnOnce(&mut SimRng) -> R) -> R {
        f(&mut self.0.rng.borrow_mut())
    }

    pub fn random(&self) -> f64 {
        self.with_rng(|r| r.f64())
    }

    /// Spawns a task for `owner`; it is ready at once. Returns its id (ids
    /// are never reused, so a stale waker cannot wake a newer task).
    pub fn spawn(&self, owner: u32, fut: TaskFuture) -> usize {
        let id = self.0.next_task.get();
        self.0.next_task.set(id + 1);
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            ready: self.0.ready.clone(),
        }));
        waker.wake_by_ref();
        self.0
            .tasks
            .borrow_mut()
            .insert(id, Task { owner, fut, waker });
        id
    }

    /// Drops every task of `owner` now (SIGKILL). Their futures are never
    /// polled again; the sleeps inside them deregister their timers on drop.
    /// Owner ids may be reused afterwards (a restarted server).
    pub fn kill(&self, owner: u32) -> usize {
        let doomed: Vec<Task> = {
            let mut tasks = self.0.tasks.borrow_mut();
            let ids: Vec<usize> = tasks
                .iter()
                .filter(|(_, t)| t.owner == owner)
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| tasks.remove(id)).collect()
        };
        let mut n = doomed.len();
        if self.0.polling.get() == Some(owner) {
            self.0.kill_polling.set(true);
            n += 1;
        }
        // Dropped after the borrow ends: futures' Drop impls may touch the sim.
        drop(doomed);
        n
    }

    pub fn task_count(&self) -> usize {
        self.0.tasks.borrow().len() + usize::from(self.0.polling.get().is_some())
    }

    pub fn tasks_of(&self, owner: u32) -> usize {
        let live = self
            .0
            .tasks
            .borrow()
            .values()
            .filter(|t| t.owner == owner)
            .count();
        live + usize::from(self.0.polling.get() == Some(owner) && !self.0.kill_polling.get())
    }

    pub fn pending_timers(&self) -> usize {
        self.0.timers.borrow().len()
    }

    /// Total polls so far (a cheap progress / determinism fingerprint).
    pub fn polls(&self) -> u64 {
        self.0.polls.get()
    }

    /// Resolves once virtual time reaches `t`. Dropping it cancels the timer.
    pub fn sleep_until(&self, t: f64) -> Sleep {
        Sleep {
            sim: Rc::downgrade(&self.0),
            deadline: t,
            key: None,
        }
    }

    pub fn sleep(&self, ms: f64) -> Sleep {
        self.sleep_until(self.now() + ms.max(0.0))
    }

    /// Runs until `pred` holds (true), the sim is idle, or `max_time_ms` of
    /// virtual time has passed (false).
    pub fn run_until(&self, mut pred: impl FnMut() -> bool, max_time_ms: f64) -> bool {
        self.run(&mut pred, self.now() + max_time_ms, false)
    }

    /// Runs for exactly `ms` of virtual time; the clock ends at now + ms even
    /// if everything went idle earlier.
    pub fn run_for(&self, ms: f64) {
        self.run(&mut || false, self.now() + ms, true);
    }

    /// Runs until no task is ready and no timer is pending. Never returns
    /// (until the poll cap) if some task sleeps in a loop forever.
    pub fn run_until_idle(&self) {
        self.run(&mut || false, f64::INFINITY, false);
    }

    /// Spawns `fut` for `owner` and runs until it finishes: `None` if it did
    /// not within [`DEFAULT_BLOCK_LIMIT_MS`] or before the sim went idle. An
    /// unfinished task stays spawned.
    pub fn block_on<T: 'static>(
        &self,
        owner: u32,
        fut: impl Future<Output = T> + 'static,
    ) -> Option<T> {
        self.block_on_for(owner, fut, DEFAULT_BLOCK_LIMIT_MS)
    }

    pub fn block_on_for<T: 'static>(
        &self,
        owner: u32,
        fut: impl Future<Output = T> + 'static,
        max_time_ms: f64,
    ) -> Option<T> {
        let slot = Rc::new(RefCell::new(None));
        let out = slot.clone();
        self.spawn(
            owner,
            Box::pin(async move {
                let v = fut.await;
                *out.borrow_mut() = Some(v);
            }),
        );
        self.run_until(|| slot.borrow().is_some(), max_time_ms);
        let v = slot.borrow_mut().take();
        v
    }

    fn run(&self, pred: &mut dyn FnMut() -> bool, limit: f64, advance_when_idle: bool) -> bool {
        let mut polls = 0u64;
        loop {
            if pred() {
                return true;
            }
            if let Some(id) = self.pop_ready() {
                self.poll_task(id);
                polls += 1;
                assert!(
                    polls < MAX_POLLS_PER_RUN,
                    "sim livelock: {polls} polls without progress"
                );
                continue;
            }
            match self.fire_timers(limit) {
                Timers::Fired => continue,
                Timers::BeyondLimit => self.0.now.set(self.now().max(limit)),
                Timers::None if advance_when_idle && limit.is_finite() => {
                    self.0.now.set(self.now().max(limit))
                }
                Timers::None => {}
            }
            return pred();
        }
    }

    /// The RNG choice here is what makes interleavings seed-dependent.
    fn pop_ready(&self) -> Option<usize> {
        loop {
            let id = {
                let mut q = self.0.ready.lock().unwrap_or_else(|e| e.into_inner());
                if q.is_empty() {
                    return None;
                }
                let i = self.with_rng(|r| r.below(q.len() as u64)) as usize;
                q.swap_remove(i)
            };
            // A killed task may still be queued; skip it.
            if self.0.tasks.borrow().contains_key(&id) {
                return Some(id);
            }
        }
    }

    fn poll_task(&self, id: usize) {
        // Take the task out while polling so it can spawn, kill and wake
        // without a double borrow of the table.
        let Some(mut task) = self.0.tasks.borrow_mut().remove(&id) else {
            return;
        };
        self.0.polling.set(Some(task.owner));
        self.0.polls.set(self.0.polls.get() + 1);
        let waker = task.waker.clone();
        let done = task
            .fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready();
        self.0.polling.set(None);
        let killed = self.0.kill_polling.replace(false);
        if !done && !killed {
            self.0.tasks.borrow_mut().insert(id, task);
        }
    }

    /// Jumps the clock to the earliest timer (if within `limit`) and wakes
    /// every timer due by then.
    fn fire_timers(&self, limit: f64) -> Timers {
        let due: Vec<Waker> = {
            let mut timers = self.0.timers.borrow_mut();
            let Some(&(bits, _)) = timers.keys().next() else {
                return Timers::None;
            };
            let t = f64::from_bits(bits);
            if t > limit {
                return Timers::BeyondLimit;
            }
            self.0.now.set(self.now().max(t));
            let cut = time_key(self.now());
            let keys: Vec<(u64, u64)> = timers.range(..=(cut, u64::MAX)).map(|(k, _)| *k).collect();
            keys.iter().filter_map(|k| timers.remove(k)).collect()
        };
        due.into_iter().for_each(Waker::wake);
        Timers::Fired
    }
}

/// A virtual-time timer. Holds the sim weakly so a sleep held by a task does
/// not keep the sim (and through it the task) alive in a cycle.
pub struct Sleep {
    sim: Weak<Inner>,
    deadline: f64,
    key: Option<(u64, u64)>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = self.sim.upgrade() else {
            return Poll::Pending;
        };
        if inner.now.get() >= self.deadline {
            if let Some(k) = self.key.take() {
                inner.timers.borrow_mut().remove(&k);
            }
            return Poll::Ready(());
        }
        let key = match self.key {
            Some(k) => k,
            None => {
                let seq = inner.next_timer.get();
                inner.next_timer.set(seq + 1);
                let k = (time_key(self.deadline), seq);
                self.key = Some(k);
                k
            }
        };
        // Re-inserting refreshes the waker (a future may move between tasks).
        inner.timers.borrow_mut().insert(key, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Some(k), Some(inner)) = (self.key.take(), self.sim.upgrade()) {
            inner.timers.borrow_mut().remove(&k);
        }
    }
}

/// Gives other ready tasks a chance to run (the RNG decides which).
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
