//! skilift: lockless player-data sessions.
//!
//! `engine` is pure Rust and knows nothing of JavaScript; it is generic over
//! a [`engine::Host`] that supplies documents, actions, storage and time.
#[cfg(target_arch = "wasm32")]
pub mod bindings;
pub mod engine;
