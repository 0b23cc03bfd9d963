//! The time commands act at: now, or the moment `$EARSHOT_NOW` names (RFC 3339), so a
//! person can ask "what would happen on Monday" and the scenario tests can move the clock
//! across processes. Leases between processes always use the wall clock, not this.

use chrono::{DateTime, Utc};

/// The variable that sets the clock for one command.
pub const NOW_ENV: &str = "EARSHOT_NOW";

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
