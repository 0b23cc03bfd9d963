//! Pure composition: turn a case into an email the owner can act on from a phone.
//! (The text/HTML rendering and escaping live in [`super::doc`].)
//!
//! Every message has a plain-text and an HTML part built from the same [`Doc`], so the two
//! never disagree and escaping happens in one place. Text from the internet is escaped in
//! the HTML part and never reaches a header unsanitised. No store access here: callers pass
//! the data in.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

pub use super::doc::{escape_html, header_safe};

use super::doc::{clip, Doc};
use super::AlertContext;
use crate::model::{Mention, Priority};
use crate::store::{Event, SourceHealth};

/// A composed message, before addressing.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    /// Subject line (already safe for a header).
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

/// Who a message is from and to, and its identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Addressing {
    /// Sender address.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Message-ID without the angle brackets (stable per outbox row).
    pub message_id: String,
    /// Date header.
    pub date: DateTime<Utc>,
}

/// A message that cannot be built, worded for the person editing the config.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// An address that does not parse.
    #[error(
        "'{address}' in [alerts] {key} is not an email address: write it like owner@example.com"
    )]
    Address {
        /// The bad address.
        address: String,
        /// `from`, `to` or `escalate_to`.
        key: &'static str,
    },
    /// No recipient configured.
    #[error("no recipient: set [alerts] to = [\"you@example.com\"] in the config")]
    NoRecipient,
    /// A sign-in email whose message was lost: its link exists only in that message.
    #[error("this sign-in email was not written when it was asked for, and its link cannot be made again; ask for a new sign-in link")]
    SignInLost,
    /// lettre refused the message.
    #[error("cannot build the email: {0}")]
    Build(#[from] lettre::error::Error),
}

/// About what a phone's mail list shows of a subject line.
pub const SUBJECT_CHARS: usize = 90;

/// The immediate alert for an urgent or high mention:
/// `[URGENT] Priya Nair (A-list, 2nd complaint): "Our anniversary cake arrived squashed and…"`.
pub fn alert(ctx: &AlertContext, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let tag = match m.priority {
        Priority::Urgent => "[URGENT]",
        _ => "[Negative]",
    };
    let headline = match m.priority {
        Priority::Urgent => "Urgent: a complaint that needs you today",
        _ => "A negative mention",
    };
    let mut doc = opening(ctx);
    doc.title(&format!("{headline}, by {}", who(m)));
    case_body(&mut doc, ctx);
    actions(&mut doc, ctx, respond_within);
    doc.finish(case_subject(tag, m, &ctx.detail.priority_reasons))
}

/// The one email about a mention that became urgent after it was first seen: a customer
/// import, a staff link or an edit revealed who is speaking. `why` says what changed.
pub fn became_urgent(ctx: &AlertContext, why: &str, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let mut doc = opening(ctx);
    doc.title(&format!("Now urgent: a complaint by {}", who(m)));
    doc.field("Why now", why);
    case_body(&mut doc, ctx);
    actions(&mut doc, ctx, respond_within);
    doc.finish(case_subject(
        "[URGENT] now urgent:",
        m,
        &ctx.detail.priority_reasons,
    ))
}

/// The one escalation of a case nobody acknowledged in time.
pub fn escalation(ctx: &AlertContext, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let hours = human(respond_within);
    let mut doc = opening(ctx);
    doc.title(&format!(
        "Nobody has answered this {} case in {hours}",
        m.priority
    ));
    doc.para(&format!(
        "Earshot alerted you about it on {}; it is still not acknowledged.",
        short(m.fetched_at)
    ));
    case_body(&mut doc, ctx);
    actions(&mut doc, ctx, respond_within);
    doc.finish(case_subject(
        &format!("[Escalation] no answer in {hours}:"),
        m,
        &[],
    ))
}

/// The one reminder of a promise past its due date.
pub fn reminder(ctx: &AlertContext, due: DateTime<Utc>) -> Email {
    let m = &ctx.detail.mention;
    let mut doc = opening(ctx);
    doc.title(&format!("A promise to {} was due {}", who(m), short(due)));
    promised(&mut doc, ctx);
    case_body(&mut doc, ctx);
    doc.section("What to do");
    doc.commands(&[
        (
            format!("earshot resolve {} --note \"...\"", m.id),
            "done: close the case",
        ),
        (
            format!("earshot promise {} --due 2d --note \"...\"", m.id),
            "new date",
        ),
        (format!("earshot show {}", m.id), "everything about it"),
    ]);
    doc.finish(case_subject("[Reminder] promise overdue:", m, &[]))
}

/// The email telling someone on the team a case is now theirs.
pub fn assigned(ctx: &AlertContext, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let by = ctx
        .detail
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "assigned")
        .and_then(|e| e.by.clone());
    let mut doc = opening(ctx);
    let what = match m.label {
        crate::model::Label::Negative => "a complaint",
        _ => "a mention",
    };
    doc.title(&format!("This case is yours: {what} by {}", who(m)));
    if let Some(by) = by {
        doc.para(&format!("{by} gave it to you."));
    }
    case_body(&mut doc, ctx);
    actions(&mut doc, ctx, respond_within);
    doc.finish(case_subject("[Yours]", m, &ctx.detail.priority_reasons))
}

/// The owner's email about an assigned promise still not kept after its reminder.
pub fn overdue(ctx: &AlertContext, due: DateTime<Utc>) -> Email {
    let m = &ctx.detail.mention;
    let owner = m
        .assignee
        .as_deref()
        .unwrap_or("the person it was assigned to");
    let mut doc = opening(ctx);
    doc.title(&format!(
        "A promise to {} is still not kept (due {})",
        who(m),
        short(due)
    ));
    doc.para(&format!(
        "The case is {owner}'s; they were reminded when it fell due."
    ));
    promised(&mut doc, ctx);
    case_body(&mut doc, ctx);
    doc.section("What to do");
    doc.commands(&[
        (format!("earshot show {}", m.id), "everything about it"),
        (
            format!("earshot assign {} NAME", m.id),
            "give it to someone else",
        ),
        (
            format!("earshot resolve {} --note \"...\"", m.id),
            "done: close the case",
        ),
    ]);
    doc.finish(case_subject(
        &format!("[Overdue] {owner}'s promise:"),
        m,
        &[],
    ))
}

/// What was last promised, from the case history.
fn promised(doc: &mut Doc, ctx: &AlertContext) {
    let mut events = ctx.detail.events.iter().rev();
    if let Some(promise) = events.find(|e| e.kind == "promised") {
        doc.field("Promised", promise.note.as_deref().unwrap_or("(no note)"));
    }
}

/// Who said it, as the owner knows them: the linked customer's name, else the author.
fn who(m: &Mention) -> String {
    m.customer
        .as_ref()
        .map(|c| header_safe(&c.name))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| author(m))
}

/// `{tag} {who} ({why}): "{the start of what they said}"`, at most [`SUBJECT_CHARS`],
/// cut on a word. Two complaints from one person differ in their words (and a repeat
/// says "2nd complaint"), so their subjects differ.
fn case_subject(tag: &str, m: &Mention, reasons: &[String]) -> String {
    let why = short_reasons(reasons);
    let why = if why.is_empty() {
        String::new()
    } else {
        format!(" ({why})")
    };
    // A chain's alert says where: `[URGENT] [Soho] Priya Nair: "…"`.
    let head = match &m.location {
        Some(location) => format!("{tag} [{}] {}{why}", header_safe(location), who(m)),
        None => format!("{tag} {}{why}", who(m)),
    };
    let said = crate::pipeline::scored_text(m.title.as_deref(), &m.text);
    // `: "` and `"` around the quote.
    let room = SUBJECT_CHARS.saturating_sub(head.chars().count() + 4);
    if room < 12 {
        return clip_on_word(&head, SUBJECT_CHARS);
    }
    format!("{head}: \"{}\"", clip_on_word(&header_safe(&said), room))
}

/// "A-list (tier A), lifetime value 3,200" and "2nd complaint in 90 days" as a phone
/// subject has room for: "A-list, 2nd complaint".
fn short_reasons(reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| {
            let cut = [" (", ",", " in "]
                .iter()
                .filter_map(|sep| r.find(sep))
                .min()
                .unwrap_or(r.len());
            header_safe(&r[..cut])
        })
        .filter(|r| !r.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most `max` characters, cut at the end of a word with "…" when it had to be cut.
fn clip_on_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    let at_word = match kept.rfind(char::is_whitespace) {
        // Cut on a word unless that throws away more than half.
        Some(space) if space >= kept.len() / 2 => &kept[..space],
        _ => kept.as_str(),
    };
    let trimmed = at_word.trim_end_matches(|c: char| c.is_whitespace() || ",;:-".contains(c));
    format!("{trimmed}\u{2026}")
}

/// The first lines of every case message: where it was said and when, and the link that
/// opens it in the web log (two taps from the alert to "Acknowledge").
fn opening(ctx: &AlertContext) -> Doc {
    let m = &ctx.detail.mention;
    let mut doc = Doc::default();
    let when = m.published_at.unwrap_or(m.fetched_at);
    let mut line = format!("On {}, {}", m.source, crate::localtime::short_zoned(when));
    if let Some(rating) = m.rating {
        line.push_str(&format!(", {rating} of 5 stars"));
    }
    doc.para(&line);
    if let Some(page) = &ctx.page_url {
        doc.link("Open in Earshot", page);
        doc.gap();
    }
    doc
}

/// "N more negative mentions": the alerts beyond the hourly cap, in one message.
pub fn flood(mentions: &[Mention], max_per_hour: u32) -> Email {
    let mut doc = Doc::default();
    let n = mentions.len();
    doc.title(&format!("{n} more negative mentions"));
    doc.para(&format!(
        "More than {max_per_hour} alerts came in within an hour, so the rest are listed here \
         instead of one email each. Check whether something is going on (a review bomb, an outage)."
    ));
    let items: Vec<String> = mentions
        .iter()
        .map(|m| match m.priority {
            Priority::Urgent => format!("URGENT {}", one_liner(m)),
            _ => one_liner(m),
        })
        .collect();
    doc.items(&items);
    doc.section("What to do");
    doc.commands(&[
        (
            "earshot mentions --status new --sentiment negative".into(),
            "the whole list",
        ),
        ("earshot show ID".into(), "one of them in full"),
    ]);
    doc.finish(format!("[Negative] {n} more negative mentions"))
}

/// A source stopped working: the owner may be missing complaints.
pub fn source_down(source: &SourceHealth) -> Email {
    let mut doc = Doc::default();
    // A source that never had a successful poll did not "stop": it was set up wrong or
    // blocked from the start, and the owner should look at its URL first.
    if source.last_success_at.is_none() {
        doc.title(&format!(
            "{} has not worked since it was added",
            source.name
        ));
        doc.para(
            "Earshot has never read it successfully: check its URL and settings in the config.",
        );
    } else {
        doc.title(&format!("Earshot cannot read {} any more", source.name));
    }
    doc.para("Until it is fixed, mentions from this source are not seen, and no alert about them can reach you.");
    source_fields(&mut doc, source);
    doc.section("What to do");
    doc.commands(&[
        ("earshot sources".into(), "health of every source"),
        (
            format!("earshot poll --source {} --force", source.name),
            "try it again now",
        ),
    ]);
    doc.para("If the site changed its layout, update this source's selectors in the config.");
    doc.finish(format!("[Source down] {}", header_safe(&source.name)))
}

/// A scheduled backup failed: what failed, and how to make the next one work.
pub fn backup_failed(why: &str, at: DateTime<Utc>) -> Email {
    let mut doc = Doc::default();
    doc.title("Earshot could not back up its database");
    doc.para(&format!(
        "The scheduled backup at {} failed. Earshot keeps working, but until a backup works \
         again a lost or damaged disk would lose the mention log and its case history.",
        short(at)
    ));
    doc.field("Problem", why);
    doc.section("What to do");
    doc.para("Fix the problem above (free disk space, or make [storage] backup_dir a folder Earshot may write to). Earshot tries again within the hour and at the next scheduled time; this email comes at most once a day.");
    doc.commands(&[(
        "earshot backup by-hand.db".into(),
        "take one now by hand, to check the fix",
    )]);
    doc.finish("[Backup failed] Earshot could not back up its database".to_owned())
}

/// A source that broke works again.
pub fn source_up(source: &SourceHealth) -> Email {
    let mut doc = Doc::default();
    doc.title(&format!("{} works again", source.name));
    doc.para("Earshot reads this source again; mentions it missed meanwhile are picked up if the source still lists them.");
    source_fields(&mut doc, source);
    doc.finish(format!("[Source back] {}", header_safe(&source.name)))
}

fn source_fields(doc: &mut Doc, source: &SourceHealth) {
    doc.field("Source", &source.name);
    doc.link("URL", &source.url);
    if let Some(error) = &source.last_error {
        doc.field("Error", error);
    }
    let last = source.last_success_at.map(crate::localtime::short_zoned);
    doc.field("Last success", last.as_deref().unwrap_or("never"));
    if source.consecutive_failures > 0 {
        doc.field(
            "Failures in a row",
            &source.consecutive_failures.to_string(),
        );
    }
}

/// A one-time sign-in link for `name`, valid for `valid_for` (in words: "15 minutes").
/// `welcome`: they were just added to the team, so the email says what Earshot is.
pub fn sign_in(business: &str, name: &str, link: &str, valid_for: &str, welcome: bool) -> Email {
    let mut doc = Doc::default();
    if welcome {
        doc.title(&format!("Welcome to {business}'s Earshot, {name}"));
        doc.para(&format!(
            "You were added to the team that answers what customers say about {business}. \
             Open the link below to sign in to the mention log."
        ));
    } else {
        doc.title(&format!("Sign in to Earshot, {name}"));
        doc.para("Someone (we hope you) asked for a sign-in link for the mention log.");
    }
    doc.link("Sign in", link);
    doc.para(&format!(
        "The link works once, within {valid_for}. Once signed in, set a password on your \
         account page if you like. If you did not ask for this, ignore this email: nobody \
         can use the link without it."
    ));
    let subject = if welcome {
        format!("Welcome to Earshot: sign in to {}", header_safe(business))
    } else {
        "Your Earshot sign-in link".to_owned()
    };
    doc.finish(subject)
}

/// A message that proves the mail setup works.
pub fn test_message(business: &str) -> Email {
    let mut doc = Doc::default();
    doc.title("Earshot can reach you");
    doc.para(&format!(
        "This is a test from Earshot for {business}. Alerts about complaints will arrive like this one."
    ));
    doc.finish(format!(
        "[Earshot] test message for {}",
        header_safe(business)
    ))
}

/// Build the RFC 5322 message: multipart/alternative with the text and HTML parts.
pub fn build_message(email: &Email, to: &Addressing) -> Result<Vec<u8>, ComposeError> {
    let from = mailbox(&to.from, "from")?;
    let mut builder = Message::builder()
        .from(from)
        .subject(header_safe(&email.subject))
        .message_id(Some(format!("<{}>", to.message_id)))
        .date(SystemTime::from(to.date));
    if to.to.is_empty() {
        return Err(ComposeError::NoRecipient);
    }
    for address in &to.to {
        builder = builder.to(mailbox(address, "to")?);
    }
    let body = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    Ok(builder.multipart(body)?.formatted())
}

fn mailbox(address: &str, key: &'static str) -> Result<Mailbox, ComposeError> {
    address.trim().parse().map_err(|_| ComposeError::Address {
        address: header_safe(address),
        key,
    })
}

/// The part every case message shares: what was said, where, why it matters, history.
fn case_body(doc: &mut Doc, ctx: &AlertContext) {
    let m = &ctx.detail.mention;
    if !ctx.detail.priority_reasons.is_empty() {
        doc.field(
            &format!("Why {}", m.priority),
            &ctx.detail.priority_reasons.join("; "),
        );
    }
    if let Some(category) = ctx.category {
        doc.field("Problem", category.label());
    }
    if let Some(title) = &m.title {
        doc.field("Title", title);
    }
    doc.quote(m.text.trim());
    if let Some(url) = &m.url {
        doc.link("Original post", url);
    }
    doc.field("Author", &author(m));
    doc.field("Score", &score_line(m));
    if let Some(assignee) = &m.assignee {
        doc.field("Assigned to", assignee);
    }
    customer(doc, ctx);
    if let Some(reply) = &ctx.suggested_reply {
        doc.section("Suggested reply");
        doc.quote(reply);
    }
    doc.section("Case history");
    doc.items(&ctx.detail.events.iter().map(event_line).collect::<Vec<_>>());
}

fn customer(doc: &mut Doc, ctx: &AlertContext) {
    doc.section("Customer");
    match (&ctx.customer_card, &ctx.detail.mention.customer) {
        (Some(card), _) => doc.preformatted(card),
        (None, Some(c)) => {
            let tier = c
                .tier
                .as_deref()
                .map(|t| format!(", tier {t}"))
                .unwrap_or_default();
            doc.para(&format!("{} (customer #{}{tier})", c.name, c.id));
        }
        (None, None) => doc.para("Not linked to a known customer."),
    }
}

fn actions(doc: &mut Doc, ctx: &AlertContext, respond_within: Duration) {
    let id = ctx.detail.mention.id;
    doc.section("What to do");
    if let Some(page) = &ctx.page_url {
        doc.link("Acknowledge, promise or resolve it here", page);
    }
    doc.commands(&[
        (
            format!("earshot ack {id} --note \"...\""),
            &format!(
                "you are on it (otherwise this escalates after {})",
                human(respond_within)
            ),
        ),
        (
            format!("earshot promise {id} --due 2d --note \"...\""),
            "record what you promised and by when",
        ),
        (format!("earshot resolve {id} --note \"...\""), "done"),
        (format!("earshot show {id}"), "everything about it"),
    ]);
}

fn score_line(m: &Mention) -> String {
    let mut line = format!("{} ({})", m.score_shown(), m.sentiment());
    if !m.terms.is_empty() {
        let terms: Vec<String> = m
            .terms
            .iter()
            .map(|t| format!("\"{}\" {:+.2}", t.term, t.weight))
            .collect();
        line.push_str(&format!(", driven by {}", terms.join(", ")));
    }
    line
}

fn event_line(e: &Event) -> String {
    let mut line = format!("{} {}", short(e.at), e.kind);
    if let Some(due) = e.due_at {
        line.push_str(&format!(" (due {})", short(due)));
    }
    if let Some(by) = &e.by {
        line.push_str(&format!(" by {by}"));
    }
    if let Some(note) = &e.note {
        line.push_str(&format!(": {note}"));
    }
    line
}

/// "#12 reviews-site, Jane D. (-0.62): first words…"
pub(super) fn one_liner(m: &Mention) -> String {
    format!(
        "#{} {}, {} ({}): {}",
        m.id,
        m.source,
        author(m),
        m.score_shown(),
        clip(&m.text, 90)
    )
}

/// The author on one line (a name from the internet may hold line breaks).
pub(super) fn author(m: &Mention) -> String {
    let name = m.author.as_deref().map(header_safe).unwrap_or_default();
    if name.is_empty() {
        "(unknown author)".to_owned()
    } else {
        name
    }
}

/// A time in the business's zone ([`crate::localtime`]).
pub(super) fn short(time: DateTime<Utc>) -> String {
    crate::localtime::short(time)
}

fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 && s > 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s => format!("{}m", s.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Label, Term};
    use crate::store::{NewMention, Store};

    /// A stored mention, read back as the dispatcher reads it.
    fn context(priority: Priority, author: &str, text: &str) -> AlertContext {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let new = NewMention {
            author_email: None,
            source: "reviews".into(),
            key: "k42".into(),
            content_hash: "h".into(),
            url: Some("https://reviews.test/r/42".into()),
            author: Some(author.into()),
            title: None,
            text: text.into(),
            published_at: None,
            rating: Some(1.0),
            score: -0.72,
            label: Label::Negative,
            language: None,
            terms: vec![Term {
                term: "rude".into(),
                weight: -0.6,
            }],
            priority,
            priority_reasons: vec!["A-list (tier A), lifetime value 3,200".into()],
            location: None,
        };
        let mut store = crate::test_support::test_store();
        store
            .transaction(|tx| Store::upsert_mention(tx, &new, at))
            .unwrap();
        AlertContext {
            detail: store.mention_detail(1).unwrap(),
            customer_card: Some("Tier A, lifetime value 3,200\n2 past mentions".into()),
            suggested_reply: Some("Dear Jane, we are sorry.".into()),
            page_url: None,
            category: Some(crate::replies::Category::Staff),
        }
    }

    #[test]
    fn an_alert_has_everything_to_act_on() {
        let four_hours = Duration::from_secs(4 * 3600);
        let email = alert(
            &context(Priority::Urgent, "Jane\r\nBcc: x@y.z", "Rude <b>staff</b>"),
            four_hours,
        );
        assert_eq!(
            email.subject,
            "[URGENT] Jane Bcc: x@y.z (A-list): \"Rude <b>staff</b>\""
        );
        for expected in [
            "Rude <b>staff</b>",
            "https://reviews.test/r/42",
            "-0.72 (negative), driven by \"rude\" -0.60",
            "Why urgent: A-list (tier A), lifetime value 3,200",
            "Problem: Staff attitude",
            "2 past mentions",
            "Dear Jane, we are sorry.",
            "earshot ack 1",
            "escalates after 4h",
        ] {
            assert!(email.text.contains(expected), "{expected}: {}", email.text);
        }
        assert!(email.html.contains("Rude &lt;b&gt;staff&lt;/b&gt;"));
        let high = alert(&context(Priority::High, "Jane", "Cold."), four_hours);
        assert_eq!(high.subject, "[Negative] Jane (A-list): \"Cold.\"");
    }

    #[test]
    fn a_built_message_is_multipart_and_refuses_bad_addresses() {
        let email = test_message("Harbor Street Bakery");
        let mut to = Addressing {
            from: "earshot@bakery.test".into(),
            to: vec!["owner@example.com".into()],
            message_id: "earshot.test.1@bakery.test".into(),
            date: Utc::now(),
        };
        let bytes = String::from_utf8(build_message(&email, &to).unwrap()).unwrap();
        assert!(
            bytes.contains("Content-Type: multipart/alternative"),
            "{bytes}"
        );
        assert!(bytes.contains("Message-ID: <earshot.test.1@bakery.test>"));
        to.to = vec!["not an address".into()];
        let err = build_message(&email, &to).unwrap_err().to_string();
        assert!(err.contains("[alerts] to"), "{err}");
    }

    fn broken_source(last_success_at: Option<DateTime<Utc>>) -> SourceHealth {
        SourceHealth {
            name: "reviews".into(),
            url: "https://reviews.test/bakery".into(),
            config_url: None,
            state: crate::model::SourceStatus::Broken,
            last_fetch_at: None,
            last_success_at,
            last_error: Some("HTTP 404".into()),
            consecutive_failures: 3,
            next_due_at: None,
            mentions_seen: 0,
            polled_by: None,
        }
    }

    #[test]
    fn a_source_that_never_worked_is_not_said_to_have_stopped() {
        let never = source_down(&broken_source(None));
        assert!(
            never
                .text
                .contains("reviews has not worked since it was added"),
            "{}",
            never.text
        );
        assert!(!never.text.contains("any more"), "{}", never.text);
        assert!(never.text.contains("Last success: never"), "{}", never.text);

        let once = crate::test_support::at("2026-11-22T10:00:00Z");
        let stopped = source_down(&broken_source(Some(once)));
        assert!(
            stopped
                .text
                .contains("Earshot cannot read reviews any more"),
            "{}",
            stopped.text
        );
        assert!(!stopped.text.contains("since it was added"));
    }
}
