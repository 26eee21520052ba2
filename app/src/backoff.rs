//! One retry policy for every loop that waits after a failure (the relay, the processor, parked
//! events, mail and webhooks, the browser's feed socket): the wait doubles from `first` up to
//! `max`, and half of it is random, so that processes or browsers that failed together do not
//! all come back at the same moment.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self { first, max }
    }

    /// The longest wait after `failures` failures in a row (1 for the first): `first`, doubled
    /// for each failure after it, at most `max`.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }

    /// The wait after `failures` failures in a row, given a draw `random` in [0, 1): at least
    /// half the ceiling, at most all of it.
    pub fn delay_with(&self, failures: u32, random: f64) -> Duration {
        let ceiling = self.ceiling(failures);
        ceiling / 2 + ceiling.mul_f64(random.clamp(0.0, 1.0) / 2.0)
    }

    /// The wait after `failures` failures in a row, with a random draw.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_with(failures, random_unit())
    }
}

/// Failures in a row under one policy: a success starts the count again.
#[derive(Clone, Copy, Debug)]
pub struct Retries {
    pub policy: Backoff,
    failures: u32,
    total: u64,
}

impl Retries {
    pub const fn new(policy: Backoff) -> Self {
        Self {
            policy,
            failures: 0,
            total: 0,
        }
    }

    /// Counts a failure and says how long to wait before the next try.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.total += 1;
        self.policy.delay(self.failures)
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Failures ever counted.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// A number in [0, 1) from the system's randomness (uuid's v4 draws it from the OS, or from the
/// browser's crypto in wasm); 53 of the bits that are random in a v4 uuid.
pub fn random_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u64_pair().1 & ((1u64 << 53) - 1);
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: Backoff = Backoff::new(Duration::from_millis(400), Duration::from_secs(10));

    #[test]
    fn the_wait_doubles_up_to_its_cap_and_jitter_keeps_it_between_half_and_all() {
        let ms = |d: Duration| d.as_millis();
        assert_eq!(
            (1..=7).map(|n| ms(RELAY.ceiling(n))).collect::<Vec<_>>(),
            [400, 800, 1_600, 3_200, 6_400, 10_000, 10_000]
        );
        assert_eq!(RELAY.ceiling(0), RELAY.first);
        assert_eq!(RELAY.ceiling(u32::MAX), RELAY.max);
        assert_eq!(ms(RELAY.delay_with(2, 0.0)), 400);
        assert_eq!(ms(RELAY.delay_with(2, 0.5)), 600);
        assert_eq!(ms(RELAY.delay_with(2, 0.999_999)), 799);
        for failures in 1..20 {
            let delay = RELAY.delay(failures);
            let ceiling = RELAY.ceiling(failures);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} for {failures}"
            );
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| RELAY.delay(6)).collect();
        assert!(draws.len() > 1, "the waits are spread, not all the same");
    }

    #[test]
    fn a_success_starts_the_count_again() {
        let mut retries = Retries::new(RELAY);
        for _ in 0..8 {
            retries.failed();
        }
        assert!(
            retries.failed() >= Duration::from_secs(5),
            "long outages wait long"
        );
        retries.succeeded();
        assert_eq!((retries.failures(), retries.total()), (0, 9));
        assert!(
            retries.failed() <= Duration::from_millis(400),
            "the first failure after a success waits as little as the very first"
        );
    }
}
