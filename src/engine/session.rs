//! A session: one loaded key, its cached data, its queue of unsaved actions,
//! its `updated` callbacks, and its life cycle (running, stopping, stopped).
//!
//! The background work (pulls, retries, the final save) lives in `pull/`,
//! which drives this state; the store starts both. This file does not know
//! the pull: it owns the state and the calls the game makes.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use super::context::Context;
use super::error::{Code, Error};
use super::host::Host;
use super::ids::random_id;
use super::replay::item::{check_schema, Batch, Item};
use super::signal::{oneshot, Notify, Sender};
use super::strict;
use crate::engine::record::write::quoted;

// These use this module, not the other way: `patchOnce` and its waiters;
// the transitions the pull drives. `phase` uses nothing.
mod exactly_once;
mod lifecycle;
mod phase;

pub(crate) use phase::Phase;

/// An `updated` callback. An error it returns is reported, never propagated.
pub type Callback<H> = Rc<dyn Fn(&<H as Host>::Doc) -> Result<(), <H as Host>::Error>>;

pub(crate) struct State<H: Host> {
    /// What the game sees: last pulled data plus everything patched since.
    pub cache: H::Doc,
    /// Items patched since the last pull took the queue.
    pub queue: Vec<Item<H>>,
    /// Batches taken by pulls and not yet known to be stored.
    pub inflight: Vec<Batch<H>>,
    pub next_batch: u64,
    pub user_ids: Vec<f64>,
    pub callbacks: Vec<(u64, Callback<H>)>,
    pub next_callback: u64,
    pub phase: Phase,
    /// Why the key must not be touched, with the code to report it under.
    pub bad: Option<(Code, String)>,
    pub loaded: bool,
    /// `await()` callers, released by the next successful request.
    pub awaiters: Vec<Sender<()>>,
    /// `stop()` callers, released when the final save is done.
    pub stop_waiters: Vec<Sender<Result<(), Error<H::Error>>>>,
    pub stop_result: Option<Result<(), Error<H::Error>>>,
    /// Prepare acknowledgements, by transaction id, sent once stored. A
    /// list, not a map: a session has a handful at most, and a `HashMap`
    /// type costs a kilobyte of wasm.
    pub acks: Vec<(String, Sender<()>)>,
    /// What key this session has read: a hash of the first stored record's
    /// `origin` (`None` until it reads one). A record with another origin,
    /// or none at all, means the key was removed since.
    pub origin: Option<u64>,
    /// `patchOnce` callers waiting for their item to be stored; boxed, as
    /// most sessions never have any.
    pub once: Option<Box<OnceWaiters<H>>>,
    /// The record this session last wrote or found stored, decoded.
    pub known: Option<Box<Known<H>>>,
}

/// A stored record this session has decoded already: its version, the
/// envelope (without the data text) and the data as a frozen document. A
/// pull that reads the same version starts from these instead of decoding
/// the text again: a version token names exactly one value
/// (docs/backend-contract.md, guarantee 3); kept idle, it shares all it did
/// not change with the cache. A pull with something to write starts from it
/// without reading (`attempt`: the put is conditional on `version`; `None`:
/// the key was found absent, the record built from the default data).
pub(crate) struct Known<H: Host> {
    pub version: Option<String>,
    pub record: crate::engine::record::Record,
    pub data: H::Doc,
    /// The user ids stored with this version.
    pub user_ids: Vec<f64>,
    /// Whether the cache is `data` with every item of `inflight` and
    /// `queue` replayed on it in order, and nothing else: true when the
    /// cache was made that way (`confirm`) and only patches changed it
    /// since, false once a transaction's decision changed it. A save of
    /// plain patches then has its result already (`pull::build`).
    pub cache_follows: bool,
}

/// What a `patchOnce` resolves to: applied by this call, or not.
pub(crate) type OnceResult<H> = Result<bool, Error<<H as Host>::Error>>;

/// The exactly-once items of one session.
pub(crate) struct OnceWaiters<H: Host> {
    /// Numbers the session's exactly-once items (`<session id>:<n>`).
    pub next: u64,
    /// By item tag, the caller to tell.
    pub waiting: Vec<(Rc<str>, Sender<OnceResult<H>>)>,
}

pub(crate) struct SessionInner<H: Host> {
    /// The store's shared context (not the store: sessions sit below it).
    pub context: Rc<Context<H>>,
    pub key: String,
    /// Identifies this session's batches in records (`writers`).
    pub id: String,
    pub state: RefCell<State<H>>,
    /// Cuts the pull loop's sleep short.
    pub wake: Notify,
}

/// A loaded key (docs/api.md).
pub struct Session<H: Host>(pub(crate) Rc<SessionInner<H>>);

impl<H: Host> Clone for Session<H> {
    fn clone(&self) -> Self {
        Session(self.0.clone())
    }
}

impl<H: Host> Session<H> {
    /// Creates the session on `cache` (`Store::load` gives it the checked
    /// default data); the caller starts its pull loop.
    pub(crate) fn with_cache(context: Rc<Context<H>>, key: String, cache: H::Doc) -> Self {
        let rt = context.host.runtime().clone();
        let id = random_id(&*rt);
        let state = State {
            cache,
            queue: Vec::new(),
            inflight: Vec::new(),
            next_batch: 1,
            user_ids: Vec::new(),
            callbacks: Vec::new(),
            next_callback: 0,
            phase: Phase::Running,
            bad: None,
            loaded: false,
            awaiters: Vec::new(),
            stop_waiters: Vec::new(),
            stop_result: None,
            acks: Vec::new(),
            origin: None,
            once: None,
            known: None,
        };
        context.stats.bump(|s| s.sessions += 1);
        Session(Rc::new(SessionInner {
            context,
            key,
            id,
            state: RefCell::new(state),
            wake: Notify::default(),
        }))
    }

    /// The key this session reads and writes.
    pub fn key(&self) -> &str {
        &self.0.key
    }

    /// Applies `func` to the cached data at once, queues it for the next
    /// pull, and fires `updated`. `Ok(false)`: the action cancelled itself.
    pub fn patch(&self, func: &H::Func, args: H::Args) -> Result<bool, Error<H::Error>> {
        let inner = &self.0;
        inner.check_running()?;
        let Some(index) = inner.context.index_of(func) else {
            return Err(Error::new(
                Code::ActionInvalidFunction,
                format!(
                    "the function passed to patch is not registered on store {}; register it with store.action(fn) or store.transaction(name, fn)",
                    quoted(&inner.context.options.name)
                ),
            ));
        };
        self.apply(index, func, Some(args))
    }

    /// [`Session::patch`] with the action given by its registration index
    /// ([`Context::action_at`](crate::engine::context::Context::action_at)):
    /// `Ok(None)` when no action has that index.
    /// `args` is `None` for an action called without arguments.
    pub fn patch_registered(
        &self,
        index: usize,
        args: Option<H::Args>,
    ) -> Result<Option<bool>, Error<H::Error>> {
        self.0.check_running()?;
        match self.0.context.action_at(index) {
            Some(func) => self.apply(index, &func, args).map(Some),
            None => Ok(None),
        }
    }

    /// Runs a registered action on the cache, queues it and fires `updated`.
    fn apply(
        &self,
        index: usize,
        func: &H::Func,
        args: Option<H::Args>,
    ) -> Result<bool, Error<H::Error>> {
        self.apply_as(func, args, |args| Item::Action {
            action: index,
            args,
        })
    }

    /// Runs `func` on the cache and, if it did not cancel, queues the item
    /// `queued` makes of the arguments and fires `updated`.
    fn apply_as(
        &self,
        func: &H::Func,
        args: Option<H::Args>,
        queued: impl FnOnce(Option<H::Args>) -> Item<H>,
    ) -> Result<bool, Error<H::Error>> {
        let inner = &self.0;
        let cache = inner.state.borrow().cache.clone();
        let call_args = args.as_ref().unwrap_or(&inner.context.empty_args);
        let new = if strict::enabled() {
            strict::call_checked(&inner.context.host, func, &cache, call_args)?
        } else {
            inner
                .context
                .host
                .call(func, &cache, call_args)
                .map_err(Error::Host)?
        };
        let Some(new) = new else { return Ok(false) };
        check_schema(&inner.context, &new)?;
        {
            let mut st = inner.state.borrow_mut();
            // An action that stopped its own session (it should not) leaves
            // nothing to queue.
            if st.phase != Phase::Running {
                return Err(stopped_error(&inner.key));
            }
            st.cache = new.clone();
            st.queue.push(queued(args));
        }
        inner.notify(&new);
        Ok(true)
    }

    /// Binds a callback, calls it at once with the current data, and returns
    /// its id for [`Session::unbind`].
    pub fn updated(&self, callback: Callback<H>) -> Result<u64, Error<H::Error>> {
        let inner = &self.0;
        inner.check_running()?;
        let (id, data) = {
            let mut st = inner.state.borrow_mut();
            let id = st.next_callback;
            st.next_callback += 1;
            st.callbacks.push((id, callback.clone()));
            (id, st.cache.clone())
        };
        if let Err(e) = callback(&data) {
            inner.context.report(&Error::Host(e), Some(&inner.key));
        }
        Ok(id)
    }

    /// Unbinds a callback; unknown ids are ignored.
    pub fn unbind(&self, id: u64) {
        self.0
            .state
            .borrow_mut()
            .callbacks
            .retain(|(i, _)| *i != id);
    }

    /// Adds a GDPR user id, written with every later version of this key.
    pub fn userid(&self, user: f64) -> Result<(), Error<H::Error>> {
        self.0.check_running()?;
        if !user.is_finite() {
            return Err(Error::new(
                Code::InvalidOptions,
                format!(
                    "a user id must be a finite number, got {}",
                    crate::engine::error::number_text(user)
                ),
            ));
        }
        let mut st = self.0.state.borrow_mut();
        if !st.user_ids.contains(&user) {
            st.user_ids.push(user);
        }
        Ok(())
    }

    /// Stops pulling, saves everything queued, and resolves when saved.
    /// Calling it again returns the same outcome.
    pub fn stop(&self) -> impl Future<Output = Result<(), Error<H::Error>>> + 'static {
        let inner = &self.0;
        let (tx, rx) = oneshot();
        {
            let mut st = inner.state.borrow_mut();
            match &st.stop_result {
                Some(r) => tx.send(r.clone()),
                None => {
                    st.stop_waiters.push(tx);
                    if st.phase == Phase::Running {
                        st.phase.advance(Phase::Stopping);
                    }
                }
            }
        }
        inner.wake.notify();
        async move { rx.await.unwrap_or(Ok(())) }
    }

    /// Resolves after the next successful request that starts after this
    /// call (so it carries every patch made before it), or at once on a
    /// stopped session. Never fails.
    pub fn r#await(&self) -> impl Future<Output = ()> + 'static {
        let (tx, rx) = oneshot();
        {
            let mut st = self.0.state.borrow_mut();
            if st.phase == Phase::Stopped {
                tx.send(());
            } else {
                st.awaiters.push(tx);
            }
        }
        async move {
            rx.await;
        }
    }

    /// Why this key must not be touched, or `None`.
    pub fn bad(&self) -> Option<String> {
        self.0
            .state
            .borrow()
            .bad
            .as_ref()
            .map(|(_, why)| why.clone())
    }

    /// Whether the first pull has succeeded.
    pub fn loaded(&self) -> bool {
        self.0.state.borrow().loaded
    }

    /// Whether `stop` has been called (or the session went bad).
    pub fn stopped(&self) -> bool {
        self.0.state.borrow().phase != Phase::Running
    }

    /// The current cached data (for the binding layer and tests; games read
    /// through `updated`).
    pub fn data(&self) -> H::Doc {
        self.0.state.borrow().cache.clone()
    }

    /// Whether two handles are the same session.
    pub fn same(&self, other: &Session<H>) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

fn stopped_error<E>(key: &str) -> Error<E> {
    Error::new(
        Code::SessionAlreadyStopped,
        format!(
            "the session for key {} has stopped; load the key again to change it",
            quoted(key)
        ),
    )
}

impl<H: Host> SessionInner<H> {
    pub(crate) fn check_running(&self) -> Result<(), Error<H::Error>> {
        if self.state.borrow().phase == Phase::Running {
            Ok(())
        } else {
            Err(stopped_error(&self.key))
        }
    }

    /// Calls every `updated` callback with `data`. No borrow is held while
    /// they run, and one that throws is reported and does not stop the rest.
    pub(crate) fn notify(&self, data: &H::Doc) {
        // The callbacks are copied out (a callback may bind or unbind);
        // the usual one is copied without building a list, as every patch
        // notifies.
        let (first, rest): (Option<Callback<H>>, Vec<Callback<H>>) = {
            let st = self.state.borrow();
            let mut all = st.callbacks.iter().map(|(_, c)| c.clone());
            (all.next(), all.collect())
        };
        for callback in first.into_iter().chain(rest) {
            if let Err(e) = callback(data) {
                self.context.report(&Error::Host(e), Some(&self.key));
            }
        }
    }
}
