//! What a session queues and a pull replays: [`Item`]s grouped in numbered
//! [`Batch`]es, and running one action with the store's schema check.
//!
//! Running actions is host code: call with no `RefCell` borrow of a session
//! held.

use std::cell::RefCell;
use std::rc::Rc;

use crate::engine::context::Context;
use crate::engine::error::{Code, Error};
use crate::engine::host::{Host, Verdict};
use crate::engine::record::write::quoted;
use crate::engine::record::{Pending, Record};

/// What one plain action did to the data (in safe mode; in place, anything
/// but `Applied` is a `Redo`).
pub(crate) enum Ran<E> {
    Applied,
    Cancelled,
    /// It threw or failed the schema: skipped.
    Failed(Error<E>),
}

/// What the write of a `store.update` did with its action, set by each
/// replay: the one of the write that stored is the last.
pub(crate) type UpdateOutcome<H> = Rc<RefCell<Option<Ran<<H as Host>::Error>>>>;

/// An exactly-once item's identity: the caller's `id` (a receipt) and
/// `by`, `<session id>:<n>`, which names this one queued item in the
/// record's `once` map, so a write found stored after a lost reply still
/// tells whether it was this item that applied the id.
#[derive(Clone)]
pub(crate) struct OnceTag {
    pub id: Rc<str>,
    pub by: Rc<str>,
}

/// One unit of queued work.
pub(crate) enum Item<H: Host> {
    /// A plain patch: the action by its registration index
    /// ([`Context::action_at`](crate::engine::context::Context::action_at)),
    /// not a clone of the function, so a long queue holds no JS handle per
    /// patch for it and cloning the queue (each pull does) copies a number.
    /// `args` is `None` for a patch without arguments ([`Context::empty_args`](crate::engine::context::Context)).
    Action {
        action: usize,
        args: Option<H::Args>,
    },
    /// A `session.patchOnce`: an action applied only if the record has not
    /// applied `once.id` yet; the session's waiter for `once.by` learns
    /// which.
    Once {
        once: OnceTag,
        action: usize,
        args: Option<H::Args>,
    },
    /// The action of a `store.update` (or `updateOnce`, with a tag): like
    /// `Action`, but what it did on the stored data is kept for the caller.
    Update {
        func: H::Func,
        args: H::Args,
        outcome: UpdateOutcome<H>,
        once: Option<OnceTag>,
    },
    /// A `store.restore`: the data of a past version's record (with the
    /// migration steps it had, and their marks) replaces the data;
    /// everything else of the record stays.
    Restore(Rc<Record>),
    /// Adds this key's part of a transaction (a prepare).
    Prepare(Pending),
}

impl<H: Host> Clone for Item<H> {
    fn clone(&self) -> Self {
        match self {
            Item::Action { action, args } => Item::Action {
                action: *action,
                args: args.clone(),
            },
            Item::Once { once, action, args } => Item::Once {
                once: once.clone(),
                action: *action,
                args: args.clone(),
            },
            Item::Update {
                func,
                args,
                outcome,
                once,
            } => Item::Update {
                func: func.clone(),
                args: args.clone(),
                outcome: outcome.clone(),
                once: once.clone(),
            },
            Item::Restore(old) => Item::Restore(old.clone()),
            Item::Prepare(p) => Item::Prepare(p.clone()),
        }
    }
}

/// Runs one action, with the store's schema check. `Ok(None)`: cancelled.
pub(crate) fn run_action<H: Host>(
    context: &Context<H>,
    func: &H::Func,
    data: &H::Doc,
    args: &H::Args,
) -> Result<Option<H::Doc>, Error<H::Error>> {
    let result = context.host.call(func, data, args).map_err(Error::Host)?;
    if let Some(new) = &result {
        check_schema(context, new)?;
    }
    Ok(result)
}

/// Fails with `schema_validation_error` when the store's schema rejects `data`.
pub(crate) fn check_schema<H: Host>(
    context: &Context<H>,
    data: &H::Doc,
) -> Result<(), Error<H::Error>> {
    match context.host.check_schema(data).map_err(Error::Host)? {
        Verdict::Valid => Ok(()),
        Verdict::Invalid(issues) => {
            let mut message = format!(
                "the data produced by the action does not pass the schema of store {}",
                quoted(&context.options.name)
            );
            // A Standard Schema says why: each issue with its path, so the
            // message alone shows what to fix.
            if !issues.is_empty() {
                message.push_str(": ");
                message.push_str(&issues.join("; "));
            }
            Err(Error::new(Code::SchemaValidationError, message))
        }
    }
}

/// A batch of queued items taken by a pull, numbered for exactly-once writes.
pub(crate) struct Batch<H: Host> {
    pub n: u64,
    pub items: Vec<Item<H>>,
}
