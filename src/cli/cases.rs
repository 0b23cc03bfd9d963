//! `ack`, `promise`, `resolve`, `link`, `unlink`: staff moving a case along.

use anyhow::{bail, Result};
use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Config;
use crate::store::{CaseAction, Store};

/// Who is acting: `--by`, else the OS user, else "staff".
pub fn actor(by: Option<&str>) -> String {
    by.map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "staff".to_owned())
}

/// Apply a case action and say what happened.
pub fn apply(
    store: &mut Store,
    id: i64,
    action: CaseAction,
    note: Option<&str>,
    by: Option<&str>,
) -> Result<String> {
    let status =
        crate::pipeline::update_case(store, id, action, note, &actor(by), crate::clock::now())?;
    let due = match action {
        CaseAction::Promise { due } => format!(", due {}", due.format("%Y-%m-%d %H:%M UTC")),
        _ => String::new(),
    };
    Ok(format!("Mention #{id} is now {status}{due}.\n"))
}

/// Link or unlink a mention by hand.
pub fn link(
    store: &mut Store,
    config: &Config,
    mention: i64,
    customer: Option<i64>,
    by: Option<&str>,
) -> Result<String> {
    crate::pipeline::set_link(
        store,
        mention,
        customer,
        &actor(by),
        &config.triage,
        crate::clock::now(),
    )?;
    let detail = store.mention_detail(mention)?;
    Ok(match customer {
        Some(c) => format!(
            "Mention #{mention} is linked to customer #{c}; priority now {}.\n",
            detail.mention.priority
        ),
        None => format!(
            "Mention #{mention} is no longer linked to a customer; priority now {}.\n",
            detail.mention.priority
        ),
    })
}

/// `--due`: `2d`/`36h` from now, or a date (end of that day, UTC), or RFC 3339. A
/// duration longer than [`super::MAX_TIME_SPAN`] is an error, not a panic.
pub fn parse_due(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(23, 59, 59)
            .expect("a valid time")
            .and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let Ok(ahead) = crate::config::parse_duration(text) else {
        bail!("--due '{text}' is neither a duration (2d, 36h) nor a date (2026-11-30)");
    };
    match super::bounded_span(ahead).and_then(|ahead| now.checked_add_signed(ahead)) {
        Some(due) => Ok(due),
        None => bail!(
            "--due {text} is too far ahead; use at most {}, or a date (2026-11-30)",
            super::MAX_TIME_SPAN_TEXT
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_takes_durations_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_due("2d", now).unwrap().to_rfc3339(),
            "2026-11-25T12:00:00+00:00"
        );
        assert_eq!(
            parse_due("2026-11-30", now).unwrap().to_rfc3339(),
            "2026-11-30T23:59:59+00:00"
        );
        assert!(parse_due("soonish", now).is_err());
    }

    /// Issue 13 #8: `promise --due 300000y` panicked ("DateTime + TimeDelta overflowed").
    #[test]
    fn arithmetic_that_panics_on_input_due() {
        let now = Utc::now();
        let err = parse_due("300000y", now).unwrap_err().to_string();
        assert_eq!(
            err,
            "--due 300000y is too far ahead; use at most 100y, or a date (2026-11-30)"
        );
        assert!(parse_due("18446744073709551615s", now).is_err());
        assert!(parse_due("100y", now).is_ok());
    }
}
