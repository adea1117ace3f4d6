//! Replay: what a pull does to a key's data, pure and synchronous. The
//! queued work ([`item`]), the working copy and its two modes ([`work`]),
//! the quarantine check ([`quarantine`]), and rebuilding record and data
//! from a fresh read ([`rebuild`]). No storage I/O and no session state:
//! the pull gathers decisions first and hands them in.

pub(crate) mod item;
pub(crate) mod quarantine;
pub(crate) mod rebuild;
pub(crate) mod work;
