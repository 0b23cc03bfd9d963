//! One polling cycle: for each due source, fetch → extract → keep relevant → key → score →
//! triage → store, with every source's writes in one transaction. A source's failure is a
//! line in its report, never a reason to stop the cycle.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use crate::config::{Config, Location, Source, SourceKind};
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::sentiment::{Analyzer, Options};
use crate::sources::dedupe::{assign_keys, content_hash};
use crate::sources::relevance::Relevance;
use crate::sources::{feed, page, RawItem};
use crate::store::{FetchOutcome, MentionUpdate, NewMention, SourceState, Store, StoreError};
use crate::triage::triage;

/// Longest wait between attempts at a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Sources fetched at the same time.
const CONCURRENT_SOURCES: usize = 16;

/// Everything a cycle needs that does not change between cycles.
pub struct Pipeline {
    config: Arc<Config>,
    analyzer: Analyzer,
    relevance: Relevance,
    fetcher: Fetcher,
}

/// What one source did in a cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReport {
    /// Source name.
    pub name: String,
    /// How the fetch ended; `None` when it was not due.
    pub outcome: Option<FetchOutcome>,
    /// Mentions stored for the first time.
    pub new: usize,
    /// Mentions whose author edited them.
    pub updated: usize,
    /// Items dropped because they do not name the business.
    pub dropped: usize,
    /// Alert emails queued in the outbox (urgent and high mentions).
    pub alerts_queued: usize,
}

/// What a whole cycle did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CycleReport {
    /// One entry per configured source, in config order.
    pub sources: Vec<SourceReport>,
}

impl CycleReport {
    /// "3 sources ok, 1 failed, 1 not due; 12 new, 1 updated".
    pub fn summary(&self) -> String {
        let count = |f: fn(&Option<FetchOutcome>) -> bool| {
            self.sources.iter().filter(|s| f(&s.outcome)).count()
        };
        let ok = count(|o| matches!(o, Some(FetchOutcome::Ok | FetchOutcome::NotModified)));
        let failed = count(|o| matches!(o, Some(FetchOutcome::Failed(_))));
        let skipped = count(Option::is_none);
        let new: usize = self.sources.iter().map(|s| s.new).sum();
        let updated: usize = self.sources.iter().map(|s| s.updated).sum();
        let alerts: usize = self.sources.iter().map(|s| s.alerts_queued).sum();
        let mut text = format!("{ok} sources ok, {failed} failed");
        if skipped > 0 {
            text.push_str(&format!(", {skipped} not due yet"));
        }
        text.push_str(&format!(
            "; mentions: {new} new, {updated} updated; alerts queued: {alerts}"
        ));
        text
    }

    /// True when any source failed.
    pub fn any_failed(&self) -> bool {
        self.sources
            .iter()
            .any(|s| matches!(s.outcome, Some(FetchOutcome::Failed(_))))
    }
}

/// A source's fetch result, prepared for one write transaction.
struct Prepared {
    source: Source,
    url: String,
    outcome: FetchOutcome,
    state: SourceState,
    mentions: Vec<NewMention>,
    dropped: usize,
}

impl Pipeline {
    /// Build the pipeline from a validated config.
    pub fn new(config: Arc<Config>) -> anyhow::Result<Pipeline> {
        let analyzer = Analyzer::new(Options {
            negative_below: config.triage.negative_below,
            positive_above: config.triage.positive_above,
            extra_terms: config.sentiment_terms.clone(),
            domain_layer: true,
        });
        let relevance = Relevance::new(config.business_names());
        let fetcher = Fetcher::new(&config.fetch)?;
        Ok(Pipeline {
            config,
            analyzer,
            relevance,
            fetcher,
        })
    }

    /// The config this pipeline runs.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sentiment analyzer configured for this business.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }
}

/// Poll every due source (or only `only`), store the results, report per source.
/// `force` ignores the schedule and backoff.
pub async fn poll_cycle(
    pipeline: Arc<Pipeline>,
    store: Arc<Mutex<Store>>,
    only: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<CycleReport, StoreError> {
    let mut reports = Vec::new();
    let mut tasks = JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SOURCES));
    for source in &pipeline.config.sources {
        if only.is_some_and(|name| name != source.name) {
            continue;
        }
        let state = lock(&store).source_state(&source.name)?;
        if !force && state.next_due_at.is_some_and(|due| due > now) {
            reports.push(SourceReport::idle(&source.name));
            continue;
        }
        let (pipeline, source, limit) = (pipeline.clone(), source.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            prepare(&pipeline, source, state, now).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let prepared = match joined {
            Ok(prepared) => prepared,
            Err(panic) => {
                tracing::error!("a source task panicked: {panic}");
                continue;
            }
        };
        let store = store.clone();
        let report = tokio::task::spawn_blocking(move || write(&mut lock(&store), prepared, now))
            .await
            .expect("the store writer does not panic")?;
        reports.push(report);
    }
    let order = |name: &str| pipeline.config.sources.iter().position(|s| s.name == name);
    reports.sort_by_key(|r| order(&r.name));
    Ok(CycleReport { sources: reports })
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // A panic while holding the lock leaves SQLite consistent (transactions roll back).
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SourceReport {
    fn idle(name: &str) -> SourceReport {
        SourceReport {
            name: name.to_owned(),
            outcome: None,
            new: 0,
            updated: 0,
            dropped: 0,
            alerts_queued: 0,
        }
    }
}

async fn prepare(
    pipeline: &Pipeline,
    source: Source,
    mut state: SourceState,
    now: DateTime<Utc>,
) -> Prepared {
    let url = source.location.to_string();
    let validators = Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };
    let result = match pipeline.fetcher.fetch(&source.location, &validators).await {
        Ok(Fetched::NotModified) => Ok(None),
        Ok(Fetched::Body {
            bytes, validators, ..
        }) => {
            let hash = body_hash(&bytes);
            state.etag = validators.etag;
            state.last_modified = validators.last_modified;
            if state.body_hash.as_deref() == Some(hash.as_str()) {
                Ok(None)
            } else {
                state.body_hash = Some(hash);
                extract(&source, &bytes).map(Some)
            }
        }
        Err(e) => Err(e.to_string()),
    };
    let (outcome, mentions, dropped) = match result {
        Ok(None) => (FetchOutcome::NotModified, Vec::new(), 0),
        Ok(Some(items)) => {
            let (mentions, dropped) = pipeline.mentions_from(&source, items);
            (FetchOutcome::Ok, mentions, dropped)
        }
        Err(message) => (FetchOutcome::Failed(message), Vec::new(), 0),
    };
    schedule(&mut state, &source, &outcome, now);
    Prepared {
        source,
        url,
        outcome,
        state,
        mentions,
        dropped,
    }
}

fn extract(source: &Source, bytes: &[u8]) -> Result<Vec<RawItem>, String> {
    match source.kind {
        SourceKind::Feed => {
            let base = match &source.location {
                Location::Http(url) => Some(url.as_str()),
                Location::File(_) => None,
            };
            feed::parse_feed(bytes, base).map_err(|e| e.to_string())
        }
        SourceKind::Page => {
            let html = String::from_utf8_lossy(bytes);
            let base = match &source.location {
                Location::Http(url) => url.clone(),
                Location::File(path) => file_url(path),
            };
            let extract = page::extract_reviews(&html, &base, source.selectors.as_ref())
                .map_err(|e| e.to_string())?;
            if extract.items.is_empty() {
                return Err(match source.selectors {
                    Some(_) => "the page's selectors matched nothing: the site may have changed its layout; check [source.selectors]".into(),
                    None => "no schema.org reviews found in the page's JSON-LD: add CSS selectors for this site".into(),
                });
            }
            Ok(extract.items)
        }
    }
}

fn file_url(path: &std::path::Path) -> url::Url {
    let absolute = std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| path.to_owned());
    url::Url::from_file_path(&absolute)
        .unwrap_or_else(|_| url::Url::parse("file:///").expect("a valid URL"))
}

fn body_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Next due time: the interval after success, exponential backoff after failures.
fn schedule(state: &mut SourceState, source: &Source, outcome: &FetchOutcome, now: DateTime<Utc>) {
    let wait = match outcome {
        FetchOutcome::Failed(_) => {
            state.consecutive_failures += 1;
            backoff(source.interval, state.consecutive_failures)
        }
        _ => {
            state.consecutive_failures = 0;
            source.interval
        }
    };
    state.next_due_at =
        Some(now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6)));
}

/// interval × 2^(failures-1), capped at [`MAX_BACKOFF`] (never below the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

impl Pipeline {
    fn mentions_from(&self, source: &Source, items: Vec<RawItem>) -> (Vec<NewMention>, usize) {
        let total = items.len();
        let relevant: Vec<RawItem> = items
            .into_iter()
            .filter(|item| !source.require_mention || self.names_business(item))
            .collect();
        let dropped = total - relevant.len();
        let keys = assign_keys(&relevant);
        let mentions = relevant
            .into_iter()
            .zip(keys)
            .map(|(item, key)| self.new_mention(source, item, key))
            .collect();
        (mentions, dropped)
    }

    fn names_business(&self, item: &RawItem) -> bool {
        let fields = [
            item.title.as_deref(),
            Some(item.text.as_str()),
            item.author.as_deref(),
        ];
        self.relevance.mentions(fields.into_iter().flatten())
    }

    fn new_mention(&self, source: &Source, item: RawItem, key: String) -> NewMention {
        let scored_text = match &item.title {
            Some(title) if !item.text.starts_with(title.as_str()) => {
                format!("{title}. {}", item.text)
            }
            _ => item.text.clone(),
        };
        let score = self.analyzer.score_with_rating(&scored_text, item.rating);
        let verdict = triage(score.label, None, &self.config.triage);
        NewMention {
            source: source.name.clone(),
            content_hash: content_hash(&item),
            key,
            url: item.url,
            author: item.author,
            title: item.title,
            text: item.text,
            published_at: item.published_at,
            rating: item.rating,
            score: score.value,
            label: score.label,
            terms: score.terms,
            priority: verdict.priority,
            priority_reasons: verdict.reasons,
        }
    }
}

fn write(
    store: &mut Store,
    prepared: Prepared,
    now: DateTime<Utc>,
) -> Result<SourceReport, StoreError> {
    let mut report = SourceReport::idle(&prepared.source.name);
    report.dropped = prepared.dropped;
    store.transaction(|tx| {
        for mention in &prepared.mentions {
            let id = match Store::upsert_mention(tx, mention, now)? {
                MentionUpdate::Inserted(id) => {
                    report.new += 1;
                    id
                }
                MentionUpdate::Edited(id) => {
                    report.updated += 1;
                    id
                }
                MentionUpdate::Unchanged(_) => continue,
            };
            // A new urgent/high mention, or an edit that made one negative, alerts in this
            // transaction; the outbox key (one alert per mention) makes a re-fetch, a
            // second edit or a restart a no-op.
            report.alerts_queued += usize::from(Store::queue_alert(tx, id, now)?);
        }
        Store::record_fetch(
            tx,
            &prepared.source.name,
            &prepared.url,
            now,
            &prepared.outcome,
            &prepared.state,
        )
    })?;
    if let FetchOutcome::Failed(message) = &prepared.outcome {
        tracing::warn!(source = %prepared.source.name, "fetch failed: {message}");
    }
    report.outcome = Some(prepared.outcome);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let m15 = Duration::from_secs(900);
        assert_eq!(backoff(m15, 1), m15);
        assert_eq!(backoff(m15, 2), m15 * 2);
        assert_eq!(backoff(m15, 3), m15 * 4);
        assert_eq!(backoff(m15, 40), MAX_BACKOFF);
        let daily = Duration::from_secs(86_400);
        assert_eq!(backoff(daily, 5), daily);
    }
}
