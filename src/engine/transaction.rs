//! Transactions across keys without locks (docs/transactions.md).
//!
//! Prepare: each key's part is written as a pending entry by that session's
//! normal pull. Decide: the coordinator creates the decision record with a
//! create-if-absent write; a reader that finds an undecided entry past the
//! timeout creates `aborted` the same way, so the decision is made exactly
//! once and every key applies the same outcome.

use std::rc::Rc;

use super::collect::collect_decision;
use super::context::Context;
use super::decisions::decide;
use super::error::{Code, Error};
use super::host::{storage_error, Host, LocalBoxFuture, Runtime, Storage};
use super::ids::random_id;
use super::record::{whole_ms, Pending, StoredCall};
use super::retry::Backoff;
use super::session::Session;
use super::signal::{join_all, race, Either};
use crate::engine::record::write::quoted;

/// One key's recorded part.
struct Part<H: Host> {
    session: Session<H>,
    success: Vec<StoredCall>,
    failure: Vec<StoredCall>,
}

/// A transaction being recorded: the patches made inside its closures.
pub struct Transaction<H: Host> {
    parts: Vec<Part<H>>,
    /// Chosen when the first patch is recorded (the host's randomness comes
    /// with a session); the key of the decision record.
    id: Option<String>,
}

impl<H: Host> Default for Transaction<H> {
    fn default() -> Self {
        Transaction {
            parts: Vec::new(),
            id: None,
        }
    }
}

impl<H: Host> Transaction<H> {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// The transaction id, once a patch has been recorded.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Records a patch for the success (`committed = true`) or failure side.
    /// Checks it now, so a mistake rejects the transaction before anything is
    /// written: the action must be a registered transaction action, its
    /// arguments JSON, and it must not cancel on the current data.
    pub fn record(
        &mut self,
        session: &Session<H>,
        committed: bool,
        func: &H::Func,
        args: H::Args,
    ) -> Result<(), Error<H::Error>> {
        let inner = &session.0;
        inner.check_running()?;
        let context = &inner.context;
        let name = match context.registration(func) {
            Some(Some(name)) => name,
            Some(None) => {
                return Err(Error::new(
                    Code::TransactionInvalidAction,
                    "a plain action was patched inside a transaction; register it with store.transaction(name, fn) instead of store.action(fn)",
                ))
            }
            None => {
                return Err(Error::new(
                    Code::TransactionInvalidFunction,
                    format!(
                        "the function patched inside the transaction is not registered on store {}; register it with store.transaction(name, fn)",
                        quoted(&context.options.name)
                    ),
                ))
            }
        };
        let args_json = context.host.args_to_json(&args).map_err(|path| {
            Error::new(
                Code::StrictPassNotJsonIntoAction,
                format!("transaction arguments are stored and must be JSON; the argument at {path} is not"),
            )
        })?;
        let cache = session.data();
        if context
            .host
            .call(func, &cache, &args)
            .map_err(Error::Host)?
            .is_none()
        {
            return Err(Error::new(
                Code::CannotCancelAction,
                format!("transaction action {} returned undefined; a transaction action cannot cancel itself", quoted(&name)),
            ));
        }
        let call = StoredCall::new(name, &args_json)
            .map_err(|why| Error::new(Code::StrictPassNotJsonIntoAction, why))?;
        let index = match self.parts.iter().position(|p| p.session.same(session)) {
            Some(i) => i,
            None => {
                self.parts.push(Part {
                    session: session.clone(),
                    success: Vec::new(),
                    failure: Vec::new(),
                });
                self.parts.len() - 1
            }
        };
        if self.id.is_none() {
            self.id = Some(random_id(&**context.host.runtime()));
        }
        let part = &mut self.parts[index];
        if committed {
            part.success.push(call);
        } else {
            part.failure.push(call);
        }
        Ok(())
    }

    /// Runs the protocol. The checks and the prepares are queued at once,
    /// when `commit` is called (a session stopped right after still saves
    /// its part); the returned future settles with the outcome.
    /// `Ok(true)`: committed; `Ok(false)`: aborted (storage trouble never
    /// makes it fail). Errors only for programming mistakes, found before
    /// anything is written.
    pub fn commit(self) -> LocalBoxFuture<'static, Result<bool, Error<H::Error>>> {
        let Some(first) = self.parts.first() else {
            return Box::pin(std::future::ready(Ok(true)));
        };
        let coordinator = first.session.0.context.clone();
        for part in &self.parts {
            let context = &part.session.0.context;
            if !context
                .host
                .storage()
                .same_backend(coordinator.host.storage())
            {
                return Box::pin(std::future::ready(Err(Error::new(
                    Code::InvalidOptions,
                    "all sessions in one transaction must use the same backend object",
                ))));
            }
            if let Err(e) = part.session.0.check_running() {
                return Box::pin(std::future::ready(Err(e)));
            }
        }
        let rt = coordinator.host.runtime().clone();
        let id = self.id.clone().unwrap_or_else(|| random_id(&*rt));
        let created = whole_ms(rt.now_ms());
        let pendings: Vec<Pending> = self
            .parts
            .iter()
            .map(|p| Pending {
                id: id.clone(),
                success: p.success.clone(),
                failure: p.failure.clone(),
                created,
            })
            .collect();
        let acks = self
            .parts
            .iter()
            .zip(&pendings)
            .map(|(p, pending)| p.session.0.enqueue_prepare(pending.clone()))
            .collect();
        let sessions: Vec<Session<H>> = self.parts.into_iter().map(|p| p.session).collect();
        Box::pin(async move {
            let prepared = match race(
                join_all(acks),
                rt.sleep(coordinator.options.prepare_timeout_ms),
            )
            .await
            {
                Either::Left(acks) => acks.iter().all(Option::is_some),
                Either::Right(()) => false,
            };
            let committed = if prepared {
                decide_with_retry(&coordinator, &id, &sessions).await
            } else {
                // Only the coordinator ever writes `committed`, so not writing
                // it settles the outcome: resolve now. Writing `aborted` is a
                // courtesy to other servers (they would otherwise wait for
                // the timeout), done in the background.
                // Once written and resolved by every key, the record goes
                // (collected only after it is written, or the write would
                // leave an orphan).
                let (context, id, sessions) = (coordinator.clone(), id.clone(), sessions.clone());
                rt.spawn(Box::pin(async move {
                    match decide(&context, &id, false).await {
                        Ok(_) => collect_decision(context, id, sessions).await,
                        Err(e) => report_all(&sessions, &storage_error(e)),
                    }
                }));
                false
            };
            for (session, pending) in sessions.iter().zip(&pendings) {
                let inner = &session.0;
                inner.context.remember_decision(&id, committed);
                inner.apply_decision(pending, committed);
            }
            // Once every key has resolved it, the decision record goes (an
            // abort at once is collected after its background write).
            if prepared {
                rt.spawn(Box::pin(collect_decision(coordinator, id, sessions)));
            }
            Ok(committed)
        })
    }
}

/// A transaction's failures go to the `onError` of every store taking part.
fn report_all<H: Host>(sessions: &[Session<H>], error: &Error<H::Error>) {
    let mut seen: Vec<*const Context<H>> = Vec::new();
    for s in sessions {
        let ptr = Rc::as_ptr(&s.0.context);
        if !seen.contains(&ptr) {
            seen.push(ptr);
            s.0.context.report(error, None);
        }
    }
}

/// Writes `committed` unless a decision exists, retrying until the outcome is
/// known: after a lost reply the decision may or may not have been stored,
/// and resolving either way before knowing could split the keys.
async fn decide_with_retry<H: Host>(
    context: &Rc<Context<H>>,
    id: &str,
    sessions: &[Session<H>],
) -> bool {
    let rt = context.host.runtime().clone();
    let mut backoff = Backoff::new(
        context.options.backoff_start_ms,
        context.options.backoff_cap_ms,
    );
    loop {
        match decide(context, id, true).await {
            Ok(d) => return d,
            Err(e) => {
                report_all(sessions, &storage_error(e));
                rt.sleep(backoff.next_delay(rt.random())).await;
                context.stats.bump(|s| s.retries += 1);
            }
        }
    }
}
