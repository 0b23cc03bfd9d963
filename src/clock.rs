//! The time commands act at: now, or the moment `$EARSHOT_NOW` names (RFC 3339), so a
//! person can ask "what would happen on Monday" and the scenario tests can move the clock
//! across processes. Leases between processes always use the wall clock, not this.

use chrono::{DateTime, TimeDelta, Utc};

/// The variable that sets the clock for one command.
pub const NOW_ENV: &str = "EARSHOT_NOW";

/// One second, for date arithmetic. These constants replace `TimeDelta::seconds(n)` and
/// friends, which panic out of range and so are disallowed (clippy.toml): a span built
/// from input uses `TimeDelta::try_*` and checked date arithmetic instead.
pub const SECOND: TimeDelta = span_secs(1);
/// One minute.
pub const MINUTE: TimeDelta = span_secs(60);
/// One hour.
pub const HOUR: TimeDelta = span_secs(3600);
/// One day (24 hours).
pub const DAY: TimeDelta = span_secs(86_400);
/// One week.
pub const WEEK: TimeDelta = span_secs(7 * 86_400);

/// For the constants above: evaluated at compile time, so it cannot panic at run time.
pub const fn span_secs(secs: i64) -> TimeDelta {
    match TimeDelta::try_seconds(secs) {
        Some(span) => span,
        None => panic!("a constant span fits a TimeDelta"),
    }
}

/// The time a command acts at.
pub fn now() -> DateTime<Utc> {
    let Ok(text) = std::env::var(NOW_ENV) else {
        return Utc::now();
    };
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(time) => time.with_timezone(&Utc),
        Err(_) => {
            tracing::warn!("${NOW_ENV} = '{text}' is not an RFC 3339 time (2026-12-01T09:00:00Z); using the real time");
            Utc::now()
        }
    }
}
