//! A session's life cycle: running, stopping, stopped, in that order only.

/// Where a session is in its life cycle; it only moves forward
/// ([`Phase::advance`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Phase {
    Running,
    Stopping,
    Stopped,
}

impl Phase {
    /// Moves the life cycle on: running → stopping → stopped, or straight
    /// to stopped. Never back: a stopped session that became stopping again
    /// would wait for a final save no loop will make.
    pub(crate) fn advance(&mut self, to: Phase) {
        debug_assert!(
            to >= *self,
            "invariant: a session's phase moved back, from {self:?} to {to:?}"
        );
        *self = to;
    }
}
