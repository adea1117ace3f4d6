//! The counters of `store.stats()` (docs/api.md): what a store's sessions
//! have done since it was made. One `Cell` per store, bumped where each
//! event happens, so reading them is a copy, never a walk over sessions.

use std::cell::Cell;

/// A store's counters since it was made (docs/api.md#storestats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Sessions open now: loaded and not yet stopped (or gone bad).
    pub sessions: u64,
    /// Sessions whose first pull succeeded.
    pub loads: u64,
    /// Pulls that completed (the first load and final saves included).
    pub pulls: u64,
    /// Puts of this store's keys that stored.
    pub writes: u64,
    /// Puts of this store's keys answered `null` (another writer was first).
    pub conflicts: u64,
    /// Attempts repeated after a failure (a pull, a transaction's decision).
    pub retries: u64,
    /// Storage calls that rejected, timed out or answered garbage.
    pub failures: u64,
    /// Sessions that went bad: the key's data is not a record this engine
    /// can read, or a migration failed on it.
    pub bad: u64,
    /// Sessions stopped because a newer version wrote the key
    /// (`needs_newer_version`): counted here, not in `bad`.
    pub needs_newer_version: u64,
}

/// The live counters; `Context` holds one.
#[derive(Default)]
pub(crate) struct Counters(Cell<Stats>);

impl Counters {
    /// Changes the counters with `f`.
    pub fn bump(&self, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.0.get();
        f(&mut stats);
        self.0.set(stats);
    }

    /// One more storage call that did not give an answer.
    pub fn failure(&self) {
        self.bump(|s| s.failures += 1);
    }

    /// A copy of the counters now.
    pub fn get(&self) -> Stats {
        self.0.get()
    }
}
