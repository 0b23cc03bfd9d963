//! A source's past: the fetch history (`earshot sources --history NAME`) and the health
//! transitions the alerts turn into "source broken" / "recovered" emails.

use super::sql::params;
use chrono::{DateTime, Utc};

use super::{parse_ts, ts, Store, StoreError};

/// One line of a source's fetch history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FetchLogEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// `ok`, `failed`, `blocked` or `gone` (a 304 leaves no line).
    pub outcome: String,
    /// The error, for failures.
    pub detail: Option<String>,
}

/// A change of a source's health worth telling the owner about.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceTransition {
    /// Row id, increasing: a consumer can remember the last one it handled.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// `broken`, `disabled` or `recovered`.
    pub kind: String,
    /// The error that caused it (none for `recovered`).
    pub detail: Option<String>,
}

impl Store {
    /// The last `limit` fetches of a source, newest first.
    pub fn source_history(
        &self,
        name: &str,
        limit: usize,
    ) -> Result<Vec<FetchLogEntry>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT at, outcome, detail FROM fetch_log WHERE source = ?1 \
             ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![name, limit as i64], |r| {
            Ok(FetchLogEntry {
                at: parse_ts(&r.get::<String>(0)?).unwrap_or_default(),
                outcome: r.get(1)?,
                detail: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Health transitions (broken, disabled, recovered) at or after `since`, oldest first.
    pub fn source_transitions_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<SourceTransition>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, source, at, kind, detail FROM source_events WHERE at >= ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([ts(since)], |r| {
            Ok(SourceTransition {
                id: r.get(0)?,
                source: r.get(1)?,
                at: parse_ts(&r.get::<String>(2)?).unwrap_or_default(),
                kind: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
