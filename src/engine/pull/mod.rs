//! The pull: read the stored record, replay queued work on the fresh data,
//! write it back with a compare-and-set, and repeat on conflict; and the
//! session's background loop that runs pulls.
//!
//! Layered inside too: `background` (the loop) → `one_pull` (one pull and its
//! retries on conflict) → `attempt` (one get and conditional put) → `build`
//! (the record to write) → `confirm` (after a stored write), all over
//! `error`.

mod attempt;
mod background;
mod build;
mod confirm;
mod error;
mod one_pull;

pub(crate) use background::run;
