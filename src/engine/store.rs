//! A store: one namespace of keys. It owns the list of its sessions (for
//! `close`) and hands everything else to the [`Context`] they share; `load`
//! is where a session and its pull loop are started together.

use std::cell::RefCell;
use std::rc::Rc;

use super::context::Context;
use super::error::{default_not_json, Code, Error};
use super::host::{storage_error, Document, Host, LocalBoxFuture, Runtime, Storage};
use super::options::StoreOptions;
use super::pull;
use super::record::Record;
use super::replay::item::{Item, Ran, UpdateOutcome};
use super::replay::quarantine::steps_reason;
use super::session::{Session, SessionInner};
use super::stats::Stats;
use super::timeout::with_timeout;
use super::view::View;
use super::weak_list::WeakList;
use crate::engine::record::write::quoted;

/// A `store.update` under way: `true` once stored, `false` if the action
/// cancelled on the stored data.
pub type Updating<H> = LocalBoxFuture<'static, Result<bool, Error<<H as Host>::Error>>>;

/// A data store: `load` keys into sessions, `view` them, register actions.
pub struct Store<H: Host> {
    context: Rc<Context<H>>,
    /// Every session loaded and not yet dropped, for `close`; weak, so a
    /// session the game let go of and that has stopped is freed.
    sessions: Rc<RefCell<WeakList<SessionInner<H>>>>,
}

impl<H: Host> Clone for Store<H> {
    fn clone(&self) -> Self {
        Store {
            context: self.context.clone(),
            sessions: self.sessions.clone(),
        }
    }
}

impl<H: Host> Store<H> {
    /// Creates a store; fails with `invalid_options` on bad options.
    pub fn new(host: H, options: StoreOptions<H::Func>) -> Result<Self, Error<H::Error>> {
        options.validate()?;
        Ok(Store {
            context: Rc::new(Context::new(host, options)),
            sessions: Rc::new(RefCell::new(WeakList::default())),
        })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.context.options.name
    }

    /// The namespace passed to the backend: `name/scope`.
    pub fn namespace(&self) -> &str {
        &self.context.namespace
    }

    /// How long a backend call may go unanswered (the store's
    /// `requestTimeout`): the JS operations API times its calls with it.
    pub fn request_timeout_ms(&self) -> f64 {
        self.context.options.request_timeout_ms
    }

    /// The host this store was created with.
    pub fn host(&self) -> &H {
        &self.context.host
    }

    /// Registers a plain action. Registering the same function again is harmless.
    /// Returns the action's registration index (see [`Session::patch_registered`]).
    pub fn action(&self, func: H::Func) -> usize {
        self.context.register_action(func)
    }

    /// Registers a transaction action under a permanent, unique name.
    /// Returns the action's registration index, as [`Store::action`] does.
    pub fn transaction(&self, name: &str, func: H::Func) -> Result<usize, Error<H::Error>> {
        self.context.register_transaction(name, func)
    }

    /// Starts loading `key` and returns its session at once. Fails only
    /// when `defaultData` throws.
    pub fn load(&self, key: &str) -> Result<Session<H>, Error<H::Error>> {
        // `defaultData`'s exception is carried through. A default JSON
        // cannot hold could never be stored: the session of a new key would
        // never load, nor its `stop` ever end. Refused at once.
        let cache = self.context.host.default_data().map_err(Error::Host)?;
        if let Some(path) = cache.json_problem() {
            return Err(Error::new(Code::NotJson, default_not_json(&path)));
        }
        let session = Session::with_cache(self.context.clone(), key.to_owned(), cache);
        // The session is the state; the pull loop is what drives it. Started
        // here, so the session module does not depend on the pull.
        let rt = self.context.host.runtime().clone();
        rt.spawn(Box::pin(pull::run(session.0.clone())));
        self.sessions.borrow_mut().push(&session.0);
        Ok(session)
    }

    /// The counters since the store was made (docs/api.md#storestats): a
    /// copy, costing the same however many sessions there are.
    pub fn stats(&self) -> Stats {
        self.context.stats.get()
    }

    /// A one-shot write of `key` (docs/api.md#storeupdatekey-fn-args): read,
    /// apply `func`, compare-and-set, retried like a final save. It runs as
    /// a session that starts stopping, with the action as its only queued
    /// item, so the final save's retries, its exactly-once writer entry and
    /// quarantine all hold for it. Resolves `true` when stored, `false` if
    /// the action cancelled on the stored data; fails with the action's
    /// error if it threw or failed the schema there (nothing of it is
    /// written), `bad_data` if the key is quarantined. An unregistered
    /// function fails at once.
    pub fn update(
        &self,
        key: &str,
        func: H::Func,
        args: H::Args,
    ) -> Result<Updating<H>, Error<H::Error>> {
        self.update_as(key, None, func, args)
    }

    /// [`Store::update`] applied only if the key has not applied `id` yet
    /// (docs/api.md#storeupdateoncekey-id-fn-args): `false` also when it had.
    pub fn update_once(
        &self,
        key: &str,
        id: &str,
        func: H::Func,
        args: H::Args,
    ) -> Result<Updating<H>, Error<H::Error>> {
        if id.is_empty() {
            return Err(Error::new(
                Code::InvalidOptions,
                "store.updateOnce(key, id, fn, ...args): id must be a non-empty string naming the external event",
            ));
        }
        self.update_as(key, Some(id), func, args)
    }

    fn update_as(
        &self,
        key: &str,
        once: Option<&str>,
        func: H::Func,
        args: H::Args,
    ) -> Result<Updating<H>, Error<H::Error>> {
        if self.context.registration(&func).is_none() {
            let call = if once.is_some() {
                "updateOnce"
            } else {
                "update"
            };
            return Err(Error::new(
                Code::ActionInvalidFunction,
                format!(
                    "the function passed to {call} is not registered on store {}; register it with store.action(fn) or store.transaction(name, fn)",
                    quoted(&self.context.options.name)
                ),
            ));
        }
        let outcome: UpdateOutcome<H> = Rc::new(RefCell::new(None));
        let item_outcome = outcome.clone();
        let (session, saved) = self.one_shot(key, move |session| Item::Update {
            func,
            args,
            outcome: item_outcome,
            once: once.map(|id| session.once_tag(id)),
        })?;
        let context = self.context.clone();
        Ok(Box::pin(async move {
            saved.await?;
            if let Some(bad) = session.bad_error() {
                return Err(bad);
            }
            // Stored, and its pull loop has returned: no retry will look for
            // its batch again, so its `writers` entry can go at this store's
            // next write of the key (`retired.rs`).
            if !crate::engine::sabotage::active("early_retire") {
                let (key, id) = (&session.0.key, session.0.id.clone());
                context.retired.borrow_mut().retire(key, id);
            }
            let ran = outcome.borrow_mut().take();
            match ran {
                Some(Ran::Applied) => Ok(true),
                Some(Ran::Cancelled) => Ok(false),
                Some(Ran::Failed(e)) => Err(e),
                None => Err(Error::new(
                    Code::Internal,
                    "internal: an update was saved without running its action",
                )),
            }
        }))
    }

    /// Makes the data of `version` (migrated to today's steps) the key's
    /// current data with a normal compare-and-set, as a one-shot write: its
    /// pending transactions, exactly-once ids and writers stay
    /// (docs/api.md#storerestorekey-version).
    pub async fn restore(&self, key: &str, version: &str) -> Result<(), Error<H::Error>> {
        let context = &self.context;
        let storage = context.host.storage();
        if !storage.has_history() {
            return Err(Error::new(
                Code::HistoryUnsupported,
                "this backend keeps no history; store.restore needs a backend with getVersion and getAtTime",
            ));
        }
        let get = storage.get_version(&context.namespace, key, version);
        let timeout = context.options.request_timeout_ms;
        let entry = context
            .counted(with_timeout(&**context.host.runtime(), timeout, get).await)
            .map_err(storage_error)?;
        let Some(entry) = entry else {
            return Err(Error::new(
                Code::NotFound,
                format!(
                    "key {} has no version {}; see view.history() for the versions kept",
                    quoted(key),
                    quoted(version)
                ),
            ));
        };
        let bad = |code: Code, why: String| {
            Error::new(
                code,
                format!(
                    "version {} of key {} cannot be restored: {why}",
                    quoted(version),
                    quoted(key)
                ),
            )
        };
        let old = Record::decode(&entry.value).map_err(|e| bad(e.code(), e.reason()))?;
        if let Some(reason) = steps_reason(&context.options.migrations, &old) {
            return Err(bad(Code::NeedsNewerVersion, reason));
        }
        let old = Rc::new(old);
        let (session, saved) = self.one_shot(key, move |_| Item::Restore(old))?;
        saved.await?;
        match session.bad_error() {
            Some(bad) => Err(bad),
            None => Ok(()),
        }
    }

    /// Starts a session of `key` that is already stopping, with one queued
    /// item: its final save is the one-shot write. Returns the session and
    /// its final save.
    #[allow(clippy::type_complexity)]
    fn one_shot(
        &self,
        key: &str,
        item: impl FnOnce(&SessionInner<H>) -> Item<H>,
    ) -> Result<
        (
            Session<H>,
            LocalBoxFuture<'static, Result<(), Error<H::Error>>>,
        ),
        Error<H::Error>,
    > {
        let session = Session::one_shot(self.context.clone(), key.to_owned())?;
        let queued = item(&session.0);
        session.0.state.borrow_mut().queue.push(queued);
        let saved = Box::pin(session.stop());
        if crate::engine::sabotage::active("early_retire") {
            // Sabotage: retired before it is known stored (a retry after a
            // lost reply then no longer finds its batch: applied twice).
            self.context
                .retired
                .borrow_mut()
                .retire(key, session.0.id.clone());
        }
        let rt = self.context.host.runtime().clone();
        rt.spawn(Box::pin(pull::run(session.0.clone())));
        // Listed, so `close` waits for it like for any final save.
        self.sessions.borrow_mut().push(&session.0);
        Ok((session, saved))
    }

    /// How many sessions the store tracks (dead ones not yet pruned
    /// included) and how many entries pruning has scanned so far: lets the
    /// tests prove loading stays linear without timing anything.
    #[doc(hidden)]
    pub fn session_list_stats(&self) -> (usize, u64) {
        let list = self.sessions.borrow();
        (list.len(), list.scanned())
    }

    /// Reads `key` without loading a session.
    pub fn view(&self, key: &str) -> View<H> {
        View::new(self.context.clone(), key.to_owned())
    }

    /// Stops every session of this store and waits for their final saves.
    /// Resolves with the first error a final save reported, if any.
    pub async fn close(&self) -> Result<(), Error<H::Error>> {
        let sessions: Vec<Session<H>> = self
            .sessions
            .borrow()
            .alive()
            .into_iter()
            .map(Session)
            .collect();
        let stops: Vec<_> = sessions.iter().map(|s| s.stop()).collect();
        let mut first_error = None;
        for stop in stops {
            if let Err(e) = stop.await {
                first_error.get_or_insert(e);
            }
        }
        // Decision records of transactions this store coordinated are
        // collected after their participants' next pull, which the stops
        // just were: give those collections (a read per key and a delete,
        // each under requestTimeout) the time to finish, so a server that
        // closes and exits does not leave them behind.
        let rt = self.context.host.runtime().clone();
        let deadline = rt.now_ms() + 3.0 * self.context.options.request_timeout_ms;
        while self.context.collecting.get() > 0 && rt.now_ms() < deadline {
            rt.sleep(20.0).await;
        }
        first_error.map_or(Ok(()), Err)
    }
}
