//! The staff workflow of a case: acknowledge, promise (with a due date), resolve.
//! Every change is kept with its time, note and who made it.

use super::sql::{params, OptionalExtension, Tx};
use chrono::{DateTime, Utc};

use super::mentions::record_event;
use super::{ts, Store, StoreError};
use crate::model::CaseStatus;

/// A step in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    /// Staff have seen it.
    Acknowledge,
    /// Staff promised the customer something by `due`.
    Promise {
        /// When the promise falls due.
        due: DateTime<Utc>,
    },
    /// Done.
    Resolve,
}

impl Store {
    /// Move a case along inside `tx`; returns the new status. (The pipeline's
    /// `update_case` wraps this and keeps the mention's open flag true.)
    pub fn case_step(
        tx: &Tx<'_>,
        mention_id: i64,
        action: CaseAction,
        note: Option<&str>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseStatus, StoreError> {
        let current: CaseStatus = tx
            .query_row(
                "SELECT status FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))?;
        if !current.is_open() && action == CaseAction::Resolve {
            // Resolving twice (a retried command) changes nothing and is no error.
            return Ok(current);
        }
        if !current.is_open() {
            return Err(StoreError::CaseClosed {
                id: mention_id,
                status: current,
            });
        }
        let (status, due) = match action {
            CaseAction::Acknowledge => (CaseStatus::Acknowledged, None),
            CaseAction::Promise { due } => (CaseStatus::Promised, Some(due)),
            CaseAction::Resolve => (CaseStatus::Resolved, None),
        };
        tx.execute(
            "UPDATE mentions SET status = ?2, promise_due_at = ?3 WHERE id = ?1",
            params![mention_id, status, due.map(ts)],
        )?;
        record_event(
            tx,
            mention_id,
            now,
            status.as_str(),
            note.map(str::to_owned),
            due,
            Some(by),
        )?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Label, Priority};
    use crate::store::{MentionFilter, NewMention, StatusFilter};
    use crate::test_support::at;

    fn store_with_complaint() -> (Store, i64) {
        let mut store = crate::test_support::test_store();
        let mention = NewMention {
            author_email: None,
            source: "s".into(),
            key: "id:1".into(),
            content_hash: "h".into(),
            url: None,
            author: Some("Ann".into()),
            title: None,
            text: "cold coffee".into(),
            published_at: None,
            rating: None,
            score: -0.5,
            label: Label::Negative,
            language: None,
            terms: vec![],
            priority: Priority::High,
            priority_reasons: vec![],
            location: None,
        };
        let id =
            crate::test_support::store_decided(&mut store, &mention, at("2026-11-01T09:00:00Z"));
        (store, id)
    }

    #[test]
    fn each_step_is_recorded_with_time_note_and_who() {
        let (mut store, id) = store_with_complaint();
        crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Acknowledge,
            None,
            "priya",
            at("2026-11-01T10:00:00Z"),
        )
        .unwrap();
        let due = at("2026-11-03T17:00:00Z");
        crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Promise { due },
            Some("refund by Tuesday"),
            "priya",
            at("2026-11-01T11:00:00Z"),
        )
        .unwrap();
        crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Resolve,
            Some("refunded"),
            "owner",
            at("2026-11-02T09:00:00Z"),
        )
        .unwrap();
        let events = store.events(id).unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["new", "acknowledged", "promised", "resolved"]);
        assert_eq!(events[2].due_at, Some(due));
        assert_eq!(events[2].note.as_deref(), Some("refund by Tuesday"));
        assert_eq!(events[3].by.as_deref(), Some("owner"));
        let err = crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Acknowledge,
            None,
            "x",
            at("2026-11-05T00:00:00Z"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("already resolved"), "{err}");
    }

    #[test]
    fn open_filter_and_overdue_flag_follow_the_clock() {
        let (mut store, id) = store_with_complaint();
        let open = MentionFilter {
            status: Some(StatusFilter::Open),
            ..Default::default()
        };
        assert_eq!(store.mentions(&open).unwrap().len(), 1);
        let due = at("2026-11-03T17:00:00Z");
        crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Promise { due },
            Some("call back"),
            "priya",
            at("2026-11-01T11:00:00Z"),
        )
        .unwrap();
        let before = MentionFilter {
            now: Some(at("2026-11-03T16:59:00Z")),
            ..open.clone()
        };
        assert!(!store.mentions(&before).unwrap()[0].overdue);
        let after = MentionFilter {
            now: Some(at("2026-11-03T17:01:00Z")),
            ..open.clone()
        };
        assert!(store.mentions(&after).unwrap()[0].overdue);
        crate::pipeline::update_case(
            &mut store,
            id,
            CaseAction::Resolve,
            None,
            "priya",
            at("2026-11-04T09:00:00Z"),
        )
        .unwrap();
        assert!(store.mentions(&open).unwrap().is_empty());
        let resolved = store
            .mentions(&MentionFilter {
                now: Some(at("2026-12-01T00:00:00Z")),
                ..Default::default()
            })
            .unwrap();
        assert!(!resolved[0].overdue);
    }
}
