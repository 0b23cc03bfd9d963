//! The shared vocabulary: a stored mention, its priority and case status.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::sentiment::{Label, Term};

/// How soon a mention needs a person (PRODUCT.md, Triage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

impl Priority {
    /// The lowercase name used in the CLI, the database and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "urgent" => Ok(Priority::Urgent),
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            other => Err(format!(
                "unknown priority '{other}': use urgent, high, normal or low"
            )),
        }
    }
}

/// Where a case stands in the staff workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    /// Nobody has looked at it yet.
    New,
    /// Staff have seen it.
    Acknowledged,
    /// Staff promised the customer something by a due date.
    Promised,
    /// Done.
    Resolved,
    /// Resolved, and the author later edited the complaint to neutral or positive.
    Recovered,
}

impl CaseStatus {
    /// The lowercase name used in the CLI, the database and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Acknowledged => "acknowledged",
            CaseStatus::Promised => "promised",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Recovered => "recovered",
        }
    }

    /// Open means somebody still owes the customer something.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Resolved | CaseStatus::Recovered)
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CaseStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Ok(CaseStatus::New),
            "acknowledged" | "ack" => Ok(CaseStatus::Acknowledged),
            "promised" => Ok(CaseStatus::Promised),
            "resolved" => Ok(CaseStatus::Resolved),
            "recovered" => Ok(CaseStatus::Recovered),
            other => Err(format!(
                "unknown status '{other}': use new, acknowledged, promised, resolved, recovered or open"
            )),
        }
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
    /// Sentiment in [-1, 1].
    pub score: f32,
    /// Sentiment label.
    pub label: Label,
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
}

impl Mention {
    /// The time the log sorts by: published, else first seen.
    pub fn when(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.fetched_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_and_status_round_trip_through_their_names() {
        for p in [
            Priority::Urgent,
            Priority::High,
            Priority::Normal,
            Priority::Low,
        ] {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), p);
        }
        for s in [
            CaseStatus::New,
            CaseStatus::Acknowledged,
            CaseStatus::Promised,
            CaseStatus::Resolved,
            CaseStatus::Recovered,
        ] {
            assert_eq!(s.as_str().parse::<CaseStatus>().unwrap(), s);
        }
        assert!("sideways"
            .parse::<Priority>()
            .unwrap_err()
            .contains("urgent"));
    }
}
