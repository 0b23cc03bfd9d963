//! One polling cycle: for each due source, fetch → extract → keep relevant → key → score →
//! triage → store, with every source's writes in one transaction. A source's failure is a
//! line in its report, never a reason to stop the cycle.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use crate::config::{Config, Source};
use crate::schedule::{self, Failure};
use crate::store::{
    FetchOutcome, NewMention, SourceState, SourceStatus, Store, StoreError, StoreHandle,
};

pub use crate::pipeline::Pipeline;

pub use crate::fetch::retry::{backoff, MAX_BACKOFF};

mod read;

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
    /// Health after this cycle (ok, failing, blocked, broken, disabled).
    pub status: SourceStatus,
    /// When it will be polled next.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Skipped: another poll (maybe another Earshot process) was fetching it.
    pub busy: bool,
    /// Who holds it when `busy` (`host:pid`), as far as the store knows.
    pub held_by: Option<String>,
    /// Alert emails queued in the outbox (urgent and high mentions).
    pub alerts_queued: usize,
    /// New mentions taken in as backfill (logged, not emailed).
    pub backfill: usize,
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
        self.failed() > 0
    }

    /// Sources polled this cycle (due, or forced), whatever the outcome.
    pub fn attempted(&self) -> usize {
        self.sources.iter().filter(|s| s.outcome.is_some()).count()
    }

    /// Sources whose fetch failed this cycle (a bot wall included).
    pub fn failed(&self) -> usize {
        self.sources
            .iter()
            .filter(|s| matches!(s.outcome, Some(FetchOutcome::Failed(_))))
            .count()
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
    /// Every key a complete read listed (None when the read may have missed some).
    listed: Option<std::collections::HashSet<String>>,
}

/// The one scheduling decision, for `run` and `poll` alike: each configured source not
/// `skip`ped, with None when it is due now (or `force`), else its state (not due yet).
pub fn plan(
    config: &Config,
    store: &Store,
    now: DateTime<Utc>,
    force: bool,
    skip: impl Fn(&str) -> bool,
) -> Result<Vec<(Source, Option<SourceState>)>, StoreError> {
    let mut plan = Vec::new();
    let mut states = store.source_states()?;
    for source in config.sources.iter().filter(|s| !skip(&s.name)) {
        let state = states.remove(&source.name).unwrap_or_default();
        let due = schedule::is_due(source, &state, now, force);
        plan.push((source.clone(), (!due).then_some(state)));
    }
    Ok(plan)
}

/// Poll every due source (or only `only`), store the results, report per source.
/// `force` ignores the schedule, backoff, `Retry-After` and a 410's disabling.
pub async fn poll_cycle(
    pipeline: Arc<Pipeline>,
    store: StoreHandle,
    only: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<CycleReport, StoreError> {
    poll_cycle_observed(pipeline, store, only, force, now, &mut |_| {}).await
}

/// What [`poll_cycle_observed`] tells as it goes (for the terminal's progress bar).
#[derive(Debug)]
pub enum CycleProgress<'a> {
    /// These sources are being read now.
    Polling(&'a [String]),
    /// One source is done.
    Done(&'a SourceReport),
}

/// [`poll_cycle`], telling `observe` which sources it reads and as each is done.
pub async fn poll_cycle_observed(
    pipeline: Arc<Pipeline>,
    store: StoreHandle,
    only: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
    observe: &mut (dyn FnMut(CycleProgress<'_>) + Send),
) -> Result<CycleReport, StoreError> {
    let mut reports = Vec::new();
    let mut tasks = JoinSet::new();
    let (config, only) = (pipeline.config.clone(), only.map(str::to_owned));
    let plan = store
        .read(move |s| {
            plan(&config, s, now, force, |name| {
                only.as_deref().is_some_and(|only| only != name)
            })
        })
        .await?;
    let mut polling = Vec::new();
    for (source, state) in plan {
        match state {
            Some(state) => reports.push(SourceReport::idle(&source.name, &state)),
            None => {
                polling.push(source.name.clone());
                let (pipeline, store) = (pipeline.clone(), store.clone());
                tasks.spawn(poll_source(pipeline, store, source, now));
            }
        }
    }
    observe(CycleProgress::Polling(&polling));
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(report) => {
                let report = report?;
                observe(CycleProgress::Done(&report));
                reports.push(report);
            }
            // poll_source catches panics in fetching and parsing; this is the store writer.
            Err(panic) => tracing::error!("a source task panicked while storing: {panic}"),
        }
    }
    let order = |name: &str| pipeline.config.sources.iter().position(|s| s.name == name);
    reports.sort_by_key(|r| order(&r.name));
    Ok(CycleReport { sources: reports })
}

/// Poll one source now (due or not) and store the result. A panic while fetching or
/// parsing is recorded as this source's failure, like any other error. A source another
/// poll is fetching right now is skipped (`busy`): never two fetches of one source at once.
pub async fn poll_source(
    pipeline: Arc<Pipeline>,
    store: StoreHandle,
    source: Source,
    now: DateTime<Utc>,
) -> Result<SourceReport, StoreError> {
    let _in_flight = pipeline
        .in_flight
        .clone()
        .acquire_owned()
        .await
        .expect("the in-flight semaphore is never closed");
    let (name, url) = (source.name.clone(), source.location.to_string());
    let (claimed, state, holder) = store
        .write(move |s| -> Result<_, StoreError> {
            let claimed = s.claim_source(&name, &url)?;
            let holder = if claimed {
                None
            } else {
                s.source_holder(&name)?
            };
            Ok((claimed, s.source_state(&name)?, holder))
        })
        .await?;
    if !claimed {
        tracing::debug!(source = %source.name, holder = ?holder, "skipped: another poll is fetching it right now");
        let mut report = SourceReport::idle(&source.name, &state);
        report.busy = true;
        report.held_by = holder;
        return Ok(report);
    }
    let work = {
        let (pipeline, source, state) = (pipeline.clone(), source.clone(), state.clone());
        async move { prepare(&pipeline, source, state, now).await }
    };
    // Renew the claim while the fetch runs, so a live poll keeps it and a dead one's
    // lapses after a short grace.
    let name = source.name.clone();
    let heartbeat = tokio::spawn(heartbeat(store.clone(), name.clone()));
    let prepared = catch_panic(work).await;
    heartbeat.abort();
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(panic) => {
            let failure = Failure::error(format!(
                "internal error while polling this source ({panic}); this is a bug in Earshot, please report it"
            ));
            pipeline.failed(source, state, failure, now)
        }
    };
    let written = store
        .write(move |s| write(s, &pipeline, prepared, now))
        .await;
    if written.is_err() {
        // `write` releases the claim with the fetch; when it failed, release it here.
        let released = store.write(move |s| s.release_source(&name)).await;
        if let Err(e) = released {
            tracing::error!("cannot release a source's claim: {e}");
        }
    }
    written
}

/// Renew a source's claim every third of its lease until aborted.
async fn heartbeat(store: StoreHandle, name: String) {
    let every = std::time::Duration::from_secs(crate::store::LEASE_SECS as u64 / 3);
    loop {
        tokio::time::sleep(every).await;
        let name = name.clone();
        if let Err(e) = store.write(move |s| s.renew_source(&name)).await {
            tracing::warn!("cannot renew a source's claim: {e}");
        }
    }
}

/// Run `work` on its own task so a panic comes back as an error message.
pub async fn catch_panic<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    tokio::spawn(work).await.map_err(|error| {
        if !error.is_panic() {
            return "the task was cancelled".to_owned();
        }
        let panic = error.into_panic();
        panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned())
    })
}

impl SourceReport {
    fn idle(name: &str, state: &SourceState) -> SourceReport {
        SourceReport {
            name: name.to_owned(),
            outcome: None,
            new: 0,
            updated: 0,
            dropped: 0,
            status: state.status,
            next_due_at: state.next_due_at,
            busy: false,
            held_by: None,
            alerts_queued: 0,
            backfill: 0,
        }
    }
}

async fn prepare(
    pipeline: &Pipeline,
    source: Source,
    mut state: SourceState,
    now: DateTime<Utc>,
) -> Prepared {
    schedule::rebase(&mut state, &source);
    let location = schedule::location(&source, &state);
    match pipeline.read(&source, &location, &mut state).await {
        Ok(None) => pipeline.done(source, state, FetchOutcome::NotModified, Vec::new(), now),
        Ok(Some(items)) => {
            let listed = state
                .listed_all
                .then(|| pipeline.listed_keys(&items))
                .filter(|keys| !keys.is_empty());
            let (mentions, dropped) = pipeline.mentions_from(&source, items);
            let mut prepared = pipeline.done(source, state, FetchOutcome::Ok, mentions, now);
            prepared.dropped = dropped;
            prepared.listed = listed;
            prepared
        }
        Err(failure) => pipeline.failed(source, state, failure, now),
    }
}

impl Pipeline {
    fn done(
        &self,
        source: Source,
        mut state: SourceState,
        outcome: FetchOutcome,
        mentions: Vec<NewMention>,
        now: DateTime<Utc>,
    ) -> Prepared {
        schedule::schedule(
            &mut state,
            &source,
            None,
            self.config.fetch.broken_after,
            now,
        );
        Prepared {
            url: source.location.to_string(),
            source,
            outcome,
            state,
            mentions,
            dropped: 0,
            listed: None,
        }
    }

    fn failed(
        &self,
        source: Source,
        mut state: SourceState,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Prepared {
        let broken_after = self.config.fetch.broken_after;
        schedule::schedule(&mut state, &source, Some(&failure), broken_after, now);
        Prepared {
            url: source.location.to_string(),
            source,
            outcome: FetchOutcome::Failed(failure.message),
            state,
            mentions: Vec::new(),
            dropped: 0,
            listed: None,
        }
    }
}

/// Store one source's results in one transaction: the pipeline decides what the batch
/// means (backfill, links, priorities, alerts) and the source's health is recorded.
fn write(
    store: &mut Store,
    pipeline: &Pipeline,
    prepared: Prepared,
    now: DateTime<Utc>,
) -> Result<SourceReport, StoreError> {
    let mut report = SourceReport::idle(&prepared.source.name, &prepared.state);
    report.dropped = prepared.dropped;
    let customers = store.customer_index()?;
    let batch = store.transaction(|tx| {
        let batch = pipeline.store_batch(
            tx,
            &prepared.source.name,
            &prepared.mentions,
            &customers,
            now,
        )?;
        if let Some(listed) = &prepared.listed {
            crate::pipeline::mark_removed_upstream(tx, &prepared.source.name, listed, now)?;
        }
        Store::record_fetch(
            tx,
            &prepared.source.name,
            &prepared.url,
            now,
            &prepared.outcome,
            &prepared.state,
        )?;
        Ok(batch)
    })?;
    report.new = batch.new;
    report.updated = batch.updated;
    report.backfill = batch.backfill;
    report.alerts_queued = batch.alerts_queued;
    if let FetchOutcome::Failed(message) = &prepared.outcome {
        tracing::warn!(source = %prepared.source.name, "fetch failed: {message}");
    }
    report.outcome = Some(prepared.outcome);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_comes_back_as_a_message() {
        let caught = catch_panic(async { panic!("selector blew up") }).await;
        assert_eq!(caught.unwrap_err(), "selector blew up");
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
    }
}
