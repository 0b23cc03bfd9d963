//! What the digest reports, read in one place: open cases, new mentions by sentiment,
//! praise from known customers, recovered complaints, failing sources.

use super::sql::params;
use chrono::{DateTime, Utc};

use super::{ts, SourceHealth, Store, StoreError};
use crate::model::{Label, Mention};

/// The digest's content for one period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DigestData {
    /// Start of the period (new mentions are counted from here).
    pub since: DateTime<Utc>,
    /// End of the period.
    pub until: DateTime<Utc>,
    /// Cases somebody still owes an answer (as of now, whatever the period), oldest first.
    pub open_cases: Vec<Mention>,
    /// Mentions first seen in the period, newest first.
    pub new_mentions: Vec<Mention>,
    /// Positive mentions in the period from linked customers, to thank by name.
    pub to_thank: Vec<Mention>,
    /// Resolved complaints whose authors edited them to neutral or positive in the period:
    /// the fixes that won a customer back.
    pub recovered: Vec<Mention>,
    /// Resolved complaints taken down upstream in the period (the author or the site
    /// removed them after the fix): counted beside the recovered ones.
    pub removed_resolved: Vec<Mention>,
    /// Sources whose last fetch failed.
    pub failing_sources: Vec<SourceHealth>,
    /// Old posts taken in during the period without alerts (a new source's backfill).
    pub backfill: usize,
    /// Stored mentions whose label changed when Earshot learned from the business's
    /// labelled mentions during the period (no email went out for them).
    pub relabelled_by_learning: usize,
    /// Whether the business has a team (`earshot staff`): then open cases are counted
    /// per person.
    pub has_team: bool,
    /// A chain's `[[location]]` names (set by the caller from the config): the digest then
    /// has a section per location.
    pub locations: Vec<String>,
}

impl Store {
    /// Everything the digest for `since..until` shows.
    pub fn digest_data(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<DigestData, StoreError> {
        // Open is the pipeline's decision, the same set `mentions --status open` lists.
        let open_cases = self.query_mentions(
            "WHERE m.open = 1 AND ?1 = ?1 AND ?2 = ?2 \
             ORDER BY COALESCE(m.published_at, m.fetched_at), m.id",
            since,
            until,
        )?;
        let new_mentions = self.query_mentions(
            "WHERE m.fetched_at >= ?1 AND m.fetched_at < ?2 AND m.dismissed IS NULL ORDER BY m.fetched_at DESC, m.id DESC",
            since,
            until,
        )?;
        let mut to_thank: Vec<Mention> = new_mentions
            .iter()
            .filter(|m| m.label == Label::Positive && m.customer.is_some())
            .cloned()
            .collect();
        to_thank.reverse();
        let recovered = self.query_mentions(
            // The history's "recovered" entries (see `Store::mark_recovered`).
            "WHERE m.id IN (SELECT e.mention_id FROM mention_events e WHERE e.kind = 'recovered' \
             AND e.at >= ?1 AND e.at < ?2) AND m.dismissed IS NULL ORDER BY m.id",
            since,
            until,
        )?;
        let removed_resolved = self.query_mentions(
            // The history's "removed upstream" entries (see `Store::set_removed_upstream`)
            // of cases resolved and still gone.
            "WHERE m.id IN (SELECT e.mention_id FROM mention_events e WHERE e.kind = 'removed upstream' \
             AND e.at >= ?1 AND e.at < ?2) AND m.removed_at IS NOT NULL AND m.status = 'resolved' \
             AND m.dismissed IS NULL ORDER BY m.id",
            since,
            until,
        )?;
        let failing_sources = self
            .source_health()?
            .into_iter()
            .filter(|s| s.last_error.is_some())
            .collect();
        Ok(DigestData {
            since,
            until,
            backfill: self.backfill_count(since, until)?,
            relabelled_by_learning: self.relabelled_by_learning(since, until)?,
            has_team: self.has_staff()?,
            locations: Vec::new(),
            open_cases,
            new_mentions,
            to_thank,
            recovered,
            removed_resolved,
            failing_sources,
        })
    }

    /// The mentions matching `tail` (a WHERE clause over `mentions m` with ?1 = since and
    /// ?2 = until), each read through the log's own query.
    fn query_mentions(
        &self,
        tail: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Mention>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT m.id FROM mentions m {tail}"))?;
        let ids: Vec<i64> = stmt
            .query_map(params![ts(since), ts(until)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|id| Ok(self.mention_detail(id)?.mention))
            .collect()
    }
}
