//! The digest: when it is due ("daily 08:00") and what it says. Pure: the store hands in
//! a [`DigestData`].

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::compose::{author, one_liner, short, Email};
use super::doc::{clip, Doc};
use crate::casework::plural;
use crate::localtime::Zone;
use crate::model::{Label, Mention};
use crate::store::DigestData;

/// When the digest goes out: every day at a local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSchedule {
    /// Time of day, in the business's time zone.
    pub at: NaiveTime,
}

impl DigestSchedule {
    /// Parse `daily HH:MM`.
    pub fn parse(text: &str) -> Result<DigestSchedule, String> {
        let bad = || format!("'{text}' is not a digest schedule: write it like \"daily 08:00\"");
        let rest = text.trim().strip_prefix("daily").ok_or_else(bad)?.trim();
        let at = NaiveTime::parse_from_str(rest, "%H:%M").map_err(|_| bad())?;
        Ok(DigestSchedule { at })
    }

    /// The most recent scheduled time at or before `now`, on the clocks of `zone` (so
    /// "daily 08:00" stays 08:00 across a daylight-saving change; a time the clocks skip
    /// that day goes at the end of the gap).
    pub fn latest_slot(&self, now: DateTime<Utc>, zone: &Zone) -> DateTime<Utc> {
        let today = zone.date_of(now);
        let slot_on = |date: Option<chrono::NaiveDate>| zone.instant(date?.and_time(self.at));
        match slot_on(Some(today)) {
            Some(slot) if slot <= now => slot,
            _ => slot_on(today.pred_opt()).unwrap_or(now - crate::clock::DAY),
        }
    }

    /// The first scheduled time after `after` (23 to 25 hours on across a DST change).
    pub fn next_slot(&self, after: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
        let next = self.latest_slot(after + crate::clock::HOUR * 25, zone);
        (next > after).then_some(next)
    }
}

/// Compose the digest for `business`.
pub fn compose(data: &DigestData, business: &str) -> Email {
    let mut doc = Doc::default();
    doc.title(&format!(
        "{business}: digest for {} to {}",
        short(data.since),
        crate::localtime::short_zoned(data.until)
    ));
    open_cases(&mut doc, data);
    new_mentions(&mut doc, data);
    per_location(&mut doc, data);
    to_thank(&mut doc, data);
    recovered(&mut doc, data);
    removed_resolved(&mut doc, data);
    failing(&mut doc, data);
    doc.section("What to do");
    doc.commands(&[
        ("earshot mentions --status open".into(), "every open case"),
        ("earshot show ID".into(), "one mention in full"),
        ("earshot sources".into(), "source health"),
    ]);
    let (open, new) = (data.open_cases.len(), data.new_mentions.len());
    doc.finish(format!(
        "[Earshot] digest for {business}: {open} open case{}, {new} new mention{}",
        plural(open as i64),
        plural(new as i64)
    ))
}

fn open_cases(doc: &mut Doc, data: &DigestData) {
    doc.section(&format!(
        "Open cases ({}), oldest first",
        data.open_cases.len()
    ));
    if data.has_team && !data.open_cases.is_empty() {
        doc.para(&format!("By person: {}.", by_person(&data.open_cases)));
    }
    let items: Vec<String> = data
        .open_cases
        .iter()
        .map(|m| {
            let whose = match (&m.assignee, data.has_team) {
                (Some(name), _) => format!(" [{name}]"),
                (None, true) => " [nobody]".to_owned(),
                (None, false) => String::new(),
            };
            format!(
                "{} old, {} {}{whose}: {}",
                age(data.until - m.when()),
                m.priority,
                m.status,
                one_liner(m)
            )
        })
        .collect();
    doc.items(&items);
}

/// "Sam 2 (1 overdue), Ana 1, nobody 3": open cases per person, by name, nobody last.
fn by_person(open: &[Mention]) -> String {
    let mut counts: std::collections::BTreeMap<Option<&str>, (usize, usize)> = Default::default();
    for m in open {
        let entry = counts.entry(m.assignee.as_deref()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(m.overdue);
    }
    let mut people: Vec<_> = counts.into_iter().collect();
    // People by name, nobody's cases last.
    people.sort_by_key(|(name, _)| (name.is_none(), *name));
    people
        .iter()
        .map(|(name, (cases, overdue))| {
            let overdue = if *overdue > 0 {
                format!(" ({overdue} overdue)")
            } else {
                String::new()
            };
            format!("{} {cases}{overdue}", name.unwrap_or("nobody"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn new_mentions(doc: &mut Doc, data: &DigestData) {
    let count = |label: Label| {
        data.new_mentions
            .iter()
            .filter(|m| m.label == label)
            .count()
    };
    doc.section(&format!("New mentions ({})", data.new_mentions.len()));
    doc.para(&format!(
        "{} negative, {} neutral, {} positive.",
        count(Label::Negative),
        count(Label::Neutral),
        count(Label::Positive)
    ));
    match count(Label::Unscored) {
        0 => {}
        n => doc.para(&format!(
            "{n} {} in another language to read (Earshot scores English only): \
             `earshot mentions --sentiment unscored` lists them.",
            if n == 1 { "post" } else { "posts" }
        )),
    }
    if data.backfill > 0 {
        doc.para(&format!(
            "{} of them are older posts from before Earshot first read their source: \
             logged and scored, but no alert was sent for them.",
            data.backfill
        ));
    }
    if data.relabelled_by_learning > 0 {
        doc.para(&format!(
            "Earshot learned from your rated reviews and staff corrections: {} stored \
             mention{} changed label (no alert was sent for old posts).",
            data.relabelled_by_learning,
            crate::casework::plural(data.relabelled_by_learning as i64)
        ));
    }
    let negatives: Vec<String> = data
        .new_mentions
        .iter()
        .filter(|m| m.label == Label::Negative)
        .map(one_liner)
        .collect();
    if !negatives.is_empty() {
        doc.items(&negatives);
    }
}

/// A chain's digest: a section per location with its open cases and new mentions (and
/// one for the sources of no location, when they have any). Customers are shared, so a
/// customer's cases at two locations show in both.
fn per_location(doc: &mut Doc, data: &DigestData) {
    if data.locations.is_empty() {
        return;
    }
    let mut places: Vec<Option<&str>> = data.locations.iter().map(|l| Some(l.as_str())).collect();
    let unplaced = data.open_cases.iter().chain(&data.new_mentions);
    if unplaced.into_iter().any(|m| m.location.is_none()) {
        places.push(None);
    }
    for place in places {
        let here = |m: &&Mention| m.location.as_deref() == place;
        let open: Vec<&Mention> = data.open_cases.iter().filter(here).collect();
        let new: Vec<&Mention> = data.new_mentions.iter().filter(here).collect();
        let negative = new.iter().filter(|m| m.label == Label::Negative).count();
        doc.section(&format!(
            "{}: {} open case{}, {} new mention{} ({negative} negative)",
            place.unwrap_or("No location"),
            open.len(),
            plural(open.len() as i64),
            new.len(),
            plural(new.len() as i64),
        ));
        let items: Vec<String> = open
            .iter()
            .map(|m| format!("{} {}: {}", m.priority, m.status, one_liner(m)))
            .collect();
        if !items.is_empty() {
            doc.items(&items);
        }
    }
}

fn to_thank(doc: &mut Doc, data: &DigestData) {
    if data.to_thank.is_empty() {
        return;
    }
    doc.section("Say thank you");
    let items: Vec<String> = data
        .to_thank
        .iter()
        .map(|m| {
            let name = m
                .customer
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_else(|| author(m));
            format!("{name} on {} (#{}): {}", m.source, m.id, clip(&m.text, 90))
        })
        .collect();
    doc.items(&items);
}

fn recovered(doc: &mut Doc, data: &DigestData) {
    if data.recovered.is_empty() {
        return;
    }
    doc.section(&format!("Won back ({})", data.recovered.len()));
    doc.para("These customers updated their complaint after you fixed it:");
    let items: Vec<String> = data.recovered.iter().map(one_liner).collect();
    doc.items(&items);
}

fn removed_resolved(doc: &mut Doc, data: &DigestData) {
    if data.removed_resolved.is_empty() {
        return;
    }
    doc.section(&format!(
        "Taken down after you resolved them ({})",
        data.removed_resolved.len()
    ));
    doc.para("These resolved complaints are no longer on the review site (kept in your log):");
    let items: Vec<String> = data.removed_resolved.iter().map(one_liner).collect();
    doc.items(&items);
}

fn failing(doc: &mut Doc, data: &DigestData) {
    if data.failing_sources.is_empty() {
        return;
    }
    doc.section("Sources that are failing");
    let items: Vec<String> = data
        .failing_sources
        .iter()
        .map(|s| {
            let since = s
                .last_success_at
                .map(|t| format!("last success {}", short(t)))
                .unwrap_or_else(|| "never succeeded".into());
            format!(
                "{}: {} ({since}, {} failures in a row)",
                s.name,
                s.last_error.as_deref().unwrap_or("failing"),
                s.consecutive_failures
            )
        })
        .collect();
    doc.items(&items);
}

/// "3d 4h", "5h", "40m".
fn age(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    match (minutes / 1440, (minutes % 1440) / 60, minutes % 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, _) => format!("{h}h"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, mention};

    #[test]
    fn open_cases_are_counted_per_person_with_nobody_last() {
        let case = |assignee: Option<&str>, overdue: bool| Mention {
            assignee: assignee.map(str::to_owned),
            location: None,
            overdue,
            ..mention(Label::Negative)
        };
        let open = [
            case(None, false),
            case(Some("Sam"), true),
            case(Some("Ana"), false),
            case(Some("Sam"), false),
        ];
        assert_eq!(by_person(&open), "Ana 1, Sam 2 (1 overdue), nobody 1");
    }

    #[test]
    fn schedule_parses_and_finds_the_latest_slot() {
        let s = DigestSchedule::parse("daily 08:00").unwrap();
        let utc = Zone::utc();
        assert_eq!(
            s.latest_slot(at("2026-11-23T09:00:00Z"), &utc),
            at("2026-11-23T08:00:00Z")
        );
        assert_eq!(
            s.latest_slot(at("2026-11-23T07:59:00Z"), &utc),
            at("2026-11-22T08:00:00Z")
        );
        let paris = Zone::named("Europe/Paris").unwrap();
        assert_eq!(
            s.latest_slot(at("2026-11-23T07:30:00Z"), &paris),
            at("2026-11-23T07:00:00Z")
        );
        assert!(DigestSchedule::parse("weekly")
            .unwrap_err()
            .contains("daily 08:00"));
        assert!(DigestSchedule::parse("daily 25:00").is_err());
    }

    #[test]
    fn the_digest_keeps_its_local_time_across_a_dst_change() {
        let s = DigestSchedule::parse("daily 08:00").unwrap();
        let london = Zone::named("Europe/London").unwrap();
        // Saturday 24 Oct 2026 is summer time (08:00 BST = 07:00 UTC); Monday is not.
        let saturday = at("2026-10-24T07:00:00Z");
        assert_eq!(s.latest_slot(at("2026-10-24T07:30:00Z"), &london), saturday);
        let monday = at("2026-10-26T08:00:00Z");
        assert_eq!(s.latest_slot(at("2026-10-26T08:10:00Z"), &london), monday);
        assert_eq!(
            s.latest_slot(at("2026-10-26T07:59:00Z"), &london),
            at("2026-10-25T08:00:00Z")
        );
        // Sunday's period is 25 hours long: from Saturday's 08:00 BST to Sunday's 08:00 GMT.
        assert_eq!(
            s.next_slot(saturday, &london),
            Some(at("2026-10-25T08:00:00Z"))
        );
        // A time the clocks skip goes at the end of the gap (29 Mar 2026, 01:00-02:00).
        let gap = DigestSchedule::parse("daily 01:30").unwrap();
        assert_eq!(
            gap.latest_slot(at("2026-03-29T12:00:00Z"), &london),
            at("2026-03-29T01:30:00Z")
        );
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(crate::clock::MINUTE * 40), "40m");
        assert_eq!(age(crate::clock::MINUTE * (5 * 60 + 3)), "5h");
        assert_eq!(age(crate::clock::MINUTE * (3 * 1440 + 4 * 60)), "3d 4h");
    }

    #[test]
    fn the_digest_counts_posts_in_another_language_to_read() {
        let french = crate::model::Mention {
            score: None,
            language: crate::model::Language::from_code("fra"),
            ..crate::test_support::mention(Label::Unscored)
        };
        let mut data = DigestData {
            since: at("2026-11-22T08:00:00Z"),
            until: at("2026-11-23T08:00:00Z"),
            open_cases: vec![],
            new_mentions: vec![french.clone(), french],
            ..DigestData::default()
        };
        let text = compose(&data, "Bakery").text;
        assert!(
            text.contains("2 posts in another language to read"),
            "{text}"
        );
        assert!(!text.contains("changed label"), "{text}");
        data.relabelled_by_learning = 3;
        let text = compose(&data, "Bakery").text;
        assert!(
            text.contains("3 stored mentions changed label (no alert was sent for old posts)"),
            "{text}"
        );
        assert!(
            text.contains("0 negative, 0 neutral, 0 positive."),
            "{text}"
        );
        data.new_mentions.truncate(1);
        let text = compose(&data, "Bakery").text;
        assert!(text.contains("1 post in another language"), "{text}");
        data.new_mentions.clear();
        let text = compose(&data, "Bakery").text;
        assert!(!text.contains("another language"), "{text}");
    }
}
