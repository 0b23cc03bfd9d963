//! Per-source state: HTTP validators, the schedule, and health for `earshot sources`.

use std::collections::HashMap;

use super::sql::{params, OptionalExtension, Row, SqlResult, Tx};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts, Store, StoreError};
use crate::model::SourceStatus;

/// Fetch-log lines kept per source (older ones are pruned as new ones arrive).
pub const FETCH_LOG_KEPT: i64 = 100;
/// How long a claim on a source lasts without being renewed: a live poll renews it every
/// third of this (its heartbeat), so a claim whose poller died on another machine lapses
/// within a minute; one whose poller died on this machine is taken at once.
pub const LEASE_SECS: i64 = 60;

/// What the poller remembers about a source between fetches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    /// ETag exactly as the server sent it.
    pub etag: Option<String>,
    /// Last-Modified exactly as the server sent it.
    pub last_modified: Option<String>,
    /// Hash of the last body parsed (servers that ignore validators).
    pub body_hash: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// When it may be fetched next.
    pub next_due_at: Option<DateTime<Utc>>,
    /// The URL in use, when permanent redirects moved it away from the configured one.
    pub url: Option<String>,
    /// The configured URL when `url` was recorded (a new one in the config wins).
    pub config_url: Option<String>,
    /// Health: ok, failing, blocked, broken, disabled.
    pub status: SourceStatus,
    /// Whether the source ever gave items (a page that stops matching is then broken).
    pub had_items: bool,
    /// Not stored: this poll's read saw the source's whole list (a review page read to
    /// its last page), so an item missing from it was removed upstream.
    pub listed_all: bool,
}

/// How one fetch of a source ended.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// Read and stored.
    Ok,
    /// The server said 304 Not Modified, or the body was unchanged.
    NotModified,
    /// It failed; the message says why in plain words.
    Failed(String),
}

/// A source's health, as `earshot sources` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceHealth {
    /// Source name.
    pub name: String,
    /// URL in use (after permanent redirects).
    pub url: String,
    /// URL in the config when last fetched.
    pub config_url: Option<String>,
    /// ok, failing, blocked, broken or disabled.
    pub state: SourceStatus,
    /// Last attempt.
    pub last_fetch_at: Option<DateTime<Utc>>,
    /// Last success.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Next attempt.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Mentions stored from it.
    pub mentions_seen: i64,
    /// The worker (`host:pid`) that polled it last.
    pub polled_by: Option<String>,
}

impl Store {
    /// The remembered state of a source (default when never fetched).
    pub fn source_state(&self, name: &str) -> Result<SourceState, StoreError> {
        let state = self
            .conn()
            .query_row(
                &format!("SELECT {STATE_COLUMNS} FROM sources WHERE name = ?1"),
                [name],
                state_from_row,
            )
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// The remembered state of every source ever fetched, by name, in one query (the
    /// service's loop reads them all at every turn).
    pub fn source_states(&self) -> Result<HashMap<String, SourceState>, StoreError> {
        Ok(self
            .conn()
            .query_map(
                &format!("SELECT {STATE_COLUMNS}, name FROM sources"),
                [],
                |r| Ok((r.get(9)?, state_from_row(r)?)),
            )?
            .into_iter()
            .collect())
    }

    /// Claim `name` for one poll, unless another poll (this process or another) holds it.
    /// `record_fetch` releases the claim; a claim lapses after [`LEASE_SECS`], or at once
    /// when its holder was a process on this host that has died. Uses the wall clock,
    /// whatever time the cycle pretends it is.
    pub fn claim_source(&self, name: &str, url: &str) -> Result<bool, StoreError> {
        self.claiming(|| self.claim_source_now(name, url))
    }

    fn claim_source_now(&self, name: &str, url: &str) -> Result<bool, StoreError> {
        let now = Utc::now();
        let until = ts(now + crate::clock::SECOND * LEASE_SECS as i32);
        let me = crate::lease::owner();
        let held: Option<(Option<String>, Option<String>)> = self
            .conn()
            .query_row(
                &format!(
                    "SELECT lease_until, lease_owner FROM sources WHERE name = ?1{}",
                    self.skip_locked()
                ),
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((held_until, holder)) = held else {
            // No row, or (PostgreSQL) a row another worker is claiming right now.
            let exists = self
                .conn()
                .query_row("SELECT 1 FROM sources WHERE name = ?1", [name], |_| Ok(()))
                .optional()?
                .is_some();
            if exists {
                return Ok(false);
            }
            let changed = self.conn().execute(
                "INSERT INTO sources (name, url, lease_until, lease_owner) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![name, url, until, me],
            )?;
            return Ok(changed == 1);
        };
        let expired = held_until.as_deref().is_none_or(|u| u < ts(now).as_str());
        if !expired && !holder.as_deref().is_some_and(crate::lease::is_gone) {
            return Ok(false);
        }
        // Take it only if nobody else took it since we looked.
        let changed = self.conn().execute(
            "UPDATE sources SET lease_until = ?2, lease_owner = ?3 WHERE name = ?1 \
             AND lease_until IS NOT DISTINCT FROM ?4 AND lease_owner IS NOT DISTINCT FROM ?5",
            params![name, until, me, held_until, holder],
        )?;
        Ok(changed == 1)
    }

    /// Renew this process's claim on a source (its heartbeat while the poll runs).
    pub fn renew_source(&self, name: &str) -> Result<(), StoreError> {
        let until = ts(Utc::now() + crate::clock::SECOND * LEASE_SECS as i32);
        self.conn().execute(
            "UPDATE sources SET lease_until = ?2 WHERE name = ?1 AND lease_owner = ?3",
            params![name, until, crate::lease::owner()],
        )?;
        Ok(())
    }

    /// Give up this process's claim on a source (its poll failed to record).
    pub fn release_source(&self, name: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sources SET lease_until = NULL, lease_owner = NULL \
             WHERE name = ?1 AND lease_owner = ?2",
            params![name, crate::lease::owner()],
        )?;
        Ok(())
    }

    /// Give up everything this process holds: its claims on sources, and outbox rows it
    /// was sending (back to pending, to be sent again). Called on a clean shutdown.
    pub fn release_all(&self) -> Result<usize, StoreError> {
        let me = crate::lease::owner();
        let sources = self.conn().execute(
            "UPDATE sources SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ?1",
            [me],
        )?;
        let rows = self.conn().execute(
            "UPDATE outbox SET status = ?2, claimed_by = NULL WHERE status = ?3 AND claimed_by = ?1",
            params![
                me,
                crate::model::OutboxStatus::Pending,
                crate::model::OutboxStatus::Sending
            ],
        )?;
        Ok(sources + rows)
    }

    /// Who holds a source's claim now (`host:pid`), if anyone does.
    pub fn source_holder(&self, name: &str) -> Result<Option<String>, StoreError> {
        let holder: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT lease_owner FROM sources WHERE name = ?1 AND lease_until >= ?2",
                params![name, ts(Utc::now())],
                |r| r.get(0),
            )
            .optional()?;
        Ok(holder.flatten())
    }

    /// Record one fetch: health, validators, next due time, a line of history (none for
    /// "not modified": a 304 writes only the health row), and a state transition event.
    /// `url` is the configured URL; `state.url`, when set, is the one in use.
    pub fn record_fetch(
        tx: &Tx<'_>,
        name: &str,
        url: &str,
        now: DateTime<Utc>,
        outcome: &FetchOutcome,
        state: &SourceState,
    ) -> Result<(), StoreError> {
        let previous: Option<SourceStatus> = tx
            .query_row("SELECT state FROM sources WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let in_use = state.url.as_deref().unwrap_or(url);
        tx.execute(
            "INSERT INTO sources (name, url) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET url = ?2",
            params![name, in_use],
        )?;
        let error = match outcome {
            FetchOutcome::Failed(message) => Some(message.as_str()),
            _ => None,
        };
        tx.execute(
            "UPDATE sources SET etag = ?2, last_modified = ?3, body_hash = ?4, last_fetch_at = ?5, \
             last_success_at = CASE WHEN CAST(?6 AS TEXT) IS NULL THEN ?5 ELSE last_success_at END, \
             first_success_at = CASE WHEN CAST(?6 AS TEXT) IS NULL THEN COALESCE(first_success_at, ?5) \
             ELSE first_success_at END, \
             last_error = ?6, consecutive_failures = ?7, next_due_at = ?8, config_url = ?9, \
             state = ?10, had_items = ?11, lease_until = NULL, lease_owner = NULL, \
             last_polled_by = ?12 WHERE name = ?1",
            params![
                name,
                state.etag,
                state.last_modified,
                state.body_hash,
                ts(now),
                error,
                state.consecutive_failures,
                state.next_due_at.map(ts),
                url,
                state.status,
                state.had_items,
                crate::lease::owner(),
            ],
        )?;
        if *outcome != FetchOutcome::NotModified {
            log_fetch(tx, name, now, outcome, state.status)?;
        }
        if let Some(kind) = previous.unwrap_or_default().transition(state.status) {
            tx.execute(
                "INSERT INTO source_events (source, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
                params![name, ts(now), kind, error],
            )?;
        }
        Ok(())
    }

    /// Health of every source ever fetched, by name.
    pub fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT s.name, s.url, s.last_fetch_at, s.last_success_at, s.last_error, \
             s.consecutive_failures, s.next_due_at, \
             (SELECT COUNT(*) FROM mentions m WHERE m.source = s.name), s.config_url, s.state, \
             s.last_polled_by FROM sources s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            let time = |i: usize| -> SqlResult<Option<DateTime<Utc>>> {
                Ok(r.get::<Option<String>>(i)?.as_deref().and_then(parse_ts))
            };
            Ok(SourceHealth {
                name: r.get(0)?,
                url: r.get(1)?,
                last_fetch_at: time(2)?,
                last_success_at: time(3)?,
                last_error: r.get(4)?,
                consecutive_failures: r.get(5)?,
                next_due_at: time(6)?,
                mentions_seen: r.get(7)?,
                config_url: r.get(8)?,
                state: r.get(9)?,
                polled_by: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// What [`SourceState`] is read from, in [`state_from_row`]'s order.
const STATE_COLUMNS: &str = "etag, last_modified, body_hash, consecutive_failures, next_due_at, \
     url, config_url, state, had_items";

fn state_from_row(r: &Row<'_>) -> SqlResult<SourceState> {
    Ok(SourceState {
        etag: r.get(0)?,
        last_modified: r.get(1)?,
        body_hash: r.get(2)?,
        consecutive_failures: r.get(3)?,
        next_due_at: r.get::<Option<String>>(4)?.as_deref().and_then(parse_ts),
        url: r.get(5)?,
        config_url: r.get(6)?,
        status: r.get(7)?,
        had_items: r.get(8)?,
        listed_all: false,
    })
}

fn log_fetch(
    tx: &Tx<'_>,
    name: &str,
    now: DateTime<Utc>,
    outcome: &FetchOutcome,
    status: SourceStatus,
) -> Result<(), StoreError> {
    let (kind, detail) = match outcome {
        FetchOutcome::Failed(message) => {
            let kind = match status {
                SourceStatus::Blocked => "blocked",
                SourceStatus::Disabled => "gone",
                _ => "failed",
            };
            (kind, Some(message.as_str()))
        }
        _ => ("ok", None),
    };
    tx.execute(
        "INSERT INTO fetch_log (source, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
        params![name, ts(now), kind, detail],
    )?;
    tx.execute(
        "DELETE FROM fetch_log WHERE source = ?1 AND id NOT IN \
         (SELECT id FROM fetch_log WHERE source = ?1 ORDER BY id DESC LIMIT ?2)",
        params![name, FETCH_LOG_KEPT],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_claimed_by_one_poll_at_a_time() {
        let mut store = crate::test_support::test_store();
        assert!(store.claim_source("a", "https://x.test/a").unwrap());
        assert!(!store.claim_source("a", "https://x.test/a").unwrap());
        assert!(store.claim_source("b", "https://x.test/b").unwrap());
        store
            .transaction(|tx| {
                let state = SourceState::default();
                Store::record_fetch(
                    tx,
                    "a",
                    "https://x.test/a",
                    Utc::now(),
                    &FetchOutcome::Ok,
                    &state,
                )
            })
            .unwrap();
        assert!(store.claim_source("a", "https://x.test/a").unwrap());
    }

    #[test]
    fn every_state_read_at_once_is_each_state_read_alone() {
        let mut store = crate::test_support::test_store();
        for (name, etag, failures) in [("a", "\"v1\"", 0), ("b", "\"v7\"", 3)] {
            store
                .transaction(|tx| {
                    let state = SourceState {
                        etag: Some(etag.into()),
                        consecutive_failures: failures,
                        next_due_at: Some(Utc::now() + crate::clock::HOUR),
                        ..SourceState::default()
                    };
                    let url = format!("https://x.test/{name}");
                    Store::record_fetch(tx, name, &url, Utc::now(), &FetchOutcome::Ok, &state)
                })
                .unwrap();
        }
        let all = store.source_states().unwrap();
        assert_eq!(all.len(), 2);
        for name in ["a", "b"] {
            let alone = store.source_state(name).unwrap();
            let at_once = &all[name];
            assert_eq!(at_once.etag, alone.etag);
            assert_eq!(at_once.consecutive_failures, alone.consecutive_failures);
            assert_eq!(at_once.next_due_at, alone.next_due_at);
            assert_eq!(at_once.url, alone.url);
        }
        assert_eq!(all["b"].etag.as_deref(), Some("\"v7\""));
        assert_eq!(all["b"].consecutive_failures, 3);
    }
}
