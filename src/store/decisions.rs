//! Reading the facts the pipeline decides on, and persisting its decisions: priorities,
//! whether a mention is open, and the alert emails it asked for. No rule lives here: which
//! priority, which email and what "open" means are the pipeline's (`crate::pipeline`).

use super::sql::{params, OptionalExtension, Tx};
use chrono::{DateTime, Utc};

use super::outbox::insert_mention_row;
use super::{parse_ts, ts, Store, StoreError};
use crate::model::{OutboxKind, OutboxStatus, Priority};
use crate::pipeline::decide::{AlertAction, AlertHistory, Decision, MentionFacts, Profile};

const SELECT_FACTS: &str = "SELECT m.id, m.label, COALESCE(m.published_at, m.fetched_at), \
    m.backfill, m.priority, m.priority_reasons, m.status, m.priority_override, \
    m.dismissed IS NOT NULL FROM mentions m";

impl Store {
    /// A customer's tier and lifetime value; None when no such customer.
    pub fn customer_profile(tx: &Tx<'_>, customer_id: i64) -> Result<Option<Profile>, StoreError> {
        Ok(tx
            .prepare_cached("SELECT tier, lifetime_value FROM customers WHERE id = ?1")?
            .query_row([customer_id], |r| {
                Ok(Profile {
                    tier: r.get(0)?,
                    lifetime_value: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// Every mention linked to a customer, with what was already emailed about each.
    pub fn customer_history(
        tx: &Tx<'_>,
        customer_id: i64,
    ) -> Result<Vec<MentionFacts>, StoreError> {
        facts_where(tx, "WHERE m.customer_id = ?1", customer_id)
    }

    /// One mention's facts (whoever it is linked to).
    pub fn mention_facts(tx: &Tx<'_>, mention_id: i64) -> Result<MentionFacts, StoreError> {
        facts_where(tx, "WHERE m.id = ?1", mention_id)?
            .pop()
            .ok_or(StoreError::NoSuchMention(mention_id))
    }

    /// The customers that have at least one mention.
    pub fn customers_with_mentions(tx: &Tx<'_>) -> Result<Vec<i64>, StoreError> {
        let mut stmt = tx.prepare(
            "SELECT DISTINCT customer_id FROM mentions WHERE customer_id IS NOT NULL ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The customer a mention is linked to, and whether staff fixed that link by hand.
    pub fn mention_link(tx: &Tx<'_>, mention_id: i64) -> Result<(Option<i64>, bool), StoreError> {
        tx.prepare_cached("SELECT customer_id, link_locked FROM mentions WHERE id = ?1")?
            .query_row([mention_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))
    }

    /// Persist one decision: the priority, its reasons and the open flag when they changed,
    /// and the email it asked for (`why_now` says what made a mention urgent later).
    /// Returns whether an email was queued.
    pub fn save_decision(
        tx: &Tx<'_>,
        decision: &Decision,
        why_now: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = decision.mention_id;
        tx.prepare_cached(
            "UPDATE mentions SET priority = ?2, priority_reasons = ?3, open = ?4 WHERE id = ?1 \
             AND (priority IS DISTINCT FROM ?2 OR priority_reasons IS DISTINCT FROM ?3 OR open IS DISTINCT FROM ?4)",
        )?
        .execute(params![
            id,
            decision.verdict.priority,
            serde_json::to_string(&decision.verdict.reasons).unwrap_or_else(|_| "[]".into()),
            decision.open,
        ])?;
        match decision.alert {
            None => Ok(false),
            Some(AlertAction::Alert(priority)) => {
                let key = format!("alert:{id}");
                Ok(
                    insert_mention_row(tx, OutboxKind::Alert, id, &key, priority, None, now)?
                        || revive_withdrawn(tx, &key, priority, now)?,
                )
            }
            Some(AlertAction::BecameUrgent) => {
                let key = format!("urgent:{id}");
                let queued = insert_mention_row(
                    tx,
                    OutboxKind::BecameUrgent,
                    id,
                    &key,
                    Priority::Urgent,
                    Some(why_now),
                    now,
                )? || revive_withdrawn(tx, &key, Priority::Urgent, now)?;
                if queued {
                    // The urgent email says everything the waiting one would have.
                    tx.execute(
                        "UPDATE outbox SET status = ?3 WHERE mention_id = ?1 AND kind = ?2 \
                         AND status IN (?4, ?5) AND rolled_into IS NULL",
                        params![
                            id,
                            OutboxKind::Alert,
                            OutboxStatus::Superseded,
                            OutboxStatus::Pending,
                            OutboxStatus::Rolled
                        ],
                    )?;
                }
                Ok(queued)
            }
        }
    }

    /// Set whether a mention is open (after a staff step changed its status).
    pub fn set_open(tx: &Tx<'_>, mention_id: i64, open: bool) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE mentions SET open = ?2 WHERE id = ?1",
            params![mention_id, open],
        )?;
        Ok(())
    }

    /// When a source first fetched successfully; None before that.
    pub fn source_first_success(
        tx: &Tx<'_>,
        name: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<Option<String>> = tx
            .query_row(
                "SELECT first_success_at FROM sources WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.flatten().as_deref().and_then(parse_ts))
    }

    /// Mark a mention as taken in by backfill: logged and scored, never emailed.
    pub fn mark_backfill(tx: &Tx<'_>, mention_id: i64) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE mentions SET backfill = 1 WHERE id = ?1",
            [mention_id],
        )?;
        Ok(())
    }

    /// How many mentions were taken in as backfill, first seen in `since..until`.
    pub fn backfill_count(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM mentions WHERE backfill = 1 AND fetched_at >= ?1 AND fetched_at < ?2",
            params![ts(since), ts(until)],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

/// Queue again an email taken back by a staff correction (and its push), when a later
/// correction asks for it after all; true when there was one.
fn revive_withdrawn(
    tx: &Tx<'_>,
    key: &str,
    priority: Priority,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let revived = tx.execute(
        "UPDATE outbox SET status = ?2, priority = ?3, next_attempt_at = ?4 \
         WHERE dedupe_key IN (?1, 'webhook:' || ?1) AND status = ?5",
        params![
            key,
            OutboxStatus::Pending,
            priority,
            super::ts(now),
            OutboxStatus::Withdrawn
        ],
    )?;
    Ok(revived > 0)
}

fn facts_where(tx: &Tx<'_>, clause: &str, arg: i64) -> Result<Vec<MentionFacts>, StoreError> {
    let mut stmt = tx.prepare_cached(&format!("{SELECT_FACTS} {clause} ORDER BY m.id"))?;
    let rows: Vec<MentionFacts> = stmt
        .query_map([arg], |r| {
            Ok(MentionFacts {
                id: r.get(0)?,
                label: r.get(1)?,
                when: parse_ts(&r.get::<String>(2)?).unwrap_or_default(),
                backfill: r.get(3)?,
                priority: Some(r.get(4)?),
                reasons: serde_json::from_str(&r.get::<String>(5)?).unwrap_or_default(),
                status: r.get(6)?,
                alerted: AlertHistory::default(),
                priority_override: r.get(7)?,
                dismissed: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut out = rows;
    for facts in &mut out {
        facts.alerted = alert_history(tx, facts.id)?;
    }
    Ok(out)
}

/// What was already queued about a mention: its alert's priority, its urgent email.
fn alert_history(tx: &Tx<'_>, mention_id: i64) -> Result<AlertHistory, StoreError> {
    // An email taken back by a staff correction was never sent: it does not count.
    let mut stmt = tx.prepare_cached(
        "SELECT kind, priority FROM outbox WHERE mention_id = ?1 AND kind IN (?2, ?3) \
         AND status != ?4",
    )?;
    let rows: Vec<(OutboxKind, Option<Priority>)> = stmt
        .query_map(
            params![
                mention_id,
                OutboxKind::Alert,
                OutboxKind::BecameUrgent,
                OutboxStatus::Withdrawn
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    let mut history = AlertHistory::default();
    for (kind, priority) in rows {
        if kind == OutboxKind::BecameUrgent {
            history.became_urgent = true;
            continue;
        }
        // Rows queued before priorities were recorded alerted at least as high.
        let priority = priority.unwrap_or(Priority::High);
        history.queued_at = Some(history.queued_at.map_or(priority, |p| p.min(priority)));
    }
    Ok(history)
}
