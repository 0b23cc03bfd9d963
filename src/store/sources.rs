//! Per-source state: HTTP validators, the schedule, and health for `earshot sources`.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{parse_ts, ts, Store, StoreError};

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
    /// URL last used.
    pub url: String,
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
}

impl Store {
    /// The remembered state of a source (default when never fetched).
    pub fn source_state(&self, name: &str) -> Result<SourceState, StoreError> {
        let state = self
            .conn
            .query_row(
                "SELECT etag, last_modified, body_hash, consecutive_failures, next_due_at \
                 FROM sources WHERE name = ?1",
                [name],
                |r| {
                    Ok(SourceState {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                        consecutive_failures: r.get(3)?,
                        next_due_at: r.get::<_, Option<String>>(4)?.as_deref().and_then(parse_ts),
                    })
                },
            )
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// Record one fetch: health, validators, next due time, and a line of history.
    pub fn record_fetch(
        tx: &Transaction<'_>,
        name: &str,
        url: &str,
        now: DateTime<Utc>,
        outcome: &FetchOutcome,
        state: &SourceState,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO sources (name, url) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET url = ?2",
            params![name, url],
        )?;
        let error = match outcome {
            FetchOutcome::Failed(message) => Some(message.as_str()),
            _ => None,
        };
        tx.execute(
            "UPDATE sources SET etag = ?2, last_modified = ?3, body_hash = ?4, last_fetch_at = ?5, \
             last_success_at = CASE WHEN ?6 IS NULL THEN ?5 ELSE last_success_at END, \
             last_error = ?6, consecutive_failures = ?7, next_due_at = ?8 WHERE name = ?1",
            params![
                name,
                state.etag,
                state.last_modified,
                state.body_hash,
                ts(now),
                error,
                state.consecutive_failures,
                state.next_due_at.map(ts),
            ],
        )?;
        let kind = match outcome {
            FetchOutcome::Ok => "ok",
            FetchOutcome::NotModified => "not-modified",
            FetchOutcome::Failed(_) => "failed",
        };
        tx.execute(
            "INSERT INTO fetch_log (source, at, outcome, detail) VALUES (?1, ?2, ?3, ?4)",
            params![name, ts(now), kind, error],
        )?;
        Ok(())
    }

    /// Health of every source ever fetched, by name.
    pub fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT s.name, s.url, s.last_fetch_at, s.last_success_at, s.last_error, \
             s.consecutive_failures, s.next_due_at, \
             (SELECT COUNT(*) FROM mentions m WHERE m.source = s.name) \
             FROM sources s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
                Ok(r.get::<_, Option<String>>(i)?.as_deref().and_then(parse_ts))
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
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
