//! Reconnect backoff: the Fibonacci sequence WhatsApp Web uses (1 s, 1 s, 2 s, 3 s,
//! 5 s, 8 s, ...), capped at 15 minutes, with ±10 % jitter.

use std::time::Duration;

/// Upper bound of one backoff delay (15 minutes).
pub const MAX_BACKOFF: Duration = Duration::from_secs(900);

/// Relative jitter applied to each delay (±10 %).
pub const BACKOFF_JITTER: f64 = 0.10;

/// Steps added to the failure counter by a 429 (rate-limited) stream error.
pub const RATE_LIMIT_BACKOFF_STEPS: u32 = 5;

/// Steps added by [`Client::reconnect`](crate::Client::reconnect) for its deliberate
/// ~5 s offline window.
pub const RECONNECT_BACKOFF_STEP: u32 = 4;

/// The `n`-th Fibonacci number with F(1) = F(2) = 1 (F(0) = 0), saturating.
pub fn fibonacci(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    // F(94) no longer fits in u64: past that the value stays saturated.
    for _ in 0..n.min(100) {
        let next = a.saturating_add(b);
        a = b;
        b = next;
    }
    a
}

/// The un-jittered delay after `attempt` consecutive failures (attempt 1 -> 1 unit),
/// in multiples of `unit` (one second in production), capped at `max`.
pub fn base_delay(attempt: u32, unit: Duration, max: Duration) -> Duration {
    let steps = fibonacci(attempt.max(1));
    let steps = u32::try_from(steps).unwrap_or(u32::MAX);
    unit.checked_mul(steps).unwrap_or(max).min(max)
}

/// [`base_delay`] with ±[`BACKOFF_JITTER`] applied; `jitter` is a sample in `[-1, 1]`.
pub fn jittered_delay(attempt: u32, unit: Duration, max: Duration, jitter: f64) -> Duration {
    let base = base_delay(attempt, unit, max).as_secs_f64();
    let factor = 1.0 + BACKOFF_JITTER * jitter.clamp(-1.0, 1.0);
    Duration::from_secs_f64((base * factor).max(0.0))
}

/// [`jittered_delay`] with a random jitter sample.
pub fn random_delay(attempt: u32, unit: Duration, max: Duration) -> Duration {
    let sample: f64 = rand::random::<f64>() * 2.0 - 1.0;
    jittered_delay(attempt, unit, max, sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn follows_fibonacci_in_seconds() {
        let secs: Vec<u64> = (1..=12)
            .map(|n| base_delay(n, S, MAX_BACKOFF).as_secs())
            .collect();
        assert_eq!(secs, vec![1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
        // attempt 0 is treated as the first attempt
        assert_eq!(base_delay(0, S, MAX_BACKOFF), S);
    }

    #[test]
    fn caps_at_fifteen_minutes_without_overflow() {
        assert_eq!(base_delay(15, S, MAX_BACKOFF).as_secs(), 610);
        assert_eq!(base_delay(16, S, MAX_BACKOFF), MAX_BACKOFF);
        assert_eq!(base_delay(200, S, MAX_BACKOFF), MAX_BACKOFF);
        assert_eq!(base_delay(u32::MAX, S, MAX_BACKOFF), MAX_BACKOFF);
        assert_eq!(fibonacci(93), 12_200_160_415_121_876_738);
        assert_eq!(fibonacci(94), u64::MAX);
        assert_eq!(fibonacci(u32::MAX), u64::MAX);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for n in 1..30 {
            let base = base_delay(n, S, MAX_BACKOFF).as_secs_f64();
            for _ in 0..50 {
                let d = random_delay(n, S, MAX_BACKOFF).as_secs_f64();
                assert!(
                    d >= base * 0.9 - 1e-9 && d <= base * 1.1 + 1e-9,
                    "{n}: {d} vs {base}"
                );
            }
        }
        assert_eq!(jittered_delay(5, S, MAX_BACKOFF, 1.0).as_secs_f64(), 5.5);
        assert_eq!(jittered_delay(5, S, MAX_BACKOFF, -1.0).as_secs_f64(), 4.5);
        assert_eq!(jittered_delay(5, S, MAX_BACKOFF, 7.0).as_secs_f64(), 5.5);
    }

    #[test]
    fn rate_limit_and_reconnect_add_steps() {
        // The run loop waits fib(counter + 1) where counter counts failures so far.
        // A 429 on a fresh connection: counter 0 + 5 extra steps -> fib(6) = 8 s instead of 1 s.
        assert_eq!(
            base_delay(RATE_LIMIT_BACKOFF_STEPS + 1, S, MAX_BACKOFF).as_secs(),
            8
        );
        // reconnect(): counter + 4 -> fib(5) = 5 s offline window.
        assert_eq!(
            base_delay(RECONNECT_BACKOFF_STEP + 1, S, MAX_BACKOFF).as_secs(),
            5
        );
    }

    #[test]
    fn unit_scales_delays_for_tests() {
        let ms = Duration::from_millis(10);
        assert_eq!(base_delay(7, ms, MAX_BACKOFF), Duration::from_millis(130));
    }
}
