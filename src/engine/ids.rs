//! Random ids for sessions (`writers` in a record) and transactions (the
//! key of a decision record), from the host's randomness so the simulation
//! stays deterministic.

use super::host::Runtime;

/// A random id of 16 hex digits per half, from the host's randomness.
pub(crate) fn random_id<R: Runtime + ?Sized>(rt: &R) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(24);
    for _ in 0..3 {
        // `{part:08x}`, without the formatting machinery and its String per
        // part: a session id is made for every load and every update.
        let part = (rt.random() * 4_294_967_296.0) as u64 & 0xffff_ffff;
        for shift in (0..8).rev() {
            s.push(char::from(HEX[((part >> (shift * 4)) & 0xf) as usize]));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::random_id;
    use crate::engine::host::{LocalBoxFuture, Runtime};
    use std::cell::Cell;

    struct Fixed(Cell<usize>, Vec<f64>);

    impl Runtime for Fixed {
        fn now_ms(&self) -> f64 {
            0.0
        }
        fn sleep(&self, _ms: f64) -> LocalBoxFuture<'static, ()> {
            Box::pin(std::future::ready(()))
        }
        fn spawn(&self, _task: LocalBoxFuture<'static, ()>) {}
        fn random(&self) -> f64 {
            let i = self.0.get();
            self.0.set(i + 1);
            self.1[i % self.1.len()]
        }
    }

    #[test]
    fn ids_are_the_hex_digits_format_wrote() {
        let draws = vec![
            0.0,
            0.5,
            0.999_999_999_9,
            1.0 / 3.0,
            0.000_001,
            0.123_456_789,
        ];
        let rt = Fixed(Cell::new(0), draws.clone());
        for round in 0..2 {
            let want: String = (0..3)
                .map(|k| {
                    let part = (draws[(round * 3 + k) % draws.len()] * 4_294_967_296.0) as u64;
                    format!("{part:08x}")
                })
                .collect();
            assert_eq!(random_id(&rt), want);
        }
    }
}
