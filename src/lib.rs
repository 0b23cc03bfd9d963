//! Earshot: hears every public mention of a small business in time.
//!
//! The pipeline, one module per step:
//! source → [`fetch`] → [`sources`] (extract, keep relevant, dedupe key) → [`sentiment`]
//! → [`triage`] → [`store`] → [`alert`] (outbox, email, digest) and the mention log
//! ([`cli`], [`web`]). [`poller`] ties one cycle together and [`service`] runs it on a
//! schedule beside the web log ([`schedule`] decides when, and how healthy a source is).

pub mod alert;
pub mod backup;
pub mod casework;
pub mod cli;
pub mod clock;
pub mod config;
pub mod customers;
pub mod fetch;
pub mod hashes;
pub mod lease;
pub mod live;
pub mod localtime;
pub mod model;
pub mod onboard;
pub mod pipeline;
pub mod poller;
pub mod progress;
pub mod replies;
pub mod schedule;
pub mod sentiment;
pub mod service;
pub mod signin;
pub mod sources;
pub mod staff;
pub mod store;
pub mod triage;
pub mod web;

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, Utc};

    /// A fresh, empty, migrated store for a test: in memory, or with
    /// `EARSHOT_TEST_BACKEND=postgres` a database of its own on a throwaway PostgreSQL
    /// server (`tests/run` runs the library's tests both ways).
    pub fn test_store() -> crate::store::Store {
        match std::env::var("EARSHOT_TEST_BACKEND").as_deref() {
            Ok("postgres") => crate::store::postgres_test_store(),
            Ok("sqlite") | Err(_) => crate::store::Store::open_in_memory().unwrap(),
            Ok(other) => panic!("EARSHOT_TEST_BACKEND is 'sqlite' or 'postgres', not '{other}'"),
        }
    }

    /// The run on PostgreSQL really is on PostgreSQL (and the default run on SQLite).
    #[test]
    fn the_test_backend_is_the_one_asked_for() {
        let wanted = match std::env::var("EARSHOT_TEST_BACKEND").as_deref() {
            Ok("postgres") => crate::store::sql::Dialect::Postgres,
            _ => crate::store::sql::Dialect::Sqlite,
        };
        assert_eq!(test_store().conn().dialect(), wanted);
    }

    /// A stored-looking mention for tests: new, high, unlinked; change what a test needs
    /// with `Mention { text, ..mention(label) }`.
    pub fn mention(label: crate::model::Label) -> crate::model::Mention {
        crate::model::Mention {
            id: 1,
            source: "s".into(),
            url: None,
            author: None,
            title: None,
            text: "t".into(),
            published_at: None,
            fetched_at: DateTime::UNIX_EPOCH,
            rating: None,
            score: Some(0.0),
            label,
            language: None,
            terms: Vec::new(),
            priority: crate::model::Priority::High,
            status: crate::model::CaseStatus::New,
            customer: None,
            promise_due_at: None,
            overdue: false,
            dismissed: None,
            relabelled: false,
            removed_at: None,
            assignee: None,
            location: None,
        }
    }

    /// Store a mention with the priority it carries, as if the pipeline had decided it
    /// (open flag and alert included); returns its id.
    pub fn store_decided(
        store: &mut crate::store::Store,
        mention: &crate::store::NewMention,
        now: DateTime<Utc>,
    ) -> i64 {
        use crate::pipeline::decide::{alert_action, is_open, AlertHistory, Decision};
        use crate::store::{MentionUpdate, Store};
        store
            .transaction(|tx| {
                let id = match Store::upsert_mention(tx, mention, now)? {
                    MentionUpdate::Inserted(id)
                    | MentionUpdate::Edited { id, .. }
                    | MentionUpdate::Unchanged(id) => id,
                };
                let decision = Decision {
                    mention_id: id,
                    verdict: crate::triage::Verdict {
                        priority: mention.priority,
                        reasons: mention.priority_reasons.clone(),
                    },
                    changed: true,
                    open: is_open(
                        mention.label,
                        mention.priority,
                        crate::model::CaseStatus::New,
                    ),
                    alert: alert_action(mention.priority, false, AlertHistory::default()),
                };
                Store::save_decision(tx, &decision, "test", now)?;
                Ok(id)
            })
            .expect("the test mention is stored")
    }

    /// The default triage rules: A-list tier "A" or 2,000 lifetime value, 90-day repeat
    /// window, 4-hour response time.
    pub fn triage_rules() -> crate::config::TriageSettings {
        crate::config::TriageSettings {
            negative_below: -0.05,
            positive_above: 0.05,
            vip_tiers: vec!["A".into()],
            vip_lifetime_value: 2000.0,
            repeat_window: std::time::Duration::from_secs(90 * 86_400),
            respond_within: std::time::Duration::from_secs(4 * 3600),
        }
    }

    /// A time written as RFC 3339 text, as the tests write them.
    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a valid RFC 3339 time")
            .with_timezone(&Utc)
    }
}
