//! The session's background loop: a pull every `pullDelay`, backoff after a
//! failure, the final save on `stop`, and releasing `await()` callers.

use std::rc::Rc;

use super::error::PullError;
use super::one_pull::pull_once;
use crate::engine::error::Error;
use crate::engine::host::{Host, Runtime};
use crate::engine::retry::Backoff;
use crate::engine::session::{Phase, SessionInner};
use crate::engine::signal::{race, Sender};

/// The session's background task. Ends when the session has stopped (saved,
/// or gone bad), holding no timer afterwards.
pub(crate) async fn run<H: Host>(session: Rc<SessionInner<H>>) {
    let context = session.context.clone();
    let rt = context.host.runtime().clone();
    let mut backoff = Backoff::new(
        context.options.backoff_start_ms,
        context.options.backoff_cap_ms,
    );
    // Actions dropped (`not_json`) after stop was requested: stop() rejects.
    let mut final_error: Option<Error<H::Error>> = None;
    // Whether the last pull failed: the next one repeats it (`retries`).
    let mut failed = false;
    loop {
        if std::mem::take(&mut failed) {
            context.stats.bump(|s| s.retries += 1);
        }
        let stopping = session.state.borrow().phase == Phase::Stopping;
        // `await()` callers so far: this pull carries everything they
        // patched before calling, so its success releases them. Later
        // callers wait for the next pull.
        let waiting = std::mem::take(&mut session.state.borrow_mut().awaiters);
        // Boxed: the pull's state lives on the heap only while it runs, so an
        // idle session (waiting below) holds a small future, not the
        // largest state of a whole pull.
        let wait_ms = match Box::pin(pull_once(&session, stopping, &mut final_error)).await {
            Ok(()) => {
                context.stats.bump(|s| s.pulls += 1);
                backoff.reset();
                release(waiting);
                let st = session.state.borrow();
                let unsaved = !st.queue.is_empty() || !st.inflight.is_empty();
                let phase = st.phase;
                drop(st);
                match phase {
                    Phase::Stopping if !unsaved => {
                        session.finish(final_error.take().map_or(Ok(()), Err));
                        return;
                    }
                    // Stop was asked for during the pull: save again now.
                    Phase::Stopping => continue,
                    _ => context.options.pull_delay_ms,
                }
            }
            Err(PullError::Bad(code, reason)) => {
                release(waiting);
                session.go_bad(code, reason);
                return;
            }
            Err(PullError::Failed(e)) => {
                // Still waiting: ahead of anyone who came during this pull.
                let mut st = session.state.borrow_mut();
                let later = std::mem::replace(&mut st.awaiters, waiting);
                st.awaiters.extend(later);
                drop(st);
                context.report(&e, Some(&session.key));
                failed = true;
                backoff.next_delay(rt.random())
            }
        };
        if session.state.borrow().phase == Phase::Stopped {
            return;
        }
        // A stop or a transaction's prepare cuts the wait short.
        race(rt.sleep(wait_ms), session.wake.wait()).await;
    }
}

fn release(awaiters: Vec<Sender<()>>) {
    for a in awaiters {
        a.send(());
    }
}
