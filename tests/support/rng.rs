//! `SimRng`: the one source of randomness in a simulation.
//!
//! A hand-written splitmix64 so that the sequence for a seed is fixed by this
//! file alone (no crate upgrade can change which interleaving a seed means).
//! splitmix64 passes BigCrush and, unlike xorshift, has no bad seeds (0 works).

/// A small seeded PRNG (splitmix64).
#[derive(Clone, Debug)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n == 0`). Uses the high half of a 128-bit
    /// product (Lemire) instead of `%`, so small `n` are not visibly biased.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`. Always consumes exactly one draw, so the
    /// stream position does not depend on the value of `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
}
