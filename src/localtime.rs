//! Times as a person reads and types them: in the business's time zone (`[business]
//! timezone`, an IANA name; default the machine's zone), with daylight saving done by the
//! time-zone database. Stored times, JSON, CSV and email headers stay UTC: they are for
//! programs. Everything a person reads goes through [`short`] / [`short_zoned`], everything
//! a person types through [`Zone::parse_local`], so there is one place that knows the zone.
//!
//! The zone is `jiff`'s (the system's tz database, or the bundled copy when the machine
//! has none); the rest of Earshot keeps `chrono`'s UTC times and only crosses over here.

use std::sync::RwLock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use jiff::civil;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// Where a person finds the zone names.
pub const ZONE_LIST_URL: &str = "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones";

/// A named time zone.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: TimeZone,
    name: String,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            name: "UTC".into(),
        }
    }

    /// The zone with this IANA name (`Europe/London`), or a message saying how to name one.
    pub fn named(name: &str) -> Result<Zone, String> {
        let name = name.trim();
        // The database answers "Etc/Unknown" with a zone that means "no idea".
        let looks_like_a_name = !name.is_empty() && !name.eq_ignore_ascii_case("Etc/Unknown");
        match TimeZone::get(name) {
            Ok(tz) if looks_like_a_name => Ok(Zone {
                tz,
                name: name.to_owned(),
            }),
            _ => Err(format!(
                "'{name}' is not a time zone name: use an IANA name like Europe/London; see {ZONE_LIST_URL}"
            )),
        }
    }

    /// The machine's own zone; UTC (with a log line) when it cannot be found.
    pub fn system() -> Zone {
        match TimeZone::try_system() {
            Ok(tz) => {
                let name = tz.iana_name().unwrap_or("the machine's zone").to_owned();
                Zone { tz, name }
            }
            Err(e) => {
                tracing::warn!(
                    "cannot tell this machine's time zone ({e}); showing times in UTC. \
                     Set [business] timezone = \"Europe/London\" (your zone) in the config"
                );
                Zone::utc()
            }
        }
    }

    /// The zone's name as configured (or found on the machine).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Mon 30 Nov 14:05`: the year only when it is not `now`'s, the zone abbreviation
    /// only when that wall-clock time happens twice (the hour the clocks go back).
    pub fn short_at(&self, time: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let zoned = self.zoned(time);
        let same_year = zoned.year() == self.zoned(now).year();
        let format = match (same_year, self.is_ambiguous(&zoned)) {
            (true, false) => "%a %-d %b %H:%M",
            (true, true) => "%a %-d %b %H:%M %Z",
            (false, false) => "%a %-d %b %Y %H:%M",
            (false, true) => "%a %-d %b %Y %H:%M %Z",
        };
        zoned.strftime(format).to_string()
    }

    /// [`Zone::short_at`] with the zone abbreviation always (`Mon 30 Nov 14:05 GMT`), for
    /// a time that stands alone (a due date, an email's "Published").
    pub fn short_zoned_at(&self, time: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let short = self.short_at(time, now);
        if self.is_ambiguous(&self.zoned(time)) {
            return short;
        }
        format!("{short} {}", self.zoned(time).strftime("%Z"))
    }

    /// The local calendar date of `time`.
    pub fn date_of(&self, time: DateTime<Utc>) -> NaiveDate {
        let date = self.zoned(time).date();
        NaiveDate::from_ymd_opt(
            date.year().into(),
            u32::try_from(date.month()).unwrap_or(1),
            u32::try_from(date.day()).unwrap_or(1),
        )
        .unwrap_or_default()
    }

    /// The local time of day of `time`.
    pub fn time_of(&self, time: DateTime<Utc>) -> NaiveTime {
        let t = self.zoned(time).time();
        let part = |v: i8| u32::try_from(v).unwrap_or(0);
        NaiveTime::from_hms_opt(part(t.hour()), part(t.minute()), part(t.second()))
            .unwrap_or_default()
    }

    /// The instant a local wall-clock time names. A time the clocks skip (the hour they go
    /// forward) is read as the same span after the jump (01:30 → 02:30 summer time); a
    /// time that happens twice (the hour they go back) as its first occurrence. None only
    /// beyond the dates the zone database covers.
    pub fn instant(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let civil = civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(local.month()).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            0,
        )
        .ok()?;
        let stamp = self.tz.to_ambiguous_timestamp(civil).compatible().ok()?;
        DateTime::from_timestamp(stamp.as_second(), 0)
    }

    /// The first instant of a local day (midnight, or the end of a gap at midnight).
    pub fn start_of_day(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.instant(date.and_time(NaiveTime::MIN))
    }

    /// A date or a date and time a person typed, in this zone: `2026-12-03` (the start of
    /// that day), `2026-12-03 17:00` or `2026-12-03T17:00`. RFC 3339 with an offset
    /// (`2026-12-03T17:00:00Z`) means what it says. None when it is none of these.
    pub fn parse_local(&self, text: &str) -> Option<Typed> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Typed::Date(date));
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Some(Typed::Instant(time.with_timezone(&Utc)));
        }
        [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|local| self.instant(local))
        .map(Typed::Instant)
    }

    fn zoned(&self, time: DateTime<Utc>) -> jiff::ZonedDateTime {
        let stamp = jiff::Timestamp::new(
            time.timestamp(),
            i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
        )
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        stamp.to_zoned_datetime(self.tz.clone())
    }

    /// Does this wall-clock reading also name another instant (the hour the clocks go back)?
    fn is_ambiguous(&self, zoned: &jiff::ZonedDateTime) -> bool {
        matches!(
            self.tz.to_ambiguous_timestamp(zoned.datetime()).offset(),
            AmbiguousOffset::Fold { .. }
        )
    }
}

/// What [`Zone::parse_local`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// A calendar day; the caller decides whether it means its start or its end.
    Date(NaiveDate),
    /// A moment.
    Instant(DateTime<Utc>),
}

/// The zone times are shown in, set once the config is loaded ([`install`]); UTC until then.
static SHOWN_IN: RwLock<Option<Zone>> = RwLock::new(None);

/// Show times in `zone` from now on (called where a program loads its config).
pub fn install(zone: &Zone) {
    if let Ok(mut shown) = SHOWN_IN.write() {
        *shown = Some(zone.clone());
    }
}

#[cfg(test)]
thread_local! {
    /// A test's own zone and "now" (see [`pinned`]), so golden output does not depend on
    /// the machine, the year, or another test's config.
    static PINNED: std::cell::RefCell<Option<(Zone, DateTime<Utc>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Run `f` with times shown in `zone` as seen at `now`, on this thread (tests only).
#[cfg(test)]
pub fn pinned<T>(zone: Zone, now: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
    PINNED.with(|p| *p.borrow_mut() = Some((zone, now)));
    let out = f();
    PINNED.with(|p| *p.borrow_mut() = None);
    out
}

fn view() -> (Zone, DateTime<Utc>) {
    #[cfg(test)]
    if let Some(pinned) = PINNED.with(|p| p.borrow().clone()) {
        return pinned;
    }
    (zone(), crate::clock::now())
}

/// The zone times are shown in.
pub fn zone() -> Zone {
    SHOWN_IN
        .read()
        .ok()
        .and_then(|z| z.clone())
        .unwrap_or_else(Zone::utc)
}

/// `time` for a person, in the shown zone: `Mon 30 Nov 14:05`.
pub fn short(time: DateTime<Utc>) -> String {
    let (zone, now) = view();
    zone.short_at(time, now)
}

/// `time` for a person with its zone: `Mon 30 Nov 14:05 GMT`.
pub fn short_zoned(time: DateTime<Utc>) -> String {
    let (zone, now) = view();
    zone.short_zoned_at(time, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    fn london() -> Zone {
        Zone::named("Europe/London").unwrap()
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn times_read_in_the_zone_either_side_of_a_dst_change() {
        let zone = london();
        let now = at("2026-11-30T12:00:00Z");
        // Summer: one hour ahead of UTC. Winter: UTC.
        assert_eq!(
            zone.short_at(at("2026-10-24T13:05:00Z"), now),
            "Sat 24 Oct 14:05"
        );
        assert_eq!(
            zone.short_at(at("2026-10-26T13:05:00Z"), now),
            "Mon 26 Oct 13:05"
        );
        assert_eq!(
            zone.short_zoned_at(at("2026-07-01T08:00:00Z"), now),
            "Wed 1 Jul 09:00 BST"
        );
        assert_eq!(
            zone.short_zoned_at(at("2026-11-30T14:05:00Z"), now),
            "Mon 30 Nov 14:05 GMT"
        );
        let new_york = Zone::named("America/New_York").unwrap();
        assert_eq!(
            new_york.short_at(at("2026-11-30T14:05:00Z"), now),
            "Mon 30 Nov 09:05"
        );
    }

    #[test]
    fn another_year_is_named_and_a_doubled_hour_says_which() {
        let zone = london();
        let now = at("2026-11-30T12:00:00Z");
        assert_eq!(
            zone.short_at(at("2025-12-01T09:00:00Z"), now),
            "Mon 1 Dec 2025 09:00"
        );
        // 25 Oct 2026: 01:30 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT).
        assert_eq!(
            zone.short_at(at("2026-10-25T00:30:00Z"), now),
            "Sun 25 Oct 01:30 BST"
        );
        assert_eq!(
            zone.short_at(at("2026-10-25T01:30:00Z"), now),
            "Sun 25 Oct 01:30 GMT"
        );
        assert_eq!(
            zone.short_zoned_at(at("2026-10-25T01:30:00Z"), now),
            "Sun 25 Oct 01:30 GMT"
        );
    }

    #[test]
    fn typed_times_in_a_gap_move_forward_and_in_a_fold_take_the_first() {
        let zone = london();
        // 29 Mar 2026: clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist.
        assert_eq!(
            zone.instant(local("2026-03-29 01:30")),
            Some(at("2026-03-29T01:30:00Z"))
        );
        assert_eq!(
            zone.instant(local("2026-03-29 02:30")),
            Some(at("2026-03-29T01:30:00Z"))
        );
        // 25 Oct 2026: 01:30 happens twice; the first is in summer time.
        assert_eq!(
            zone.instant(local("2026-10-25 01:30")),
            Some(at("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            zone.instant(local("2026-07-01 09:00")),
            Some(at("2026-07-01T08:00:00Z"))
        );
    }

    #[test]
    fn typed_dates_and_times_are_local_unless_they_carry_an_offset() {
        let zone = london();
        assert_eq!(
            zone.parse_local("2026-07-01"),
            Some(Typed::Date(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()))
        );
        assert_eq!(
            zone.parse_local("2026-07-01 17:00"),
            Some(Typed::Instant(at("2026-07-01T16:00:00Z")))
        );
        assert_eq!(
            zone.parse_local("2026-12-03T17:00"),
            Some(Typed::Instant(at("2026-12-03T17:00:00Z")))
        );
        assert_eq!(
            zone.parse_local("2026-07-01T17:00:00Z"),
            Some(Typed::Instant(at("2026-07-01T17:00:00Z")))
        );
        assert_eq!(zone.parse_local("2d"), None);
        assert_eq!(
            zone.start_of_day(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()),
            Some(at("2026-06-30T23:00:00Z"))
        );
        assert_eq!(
            zone.date_of(at("2026-06-30T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
    }

    #[test]
    fn unknown_zone_names_say_what_to_write() {
        for bad in ["Europe/Lundon", "", "Etc/Unknown", "London"] {
            let err = Zone::named(bad).unwrap_err();
            assert!(err.contains("use an IANA name like Europe/London"), "{err}");
            assert!(err.contains(ZONE_LIST_URL), "{err}");
        }
        assert_eq!(Zone::named(" Asia/Tokyo ").unwrap().name(), "Asia/Tokyo");
        assert_eq!(Zone::named("UTC").unwrap().name(), "UTC");
    }
}
