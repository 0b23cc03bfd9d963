//! Staff corrections of what the model and the rules decided: a label, a priority, or a
//! mention set aside. Each is kept in the case history with who and when; the pipeline
//! (`crate::pipeline::correct`) re-decides what follows from it.

use super::sql::{params, OptionalExtension, Tx};
use chrono::{DateTime, Utc};

use super::mentions::record_event;
use super::{ts, Store, StoreError};
use crate::model::{DismissReason, Label, OutboxKind, OutboxStatus, Priority};

/// A corrected mention's text and the label staff gave it (`eval --corrections`).
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectedText {
    /// Mention id.
    pub id: i64,
    /// Title, where the source has one.
    pub title: Option<String>,
    /// Plain text.
    pub text: String,
    /// Stars, when the source gave them.
    pub rating: Option<f32>,
    /// The label staff set.
    pub label: Label,
}

impl Store {
    /// Set the label staff say is right; returns the label it had. Recorded in the history.
    pub fn set_label_override(
        tx: &Tx<'_>,
        mention_id: i64,
        label: Label,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Label, StoreError> {
        let was: Label = tx
            .query_row(
                "SELECT label FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))?;
        tx.execute(
            "UPDATE mentions SET label = ?2, label_override = ?2 WHERE id = ?1",
            params![mention_id, label],
        )?;
        let note = format!("label {was} \u{2192} {label}");
        record_event(
            tx,
            mention_id,
            now,
            "relabelled",
            Some(note),
            None,
            Some(by),
        )?;
        Ok(was)
    }

    /// Pin a priority (or give it back to the rules with None). Recorded in the history.
    pub fn set_priority_override(
        tx: &Tx<'_>,
        mention_id: i64,
        priority: Option<Priority>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let changed = tx.execute(
            "UPDATE mentions SET priority_override = ?2 WHERE id = ?1",
            params![mention_id, priority],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchMention(mention_id));
        }
        let note = match priority {
            Some(p) => format!("priority set to {p}"),
            None => "priority left to the rules again".to_owned(),
        };
        record_event(tx, mention_id, now, "priority", Some(note), None, Some(by))?;
        Ok(())
    }

    /// Set a mention aside (or bring it back with None). Recorded in the history.
    pub fn set_dismissed(
        tx: &Tx<'_>,
        mention_id: i64,
        reason: Option<DismissReason>,
        note: Option<&str>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let changed = tx.execute(
            "UPDATE mentions SET dismissed = ?2, dismissed_at = ?3 WHERE id = ?1",
            params![mention_id, reason, reason.map(|_| ts(now))],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchMention(mention_id));
        }
        let (kind, what) = match reason {
            Some(reason) => ("dismissed", reason.to_string()),
            None => ("undismissed", "back in the log".to_owned()),
        };
        let note = match note {
            Some(note) if !note.trim().is_empty() => format!("{what}: {}", note.trim()),
            _ => what,
        };
        record_event(tx, mention_id, now, kind, Some(note), None, Some(by))?;
        Ok(())
    }

    /// Take back the emails about a mention that are still waiting to be sent; returns how
    /// many. (The pipeline decides when: a correction that leaves nothing to alert about.)
    pub fn withdraw_waiting_emails(tx: &Tx<'_>, mention_id: i64) -> Result<usize, StoreError> {
        Ok(tx.execute(
            "UPDATE outbox SET status = ?2 WHERE mention_id = ?1 AND status IN (?3, ?4) \
             AND kind IN (?5, ?6, ?7, ?8)",
            params![
                mention_id,
                OutboxStatus::Withdrawn,
                OutboxStatus::Pending,
                OutboxStatus::Failed,
                OutboxKind::Alert,
                OutboxKind::BecameUrgent,
                OutboxKind::Escalation,
                OutboxKind::Reminder,
            ],
        )?)
    }

    /// Every mention whose label staff corrected, oldest first.
    pub fn corrected_texts(&self) -> Result<Vec<CorrectedText>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, title, text, rating, label_override FROM mentions \
             WHERE label_override IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CorrectedText {
                id: r.get(0)?,
                title: r.get(1)?,
                text: r.get(2)?,
                rating: r.get(3)?,
                label: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
