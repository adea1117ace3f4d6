//! How a pull fails: quarantine (never retried) or a storage failure
//! (retried after a backoff, nothing lost).

use crate::engine::error::{Code, Error};
use crate::engine::host::{storage_error, StorageError};

/// Why a pull did not complete.
pub(crate) enum PullError<E> {
    /// The key must not be touched (quarantine): the code to report and
    /// the reason `bad()` gives.
    Bad(Code, String),
    /// Storage failed; retry later. Nothing was lost.
    Failed(Error<E>),
}

impl<E> From<StorageError<E>> for PullError<E> {
    fn from(e: StorageError<E>) -> Self {
        PullError::Failed(storage_error(e))
    }
}
