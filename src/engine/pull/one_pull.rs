//! One pull: take the queue as a numbered batch, then attempt
//! compare-and-set writes until one is stored, each attempt under one
//! deadline. On failure the batches stay in flight for the next pull.

use std::rc::Rc;

use super::attempt::{attempt, Outcome};
use super::error::PullError;
use crate::engine::error::Error;
use crate::engine::host::{Host, Runtime, StorageError};
use crate::engine::replay::item::Batch;
use crate::engine::session::SessionInner;
use crate::engine::signal::{race, Either};

/// One pull. The batches it writes stay in `inflight` until known stored,
/// so a failure (even an ambiguous one) loses nothing and a retry that finds
/// them stored does not apply them twice.
pub(crate) async fn pull_once<H: Host>(
    session: &Rc<SessionInner<H>>,
    stopping: bool,
    final_error: &mut Option<Error<H::Error>>,
) -> Result<(), PullError<H::Error>> {
    let mut batches = {
        let mut st = session.state.borrow_mut();
        if !st.queue.is_empty() {
            let n = st.next_batch;
            st.next_batch += 1;
            let items = std::mem::take(&mut st.queue);
            st.inflight.push(Batch { n, items });
        }
        std::mem::take(&mut st.inflight)
    };
    debug_assert!(
        batches.windows(2).all(|w| w[0].n < w[1].n),
        "invariant: a session's batches in flight are not numbered in rising order"
    );
    let result = write_loop(session, &mut batches, stopping, final_error).await;
    if result.is_err() {
        // Keep them for the next try, ahead of nothing: only pulls take
        // from `queue` into `inflight`, and only one pull runs at a time.
        session.state.borrow_mut().inflight = batches;
    }
    result
}

async fn write_loop<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
    stopping: bool,
    final_error: &mut Option<Error<H::Error>>,
) -> Result<(), PullError<H::Error>> {
    let context = &session.context;
    let rt = context.host.runtime().clone();
    loop {
        // One deadline for the whole get → replay → put: one timer per
        // attempt instead of one per call (timers are a large part of a
        // save's cost in JS). A timed-out put may still land; exactly-once
        // batches make the retry that finds it harmless.
        let step = race(
            attempt(session, batches),
            rt.sleep(context.options.request_timeout_ms),
        );
        let outcome = match step.await {
            Either::Left(outcome) => outcome?,
            Either::Right(()) => {
                context.stats.failure();
                return Err(StorageError::TimedOut.into());
            }
        };
        match outcome {
            Outcome::Stored => return Ok(()),
            // Another writer got there first: replay on its record.
            Outcome::Conflict => {}
            Outcome::Dropped(err) => {
                // An action made the record unencodable: it is gone from
                // `batches`; report it and build again from a fresh read.
                context.report(&err, Some(&session.key));
                if stopping {
                    final_error.get_or_insert(err);
                }
            }
        }
    }
}
