//! The working copy of a key's data while a pull (or a decision) changes it:
//! migrations, decided transactions and queued actions, run in one of two
//! modes.
//!
//! - `InPlace`: the pull owns a freshly decoded document, so actions may
//!   change it in place and nothing is frozen until the end (the cost of a
//!   save is one decode, the actions, one encode, one freeze). Any failure —
//!   an exception, a cancel, a schema refusal — may have left the document
//!   half-changed, so the whole computation is redone in `Safe` mode.
//! - `Safe`: each action gets its own copy; failures are skipped and
//!   reported, exactly as docs/api.md says.
//!
//! Runs host code: call with no `RefCell` borrow of a session held.

use super::item::{run_action, Ran};
use crate::engine::context::Context;
use crate::engine::error::{Code, Error};
use crate::engine::host::{Document, Host, Verdict};
use crate::engine::record::write::quoted;
use crate::engine::record::{Pending, Record, StoredCall};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    InPlace,
    Safe,
}

/// Why a computation stopped.
pub(crate) enum Stop {
    /// In-place mode met a failure: start again in safe mode.
    Redo,
    /// The key must not be touched (a migration failed).
    Bad(Code, String),
}

/// A stored call's function and decoded arguments.
type Resolved<H> = Result<(<H as Host>::Func, <H as Host>::Args), Error<<H as Host>::Error>>;

pub(crate) struct Work<'a, H: Host> {
    context: &'a Context<H>,
    key: &'a str,
    mode: Mode,
    /// `None` only after an in-place failure, when the work is discarded.
    data: Option<H::Doc>,
}

impl<'a, H: Host> Work<'a, H> {
    pub fn new(context: &'a Context<H>, key: &'a str, mode: Mode, data: H::Doc) -> Self {
        Work {
            context,
            key,
            mode,
            data: Some(data),
        }
    }

    /// Decodes `json` into a working copy suited to `mode`.
    pub fn decode(
        context: &'a Context<H>,
        key: &'a str,
        mode: Mode,
        json: &str,
    ) -> Result<Self, Stop> {
        let data = match mode {
            Mode::InPlace => H::Doc::from_json_owned(json),
            Mode::Safe => H::Doc::from_json(json),
        }
        .map_err(|why| {
            Stop::Bad(
                Code::BadData,
                format!("the stored data is undecodable: {why}"),
            )
        })?;
        Ok(Work::new(context, key, mode, data))
    }

    /// The current data (only valid before a `Redo`).
    pub fn data(&self) -> Option<&H::Doc> {
        self.data.as_ref()
    }

    /// The result. In in-place mode it is not frozen yet: seal it.
    pub fn into_data(self) -> Option<H::Doc> {
        self.data
    }

    /// Runs a plain action; whether it applied. Safe mode skips (and
    /// reports) a failure and ignores a cancel.
    pub fn action(&mut self, func: &H::Func, args: &H::Args) -> Result<bool, Stop> {
        match self.run(func, args)? {
            Ran::Applied => Ok(true),
            Ran::Cancelled => Ok(false),
            Ran::Failed(e) => {
                self.context.report(&e, Some(self.key));
                Ok(false)
            }
        }
    }

    /// Runs a plain action and says what it did; a failure is skipped and
    /// left to the caller (an update rejects with it instead of reporting).
    pub fn run(&mut self, func: &H::Func, args: &H::Args) -> Result<Ran<H::Error>, Stop> {
        let host = &self.context.host;
        match self.mode {
            Mode::InPlace => {
                let data = self.data.take().ok_or(Stop::Redo)?;
                match host.call_in_place(func, data, args) {
                    Ok(Some(new)) if matches!(host.check_schema(&new), Ok(Verdict::Valid)) => {
                        self.data = Some(new);
                        Ok(Ran::Applied)
                    }
                    _ => Err(Stop::Redo),
                }
            }
            Mode::Safe => {
                let Some(data) = &self.data else {
                    return Err(Stop::Redo);
                };
                Ok(match run_action(self.context, func, data, args) {
                    Ok(Some(new)) => {
                        self.data = Some(new);
                        Ran::Applied
                    }
                    Ok(None) => Ran::Cancelled,
                    Err(e) => Ran::Failed(e),
                })
            }
        }
    }

    /// Applies the actions of a decided transaction. In safe mode a call
    /// that fails or cancels is skipped and reported: a decided transaction
    /// cannot be undone.
    pub fn decided(&mut self, pending: &Pending, committed: bool) -> Result<(), Stop> {
        let calls = if committed {
            &pending.success
        } else {
            &pending.failure
        };
        for call in calls {
            self.stored_call(call)?;
        }
        Ok(())
    }

    fn stored_call(&mut self, call: &StoredCall) -> Result<(), Stop> {
        let resolved = self.resolve_stored(call);
        let (func, args) = match (resolved, self.mode) {
            (Ok(found), _) => found,
            (Err(_), Mode::InPlace) => return Err(Stop::Redo),
            (Err(e), Mode::Safe) => {
                self.context.report(&e, Some(self.key));
                return Ok(());
            }
        };
        match self.mode {
            Mode::InPlace => self.action(&func, &args).map(|_| ()),
            Mode::Safe => {
                let Some(data) = &self.data else {
                    return Err(Stop::Redo);
                };
                match run_action(self.context, &func, data, &args) {
                    Ok(Some(new)) => self.data = Some(new),
                    Ok(None) => self.context.report(
                        &Error::new(
                            Code::CannotCancelAction,
                            format!(
                                "transaction action {} returned undefined on replay; it was skipped (a decided transaction cannot be cancelled)",
                                quoted(&call.action)
                            ),
                        ),
                        Some(self.key),
                    ),
                    Err(e) => self.context.report(&e, Some(self.key)),
                }
                Ok(())
            }
        }
    }

    fn resolve_stored(&self, call: &StoredCall) -> Resolved<H> {
        let func = self.context.named(&call.action).ok_or_else(|| {
            Error::new(
                Code::TransactionInvalidFunction,
                format!(
                    "transaction action {} is not registered",
                    quoted(&call.action)
                ),
            )
        })?;
        let args = self.context.host.args_from_json(&call.args).map_err(|e| {
            Error::new(
                Code::BadData,
                format!("stored arguments of {}: {e}", quoted(&call.action)),
            )
        })?;
        Ok((func, args))
    }

    /// Runs the migration steps `record` has not had, marking them done
    /// (and compatible, if this server marks them so). Returns whether any
    /// ran.
    pub fn migrate(&mut self, record: &mut Record) -> Result<bool, Stop> {
        let done = self.run_steps(&record.migrations)?;
        let changed = !done.is_empty();
        self.mark_done(record, done);
        Ok(changed)
    }

    /// Replaces the data with a past version's (`store.restore`), migrated
    /// by the steps it had not had: the record's steps and marks become the
    /// past version's and those, which is what the data has had now (a
    /// server lacking some of the record's compatible steps cannot run
    /// them; a newer one will, at its next pull).
    pub fn restore(&mut self, record: &mut Record, old: &Record) -> Result<(), Stop> {
        let past = Work::decode(self.context, self.key, self.mode, &old.data)?;
        self.data = past.data;
        let done = self.run_steps(&old.migrations)?;
        record.migrations = old.migrations.clone();
        record.compatible = old.compatible.clone();
        self.mark_done(record, done);
        Ok(())
    }

    fn mark_done(&self, record: &mut Record, done: Vec<String>) {
        let marked = &self.context.options.compatible_steps;
        record
            .compatible
            .extend(done.iter().filter(|s| marked.contains(s)).cloned());
        record.migrations.extend(done);
    }

    /// Runs, in order, the store's migration steps not in `done`; returns
    /// those it ran.
    fn run_steps(&mut self, done: &[String]) -> Result<Vec<String>, Stop> {
        let host = &self.context.host;
        let mut ran = Vec::new();
        for (step, func) in &self.context.options.migrations {
            if done.iter().any(|s| s == step) {
                continue;
            }
            let data = self.data.take().ok_or(Stop::Redo)?;
            let result = match self.mode {
                Mode::InPlace => host.call_in_place(func, data, &host.no_args()),
                Mode::Safe => host.call(func, &data, &host.no_args()),
            };
            match (result, self.mode) {
                (Ok(Some(new)), _) => self.data = Some(new),
                (_, Mode::InPlace) => return Err(Stop::Redo),
                (Ok(None), Mode::Safe) => {
                    return Err(Stop::Bad(
                        Code::MigrationDoesNotReturn,
                        format!("migration step {} returned undefined", quoted(step)),
                    ))
                }
                (Err(e), Mode::Safe) => {
                    return Err(Stop::Bad(
                        Code::MigrationDoesNotReturn,
                        format!("migration step {} threw: {e:?}", quoted(step)),
                    ))
                }
            }
            ran.push(step.clone());
        }
        Ok(ran)
    }
}
