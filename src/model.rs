//! The shared vocabulary: a stored mention, its label, priority and case status, and the
//! words the store keeps for sources and the outbox.
//!
//! Each word type has one lowercase string form (strum derives it), used in the CLI, the
//! database and JSON, and converts to and from SQLite itself. Reading a word the type does
//! not know is an error naming the type and the word, never a default.

use crate::store::sql::{FromSql, SqlError, SqlResult, ToSql, Value};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, Display, EnumString, IntoStaticStr, VariantArray};

pub use crate::sentiment::{Language, Term};

/// Sentiment label. serde: lowercase "negative" | "neutral" | "positive" | "unscored".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(
    serialize_all = "lowercase",
    ascii_case_insensitive,
    parse_err_ty = ParseLabelError,
    parse_err_fn = ParseLabelError::from
)]
pub enum Label {
    /// A complaint or criticism.
    Negative,
    /// Neither.
    Neutral,
    /// Praise.
    Positive,
    /// Not in English, so the English lexicon did not read it: no score, a person reads it
    /// (the mention keeps its language).
    Unscored,
}

impl Label {
    /// The labels a person gives (`earshot relabel`, the web page's buttons): "unscored"
    /// is the model's word for a text it could not read, never a verdict.
    pub const VERDICTS: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];
}

/// A string that is not a label name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sentiment label {0:?}: use one of negative, neutral, positive, unscored")]
pub struct ParseLabelError(pub String);

impl From<&str> for ParseLabelError {
    fn from(text: &str) -> ParseLabelError {
        ParseLabelError(text.to_owned())
    }
}

/// How soon a mention needs a person (PRODUCT.md, Triage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(
    serialize_all = "lowercase",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_priority
)]
pub enum Priority {
    /// Negative from a VIP, or a repeat complaint.
    Urgent,
    /// Any other negative mention.
    High,
    /// Neutral.
    Normal,
    /// Positive.
    Low,
}

fn unknown_priority(text: &str) -> String {
    format!(
        "unknown priority '{}': use {}",
        text.to_ascii_lowercase(),
        choices(Priority::VARIANTS.iter().map(|p| p.as_str()))
    )
}

/// Where a case stands in the staff workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(
    serialize_all = "lowercase",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_case_status
)]
pub enum CaseStatus {
    /// Nobody has looked at it yet.
    New,
    /// Staff have seen it ("ack" for short on the command line).
    #[strum(to_string = "acknowledged", serialize = "ack")]
    Acknowledged,
    /// Staff promised the customer something by a due date.
    Promised,
    /// Done.
    Resolved,
    /// Resolved, and the author later edited the complaint to neutral or positive.
    Recovered,
}

impl CaseStatus {
    /// Open means somebody still owes the customer something.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Resolved | CaseStatus::Recovered)
    }
}

/// Lists "open" too: the same words parse a `--status` filter.
fn unknown_case_status(text: &str) -> String {
    format!(
        "unknown status '{}': use {}",
        text.to_ascii_lowercase(),
        choices(
            CaseStatus::VARIANTS
                .iter()
                .map(|s| s.as_str())
                .chain(["open"])
        )
    )
}

/// A source's health as `earshot sources` shows it and the alerts watch it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum SourceStatus {
    /// Last attempt worked.
    #[default]
    Ok,
    /// Failing, not for long yet: retried with backoff.
    Failing,
    /// A bot wall refuses Earshot.
    Blocked,
    /// Failed `[fetch] broken_after` cycles in a row, or its selectors stopped matching.
    Broken,
    /// 410 Gone: not fetched again until its url changes in the config.
    Disabled,
}

impl SourceStatus {
    /// The event worth an alert when health goes from `self` to `next`:
    /// `broken`, `disabled` or `recovered`.
    pub fn transition(self, next: SourceStatus) -> Option<&'static str> {
        use SourceStatus::{Broken, Disabled, Ok};
        match (self, next) {
            (from, Broken) if from != Broken => Some("broken"),
            (from, Disabled) if from != Disabled => Some("disabled"),
            (Broken | Disabled, Ok) => Some("recovered"),
            _ => None,
        }
    }
}

/// What an outbox row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum OutboxKind {
    /// An urgent or high mention, sent at once.
    Alert,
    /// An urgent/high case nobody acknowledged within `respond_within`.
    Escalation,
    /// A promise past its due date.
    Reminder,
    /// The scheduled digest.
    Digest,
    /// "N more negative mentions": alerts beyond the hourly cap.
    Flood,
    /// A source broke (layout changed, or failing several cycles in a row).
    SourceDown,
    /// A source that broke works again.
    SourceUp,
    /// A mention became urgent after it was first seen (a customer import, a link, an edit).
    #[strum(serialize = "urgent")]
    BecameUrgent,
    /// A case given to someone on the team: the case, to them.
    Assigned,
    /// A promise still not kept a while after its reminder went to the person whose case
    /// it is: now the owner hears.
    Overdue,
    /// A one-time sign-in link (or a welcome with one) for a person on the team: rendered
    /// when asked for (the link is in no other row) and sent to that person alone.
    SignIn,
    /// A scheduled backup of the database failed (one per day, whatever the retries).
    BackupFailed,
}

/// Where an outbox row is on its way to the mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a dispatcher that is talking to the server.
    Sending,
    /// Accepted by the server (or written as a file).
    Sent,
    /// Refused for good; `earshot outbox --retry` queues it again.
    Failed,
    /// Beyond the hourly cap: folded into a flood summary instead.
    Rolled,
    /// Replaced before it was sent by the mention's "became urgent" email.
    Superseded,
    /// Taken back before it was sent: staff corrected or dismissed the mention.
    Withdrawn,
}

/// Why staff set a mention aside (`earshot dismiss ID --reason …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(
    serialize_all = "kebab-case",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_dismiss_reason
)]
pub enum DismissReason {
    /// A namesake, a street, a competitor: not about this business.
    NotAboutUs,
    /// Advertising or junk.
    Spam,
    /// The same post seen twice (a cross-post, a copy).
    Duplicate,
}

fn unknown_dismiss_reason(text: &str) -> String {
    format!(
        "unknown reason '{}': use {}",
        text.to_ascii_lowercase(),
        choices(DismissReason::VARIANTS.iter().map(|r| r.as_str()))
    )
}

/// What a staff member may do. serde: lowercase "owner" | "staff".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(
    serialize_all = "lowercase",
    ascii_case_insensitive,
    parse_err_ty = String,
    parse_err_fn = unknown_role
)]
pub enum Role {
    /// Manages staff, sources and settings, and works cases.
    Owner,
    /// Works cases.
    Staff,
}

fn unknown_role(text: &str) -> String {
    format!(
        "unknown role '{}': use {}",
        text.to_ascii_lowercase(),
        choices(Role::VARIANTS.iter().map(|r| r.as_str()))
    )
}

/// How an outbox row reaches the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(Display, AsRefStr, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum OutboxChannel {
    /// An email (SMTP, or an `.eml` file).
    Email,
    /// A JSON post to `[alerts] webhook` (ntfy, Slack, Teams or any JSON endpoint).
    Webhook,
}

/// `as_str` and the SQLite conversions of each word type.
macro_rules! stored_words {
    ($($ty:ident: $what:literal),* $(,)?) => {$(
        impl $ty {
            /// The name stored in the database and shown to people.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl ToSql for $ty {
            fn to_value(&self) -> Value {
                Value::Text(self.as_str().to_string())
            }
        }

        impl FromSql for $ty {
            fn from_value(value: Value, column: usize) -> SqlResult<Self> {
                from_stored(value, column, $what)
            }
        }
    )*};
}

stored_words! {
    Label: "label",
    Priority: "priority",
    CaseStatus: "case status",
    SourceStatus: "source status",
    OutboxKind: "outbox kind",
    OutboxStatus: "outbox status",
    DismissReason: "dismiss reason",
    OutboxChannel: "outbox channel",
    Role: "role",
}

/// The variant whose name is exactly the stored text. Aliases and case-folding are for
/// people typing; the database only ever holds the names, so anything else is damage.
fn from_stored<T>(value: Value, column: usize, what: &'static str) -> SqlResult<T>
where
    T: VariantArray + Copy + AsRef<str>,
{
    let text = String::from_value(value, column)?;
    T::VARIANTS
        .iter()
        .copied()
        .find(|v| v.as_ref() == text)
        .ok_or_else(|| SqlError::Unknown(format!("unknown {what} '{text}' in the database")))
}

/// "a, b, c or d".
fn choices<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The customer a mention is linked to, as shown beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRef {
    /// Customer id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Tier from the customer list (e.g. "A"), if any.
    pub tier: Option<String>,
}

/// A mention as stored in the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// Stable id shown to staff.
    pub id: i64,
    /// Source name from the config.
    pub source: String,
    /// Link to the original post.
    pub url: Option<String>,
    /// Author's name or handle as published.
    pub author: Option<String>,
    /// Title, where the source has one.
    pub title: Option<String>,
    /// Plain text.
    pub text: String,
    /// When the author published it (if the source says).
    pub published_at: Option<DateTime<Utc>>,
    /// When Earshot first stored it.
    pub fetched_at: DateTime<Utc>,
    /// Stars 1..=5 from the source, if any.
    pub rating: Option<f32>,
    /// Sentiment in [-1, 1] (exported with three decimals, like the CSV); None (null in
    /// JSON, "—" for people) when the model did not read the text: it is not in English.
    #[serde(serialize_with = "crate::sentiment::serialize_rounded_option")]
    pub score: Option<f32>,
    /// Sentiment label.
    pub label: Label,
    /// The language of a post not in English (ISO 639-3 code in JSON), None for English.
    pub language: Option<Language>,
    /// The terms that moved the score.
    pub terms: Vec<Term>,
    /// Triage priority.
    pub priority: Priority,
    /// Case status.
    pub status: CaseStatus,
    /// Linked customer.
    pub customer: Option<CustomerRef>,
    /// Due date of the open promise, if any.
    pub promise_due_at: Option<DateTime<Utc>>,
    /// A promise is past its due date and the case is not resolved.
    pub overdue: bool,
    /// Set aside by staff, and why: out of the default log, the counts and the digest.
    pub dismissed: Option<DismissReason>,
    /// Staff corrected its label (the model said otherwise).
    pub relabelled: bool,
    /// When it went from a source that lists all reviews ("removed upstream"); None
    /// while it is listed.
    pub removed_at: Option<DateTime<Utc>>,
    /// The person on the team whose case it is (`earshot assign`), by name.
    pub assignee: Option<String>,
    /// The location of a chain it was heard at (its source's `location` when stored);
    /// None without `[[location]]` (left out of JSON then, so exports stay as they were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Mention {
    /// The time the log sorts by: published, else first seen.
    pub fn when(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.fetched_at)
    }

    /// The label as people read it, naming the language of a post not in English:
    /// "negative", "unscored (French)", "negative (German)" (a rated review in German).
    pub fn sentiment(&self) -> String {
        match self.language {
            Some(language) => format!("{} ({language})", self.label),
            None => self.label.to_string(),
        }
    }

    /// The score for people, two decimals ("-0.70"), or "—" when the model did not score
    /// the text (it is not in English).
    pub fn score_shown(&self) -> String {
        match self.score {
            Some(score) => format!("{score:+.2}"),
            None => "\u{2014}".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::{Debug, Display};
    use std::str::FromStr;

    use rusqlite::Connection;

    use super::*;
    use crate::store::sql::{Conn, Value as SqlValue};

    /// Every variant's name, in declaration order.
    fn names<T: VariantArray + AsRef<str>>() -> Vec<&'static str> {
        T::VARIANTS.iter().map(|v| v.as_ref()).collect()
    }

    #[test]
    fn the_names_are_the_ones_already_in_databases() {
        assert_eq!(
            names::<Label>(),
            ["negative", "neutral", "positive", "unscored"]
        );
        assert_eq!(names::<Priority>(), ["urgent", "high", "normal", "low"]);
        assert_eq!(
            names::<CaseStatus>(),
            ["new", "acknowledged", "promised", "resolved", "recovered"]
        );
        assert_eq!(
            names::<SourceStatus>(),
            ["ok", "failing", "blocked", "broken", "disabled"]
        );
        assert_eq!(
            names::<OutboxKind>(),
            [
                "alert",
                "escalation",
                "reminder",
                "digest",
                "flood",
                "source-down",
                "source-up",
                "urgent",
                "assigned",
                "overdue",
                "sign-in",
                "backup-failed"
            ]
        );
        assert_eq!(names::<Role>(), ["owner", "staff"]);
        assert_eq!(
            names::<OutboxStatus>(),
            [
                "pending",
                "sending",
                "sent",
                "failed",
                "rolled",
                "superseded",
                "withdrawn"
            ]
        );
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute("CREATE TABLE t (v)", []).unwrap();
        conn
    }

    /// Store `value` raw, and read it back as a `T`.
    fn read_back<T: FromSql>(conn: &Connection, value: &dyn ToSql) -> SqlResult<T> {
        let conn = Conn::Sqlite(conn);
        conn.execute("DELETE FROM t", []).unwrap();
        conn.execute("INSERT INTO t (v) VALUES (?1)", [value])
            .unwrap();
        conn.query_row("SELECT v FROM t", [], |r| r.get(0))
    }

    /// Each variant survives its string form and SQLite; `bad` stored is an error naming
    /// `what` and `bad`, as is the name in capitals and a number.
    fn check<T>(what: &str, bad: &str)
    where
        T: VariantArray + Copy + Debug + PartialEq + Display + AsRef<str>,
        T: Into<&'static str> + FromStr + ToSql + FromSql,
        <T as FromStr>::Err: Debug,
    {
        let conn = table();
        for &v in T::VARIANTS {
            let name = v.as_ref();
            assert_eq!(v.to_string(), name);
            assert_eq!(Into::<&'static str>::into(v), name);
            assert_eq!(name.parse::<T>().unwrap(), v, "{name}");

            assert_eq!(read_back::<T>(&conn, &v).unwrap(), v, "{name}");
            let stored: String = Conn::Sqlite(&conn)
                .query_row("SELECT v FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(stored, name, "stored as its name");
            assert_eq!(read_back::<T>(&conn, &name).unwrap(), v, "{name}");
        }

        let err = read_back::<T>(&conn, &bad).unwrap_err().to_string();
        assert!(
            err.contains(&format!("unknown {what} '{bad}' in the database")),
            "{err}"
        );
        let shouted = T::VARIANTS[0].as_ref().to_uppercase();
        let err = read_back::<T>(&conn, &shouted).unwrap_err().to_string();
        assert!(err.contains(&format!("'{shouted}'")), "{err}");
        assert!(read_back::<T>(&conn, &1).is_err(), "a number is no {what}");
        assert!(read_back::<Option<T>>(&conn, &SqlValue::Null)
            .unwrap()
            .is_none());
    }

    #[test]
    fn labels_round_trip_and_unknown_ones_are_errors() {
        check::<Label>("label", "grumpy");
    }

    #[test]
    fn priorities_round_trip_and_unknown_ones_are_errors() {
        check::<Priority>("priority", "sideways");
    }

    #[test]
    fn case_statuses_round_trip_and_unknown_ones_are_errors() {
        check::<CaseStatus>("case status", "archived");
        // "ack" is for people typing; the database only ever holds "acknowledged".
        let err = read_back::<CaseStatus>(&table(), &"ack").unwrap_err();
        assert!(err.to_string().contains("'ack'"), "{err}");
    }

    #[test]
    fn source_statuses_round_trip_and_unknown_ones_are_errors() {
        check::<SourceStatus>("source status", "weird");
    }

    #[test]
    fn outbox_kinds_round_trip_and_unknown_ones_are_errors() {
        check::<OutboxKind>("outbox kind", "telegram");
        // Not the old default either: an unknown kind used to become an alert.
        assert!(read_back::<OutboxKind>(&table(), &"sourcedown").is_err());
    }

    #[test]
    fn outbox_statuses_round_trip_and_unknown_ones_are_errors() {
        check::<OutboxStatus>("outbox status", "lost");
    }

    #[test]
    fn people_may_type_any_case_and_ack() {
        assert_eq!("URGENT".parse::<Priority>(), Ok(Priority::Urgent));
        assert_eq!("High".parse::<Priority>(), Ok(Priority::High));
        assert_eq!("ack".parse::<CaseStatus>(), Ok(CaseStatus::Acknowledged));
        assert_eq!("ACK".parse::<CaseStatus>(), Ok(CaseStatus::Acknowledged));
        assert_eq!("Resolved".parse::<CaseStatus>(), Ok(CaseStatus::Resolved));
        assert_eq!("Positive".parse::<Label>(), Ok(Label::Positive));
        assert_eq!(CaseStatus::Acknowledged.to_string(), "acknowledged");
    }

    #[test]
    fn a_wrong_word_is_answered_with_the_right_ones() {
        assert_eq!(
            "Sideways".parse::<Priority>().unwrap_err(),
            "unknown priority 'sideways': use urgent, high, normal or low"
        );
        assert_eq!(
            "closed".parse::<CaseStatus>().unwrap_err(),
            "unknown status 'closed': use new, acknowledged, promised, resolved, recovered or open"
        );
        assert_eq!(
            "grumpy".parse::<Label>().unwrap_err().to_string(),
            "unknown sentiment label \"grumpy\": use one of negative, neutral, positive, unscored"
        );
    }

    #[test]
    fn names_honour_width_and_alignment() {
        assert_eq!(format!("[{:<8}]", Priority::High), "[high    ]");
        assert_eq!(format!("[{:>9}]", Label::Neutral), "[  neutral]");
        assert_eq!(format!("[{:<12}]", OutboxKind::SourceUp), "[source-up   ]");
        assert_eq!(format!("[{:<8}]", OutboxStatus::Sent), "[sent    ]");
    }

    #[test]
    fn transitions_worth_an_alert() {
        use SourceStatus::*;
        assert_eq!(Ok.transition(Broken), Some("broken"));
        assert_eq!(Failing.transition(Broken), Some("broken"));
        assert_eq!(Broken.transition(Broken), None);
        assert_eq!(Broken.transition(Ok), Some("recovered"));
        assert_eq!(Ok.transition(Disabled), Some("disabled"));
        assert_eq!(Disabled.transition(Ok), Some("recovered"));
        assert_eq!(Failing.transition(Ok), None);
        assert_eq!(Ok.transition(Blocked), None);
    }
}
