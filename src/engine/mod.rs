//! The engine: lockless sessions, records, replay, migrations, transactions
//! and retry, in pure Rust.
//!
//! Architecture Invariant: nothing in this module tree knows of JavaScript or
//! WebAssembly. It is generic over [`Host`] and tested with plain `cargo test`.
//!
//! Layers, lowest first; a module uses only modules of its own or lower
//! layers, and `tests/engine_layers.rs` fails on any import cycle:
//!
//! 1. leaves: `error`, `host`, `record`, `retry`, `signal`, `timeout`,
//!    `strict`, `sabotage`, `ids`, `options`, `weak_list`, `stats`, `retired`
//! 2. `context`: what a store shares (host, options, actions, decisions,
//!    counters)
//! 3. `replay/` (pure, synchronous data work) and `decisions` (decision
//!    record I/O)
//! 4. `session`: one key's state and the game's calls
//! 5. `pull/`: the background loop and the compare-and-set attempt
//! 6. `store`, `view`, `transaction`: the public objects, and `collect`
//!    (deleting decision records once resolved everywhere, for `transaction`)

mod collect;
mod context;
mod decisions;
mod error;
mod host;
mod ids;
mod options;
mod pull;
pub mod record;
mod replay;
mod retired;
mod retry;
mod sabotage;
mod session;
mod signal;
mod stats;
mod store;
pub mod strict;
mod timeout;
mod transaction;
mod view;
mod weak_list;

pub use decisions::TRANSACTIONS_STORE;
pub use error::{Code, Error, Result};
pub use host::{
    Document, Entry, Host, HostData, LocalBoxFuture, Runtime, Storage, StorageError, StorageFuture,
    StrictFailure, Verdict,
};
pub use options::StoreOptions;
pub use retry::Backoff;
pub use session::{Callback, Session};
pub use stats::Stats;
pub use store::Store;
pub use transaction::Transaction;
pub use view::View;
