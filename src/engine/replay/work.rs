//! The working copy of a key's data while a pull (or a decision) changes it:
//! migrations, decided transactions and queued actions, run in one of two
//! modes, [`InPlace`](super::mode::InPlace) or [`Safe`] (`mode.rs` says
//! how each runs host code and how it stops).
//!
//! Runs host code: call with no `RefCell` borrow of a session held.

use super::item::Ran;
use super::mode::{Bad, Mode, Safe};
use crate::engine::context::Context;
use crate::engine::error::Code;
use crate::engine::host::Host;
use crate::engine::record::{Pending, Record};

pub(crate) struct Work<'a, H: Host, M: Mode<H>> {
    context: &'a Context<H>,
    key: &'a str,
    data: M::Data,
    /// The transactions whose decided actions this work applied: in builds
    /// with debug assertions, to assert none is applied twice.
    #[cfg(debug_assertions)]
    applied: Vec<String>,
}

impl<'a, H: Host, M: Mode<H>> Work<'a, H, M> {
    pub fn new(context: &'a Context<H>, key: &'a str, data: H::Doc) -> Self {
        Self::with(context, key, M::wrap(data))
    }

    /// A working copy of `data`, a shared document (a record decoded before).
    pub fn known(context: &'a Context<H>, key: &'a str, data: &H::Doc) -> Result<Self, M::Fail> {
        Ok(Self::with(context, key, M::own(context, data)?))
    }

    fn with(context: &'a Context<H>, key: &'a str, data: M::Data) -> Self {
        Work {
            context,
            key,
            data,
            #[cfg(debug_assertions)]
            applied: Vec::new(),
        }
    }

    /// Decodes `json` into a working copy suited to the mode.
    pub fn decode(context: &'a Context<H>, key: &'a str, json: &str) -> Result<Self, Bad> {
        let data = M::decode(json).map_err(|why| {
            Bad(
                Code::BadData,
                format!("the stored data is undecodable: {why}"),
            )
        })?;
        Ok(Self::with(context, key, data))
    }

    /// The current data (in place: only before a failure).
    pub fn data(&self) -> Option<&H::Doc> {
        M::get(&self.data)
    }

    /// The result. In place it is not frozen yet: seal it.
    pub fn finish(self) -> Result<H::Doc, M::Fail> {
        M::finish(self.data)
    }

    /// Runs a plain action; whether it applied. Safe mode skips (and
    /// reports) a failure and ignores a cancel.
    pub fn action(&mut self, func: &H::Func, args: &H::Args) -> Result<bool, M::Fail> {
        Ok(match self.run(func, args)? {
            Ran::Applied => true,
            Ran::Cancelled => false,
            Ran::Failed(e) => {
                self.context.report(&e, Some(self.key));
                false
            }
        })
    }

    /// Runs a plain action and says what it did; a failure is skipped and
    /// left to the caller (an update rejects with it instead of reporting).
    pub fn run(&mut self, func: &H::Func, args: &H::Args) -> Result<Ran<H::Error>, M::Fail> {
        M::run(self.context, &mut self.data, func, args)
    }

    /// Applies the actions of a decided transaction. In safe mode a call
    /// that fails or cancels is skipped and reported: a decided transaction
    /// cannot be undone.
    pub fn decided(&mut self, pending: &Pending, committed: bool) -> Result<(), M::Fail> {
        #[cfg(debug_assertions)]
        {
            debug_assert!(
                !self.applied.contains(&pending.id),
                "invariant: the decided actions of transaction {} applied twice to key {}",
                pending.id,
                self.key
            );
            self.applied.push(pending.id.clone());
        }
        let calls = if committed {
            &pending.success
        } else {
            &pending.failure
        };
        for call in calls {
            M::call(self.context, self.key, &mut self.data, call)?;
        }
        Ok(())
    }

    /// Asserts that no transaction this work applied is still pending in
    /// `record`, where the next pull would apply it again.
    pub fn assert_resolved(&self, record: &Record) {
        #[cfg(debug_assertions)]
        for p in &record.pending {
            debug_assert!(
                !self.applied.contains(&p.id),
                "invariant: transaction {} was applied to key {} and is still pending there",
                p.id,
                self.key
            );
        }
        #[cfg(not(debug_assertions))]
        let _ = record;
    }

    /// Runs the migration steps `record` has not had, marking them done.
    /// Returns whether any ran.
    pub fn migrate(&mut self, record: &mut Record) -> Result<bool, M::Stop> {
        let done = self.run_steps(&record.migrations)?;
        let changed = !done.is_empty();
        record.migrations.extend(done);
        Ok(changed)
    }

    /// Replaces the data with a past version's (`store.restore`), migrated
    /// by the steps it had not had. The record keeps its own steps: after
    /// this, the data has had all of them.
    pub fn restore(&mut self, json: &str, had: &[String]) -> Result<(), M::Stop> {
        let old = Self::decode(self.context, self.key, json)?;
        self.data = old.data;
        self.run_steps(had)?;
        Ok(())
    }

    /// Runs, in order, the store's migration steps not in `done`; returns
    /// those it ran.
    fn run_steps(&mut self, done: &[String]) -> Result<Vec<String>, M::Stop> {
        let mut ran = Vec::new();
        for (step, func) in &self.context.options.migrations {
            if done.iter().any(|s| s == step) {
                continue;
            }
            M::step(self.context, &mut self.data, step, func)?;
            ran.push(step.clone());
        }
        Ok(ran)
    }
}

impl<H: Host> Work<'_, H, Safe> {
    /// [`Work::decided`] in safe mode, which nothing can stop.
    pub fn apply(&mut self, pending: &Pending, committed: bool) {
        let Ok(()) = self.decided(pending, committed);
    }

    /// The result.
    pub fn into_data(self) -> H::Doc {
        let Ok(data) = self.finish();
        data
    }
}
