//! The engine: lockless sessions, records, replay, migrations, transactions
//! and retry, in pure Rust.
//!
//! Architecture Invariant: nothing in this module tree knows of JavaScript or
//! WebAssembly. It is generic over [`Host`] and tested with plain `cargo test`.

mod error;
mod host;
mod pull;
pub mod record;
mod resolve;
mod retry;
mod sabotage;
mod session;
mod signal;
mod store;
pub mod strict;
mod timeout;
mod transaction;
mod view;
mod work;

pub use error::{Code, Error, Result};
pub use host::{
    Document, Entry, Host, LocalBoxFuture, Runtime, Storage, StorageError, StorageFuture,
};
pub use retry::Backoff;
pub use session::{Callback, Session};
pub use store::{Store, StoreOptions, TRANSACTIONS_STORE};
pub use transaction::Transaction;
pub use view::View;
