//! A store: one namespace of keys. It owns the list of its sessions (for
//! `close`) and hands everything else to the [`Context`] they share; `load`
//! is where a session and its pull loop are started together.

use std::cell::RefCell;
use std::rc::Rc;

use super::context::Context;
use super::error::{Code, Error};
use super::host::{Host, LocalBoxFuture, Runtime};
use super::options::StoreOptions;
use super::pull;
use super::replay::item::{Item, Ran, UpdateOutcome};
use super::session::{Session, SessionInner};
use super::stats::Stats;
use super::view::View;
use super::weak_list::WeakList;

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
        let session = Session::new(self.context.clone(), key.to_owned())?;
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
    ) -> Result<LocalBoxFuture<'static, Result<bool, Error<H::Error>>>, Error<H::Error>> {
        if self.context.registration(&func).is_none() {
            return Err(Error::new(
                Code::ActionInvalidFunction,
                format!(
                    "the function passed to update is not registered on store {:?}; register it with store.action(fn) or store.transaction(name, fn)",
                    self.context.options.name
                ),
            ));
        }
        let session = Session::new(self.context.clone(), key.to_owned())?;
        let outcome: UpdateOutcome<H> = Rc::new(RefCell::new(None));
        session.0.state.borrow_mut().queue.push(Item::Update {
            func,
            args,
            outcome: outcome.clone(),
        });
        let saved = session.stop();
        let rt = self.context.host.runtime().clone();
        rt.spawn(Box::pin(pull::run(session.0.clone())));
        // Listed, so `close` waits for it like for any final save.
        self.sessions.borrow_mut().push(&session.0);
        Ok(Box::pin(async move {
            saved.await?;
            if let Some(reason) = session.bad() {
                return Err(Error::new(Code::BadData, reason));
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
        first_error.map_or(Ok(()), Err)
    }
}
