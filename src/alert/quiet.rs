//! Quiet hours (`[alerts] quiet = "22:00-07:00"`, local time in the business's zone): the
//! hours in which an email that can wait does wait, in the outbox, until they end.
//!
//! What waits: alerts about high (or lower) mentions, and the escalations and reminders of
//! such cases. What does not: anything urgent (an urgent alert, "became urgent", the
//! escalation or reminder of an urgent case), the digest (it goes at the time the owner
//! chose), source down/back emails and flood summaries (which only fold alerts sent
//! outside quiet hours).

use chrono::{DateTime, NaiveTime, Utc};

use crate::localtime::Zone;
use crate::model::{OutboxKind, Priority};

/// A daily range of local time; it may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When they begin.
    pub start: NaiveTime,
    /// When they end (exclusive).
    pub end: NaiveTime,
}

impl QuietHours {
    /// Parse `HH:MM-HH:MM` (24-hour clock).
    pub fn parse(text: &str) -> Result<QuietHours, String> {
        let bad = || {
            format!(
                "'{text}' is not a range of hours: write it like \"22:00-07:00\" \
                 (from-to, local time, 24-hour clock; it may cross midnight)"
            )
        };
        let (start, end) = text.split_once('-').ok_or_else(bad)?;
        let time = |part: &str| NaiveTime::parse_from_str(part.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (time(start)?, time(end)?);
        if start == end {
            return Err(format!(
                "'{text}' starts and ends at the same time, so it would hold alerts all day or \
                 never: write the hours alerts should wait, like \"22:00-07:00\""
            ));
        }
        Ok(QuietHours { start, end })
    }

    /// When the quiet hours that `now` falls in end; None when `now` is not quiet.
    pub fn end_after(&self, now: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
        let (date, time) = (zone.date_of(now), zone.time_of(now));
        let crosses_midnight = self.start > self.end;
        let quiet = if crosses_midnight {
            time >= self.start || time < self.end
        } else {
            self.start <= time && time < self.end
        };
        if !quiet {
            return None;
        }
        let end_date = if crosses_midnight && time >= self.start {
            date.succ_opt()?
        } else {
            date
        };
        zone.instant(end_date.and_time(self.end))
            .filter(|end| *end > now)
    }
}

/// Does an email of this kind, about a mention at this priority, wait out quiet hours?
pub fn may_wait(kind: OutboxKind, priority: Option<Priority>) -> bool {
    let urgent = priority == Some(Priority::Urgent);
    match kind {
        OutboxKind::Alert
        | OutboxKind::Escalation
        | OutboxKind::Reminder
        | OutboxKind::Overdue
        | OutboxKind::Assigned => !urgent,
        // The nightly backup fails at night: the owner can fix it in the morning.
        OutboxKind::BackupFailed => true,
        OutboxKind::BecameUrgent
        | OutboxKind::Digest
        | OutboxKind::Flood
        | OutboxKind::SourceDown
        | OutboxKind::SourceUp
        // Someone is waiting at the sign-in page for it.
        | OutboxKind::SignIn => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    fn london() -> Zone {
        Zone::named("Europe/London").unwrap()
    }

    #[test]
    fn a_range_across_midnight_ends_the_next_morning() {
        let quiet = QuietHours::parse("22:00-07:00").unwrap();
        let zone = london();
        // Winter: London is on UTC.
        assert_eq!(
            quiet.end_after(at("2026-11-30T23:10:00Z"), &zone),
            Some(at("2026-12-01T07:00:00Z"))
        );
        assert_eq!(
            quiet.end_after(at("2026-12-01T03:00:00Z"), &zone),
            Some(at("2026-12-01T07:00:00Z"))
        );
        assert_eq!(quiet.end_after(at("2026-12-01T07:00:00Z"), &zone), None);
        assert_eq!(quiet.end_after(at("2026-11-30T21:59:00Z"), &zone), None);
        // Summer: 22:00 BST is 21:00 UTC, and the hours end at 07:00 BST = 06:00 UTC.
        assert_eq!(
            quiet.end_after(at("2026-07-01T21:30:00Z"), &zone),
            Some(at("2026-07-02T06:00:00Z"))
        );
    }

    #[test]
    fn quiet_hours_over_a_dst_change_end_at_the_local_time() {
        let quiet = QuietHours::parse("22:00-07:00").unwrap();
        let zone = london();
        // The night the clocks go back (25 Oct 2026): 07:00 GMT is 07:00 UTC.
        assert_eq!(
            quiet.end_after(at("2026-10-24T22:00:00Z"), &zone),
            Some(at("2026-10-25T07:00:00Z"))
        );
        // The night they go forward (29 Mar 2026): 07:00 BST is 06:00 UTC.
        assert_eq!(
            quiet.end_after(at("2026-03-28T23:00:00Z"), &zone),
            Some(at("2026-03-29T06:00:00Z"))
        );
    }

    #[test]
    fn a_range_within_one_day() {
        let quiet = QuietHours::parse("13:00-14:30").unwrap();
        let utc = Zone::utc();
        assert_eq!(
            quiet.end_after(at("2026-11-30T13:59:00Z"), &utc),
            Some(at("2026-11-30T14:30:00Z"))
        );
        assert_eq!(quiet.end_after(at("2026-11-30T12:59:00Z"), &utc), None);
        assert_eq!(quiet.end_after(at("2026-11-30T23:00:00Z"), &utc), None);
    }

    #[test]
    fn bad_ranges_say_how_to_write_one() {
        for bad in ["22-07", "22:00", "22:00-7", "25:00-07:00", "evenings"] {
            let err = QuietHours::parse(bad).unwrap_err();
            assert!(err.contains("\"22:00-07:00\""), "{bad}: {err}");
        }
        let err = QuietHours::parse("07:00-07:00").unwrap_err();
        assert!(err.contains("same time"), "{err}");
        assert_eq!(
            QuietHours::parse(" 22:30 - 06:15 ").unwrap(),
            QuietHours {
                start: NaiveTime::from_hms_opt(22, 30, 0).unwrap(),
                end: NaiveTime::from_hms_opt(6, 15, 0).unwrap(),
            }
        );
    }

    #[test]
    fn only_what_is_not_urgent_waits() {
        use OutboxKind::*;
        assert!(may_wait(Alert, Some(Priority::High)));
        assert!(!may_wait(Alert, Some(Priority::Urgent)));
        assert!(!may_wait(BecameUrgent, Some(Priority::Urgent)));
        assert!(may_wait(Reminder, Some(Priority::Normal)));
        assert!(!may_wait(Escalation, Some(Priority::Urgent)));
        assert!(!may_wait(SourceDown, None));
        assert!(!may_wait(Digest, None));
        assert!(
            may_wait(BackupFailed, None),
            "a failed nightly backup waits for the morning"
        );
    }
}
