//! What time and volume put in the outbox: escalations, overdue-promise reminders, the
//! digest, source breakages and recoveries, and the flood guard's summaries. Each is keyed
//! by its cause, so asking again (every dispatcher tick) never queues it twice.

use super::sql::{params, Tx};
use chrono::{DateTime, Utc};

use super::outbox::{insert_mention_row, insert_row};
use super::{ts, Store, StoreError};
use crate::model::{CaseStatus, OutboxKind, Priority};

impl Store {
    /// Queue one escalation for every mention alerted at or before `cutoff` (its alert or
    /// its urgent email) that `needs_escalation` picks by status and priority: the rule is
    /// the caller's. Returns how many were queued.
    pub fn queue_escalations(
        &mut self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        needs_escalation: impl Fn(CaseStatus, Priority) -> bool,
    ) -> Result<usize, StoreError> {
        self.transaction(|tx| {
            let mut stmt = tx.prepare(
                "SELECT DISTINCT m.id, m.status, m.priority FROM outbox a \
                 JOIN mentions m ON m.id = a.mention_id \
                 WHERE a.kind IN (?2, ?3) AND a.created_at <= ?1 \
                 AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.dedupe_key = 'escalation:' || m.id)",
            )?;
            let candidates: Vec<(i64, CaseStatus, Priority)> = stmt
                .query_map(
                    params![ts(cutoff), OutboxKind::Alert, OutboxKind::BecameUrgent],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?
                .collect::<Result<_, _>>()?;
            let mut queued = 0;
            for (id, status, priority) in candidates {
                if !needs_escalation(status, priority) {
                    continue;
                }
                let key = format!("escalation:{id}");
                queued += usize::from(insert_mention_row(
                    tx,
                    OutboxKind::Escalation,
                    id,
                    &key,
                    priority,
                    None,
                    now,
                )?);
            }
            Ok(queued)
        })
    }

    /// Queue one reminder per promise that is past its due date and not resolved.
    pub fn queue_reminders(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.queue_promises(OutboxKind::Reminder, "reminder", "", now, now)
    }

    /// Queue one "overdue" email to the owner per assigned promise that was due at or
    /// before `cutoff` (its reminder went to the assignee at the due time) and is still
    /// not kept.
    pub fn queue_overdue(
        &mut self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let assigned = "AND assigned_to IS NOT NULL";
        self.queue_promises(OutboxKind::Overdue, "overdue", assigned, cutoff, now)
    }

    /// One `kind` row per open promise due at or before `due_by` (and matching the extra
    /// SQL condition `and`), keyed `<key>:<mention>:<due>` so each due date queues once.
    fn queue_promises(
        &mut self,
        kind: OutboxKind,
        key: &str,
        and: &str,
        due_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.transaction(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT id, promise_due_at, priority FROM mentions WHERE status = ?2 \
                 AND promise_due_at IS NOT NULL AND promise_due_at <= ?1 {and}"
            ))?;
            let due: Vec<(i64, String, Priority)> = stmt
                .query_map(params![ts(due_by), CaseStatus::Promised], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut queued = 0;
            for (id, due_at, priority) in due {
                let row_key = format!("{key}:{id}:{due_at}");
                queued += usize::from(insert_mention_row(
                    tx,
                    kind,
                    id,
                    &row_key,
                    priority,
                    Some(&due_at),
                    now,
                )?);
            }
            Ok(queued)
        })
    }

    /// Queue the email telling `staff_id` a case is now theirs (one per assignment).
    pub fn queue_assigned(
        tx: &Tx<'_>,
        mention_id: i64,
        staff_id: i64,
        priority: Priority,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let seq: i64 = tx.query_row(
            "SELECT COUNT(*) FROM mention_events WHERE mention_id = ?1",
            [mention_id],
            |r| r.get(0),
        )?;
        // Keyed by the history's length: assigning again later is a new email, asking
        // twice within one step is not.
        let key = format!("assigned:{mention_id}:{staff_id}:{seq}");
        insert_mention_row(
            tx,
            OutboxKind::Assigned,
            mention_id,
            &key,
            priority,
            Some(&staff_id.to_string()),
            now,
        )
    }

    /// Queue the digest for the period starting at `period_start` (once per period).
    pub fn queue_digest(
        &mut self,
        period_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let start = ts(period_start);
        self.transaction(|tx| {
            insert_row(
                tx,
                OutboxKind::Digest,
                None,
                &format!("digest:{start}"),
                Some(&start),
                now,
            )
            .map(|id| id.is_some())
        })
    }

    /// Queue one "source down" for each time a source broke or was disabled, and one
    /// "source back" when it recovered: one email per transition the poller recorded.
    pub fn queue_source_alerts(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.transaction(|tx| {
            let mut stmt = tx.prepare(
                "SELECT e.id, e.source, e.kind FROM source_events e WHERE NOT EXISTS \
                 (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'source-event:' || e.id) ORDER BY e.id",
            )?;
            let events: Vec<(i64, String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let mut queued = 0;
            for (id, source, kind) in events {
                let kind = match kind.as_str() {
                    "recovered" => OutboxKind::SourceUp,
                    _ => OutboxKind::SourceDown,
                };
                let key = format!("source-event:{id}");
                queued += usize::from(insert_row(tx, kind, None, &key, Some(&source), now)?.is_some());
            }
            Ok(queued)
        })
    }

    /// Immediate alert emails claimed for sending since `since` (the flood guard's count;
    /// pushes are not capped).
    /// Only alerts `counts` picks by the priority they were queued at (the flood guard
    /// counts the alerts it may fold).
    pub fn alerts_sent_since(
        &self,
        since: DateTime<Utc>,
        counts: impl Fn(Option<Priority>) -> bool,
    ) -> Result<usize, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT priority FROM outbox WHERE kind = ?2 AND status IN (?3, ?4) AND claimed_at >= ?1 \
             AND channel = 'email'",
        )?;
        let priorities: Vec<Option<Priority>> = stmt
            .query_map(
                params![
                    ts(since),
                    OutboxKind::Alert,
                    crate::model::OutboxStatus::Sending,
                    crate::model::OutboxStatus::Sent
                ],
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        Ok(priorities.into_iter().filter(|p| counts(*p)).count())
    }

    /// Fold an alert over the hourly cap into the next flood summary.
    pub fn roll_alert(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET status = 'rolled' WHERE id = ?1 AND status = 'pending'",
            [id],
        )?;
        Ok(())
    }

    /// Queue one flood summary for the rolled alerts not yet summarised, unless a summary
    /// was queued within the last hour (`since`). Returns the new row's id.
    pub fn queue_flood(
        &mut self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        self.transaction(|tx| {
            let waiting: i64 = tx.query_row(
                "SELECT COUNT(*) FROM outbox WHERE status = 'rolled' AND rolled_into IS NULL",
                [],
                |r| r.get(0),
            )?;
            let recent: i64 = tx.query_row(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'flood' AND created_at >= ?1",
                [ts(since)],
                |r| r.get(0),
            )?;
            if waiting == 0 || recent > 0 {
                return Ok(None);
            }
            let key = format!("flood:{}", ts(now));
            let Some(id) = insert_row(tx, OutboxKind::Flood, None, &key, None, now)? else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE outbox SET rolled_into = ?1 WHERE status = 'rolled' AND rolled_into IS NULL",
                [id],
            )?;
            Ok(Some(id))
        })
    }

    /// The mentions folded into a flood summary, oldest first.
    pub fn flood_members(&self, flood_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT mention_id FROM outbox WHERE rolled_into = ?1 AND mention_id IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([flood_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
