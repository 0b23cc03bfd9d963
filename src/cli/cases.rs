//! `ack`, `promise`, `resolve`, `link`, `unlink`: staff moving a case along.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::localtime::{Typed, Zone};
use crate::staff::Actor;
use crate::store::{CaseAction, StaffMember, Store};

/// Apply a case action and say what happened.
pub fn apply(
    store: &mut Store,
    id: i64,
    action: CaseAction,
    note: Option<&str>,
    by: &str,
) -> Result<String> {
    let status = crate::pipeline::update_case(store, id, action, note, by, crate::clock::now())?;
    let due = match action {
        CaseAction::Promise { due } => format!(", due {}", crate::localtime::short_zoned(due)),
        _ => String::new(),
    };
    Ok(format!("Mention #{id} is now {status}{due}.\n"))
}

/// A person as `assign` and `mentions --assigned` name them: someone on the team (by
/// name or email), `me` (who acts), or `nobody` (`None`).
pub fn named_person(store: &Store, actor: &Actor, name: &str) -> Result<Option<StaffMember>> {
    Ok(match crate::store::name_key(name).as_str() {
        "nobody" => None,
        "me" => Some(actor.member.clone().context(
            "'me' means someone on the team, and there is no team yet: add people with `earshot staff add NAME --email EMAIL`",
        )?),
        _ => Some(crate::staff::find_member(store, name)?),
    })
}

/// `assign ID NAME|me|nobody`, and say what it did.
pub fn assign(store: &mut Store, actor: &Actor, id: i64, name: &str) -> Result<String> {
    let assignee = named_person(store, actor, name)?;
    let emailed =
        crate::pipeline::assign(store, id, assignee.as_ref(), actor, crate::clock::now())?;
    Ok(match assignee {
        None => format!("Mention #{id} is assigned to nobody.\n"),
        Some(member) if emailed => format!(
            "Mention #{id} is now {}'s; an email tells them ({}).\n",
            member.name, member.email
        ),
        Some(member) => format!("Mention #{id} is now {}'s.\n", member.name),
    })
}

/// Link or unlink a mention by hand.
pub fn link(
    store: &mut Store,
    config: &Config,
    mention: i64,
    customer: Option<i64>,
    by: &str,
) -> Result<String> {
    crate::pipeline::set_link(
        store,
        mention,
        customer,
        by,
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

/// `--due`: `2d`/`36h` from now, or a date (the end of that day in `zone`), or a local
/// date and time (`2026-12-03 17:00`), or RFC 3339. A duration longer than
/// [`super::MAX_TIME_SPAN`] is an error, not a panic.
pub fn parse_due(text: &str, now: DateTime<Utc>, zone: &Zone) -> Result<DateTime<Utc>> {
    let text = text.trim();
    match zone.parse_local(text) {
        Some(Typed::Date(date)) => {
            let end = date
                .and_hms_opt(23, 59, 59)
                .and_then(|end| zone.instant(end));
            return end.with_context(|| format!("--due {text} is outside the dates Earshot knows"));
        }
        Some(Typed::Instant(time)) => return Ok(time),
        None => {}
    }
    let Ok(ahead) = crate::config::parse_duration(text) else {
        bail!("--due '{text}' is neither a duration (2d, 36h) nor a date (2026-11-30 or \"2026-11-30 17:00\")");
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
        let utc = &Zone::utc();
        assert_eq!(
            parse_due("2d", now, utc).unwrap().to_rfc3339(),
            "2026-11-25T12:00:00+00:00"
        );
        assert_eq!(
            parse_due("2026-11-30", now, utc).unwrap().to_rfc3339(),
            "2026-11-30T23:59:59+00:00"
        );
        assert!(parse_due("soonish", now, utc).is_err());
        let paris = &Zone::named("Europe/Paris").unwrap();
        assert_eq!(
            parse_due("2026-12-03", now, paris).unwrap().to_rfc3339(),
            "2026-12-03T22:59:59+00:00"
        );
        assert_eq!(
            parse_due("2026-12-03 17:00", now, paris)
                .unwrap()
                .to_rfc3339(),
            "2026-12-03T16:00:00+00:00"
        );
        // Relative forms stay relative whatever the zone.
        assert_eq!(
            parse_due("2d", now, paris).unwrap().to_rfc3339(),
            "2026-11-25T12:00:00+00:00"
        );
    }

    /// Issue 13 #8: `promise --due 300000y` panicked ("DateTime + TimeDelta overflowed").
    #[test]
    fn arithmetic_that_panics_on_input_due() {
        let now = Utc::now();
        let utc = &Zone::utc();
        let err = parse_due("300000y", now, utc).unwrap_err().to_string();
        assert_eq!(
            err,
            "--due 300000y is too far ahead; use at most 100y, or a date (2026-11-30)"
        );
        assert!(parse_due("18446744073709551615s", now, utc).is_err());
        assert!(parse_due("100y", now, utc).is_ok());
    }
}
