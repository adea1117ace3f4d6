//! The two ways replay runs host code, as types ([`Work`](super::work::Work)
//! is generic over them):
//!
//! - [`InPlace`]: the pull owns its copy of the document, so actions may
//!   change it in place and nothing is frozen until the end (the cost of a
//!   save is one decode, the actions, one encode, one freeze). Any failure
//!   (an exception, a cancel, a schema refusal) may have left the document
//!   half-changed, so it stops with [`Stop::Redo`]: start again in safe mode.
//! - [`Safe`]: each action gets its own copy; failures are skipped and
//!   reported, exactly as docs/api.md says. Its actions and decided calls
//!   cannot fail (`Infallible`), and it stops only with [`Bad`]: safe replay
//!   cannot ask to be redone.
//!
//! Runs host code: call with no `RefCell` borrow of a session held.

use std::convert::Infallible;

use super::item::{run_action, Ran};
use crate::engine::context::Context;
use crate::engine::error::{Code, Error};
use crate::engine::host::{Document, Host, Verdict};
use crate::engine::record::write::quoted;
use crate::engine::record::StoredCall;

/// The key must not be touched: its data does not decode, or a migration
/// failed.
pub(crate) struct Bad(pub Code, pub String);

/// Why in-place work stopped.
pub(crate) enum Stop {
    /// A failure: start again in safe mode.
    Redo,
    /// The key must not be touched.
    Bad(Bad),
}

impl From<Bad> for Stop {
    fn from(bad: Bad) -> Self {
        Stop::Bad(bad)
    }
}

impl From<Infallible> for Bad {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// How one mode runs each kind of step on its working copy.
pub(crate) trait Mode<H: Host> {
    /// The working copy.
    type Data;
    /// Why an action or a decided transaction's call stops the work.
    type Fail;
    /// Why the work stops at all (those, a bad key).
    type Stop: From<Bad> + From<Self::Fail>;
    /// Decodes stored data into a working copy.
    fn decode(json: &str) -> Result<Self::Data, String>;
    /// A working copy of a document.
    fn wrap(data: H::Doc) -> Self::Data;
    /// A working copy of a shared (frozen) document.
    fn own(context: &Context<H>, data: &H::Doc) -> Result<Self::Data, Self::Fail>;
    /// The document, if the copy is not spent.
    fn get(data: &Self::Data) -> Option<&H::Doc>;
    /// The result.
    fn finish(data: Self::Data) -> Result<H::Doc, Self::Fail>;
    /// Runs a plain action and says what it did.
    fn run(
        context: &Context<H>,
        data: &mut Self::Data,
        func: &H::Func,
        args: &H::Args,
    ) -> Result<Ran<H::Error>, Self::Fail>;
    /// Runs one call of a decided transaction.
    fn call(
        context: &Context<H>,
        key: &str,
        data: &mut Self::Data,
        call: &StoredCall,
    ) -> Result<(), Self::Fail>;
    /// Runs one migration step.
    fn step(
        context: &Context<H>,
        data: &mut Self::Data,
        step: &str,
        func: &H::Func,
    ) -> Result<(), Self::Stop>;
}

/// In place on the pull's own copy: any failure is a [`Stop::Redo`].
pub(crate) struct InPlace;

/// On a copy per action: failures skipped and reported.
pub(crate) struct Safe;

impl<H: Host> Mode<H> for InPlace {
    /// `None` once a failure spent it (the work is then discarded).
    type Data = Option<H::Doc>;
    type Fail = Stop;
    type Stop = Stop;

    fn decode(json: &str) -> Result<Self::Data, String> {
        H::Doc::from_json_owned(json).map(Some)
    }
    fn wrap(data: H::Doc) -> Self::Data {
        Some(data)
    }
    /// The host's own copy (`Host::own`; in JS a copy-on-write draft).
    fn own(context: &Context<H>, data: &H::Doc) -> Result<Self::Data, Stop> {
        context.host.own(data).map(Some).ok_or(Stop::Redo)
    }
    fn get(data: &Self::Data) -> Option<&H::Doc> {
        data.as_ref()
    }
    fn finish(data: Self::Data) -> Result<H::Doc, Stop> {
        data.ok_or(Stop::Redo)
    }
    fn run(
        context: &Context<H>,
        data: &mut Self::Data,
        func: &H::Func,
        args: &H::Args,
    ) -> Result<Ran<H::Error>, Stop> {
        let host = &context.host;
        let doc = data.take().ok_or(Stop::Redo)?;
        match host.call_in_place(func, doc, args) {
            Ok(Some(new)) if matches!(host.check_schema(&new), Ok(Verdict::Valid)) => {
                *data = Some(new);
                Ok(Ran::Applied)
            }
            _ => Err(Stop::Redo),
        }
    }
    fn call(
        context: &Context<H>,
        _key: &str,
        data: &mut Self::Data,
        call: &StoredCall,
    ) -> Result<(), Stop> {
        let (func, args) = resolve(context, call).map_err(|_| Stop::Redo)?;
        Self::run(context, data, &func, &args).map(|_| ())
    }
    fn step(
        context: &Context<H>,
        data: &mut Self::Data,
        _step: &str,
        func: &H::Func,
    ) -> Result<(), Stop> {
        let host = &context.host;
        let doc = data.take().ok_or(Stop::Redo)?;
        match host.call_in_place(func, doc, &host.no_args()) {
            Ok(Some(new)) => {
                *data = Some(new);
                Ok(())
            }
            _ => Err(Stop::Redo),
        }
    }
}

impl<H: Host> Mode<H> for Safe {
    type Data = H::Doc;
    type Fail = Infallible;
    type Stop = Bad;

    fn decode(json: &str) -> Result<Self::Data, String> {
        H::Doc::from_json(json)
    }
    fn wrap(data: H::Doc) -> Self::Data {
        data
    }
    fn own(_context: &Context<H>, data: &H::Doc) -> Result<Self::Data, Infallible> {
        Ok(data.clone())
    }
    fn get(data: &Self::Data) -> Option<&H::Doc> {
        Some(data)
    }
    fn finish(data: Self::Data) -> Result<H::Doc, Infallible> {
        Ok(data)
    }
    fn run(
        context: &Context<H>,
        data: &mut Self::Data,
        func: &H::Func,
        args: &H::Args,
    ) -> Result<Ran<H::Error>, Infallible> {
        Ok(match run_action(context, func, data, args) {
            Ok(Some(new)) => {
                *data = new;
                Ran::Applied
            }
            Ok(None) => Ran::Cancelled,
            Err(e) => Ran::Failed(e),
        })
    }
    /// A call that fails or cancels is skipped and reported: a decided
    /// transaction cannot be undone.
    fn call(
        context: &Context<H>,
        key: &str,
        data: &mut Self::Data,
        call: &StoredCall,
    ) -> Result<(), Infallible> {
        let (func, args) = match resolve(context, call) {
            Ok(found) => found,
            Err(e) => {
                context.report(&e, Some(key));
                return Ok(());
            }
        };
        match run_action(context, &func, data, &args) {
            Ok(Some(new)) => *data = new,
            Ok(None) => context.report(
                &Error::new(
                    Code::CannotCancelAction,
                    format!(
                        "transaction action {} returned undefined on replay; it was skipped (a decided transaction cannot be cancelled)",
                        quoted(&call.action)
                    ),
                ),
                Some(key),
            ),
            Err(e) => context.report(&e, Some(key)),
        }
        Ok(())
    }
    fn step(
        context: &Context<H>,
        data: &mut Self::Data,
        step: &str,
        func: &H::Func,
    ) -> Result<(), Bad> {
        let host = &context.host;
        match host.call(func, data, &host.no_args()) {
            Ok(Some(new)) => {
                *data = new;
                Ok(())
            }
            Ok(None) => Err(Bad(
                Code::MigrationDoesNotReturn,
                format!("migration step {} returned undefined", quoted(step)),
            )),
            Err(e) => Err(Bad(
                Code::MigrationDoesNotReturn,
                format!("migration step {} threw: {e:?}", quoted(step)),
            )),
        }
    }
}

/// A stored call's function and decoded arguments.
type Resolved<H> = Result<(<H as Host>::Func, <H as Host>::Args), Error<<H as Host>::Error>>;

fn resolve<H: Host>(context: &Context<H>, call: &StoredCall) -> Resolved<H> {
    let func = context.named(&call.action).ok_or_else(|| {
        Error::new(
            Code::TransactionInvalidFunction,
            format!(
                "transaction action {} is not registered",
                quoted(&call.action)
            ),
        )
    })?;
    let args = context.host.args_from_json(&call.args).map_err(|e| {
        Error::new(
            Code::BadData,
            format!("stored arguments of {}: {e}", quoted(&call.action)),
        )
    })?;
    Ok((func, args))
}
