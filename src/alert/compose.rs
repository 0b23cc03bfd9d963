//! Pure composition: turn a case into an email the owner can act on from a phone.
//!
//! Every message has a plain-text and an HTML part built from the same [`Doc`], so the two
//! never disagree and escaping happens in one place. Text from the internet is escaped in
//! the HTML part and never reaches a header unsanitised. No store access here: callers pass
//! the data in.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

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
    /// lettre refused the message.
    #[error("cannot build the email: {0}")]
    Build(#[from] lettre::error::Error),
}

/// The immediate alert for an urgent or high mention.
pub fn alert(ctx: &AlertContext, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let tag = match m.priority {
        Priority::Urgent => "[URGENT]",
        _ => "[Negative]",
    };
    let mut doc = Doc::default();
    let headline = match m.priority {
        Priority::Urgent => "Urgent: a complaint that needs you today",
        _ => "A negative mention",
    };
    doc.title(&format!("{headline} ({} on {})", author(m), m.source));
    case_body(&mut doc, ctx);
    actions(&mut doc, m.id, respond_within);
    doc.finish(format!(
        "{tag} {}: {}",
        header_safe(&m.source),
        header_safe(&author(m))
    ))
}

/// The one escalation of a case nobody acknowledged in time.
pub fn escalation(ctx: &AlertContext, respond_within: Duration) -> Email {
    let m = &ctx.detail.mention;
    let mut doc = Doc::default();
    let hours = human(respond_within);
    doc.title(&format!(
        "Nobody has answered this {} case in {hours}",
        m.priority
    ));
    doc.para(&format!(
        "Earshot alerted you about it on {}; it is still not acknowledged.",
        short(m.fetched_at)
    ));
    case_body(&mut doc, ctx);
    actions(&mut doc, m.id, respond_within);
    doc.finish(format!(
        "[Escalation] no answer in {hours}: {}: {}",
        header_safe(&m.source),
        header_safe(&author(m))
    ))
}

/// The one reminder of a promise past its due date.
pub fn reminder(ctx: &AlertContext, due: DateTime<Utc>) -> Email {
    let m = &ctx.detail.mention;
    let mut doc = Doc::default();
    doc.title(&format!(
        "A promise to {} was due {}",
        author(m),
        short(due)
    ));
    if let Some(promise) = ctx
        .detail
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "promised")
    {
        doc.field("Promised", promise.note.as_deref().unwrap_or("(no note)"));
    }
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
    doc.finish(format!(
        "[Reminder] promise overdue: {}: {}",
        header_safe(&m.source),
        header_safe(&author(m))
    ))
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
    doc.title(&format!("Earshot cannot read {} any more", source.name));
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
    let last = source.last_success_at.map(|t| format!("{} UTC", short(t)));
    doc.field("Last success", last.as_deref().unwrap_or("never"));
    if source.consecutive_failures > 0 {
        doc.field(
            "Failures in a row",
            &source.consecutive_failures.to_string(),
        );
    }
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
    if let Some(title) = &m.title {
        doc.field("Title", title);
    }
    doc.quote(m.text.trim());
    if let Some(url) = &m.url {
        doc.link("Link", url);
    }
    doc.field("Source", &m.source);
    doc.field("Author", &author(m));
    if let Some(published) = m.published_at {
        doc.field("Published", &format!("{} UTC", short(published)));
    }
    if let Some(rating) = m.rating {
        doc.field("Rating", &format!("{rating} of 5 stars"));
    }
    doc.field("Score", &score_line(m));
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

fn actions(doc: &mut Doc, id: i64, respond_within: Duration) {
    doc.section("What to do");
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
    let mut line = format!("{:+.2} ({})", m.score, m.label);
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
        "#{} {}, {} ({:+.2}): {}",
        m.id,
        m.source,
        author(m),
        m.score,
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

pub(super) fn short(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 && s > 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s => format!("{}m", s.div_ceil(60)),
    }
}

/// One line, no control characters (CR/LF cannot inject headers), at most 120 chars.
pub fn header_safe(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    clip(&flat.split_whitespace().collect::<Vec<_>>().join(" "), 120)
}

pub(super) fn clip(text: &str, width: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= width {
        return flat;
    }
    let mut cut: String = flat.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message body written once and rendered as text and as HTML.
#[derive(Default)]
pub(super) struct Doc {
    text: String,
    html: String,
}

impl Doc {
    pub(super) fn title(&mut self, title: &str) {
        self.text.push_str(&format!("{title}\n\n"));
        self.html
            .push_str(&format!("<h2>{}</h2>\n", escape_html(title)));
    }

    pub(super) fn section(&mut self, heading: &str) {
        self.text.push_str(&format!(
            "\n{heading}\n{}\n",
            "-".repeat(heading.chars().count())
        ));
        self.html
            .push_str(&format!("<h3>{}</h3>\n", escape_html(heading)));
    }

    pub(super) fn para(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html
            .push_str(&format!("<p>{}</p>\n", escape_html(text)));
    }

    pub(super) fn field(&mut self, label: &str, value: &str) {
        self.text.push_str(&format!("{label}: {value}\n"));
        self.html.push_str(&format!(
            "<div><b>{}:</b> {}</div>\n",
            escape_html(label),
            escape_html(value)
        ));
    }

    /// A link; only http(s) URLs become clickable in HTML.
    pub(super) fn link(&mut self, label: &str, url: &str) {
        self.text.push_str(&format!("{label}: {url}\n"));
        let lower = url.trim().to_ascii_lowercase();
        let value = if lower.starts_with("https://") || lower.starts_with("http://") {
            format!("<a href=\"{0}\">{0}</a>", escape_html(url.trim()))
        } else {
            escape_html(url)
        };
        self.html.push_str(&format!(
            "<div><b>{}:</b> {value}</div>\n",
            escape_html(label)
        ));
    }

    pub(super) fn quote(&mut self, text: &str) {
        for line in text.lines() {
            self.text.push_str(&format!("> {line}\n"));
        }
        self.text.push('\n');
        let lines: Vec<String> = text.lines().map(escape_html).collect();
        self.html.push_str(&format!(
            "<blockquote style=\"border-left:3px solid #c33;margin:1em 0;padding-left:1em\">{}</blockquote>\n",
            lines.join("<br>\n")
        ));
    }

    pub(super) fn preformatted(&mut self, text: &str) {
        self.text.push_str(text.trim_end());
        self.text.push('\n');
        self.html
            .push_str(&format!("<pre>{}</pre>\n", escape_html(text.trim_end())));
    }

    pub(super) fn items(&mut self, items: &[String]) {
        if items.is_empty() {
            self.para("(none)");
            return;
        }
        self.html.push_str("<ul>\n");
        for item in items {
            self.text.push_str(&format!("- {item}\n"));
            self.html
                .push_str(&format!("<li>{}</li>\n", escape_html(item)));
        }
        self.html.push_str("</ul>\n");
    }

    pub(super) fn commands(&mut self, commands: &[(String, &str)]) {
        self.html.push_str("<table>\n");
        for (command, what) in commands {
            self.text.push_str(&format!("  {command}\n      {what}\n"));
            self.html.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
                escape_html(command),
                escape_html(what)
            ));
        }
        self.html.push_str("</table>\n");
    }

    pub(super) fn finish(self, subject: String) -> Email {
        Email {
            subject: header_safe(&subject),
            text: self.text,
            html: format!(
                "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n{}</body></html>\n",
                self.html
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_safe_flattens_line_breaks() {
        assert_eq!(
            header_safe("Eve\r\nBcc: victim@example.com"),
            "Eve Bcc: victim@example.com"
        );
        assert!(!header_safe("a\u{0}\u{85}b").chars().any(char::is_control));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn only_web_links_are_clickable() {
        let mut doc = Doc::default();
        doc.link("Link", "javascript:alert(1)");
        doc.link("Link", "https://example.com/?a=1&b=\"2\"");
        assert!(!doc.html.contains("href=\"javascript"));
        assert!(doc
            .html
            .contains("href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\""));
    }
}
