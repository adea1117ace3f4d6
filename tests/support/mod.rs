//! Deterministic simulation support for integration tests (`mod support;`).
//!
//! Everything here is single-threaded and driven by one seeded RNG, so a
//! failing seed replays exactly: the executor picks every interleaving,
//! storage draws every fault, and time only moves when nothing can run.
//!
//! - [`rng`]: the seeded PRNG everything draws from.
//! - [`executor`]: tasks, owners (simulated servers), virtual time.
//! - [`runtime`]: the engine's `Runtime` for one simulated server.
//! - [`storage`]: an in-memory versioned backend with injected faults.
//! - [`json_host`]: a `Host` whose documents are `serde_json::Value`s.
//! - [`world`]: servers and stores on one simulated backend, for tests.

// Each test binary uses a different part of this tree.
#![allow(dead_code)]

pub mod executor;
pub mod json_host;
pub mod rng;
pub mod runtime;
pub mod storage;
pub mod world;
