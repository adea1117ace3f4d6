//! `SimStorage`: an in-memory, versioned, fault-injecting `Storage`.
//!
//! Owns the records (every version of every key, for the history calls), the
//! fault configuration, and the write log that checkers read afterwards.
//!
//! A call is applied atomically at one moment of virtual time. That moment is
//! not the moment of the call: the request travels as its own task under
//! [`NETWORK_OWNER`], so (a) other tasks may run between a call and its
//! effect, and (b) killing the calling server, or the engine dropping a timed
//! out call, does NOT cancel a request already in flight: it may still land,
//! as it would against a real backend.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde_json::Value;
use skilift::engine::record::json::Reader;
use skilift::engine::{Entry, HostData, Storage, StorageError, StorageFuture};

use super::executor::{yield_now, Sim};

/// Owner id of in-flight requests; never kill it.
pub const NETWORK_OWNER: u32 = u32::MAX;
/// Writer tag of records planted with [`SimStorage::raw_set`].
pub const RAW_WRITER: u32 = u32::MAX;

/// Fault probabilities per call (all 0 by default: a perfect backend).
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Fails at once with `Failed("injected rejection")`.
    pub reject: f64,
    /// Never answers.
    pub hang: f64,
    /// A put is applied, then answers `Failed("injected: reply lost")`.
    pub ambiguous: f64,
    /// Applied and answered after a uniform `0..max_delay_ms`.
    pub delay: f64,
    pub max_delay_ms: f64,
    /// A read answers `Invalid(..)`, as a backend of the wrong shape would.
    pub garbage: f64,
}

/// How many faults were actually injected, so tests can assert coverage.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultStats {
    pub rejected: u64,
    pub outage_rejected: u64,
    pub hung: u64,
    pub delayed: u64,
    pub ambiguous: u64,
    pub garbage: u64,
    /// Commit decisions held back by [`SimStorage::stall_commits`].
    pub stalled: u64,
    /// Decision writes refused by [`SimStorage::refuse_decisions`].
    pub decisions_refused: u64,
}

/// One applied write, for checkers.
#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    pub time: f64,
    pub store: String,
    pub key: String,
    pub writer: u32,
    pub version: String,
    pub value: String,
}

#[derive(Default)]
struct State {
    records: BTreeMap<(String, String), Vec<Entry>>,
    next_version: u64,
    writes: Vec<Write>,
    faults: Faults,
    outage_until: f64,
    /// `(store, ms)`: every read of that store lands this much later.
    slow_reads: Option<(String, f64)>,
    /// Puts of decision records are refused before this virtual time.
    decisions_refused_until: f64,
    /// Backends without history make views reject `history_unsupported`.
    no_history: bool,
    /// A backend without `remove`: decision records are never collected.
    no_remove: bool,
    /// `(store, key, version)`: the next `get` of that key answers that
    /// older version (see [`SimStorage::stale_get`]).
    stale_gets: Vec<(String, String, String)>,
    /// Keys erased by `remove`, in order (`(store, key)`).
    removed: Vec<(String, String)>,
    stats: FaultStats,
    calls: u64,
    /// Pull reads so far (`get_to_build`): every other one splits.
    pull_reads: u64,
    /// `(probability, min ms, max ms)`: see [`SimStorage::stall_commits`].
    commit_stall: (f64, f64, f64),
}

/// What the RNG decided for one call, drawn once when the call is made.
#[derive(Clone, Copy)]
struct Plan {
    delay_ms: f64,
    ambiguous: bool,
    garbage: bool,
}

enum Draw {
    Reject(&'static str),
    Hang,
    Go(Plan),
}

/// One server's handle on the shared backend (see [`SimStorage::for_server`]).
#[derive(Clone)]
pub struct SimStorage {
    state: Rc<RefCell<State>>,
    sim: Sim,
    server: u32,
}

type Res<T> = Result<T, StorageError<String>>;

impl SimStorage {
    /// A fresh, empty backend; this handle writes as server 0.
    pub fn new(sim: &Sim) -> Self {
        SimStorage {
            state: Rc::new(RefCell::new(State::default())),
            sim: sim.clone(),
            server: 0,
        }
    }

    /// Another handle on the same backend whose writes are tagged `server`.
    pub fn for_server(&self, server: u32) -> SimStorage {
        SimStorage {
            server,
            ..self.clone()
        }
    }

    pub fn server(&self) -> u32 {
        self.server
    }

    /// Switches history off, as a backend without `getVersion` would be.
    pub fn without_history(&self) {
        self.state.borrow_mut().no_history = true;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.borrow_mut().faults = faults;
    }

    pub fn faults(&self) -> Faults {
        self.state.borrow().faults
    }

    /// A coordinator that stalls between its prepare and its decision (a GC
    /// pause, a slow path to the backend): with probability `p`, a put of a
    /// `committed` decision record lands `min_ms..max_ms` late (uniform),
    /// giving readers time to presume an abort first. Other calls draw
    /// nothing more, so seeds of tests that do not use it are unchanged.
    pub fn stall_commits(&self, p: f64, min_ms: f64, max_ms: f64) {
        self.state.borrow_mut().commit_stall = (p, min_ms, max_ms);
    }

    /// Every put of a transaction decision record made before virtual time
    /// `until_ms` is rejected (the players' keys are untouched): a
    /// coordinator whose prepares all landed, then cannot store its decision.
    pub fn refuse_decisions(&self, until_ms: f64) {
        self.state.borrow_mut().decisions_refused_until = until_ms;
    }

    /// The next `get` of `key` answers its older `version` instead of the
    /// latest, once: a read served by a lagging replica. Writes still
    /// compare against the latest version.
    pub fn stale_get(&self, store: &str, key: &str, version: &str) {
        self.state
            .borrow_mut()
            .stale_gets
            .push((store.into(), key.into(), version.into()));
    }

    /// Every read of `store` (`get`, `getVersion`, `getAtTime`) lands
    /// `ms` later than it would, from now on: a slow replica, a cold cache.
    pub fn slow_reads(&self, store: &str, ms: f64) {
        self.state.borrow_mut().slow_reads = Some((store.into(), ms));
    }

    /// Every call made before virtual time `until_ms` is rejected.
    pub fn outage(&self, until_ms: f64) {
        self.state.borrow_mut().outage_until = until_ms;
    }

    pub fn stats(&self) -> FaultStats {
        self.state.borrow().stats
    }

    /// Storage calls made so far (all handles).
    pub fn calls(&self) -> u64 {
        self.state.borrow().calls
    }

    /// Plants a version directly, bypassing faults and CAS (garbage, or a
    /// record from a newer server). Logged with writer [`RAW_WRITER`].
    pub fn raw_set(&self, store: &str, key: &str, value: &str) -> String {
        self.append(store, key, value.to_string(), Vec::new(), RAW_WRITER)
    }

    pub fn current(&self, store: &str, key: &str) -> Option<Entry> {
        let st = self.state.borrow();
        st.records
            .get(&(store.to_string(), key.to_string()))?
            .last()
            .cloned()
    }

    /// Every version of a key, oldest first.
    pub fn history(&self, store: &str, key: &str) -> Vec<Entry> {
        let st = self.state.borrow();
        st.records
            .get(&(store.to_string(), key.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Switches `remove` off, as a backend without it would be.
    pub fn without_remove(&self) {
        self.state.borrow_mut().no_remove = true;
    }

    /// Erases a key and its versions at once, as `remove` does when it lands.
    /// Version numbers are global, so none is ever used again.
    pub fn erase(&self, store: &str, key: &str) {
        let mut st = self.state.borrow_mut();
        st.records.remove(&(store.to_string(), key.to_string()));
        st.removed.push((store.to_string(), key.to_string()));
    }

    /// The keys `remove` (or `erase`) erased, in order.
    pub fn removed(&self) -> Vec<(String, String)> {
        self.state.borrow().removed.clone()
    }

    pub fn keys(&self, store: &str) -> Vec<String> {
        let st = self.state.borrow();
        st.records
            .keys()
            .filter(|(s, _)| s == store)
            .map(|(_, k)| k.clone())
            .collect()
    }

    pub fn writes(&self) -> Vec<Write> {
        self.state.borrow().writes.clone()
    }

    fn append(
        &self,
        store: &str,
        key: &str,
        value: String,
        user_ids: Vec<f64>,
        writer: u32,
    ) -> String {
        let mut st = self.state.borrow_mut();
        st.next_version += 1;
        let version = format!("v{}", st.next_version);
        let time = self.sim.now();
        st.writes.push(Write {
            time,
            store: store.to_string(),
            key: key.to_string(),
            writer,
            version: version.clone(),
            value: value.clone(),
        });
        st.records
            .entry((store.to_string(), key.to_string()))
            .or_default()
            .push(Entry {
                value,
                version: version.clone(),
                time,
                user_ids,
                data: None,
            });
        version
    }

    fn draw(&self, is_put: bool) -> Draw {
        let mut st = self.state.borrow_mut();
        st.calls += 1;
        if self.sim.now() < st.outage_until {
            st.stats.outage_rejected += 1;
            return Draw::Reject("injected outage");
        }
        let f = st.faults;
        // Tuple fields evaluate left to right: a fixed number of draws per call.
        let (reject, hang, delayed, delay_ms, ambiguous, garbage) = self.sim.with_rng(|r| {
            (
                r.chance(f.reject),
                r.chance(f.hang),
                r.chance(f.delay),
                r.f64() * f.max_delay_ms,
                r.chance(f.ambiguous) && is_put,
                r.chance(f.garbage) && !is_put,
            )
        });
        if reject {
            st.stats.rejected += 1;
            return Draw::Reject("injected rejection");
        }
        if hang {
            st.stats.hung += 1;
            return Draw::Hang;
        }
        st.stats.delayed += u64::from(delayed);
        Draw::Go(Plan {
            delay_ms: if delayed { delay_ms } else { 0.0 },
            ambiguous,
            garbage,
        })
    }

    /// Runs `op` as an in-flight request: after the planned delay (or one
    /// scheduler yield), on the network owner, then wakes the caller.
    fn call<T: 'static>(
        &self,
        is_put: bool,
        op: impl FnOnce(&SimStorage, Plan) -> Res<T> + 'static,
    ) -> StorageFuture<T, String> {
        self.call_after(is_put, 0.0, op)
    }

    /// [`call`](Self::call), landing `extra_ms` later than drawn.
    fn call_after<T: 'static>(
        &self,
        is_put: bool,
        extra_ms: f64,
        op: impl FnOnce(&SimStorage, Plan) -> Res<T> + 'static,
    ) -> StorageFuture<T, String> {
        let mut plan = match self.draw(is_put) {
            Draw::Reject(why) => {
                return Box::pin(std::future::ready(Err(StorageError::Failed(
                    why.to_string(),
                ))))
            }
            Draw::Hang => return Box::pin(std::future::pending()),
            Draw::Go(plan) => plan,
        };
        plan.delay_ms += extra_ms;
        let reply = Rc::new(RefCell::new(Reply {
            value: None,
            waker: None,
        }));
        let (this, sim, slot) = (self.clone(), self.sim.clone(), reply.clone());
        self.sim.spawn(
            NETWORK_OWNER,
            Box::pin(async move {
                if plan.delay_ms > 0.0 {
                    sim.sleep(plan.delay_ms).await;
                } else {
                    yield_now().await;
                }
                let result = op(&this, plan);
                let mut s = slot.borrow_mut();
                s.value = Some(result);
                if let Some(w) = s.waker.take() {
                    w.wake();
                }
            }),
        );
        Box::pin(ReplyFuture(reply))
    }

    fn read(
        &self,
        store: &str,
        key: &str,
        pick: impl FnOnce(&[Entry]) -> Option<Entry> + 'static,
    ) -> StorageFuture<Option<Entry>, String> {
        let id = (store.to_string(), key.to_string());
        let slow = match &self.state.borrow().slow_reads {
            Some((s, ms)) if s == store => *ms,
            _ => 0.0,
        };
        self.call_after(false, slow, move |s, plan| {
            if plan.garbage {
                s.state.borrow_mut().stats.garbage += 1;
                return Err(StorageError::Invalid("injected: garbage reply".to_string()));
            }
            let st = s.state.borrow();
            Ok(st.records.get(&id).and_then(|h| pick(h)))
        })
    }
}

impl SimStorage {
    /// How late this put lands under [`SimStorage::stall_commits`].
    fn commit_stall(&self, store: &str, value: &str) -> f64 {
        let (p, min, max) = self.state.borrow().commit_stall;
        if p <= 0.0
            || store != skilift::engine::TRANSACTIONS_STORE
            || skilift::engine::record::decode_decision(value) != Some(true)
        {
            return 0.0;
        }
        let (stall, at) = self.sim.with_rng(|r| (r.chance(p), r.f64()));
        if !stall {
            return 0.0;
        }
        self.state.borrow_mut().stats.stalled += 1;
        min + at * (max - min)
    }
}

struct Reply<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The caller's end of an in-flight request.
struct ReplyFuture<T>(Rc<RefCell<Reply<T>>>);

impl<T> Future for ReplyFuture<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut r = self.0.borrow_mut();
        match r.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                r.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Storage for SimStorage {
    type Error = String;
    type Text = String;

    fn get(&self, store: &str, key: &str) -> StorageFuture<Option<Entry>, String> {
        let stale = {
            let mut st = self.state.borrow_mut();
            let at = st
                .stale_gets
                .iter()
                .position(|(s, k, _)| s == store && k == key);
            at.map(|i| st.stale_gets.remove(i).2)
        };
        match stale {
            Some(version) => self.get_version(store, key, &version),
            None => self.read(store, key, |h| h.last().cloned()),
        }
    }

    /// As the JS adapter does: the value of the version the caller knows is
    /// not carried, so a pull that decoded it anyway would fail.
    fn get_unless(
        &self,
        store: &str,
        key: &str,
        known: &str,
    ) -> StorageFuture<Option<Entry>, String> {
        let get = self.get(store, key);
        let known = known.to_owned();
        Box::pin(async move {
            let mut entry = get.await?;
            if let Some(e) = entry.as_mut().filter(|e| e.version == known) {
                e.value = String::new();
            }
            Ok(entry)
        })
    }

    /// As the JS adapter does for a pull (js/host/records.js `splitRecord`),
    /// every other time: the data comes decoded ([`Entry::data`]) and the
    /// value holds `null` in its place, so the simulation builds on both
    /// kinds of read.
    fn get_to_build(
        &self,
        store: &str,
        key: &str,
        known: Option<&str>,
    ) -> StorageFuture<Option<Entry>, String> {
        let get = match known {
            Some(version) => self.get_unless(store, key, version),
            None => self.get(store, key),
        };
        let split = {
            let mut st = self.state.borrow_mut();
            st.pull_reads += 1;
            st.pull_reads.is_multiple_of(2)
        };
        if !split {
            return get;
        }
        Box::pin(async move {
            let mut entry = get.await?;
            if let Some(e) = entry.as_mut() {
                split_entry(e);
            }
            Ok(entry)
        })
    }

    fn put(
        &self,
        store: &str,
        key: &str,
        value: String,
        expected: Option<String>,
        user_ids: Vec<f64>,
    ) -> StorageFuture<Option<String>, String> {
        if store == skilift::engine::TRANSACTIONS_STORE {
            let mut st = self.state.borrow_mut();
            if self.sim.now() < st.decisions_refused_until {
                st.stats.decisions_refused += 1;
                return Box::pin(std::future::ready(Err(StorageError::Failed(
                    "injected: decision refused".to_string(),
                ))));
            }
        }
        let stall = self.commit_stall(store, &value);
        let (store, key) = (store.to_string(), key.to_string());
        self.call_after(true, stall, move |s, plan| {
            let current = s.current(&store, &key).map(|e| e.version);
            let written =
                (current == expected).then(|| s.append(&store, &key, value, user_ids, s.server));
            if plan.ambiguous {
                s.state.borrow_mut().stats.ambiguous += 1;
                return Err(StorageError::Failed("injected: reply lost".to_string()));
            }
            Ok(written)
        })
    }

    fn has_history(&self) -> bool {
        !self.state.borrow().no_history
    }

    fn get_version(
        &self,
        store: &str,
        key: &str,
        version: &str,
    ) -> StorageFuture<Option<Entry>, String> {
        let version = version.to_string();
        self.read(store, key, move |h| {
            h.iter().find(|e| e.version == version).cloned()
        })
    }

    fn get_at_time(
        &self,
        store: &str,
        key: &str,
        time_ms: f64,
    ) -> StorageFuture<Option<Entry>, String> {
        self.read(store, key, move |h| {
            h.iter().rev().find(|e| e.time <= time_ms).cloned()
        })
    }

    fn same_backend(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }

    fn has_remove(&self) -> bool {
        !self.state.borrow().no_remove
    }

    fn remove(&self, store: &str, key: &str) -> StorageFuture<(), String> {
        let (store, key) = (store.to_string(), key.to_string());
        self.call(true, move |s, plan| {
            s.erase(&store, &key);
            if plan.ambiguous {
                s.state.borrow_mut().stats.ambiguous += 1;
                return Err(StorageError::Failed("injected: reply lost".to_string()));
            }
            Ok(())
        })
    }
}

/// Splits `entry`'s record around its data, as js/host/records.js does: only
/// a record that is a JSON object whose one `data` field is its last, and
/// JSON (the envelope is the engine's to judge; here it must read as JSON).
fn split_entry(entry: &mut Entry) {
    let text = &entry.value;
    let mut reader = Reader::new(text);
    let mut spans = Vec::new();
    let read = reader.object(|r, key| {
        let value = r.value()?;
        if key == "data" {
            spans.push(value);
        }
        Ok(())
    });
    if read.and_then(|()| reader.end()).is_err() || spans.len() != 1 {
        return;
    }
    let span = spans[0];
    let start = span.as_ptr() as usize - text.as_ptr() as usize;
    let end = start + span.len();
    let rest = text[end..].trim_start();
    if !rest.starts_with('}') || !rest[1..].trim().is_empty() {
        return;
    }
    let Ok(data) = serde_json::from_str::<Value>(span) else {
        return;
    };
    entry.value = format!("{}null{}", &text[..start], &text[end..]);
    entry.data = Some(HostData(Rc::new(data)));
}
