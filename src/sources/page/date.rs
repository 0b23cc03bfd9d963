//! Dates as review pages print them: machine formats, English wordings,
//! Unix timestamps, relative phrases ("3 days ago") and dates inside a
//! longer text.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};

/// Longest text `parse_date` looks at; dates are short, page text is not.
const MAX_DATE_CHARS: usize = 200;

/// Most words a date can span ("Mon, 02 Nov 2026 14:30:00 +0000").
const MAX_DATE_WORDS: usize = 6;

/// Dates: RFC 3339, RFC 2822, "2026-11-02", "2026-11-02 14:30", "November 2,
/// 2026", "2 Nov 2026", "Nov 2, 2026", "11/02/2026" (month first unless the
/// first number is over 12), Unix seconds, "3 days ago"/"yesterday" (from
/// now), also inside a longer text ("Reviewed on 2 Nov 2026"). Times without a
/// zone are UTC; date-only is midnight UTC. `None` when not understood.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    parse_date_at(s, Utc::now())
}

fn parse_date_at(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_DATE_CHARS {
        return None;
    }
    parse_exact_date(s)
        .or_else(|| parse_timestamp(s))
        .or_else(|| parse_relative_date(s, now))
        .or_else(|| parse_date_inside(s))
}

/// The whole of `s` is one date in a known format.
fn parse_exact_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().trim_end_matches(['.', ',', ';', '·']).trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    const ZONED: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M%z",
    ];
    if let Some(d) = ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(d.with_timezone(&Utc));
    }
    let s = normalise_date_words(s);
    let naive = s.trim_end_matches(['Z', 'z']);
    const LOCAL: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ];
    if let Some(d) = LOCAL
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
    {
        return Some(Utc.from_utc_datetime(&d));
    }
    parse_naive_date(&s)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
}

/// Commas dropped, ordinals ("2nd") and "Sept" made plain, whitespace folded.
fn normalise_date_words(s: &str) -> String {
    s.replace(',', " ")
        .split_whitespace()
        .map(|w| {
            let w = w.trim_end_matches('.');
            let digits = w.chars().take_while(char::is_ascii_digit).count();
            let suffix = w[digits..].to_ascii_lowercase();
            if digits > 0 && matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
                w[..digits].to_string()
            } else if w.eq_ignore_ascii_case("sept") {
                "Sep".to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_naive_date(s: &str) -> Option<NaiveDate> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%d.%m.%Y",
        "%B %d %Y",
        "%d %B %Y",
        "%A %B %d %Y",
        "%A %d %B %Y",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| parse_slashed_date(s))
}

/// "11/02/2026": month first (US), unless the first number cannot be a month.
fn parse_slashed_date(s: &str) -> Option<NaiveDate> {
    let parts: Vec<u32> = s
        .split('/')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, year] = parts[..] else { return None };
    if year < 1000 {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    if a > 12 {
        NaiveDate::from_ymd_opt(year, b, a)
    } else {
        NaiveDate::from_ymd_opt(year, a, b)
    }
}

/// Unix seconds (10 digits) or milliseconds (13 digits), as `data-timestamp` carries.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    match s.len() {
        9 | 10 => DateTime::from_timestamp(n, 0),
        13 => DateTime::from_timestamp_millis(n),
        _ => None,
    }
}

/// "3 days ago", "an hour ago", "yesterday", "today", counted back from
/// `now` and cut to the unit, so a re-fetch the same day gives the same date.
/// A span further back than a date can reach ("300000 years ago") is no date.
fn parse_relative_date(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let day_start = |d: DateTime<Utc>| {
        d.date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| Utc.from_utc_datetime(&d))
    };
    if words.contains(&"yesterday") {
        return now
            .checked_sub_signed(crate::clock::DAY)
            .and_then(day_start);
    }
    if words.contains(&"today") {
        return day_start(now);
    }
    let ago = words.iter().position(|w| *w == "ago")?;
    let (amount, unit) = match ago {
        0 | 1 => return None,
        i => (words[i - 2], words[i - 1].trim_end_matches('s')),
    };
    let n: i64 = match amount {
        "a" | "an" | "one" => 1,
        other => other.parse().ok()?,
    };
    let (back, to_the_day) = match unit {
        "second" | "sec" => (TimeDelta::try_seconds(n), false),
        "minute" | "min" => (TimeDelta::try_minutes(n), false),
        "hour" | "hr" => (TimeDelta::try_hours(n), false),
        "day" => (TimeDelta::try_days(n), true),
        "week" => (TimeDelta::try_weeks(n), true),
        "month" => (n.checked_mul(30).and_then(TimeDelta::try_days), true),
        "year" => (n.checked_mul(365).and_then(TimeDelta::try_days), true),
        _ => return None,
    };
    let at = now.checked_sub_signed(back?)?;
    if to_the_day {
        day_start(at)
    } else {
        Some(at)
    }
}

/// A date somewhere inside a longer text: the longest run of words that parses.
fn parse_date_inside(s: &str) -> Option<DateTime<Utc>> {
    let words: Vec<&str> = s.split_whitespace().collect();
    (1..=MAX_DATE_WORDS.min(words.len())).rev().find_map(|len| {
        words
            .windows(len)
            .find_map(|w| parse_exact_date(&w.join(" ")))
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::date;
    use super::*;

    #[test]
    fn dates_in_many_formats() {
        let midnight = date("2026-11-02T00:00:00Z");
        let cases = [
            (
                "2026-11-02T14:30:00+01:00",
                Some(date("2026-11-02T13:30:00Z")),
            ),
            (
                "Mon, 02 Nov 2026 14:30:00 +0000",
                Some(date("2026-11-02T14:30:00Z")),
            ),
            ("2026-11-02", Some(midnight)),
            ("2026-11-02 14:30", Some(date("2026-11-02T14:30:00Z"))),
            ("2026-11-02T14:30:00", Some(date("2026-11-02T14:30:00Z"))),
            ("November 2, 2026", Some(midnight)),
            ("2 Nov 2026", Some(midnight)),
            ("Nov 2, 2026", Some(midnight)),
            ("Nov. 2nd, 2026", Some(midnight)),
            ("Sept 3, 2026", Some(date("2026-09-03T00:00:00Z"))),
            ("11/02/2026", Some(midnight)),
            ("25/11/2026", Some(date("2026-11-25T00:00:00Z"))),
            ("Reviewed on 2 November 2026 · edited", Some(midnight)),
            ("1793620800", Some(date("2026-11-02T12:00:00Z"))),
            (
                "2026-11-02T14:30:00.000+0000",
                Some(date("2026-11-02T14:30:00Z")),
            ),
            ("2026-11-02T14:30Z", Some(date("2026-11-02T14:30:00Z"))),
            ("Monday, November 2, 2026", Some(midnight)),
            ("02.11.2026", Some(midnight)),
            ("not a date", None),
            ("2026", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), want, "{text:?}");
        }
    }

    #[test]
    fn relative_dates_count_back_from_now() {
        let now = date("2026-11-23T12:55:00Z");
        let at = |s| parse_date_at(s, now);
        assert_eq!(at("3 days ago"), Some(date("2026-11-20T00:00:00Z")));
        assert_eq!(at("a week ago"), Some(date("2026-11-16T00:00:00Z")));
        assert_eq!(at("Posted yesterday"), Some(date("2026-11-22T00:00:00Z")));
        assert_eq!(at("2 hours ago"), Some(date("2026-11-23T10:55:00Z")));
        assert_eq!(at("5 mins ago"), Some(date("2026-11-23T12:50:00Z")));
        assert_eq!(at("ago"), None);
    }

    /// Issue 13 #8: page text reached `TimeDelta::days` and date subtraction unchecked.
    #[test]
    fn arithmetic_that_panics_on_input_relative_dates() {
        let now = date("2026-11-23T12:55:00Z");
        for text in [
            "300000 years ago",
            "99999999999999999 years ago",
            "9223372036854775807 seconds ago",
            "9223372036854775807 months ago",
            "999999999999 weeks ago",
        ] {
            assert_eq!(parse_date_at(text, now), None, "{text}");
        }
    }
}
