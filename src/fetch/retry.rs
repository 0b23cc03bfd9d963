//! The one retry rule across cycles: exponential backoff with jitter for a failing source,
//! and the server's own `Retry-After` when it sends one.
//!
//! Nothing here sleeps: the poller turns these durations into a stored `next_due_at`.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Longest wait between attempts at a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Longest `Retry-After` honoured (a server asking for a week is asking too much).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Share of a successful source's interval that jitter may take off.
pub const INTERVAL_JITTER: f64 = 0.1;
/// Share of a failing source's backoff that jitter may take off.
pub const BACKOFF_JITTER: f64 = 0.25;

/// interval × 2^(failures-1), capped at [`MAX_BACKOFF`] (never below the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

/// `wait` shortened by a random share of at most `spread`, so sources that started together
/// drift apart instead of hitting a host in lock-step.
pub fn jittered(wait: Duration, spread: f64) -> Duration {
    let cut = spread.clamp(0.0, 1.0) * fastrand::f64();
    Duration::try_from_secs_f64(wait.as_secs_f64() * (1.0 - cut)).unwrap_or(wait)
}

/// A `Retry-After` value: delay-seconds or an HTTP date, as a wait from `now` (capped at
/// [`MAX_RETRY_AFTER`]). A date in the past means "now"; garbage means no advice.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is still "a very long time".
        value.parse().map_or(MAX_RETRY_AFTER, Duration::from_secs)
    } else {
        let at = DateTime::parse_from_rfc2822(value)
            .ok()?
            .with_timezone(&Utc);
        // Two dates chrono can hold are always a representable span apart.
        at.signed_duration_since(now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let m15 = Duration::from_secs(900);
        assert_eq!(backoff(m15, 1), m15);
        assert_eq!(backoff(m15, 2), m15 * 2);
        assert_eq!(backoff(m15, 3), m15 * 4);
        assert_eq!(backoff(m15, 40), MAX_BACKOFF);
        let daily = Duration::from_secs(86_400);
        assert_eq!(backoff(daily, 5), daily);
    }

    #[test]
    fn jitter_only_shortens_and_stays_within_its_share() {
        let hour = Duration::from_secs(3600);
        for _ in 0..200 {
            let j = jittered(hour, BACKOFF_JITTER);
            assert!(j <= hour && j >= hour * 3 / 4, "{j:?}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 12:05:00 GMT", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("9999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    /// Issue 13 #8: a server's `Retry-After` is input; no value of it panics.
    #[test]
    fn arithmetic_that_panics_on_input_retry_after() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let huge = u64::MAX.to_string();
        assert_eq!(parse_retry_after(&huge, now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Mon, 01 Jan 0001 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        assert!(jittered(Duration::MAX, 1.0) > Duration::ZERO);
    }
}
