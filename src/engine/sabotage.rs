//! Deliberate bugs, compiled in only with the `sabotage` cargo feature, to
//! show that the simulation catches them (`SKILIFT_SABOTAGE=<kind>`):
//!
//! - `exactly_once`: a retry re-applies batches an ambiguous write already stored;
//! - `presumed_abort`: a timed-out transaction counts as aborted without a
//!   decision being written (what the Roblox original does);
//! - `last_writer_wins`: a conflicting write overwrites instead of replaying;
//! - `once`: a `patchOnce` is applied even when the record has its id;
//! - `early_collection`: a decision record is deleted as soon as it is
//!   decided, while keys may still hold its pending entry;
//! - `drop_unknown`: a write drops the envelope fields of newer engines;
//! - `drop_marks`: a write drops the `compatible` marks of its steps;
//! - `ignore_marks`: the quarantine treats every step it lacks as marked
//!   compatible;
//! - `early_retire`: a one-shot write (`store.update`) counts as finished
//!   when it starts, so the store's other writes of the key drop its
//!   `writers` entry while it may still retry a write whose reply was lost.

/// Whether the named sabotage is switched on.
#[cfg(feature = "sabotage")]
pub fn active(kind: &str) -> bool {
    std::env::var("SKILIFT_SABOTAGE").is_ok_and(|v| v.split(',').any(|k| k == kind))
}

/// Whether the named sabotage is switched on (never, in a normal build).
#[cfg(not(feature = "sabotage"))]
#[inline(always)]
pub fn active(_kind: &str) -> bool {
    false
}
