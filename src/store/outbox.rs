//! The alert outbox: every email Earshot owes the owner, from queueing to delivery.
//!
//! A row is queued in the transaction that stores its cause and is keyed by that cause
//! (`dedupe_key`), so re-fetches, edits and restarts never queue it twice. The dispatcher
//! claims a row ("sending") before it talks to the server and marks it "sent" after the
//! server accepted it; a "sending" row older than the lease belonged to a process that died
//! mid-send and is taken again (at-least-once for that one narrow window).

use super::sql::{params, OptionalExtension, Row, SqlResult, Tx};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts, Store, StoreError};
use crate::model::{OutboxChannel, OutboxKind, OutboxStatus};

/// One outbox row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// What it is for.
    pub kind: OutboxKind,
    /// The mention it is about, if any.
    pub mention_id: Option<i64>,
    /// Where it is on its way to the server.
    pub status: OutboxStatus,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Not before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When it was accepted by the server (or written as a file).
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Subject, once rendered.
    pub subject: Option<String>,
    /// Digest: start of the period; reminder: the promise's due date.
    pub detail: Option<String>,
    /// Flood summary this alert was folded into.
    pub rolled_into: Option<i64>,
    /// The priority of the mention when this row was queued (alerts about a mention).
    pub priority: Option<crate::model::Priority>,
    /// When a dispatcher took it for sending.
    pub claimed_at: Option<DateTime<Utc>>,
    /// Which process took it (`host:pid`).
    pub claimed_by: Option<String>,
    /// Email, or a push to the `[alerts] webhook`.
    pub channel: OutboxChannel,
}

/// A row's rendered message, kept so a retry sends the very same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Subject (for the listing).
    pub subject: String,
    /// Envelope recipients (a push: the webhook's host, never its secret path).
    pub recipients: Vec<String>,
    /// The RFC 5322 message (a push: the JSON body).
    pub message: Vec<u8>,
}

const SELECT_ENTRY: &str = "SELECT id, kind, mention_id, status, created_at, next_attempt_at, \
    attempts, sent_at, last_error, subject, detail, rolled_into, priority, claimed_at, \
    claimed_by, channel FROM outbox";

impl Store {
    /// Rows to send now: pending and due (or all pending when `ignore_schedule`), and
    /// "sending" rows whose claim is older than `lease_cutoff` (their process died).
    pub fn due_outbox(
        &self,
        now: DateTime<Utc>,
        lease_cutoff: DateTime<Utc>,
        ignore_schedule: bool,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let due = if ignore_schedule {
            "9999".to_owned()
        } else {
            ts(now)
        };
        let mut stmt = self.conn().prepare(&format!(
            "{SELECT_ENTRY} WHERE (status = 'pending' AND next_attempt_at <= ?1) \
             OR status = 'sending' ORDER BY id"
        ))?;
        let rows: Vec<OutboxEntry> = stmt
            .query_map(params![due], entry_from_row)?
            .collect::<Result<_, _>>()?;
        // A row being sent is due again once its claim lapsed or its sender died.
        Ok(rows
            .into_iter()
            .filter(|e| e.status != OutboxStatus::Sending || claim_lapsed(e, lease_cutoff))
            .collect())
    }

    /// Take a row for sending; false if another dispatcher took it first.
    pub fn claim_outbox(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
        lease_cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.claiming(|| self.claim_outbox_now(id, now, lease_cutoff))
    }

    fn claim_outbox_now(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // Another worker taking this row right now (PostgreSQL): leave it to them.
        let lock = format!("SELECT id FROM outbox WHERE id = ?1{}", self.skip_locked());
        if self
            .conn()
            .query_row(&lock, [id], |_| Ok(()))
            .optional()?
            .is_none()
        {
            return Ok(false);
        }
        let Some(entry) = self.outbox_entry(id)? else {
            return Ok(false);
        };
        let free = match entry.status {
            OutboxStatus::Pending => true,
            OutboxStatus::Sending => claim_lapsed(&entry, lease_cutoff),
            _ => false,
        };
        if !free {
            return Ok(false);
        }
        // Take it only if nobody else took it since we looked.
        let changed = self.conn().execute(
            "UPDATE outbox SET status = ?2, claimed_at = ?3, claimed_by = ?4 WHERE id = ?1 \
             AND status = ?5 AND claimed_at IS NOT DISTINCT FROM ?6 AND claimed_by IS NOT DISTINCT FROM ?7",
            params![
                id,
                OutboxStatus::Sending,
                ts(now),
                crate::lease::owner(),
                entry.status,
                entry.claimed_at.map(ts),
                entry.claimed_by
            ],
        )?;
        Ok(changed == 1)
    }

    /// Queue a push for every email of `kinds` still on its way (pending or being sent),
    /// keyed `webhook:<its key>` so each is pushed once whatever restarts happen. Only
    /// rows still on their way: turning the webhook on does not push the old alerts. A
    /// push waits as long as its email was held at queueing, not for the email's retries.
    /// Returns how many were queued.
    pub fn queue_pushes(
        &mut self,
        kinds: &[OutboxKind],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let kinds = kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let queued = self.conn().execute(
            &format!(
                "INSERT INTO outbox (kind, mention_id, dedupe_key, status, created_at, \
                 next_attempt_at, priority, detail, channel) \
                 SELECT kind, mention_id, 'webhook:' || dedupe_key, 'pending', ?1, \
                 CASE WHEN attempts = 0 AND next_attempt_at > ?1 THEN next_attempt_at ELSE ?1 END, \
                 priority, detail, ?2 FROM outbox WHERE channel = ?3 AND status IN (?4, ?5) \
                 AND kind IN ({kinds}) ORDER BY id ON CONFLICT DO NOTHING"
            ),
            params![
                ts(now),
                OutboxChannel::Webhook,
                OutboxChannel::Email,
                OutboxStatus::Pending,
                OutboxStatus::Sending
            ],
        )?;
        Ok(queued)
    }

    /// Keep a one-time sign-in link (by its token's hash) for `staff_id` until `expires`
    /// and queue the email that carries it, already rendered (the token is in no other
    /// row), in one transaction: a link is never kept without its email, nor the other way.
    pub fn queue_sign_in(
        &mut self,
        token_hash: &str,
        staff_id: i64,
        rendered: &Rendered,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.transaction(|tx| {
            super::staff::insert_sign_in_link(tx, token_hash, staff_id, now, expires)?;
            Ok(tx.query_row(
                "INSERT INTO outbox (kind, dedupe_key, status, created_at, next_attempt_at, \
                 subject, recipients, message, channel) \
                 VALUES (?1, ?2, 'pending', ?3, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![
                    OutboxKind::SignIn,
                    format!("sign-in:{token_hash}"),
                    ts(now),
                    rendered.subject,
                    serde_json::to_string(&rendered.recipients).unwrap_or_else(|_| "[]".into()),
                    rendered.message,
                    OutboxChannel::Email,
                ],
                |r| r.get(0),
            )?)
        })
    }

    /// The message rendered for a row earlier, if any.
    pub fn outbox_rendered(&self, id: i64) -> Result<Option<Rendered>, StoreError> {
        type Parts = (Option<String>, Option<String>, Option<Vec<u8>>);
        let row: Option<Parts> = self
            .conn()
            .query_row(
                "SELECT subject, recipients, message FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(match row {
            Some((Some(subject), Some(recipients), Some(message))) => Some(Rendered {
                subject,
                recipients: serde_json::from_str(&recipients).unwrap_or_default(),
                message,
            }),
            _ => None,
        })
    }

    /// Keep a row's rendered message, so every attempt sends the same bytes.
    pub fn save_rendered(&mut self, id: i64, rendered: &Rendered) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET subject = ?2, recipients = ?3, message = ?4 WHERE id = ?1",
            params![
                id,
                rendered.subject,
                serde_json::to_string(&rendered.recipients).unwrap_or_else(|_| "[]".into()),
                rendered.message,
            ],
        )?;
        Ok(())
    }

    /// The server accepted it.
    pub fn mark_sent(&mut self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, \
             last_error = NULL WHERE id = ?1",
            params![id, ts(now)],
        )?;
        Ok(())
    }

    /// Drop a sent row's message (a sign-in email: its link must not outlive the sending
    /// in a copy of the database).
    pub fn forget_message(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET message = NULL WHERE id = ?1 AND status = 'sent'",
            [id],
        )?;
        Ok(())
    }

    /// A failure worth retrying: back to pending, not before `next_attempt_at`.
    pub fn mark_retry(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?2, \
             next_attempt_at = ?3 WHERE id = ?1",
            params![id, error, ts(next_attempt_at)],
        )?;
        Ok(())
    }

    /// Not attempted because the server is unreachable: wait like the row that was tried.
    pub fn defer_outbox(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET last_error = ?2, next_attempt_at = ?3 \
             WHERE id = ?1 AND status = 'pending'",
            params![id, error, ts(next_attempt_at)],
        )?;
        Ok(())
    }

    /// Not now (quiet hours): a pending row waits, untried, until `until`.
    pub fn hold_outbox(&mut self, id: i64, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1 AND status = 'pending'",
            params![id, ts(until)],
        )?;
        Ok(())
    }

    /// The server refused it for good (5xx): keep its reply for `earshot outbox`.
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2 \
             WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Make pending and failed rows due now (`earshot outbox --retry`). A failed row is
    /// rendered afresh, so a corrected `[alerts] to` applies. Returns how many.
    pub fn retry_outbox_now(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let failed = self.conn().execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?1, subject = NULL, \
             recipients = NULL, message = NULL WHERE status = 'failed'",
            [ts(now)],
        )?;
        let pending = self.conn().execute(
            "UPDATE outbox SET next_attempt_at = ?1 WHERE status = 'pending'",
            [ts(now)],
        )?;
        Ok(failed + pending)
    }

    /// The outbox for `earshot outbox`, newest first; `status` filters when given.
    pub fn outbox(&self, status: Option<OutboxStatus>) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "{SELECT_ENTRY} WHERE CAST(?1 AS TEXT) IS NULL OR status = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([status], entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One outbox row.
    pub fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT_ENTRY} WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()?)
    }
}

/// Insert (unless its dedupe key is taken) one row about a mention, recording the priority it was queued at;
/// true when it was new.
pub(super) fn insert_mention_row(
    tx: &Tx<'_>,
    kind: OutboxKind,
    mention_id: i64,
    key: &str,
    priority: crate::model::Priority,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "INSERT INTO outbox (kind, mention_id, dedupe_key, status, created_at, \
         next_attempt_at, priority, detail) VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![
            kind.as_str(),
            mention_id,
            key,
            ts(now),
            priority.as_str(),
            detail
        ],
    )?;
    Ok(changed == 1)
}

/// Insert one row unless its dedupe key is taken; its id when it was new.
pub(super) fn insert_row(
    tx: &Tx<'_>,
    kind: OutboxKind,
    mention_id: Option<i64>,
    key: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .query_row(
            "INSERT INTO outbox (kind, mention_id, dedupe_key, status, created_at, \
             next_attempt_at, detail) VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?5) \
             ON CONFLICT DO NOTHING RETURNING id",
            params![kind, mention_id, key, ts(now), detail],
            |r| r.get(0),
        )
        .optional()?)
}

fn entry_from_row(r: &Row<'_>) -> SqlResult<OutboxEntry> {
    let time = |i: usize| -> SqlResult<Option<DateTime<Utc>>> {
        Ok(r.get::<Option<String>>(i)?.as_deref().and_then(parse_ts))
    };
    Ok(OutboxEntry {
        id: r.get(0)?,
        kind: r.get(1)?,
        mention_id: r.get(2)?,
        status: r.get(3)?,
        created_at: time(4)?.unwrap_or_default(),
        next_attempt_at: time(5)?.unwrap_or_default(),
        attempts: r.get(6)?,
        sent_at: time(7)?,
        last_error: r.get(8)?,
        subject: r.get(9)?,
        detail: r.get(10)?,
        rolled_into: r.get(11)?,
        priority: r.get(12)?,
        claimed_at: time(13)?,
        claimed_by: r.get(14)?,
        channel: r.get(15)?,
    })
}

/// A claim older than the lease, or held by a process on this host that died.
fn claim_lapsed(entry: &OutboxEntry, lease_cutoff: DateTime<Utc>) -> bool {
    entry.claimed_at.is_none_or(|at| at <= lease_cutoff)
        || entry
            .claimed_by
            .as_deref()
            .is_some_and(crate::lease::is_gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    fn store_with_mention() -> (Store, i64) {
        let mut store = crate::test_support::test_store();
        let id = store
            .transaction(|tx| {
                tx.execute(
                    "INSERT INTO mentions (source, key, content_hash, text, fetched_at, score, \
                     label, priority) VALUES ('s', 'k', 'h', 'cold coffee', \
                     '2026-11-23T10:00:00Z', -0.5, 'negative', 'high')",
                    [],
                )?;
                Ok(tx.query_row("SELECT max(id) FROM mentions", [], |r| r.get(0))?)
            })
            .unwrap();
        (store, id)
    }

    fn needs(status: crate::model::CaseStatus, priority: crate::model::Priority) -> bool {
        crate::pipeline::decide::needs_escalation(status, priority)
    }

    fn queue_alert(tx: &Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = format!("alert:{id}");
        insert_mention_row(
            tx,
            OutboxKind::Alert,
            id,
            &key,
            crate::model::Priority::High,
            None,
            now,
        )
    }

    #[test]
    fn the_same_mention_queues_one_alert() {
        let (mut store, id) = store_with_mention();
        let now = at("2026-11-23T10:00:00Z");
        assert!(store.transaction(|tx| queue_alert(tx, id, now)).unwrap());
        assert!(!store.transaction(|tx| queue_alert(tx, id, now)).unwrap());
        assert_eq!(store.outbox(None).unwrap().len(), 1);
    }

    #[test]
    fn rows_are_listed_by_their_typed_status() {
        let (mut store, id) = store_with_mention();
        let now = at("2026-11-23T10:00:00Z");
        store.transaction(|tx| queue_alert(tx, id, now)).unwrap();
        let pending = store.outbox(Some(OutboxStatus::Pending)).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].status, OutboxStatus::Pending);
        assert_eq!(pending[0].kind, OutboxKind::Alert);
        store.mark_sent(pending[0].id, now).unwrap();
        assert!(store
            .outbox(Some(OutboxStatus::Pending))
            .unwrap()
            .is_empty());
        assert_eq!(store.outbox(None).unwrap()[0].status, OutboxStatus::Sent);

        store
            .conn()
            .execute("UPDATE outbox SET status = 'lost'", [])
            .unwrap();
        let err = store.outbox(None).unwrap_err().to_string();
        assert!(err.contains("unknown outbox status 'lost'"), "{err}");
    }

    #[test]
    fn a_claim_is_exclusive_until_its_lease_expires() {
        let (mut store, id) = store_with_mention();
        let now = at("2026-11-23T10:00:00Z");
        store.transaction(|tx| queue_alert(tx, id, now)).unwrap();
        let row = store.outbox(None).unwrap()[0].id;
        let cutoff = at("2026-11-23T09:55:00Z");
        assert!(store.claim_outbox(row, now, cutoff).unwrap());
        assert!(!store.claim_outbox(row, now, cutoff).unwrap());
        assert!(store.due_outbox(now, cutoff, false).unwrap().is_empty());
        // Ten minutes later the claimer is presumed dead: the row is due again.
        let later = at("2026-11-23T10:10:00Z");
        let later_cutoff = at("2026-11-23T10:05:00Z");
        assert_eq!(
            store.due_outbox(later, later_cutoff, false).unwrap().len(),
            1
        );
        assert!(store.claim_outbox(row, later, later_cutoff).unwrap());
    }

    #[test]
    fn escalations_wait_for_the_deadline_and_happen_once() {
        let (mut store, id) = store_with_mention();
        let queued = at("2026-11-23T10:00:00Z");
        store.transaction(|tx| queue_alert(tx, id, queued)).unwrap();
        let early = at("2026-11-23T09:00:00Z");
        assert_eq!(store.queue_escalations(early, queued, needs).unwrap(), 0);
        let cutoff = at("2026-11-23T10:00:00Z");
        assert_eq!(store.queue_escalations(cutoff, cutoff, needs).unwrap(), 1);
        assert_eq!(store.queue_escalations(cutoff, cutoff, needs).unwrap(), 0);
    }
}
