//! Capped exponential backoff for failed storage calls (docs/backend-contract.md).

/// Delays between retries: `start`, doubling, never above `cap`, with up to
/// 25% random jitter taken off so many servers do not retry in step.
#[derive(Clone, Debug)]
pub struct Backoff {
    start_ms: f64,
    cap_ms: f64,
    failures: u32,
}

impl Backoff {
    /// A backoff that has seen no failure yet.
    pub fn new(start_ms: f64, cap_ms: f64) -> Self {
        Backoff {
            start_ms,
            cap_ms,
            failures: 0,
        }
    }

    /// Records a failure and returns how long to wait before the next try.
    /// `random` is a number in `[0, 1)` from the host.
    pub fn next_delay(&mut self, random: f64) -> f64 {
        let exp = self.failures.min(30) as i32;
        self.failures = self.failures.saturating_add(1);
        let full = (self.start_ms * 2f64.powi(exp)).min(self.cap_ms);
        full * (1.0 - 0.25 * random.clamp(0.0, 1.0))
    }

    /// Records a success: the next failure starts from `start` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_start_up_to_cap_and_resets() {
        let mut b = Backoff::new(500.0, 30_000.0);
        let delays: Vec<f64> = (0..10).map(|_| b.next_delay(0.0)).collect();
        assert_eq!(&delays[..4], &[500.0, 1000.0, 2000.0, 4000.0]);
        assert_eq!(delays[9], 30_000.0);
        b.reset();
        assert_eq!(b.next_delay(0.0), 500.0);
    }

    #[test]
    fn jitter_only_shortens() {
        let mut b = Backoff::new(1000.0, 30_000.0);
        let d = b.next_delay(0.999);
        assert!(d <= 1000.0 && d > 750.0, "{d}");
    }
}
