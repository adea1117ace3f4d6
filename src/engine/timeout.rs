//! Storage calls with a deadline: a backend that hangs must not hang a session.

use super::host::{Runtime, StorageError, StorageFuture};
use super::signal::{race, Either};

/// Awaits `call`, or fails with [`StorageError::TimedOut`] after `ms`. A
/// timed-out write may still land later; the compare-and-set makes that safe
/// (its expected version is stale by then) and exactly-once batches make a
/// retry that finds it harmless.
pub(crate) async fn with_timeout<R: Runtime + ?Sized, T, E>(
    runtime: &R,
    ms: f64,
    call: StorageFuture<T, E>,
) -> Result<T, StorageError<E>> {
    match race(call, runtime.sleep(ms)).await {
        Either::Left(result) => result,
        Either::Right(()) => Err(StorageError::TimedOut),
    }
}
