//! Random ids for sessions (`writers` in a record) and transactions (the
//! key of a decision record), from the host's randomness so the simulation
//! stays deterministic.

use super::host::Runtime;

/// A random id of 16 hex digits per half, from the host's randomness.
pub(crate) fn random_id<R: Runtime + ?Sized>(rt: &R) -> String {
    let mut s = String::with_capacity(24);
    for _ in 0..3 {
        let part = (rt.random() * 4_294_967_296.0) as u64;
        s.push_str(&format!("{part:08x}"));
    }
    s
}
