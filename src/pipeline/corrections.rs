//! Staff correcting Earshot: a label, a priority, or "not about us". The correction is
//! stored with who and when, then the mention's customer (or the mention alone) is
//! re-decided through [`super::redecide`], so a mention corrected to urgent gets its one
//! email and a mention corrected to praise or dismissed takes back an email still waiting.

use chrono::{DateTime, Utc};

use super::decide::alerts_owner;
use super::{redecide, Touched};
use crate::config::TriageSettings;
use crate::model::{DismissReason, Label, Priority};
use crate::store::{Store, StoreError};

/// What staff say about a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// The sentiment is this, whatever the model said (until the author edits the post).
    Label(Label),
    /// The priority is this (None: the rules decide again).
    Priority(Option<Priority>),
    /// Set it aside for this reason (None: bring it back).
    Dismiss(Option<DismissReason>),
}

impl Correction {
    /// What the "became urgent" email gives as the cause.
    fn why(self) -> String {
        match self {
            Correction::Label(label) => format!("staff marked it {label}"),
            Correction::Priority(Some(p)) => format!("staff set its priority to {p}"),
            Correction::Priority(None) => "staff gave its priority back to the rules".into(),
            Correction::Dismiss(Some(reason)) => format!("staff dismissed it ({reason})"),
            Correction::Dismiss(None) => "staff brought it back to the log".into(),
        }
    }
}

/// What a correction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrected {
    /// Emails queued because of it (a mention corrected to urgent: one).
    pub queued: usize,
    /// Emails about it that were still waiting and were taken back.
    pub withdrawn: usize,
}

/// Apply one staff correction and re-decide what follows from it, in one transaction.
pub fn correct(
    store: &mut Store,
    mention_id: i64,
    correction: Correction,
    note: Option<&str>,
    by: &str,
    rules: &TriageSettings,
    now: DateTime<Utc>,
) -> Result<Corrected, StoreError> {
    store.transaction(|tx| {
        match correction {
            Correction::Label(label) => {
                Store::set_label_override(tx, mention_id, label, by, now)?;
            }
            Correction::Priority(priority) => {
                Store::set_priority_override(tx, mention_id, priority, by, now)?;
            }
            Correction::Dismiss(reason) => {
                Store::set_dismissed(tx, mention_id, reason, note, by, now)?;
            }
        }
        let (customer, _) = Store::mention_link(tx, mention_id)?;
        let mut touched = Touched::default();
        touched.add(mention_id, (customer, customer));
        let queued = redecide(tx, &touched, rules, &correction.why(), now)?;
        let facts = Store::mention_facts(tx, mention_id)?;
        let still_alerts = facts.priority.is_some_and(alerts_owner);
        let withdrawn = if facts.dismissed || !still_alerts {
            Store::withdraw_waiting_emails(tx, mention_id)?
        } else {
            0
        };
        Ok(Corrected { queued, withdrawn })
    })
}
