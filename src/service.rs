//! `earshot run`: poll each source on its own schedule, send alerts and serve the web log,
//! until Ctrl-C or SIGTERM.
//!
//! Every source is its own task, started when it is due and never while its previous
//! poll still runs, so a slow or failing source delays no other. Each source's writes are
//! one transaction, so stopping between or during polls loses nothing that was committed
//! and never stores half a source. The alert dispatcher runs beside the polls: woken when
//! a poll queued alerts and every [`DISPATCH_EVERY`]; on shutdown it finishes the message
//! it is sending, then stops.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use tokio::task::{Id, JoinError, JoinSet};

use crate::alert::{Dispatcher, Transport};
use crate::config::Config;
use crate::live::Live;
use crate::poller::{plan, poll_source, Pipeline, SourceReport};
use crate::schedule::is_due;
use crate::store::{StoreError, StoreHandle};

/// Longest sleep between schedule checks (a source added to the config waits no longer).
const MAX_IDLE: Duration = Duration::from_secs(30);
/// Shortest sleep between schedule checks.
const MIN_IDLE: Duration = Duration::from_millis(200);
/// How long a source another worker is polling is left alone before trying it again
/// (when that worker finishes, the source is simply not due any more).
const BUSY_RETRY: Duration = Duration::from_secs(5);
/// How long polls in flight may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often the dispatcher looks for due alerts, retries, escalations and the digest.
pub const DISPATCH_EVERY: Duration = Duration::from_secs(20);
/// The same with other workers on the database (PostgreSQL): the alerts a worker queued
/// and could not send before it died wake no one else.
pub const DISPATCH_EVERY_SHARED: Duration = Duration::from_secs(5);

/// Run the service (poll loop and web log) until a shutdown signal; SIGHUP reloads the
/// config from `path` (see [`Live`]).
pub fn run(config: Arc<Config>, path: &Path, store: StoreHandle) -> Result<()> {
    warn_missing_credentials(&config);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        // Bind first: a bad [web] listen or a missing token stops Earshot before it polls.
        let token = crate::web::token_from_env();
        let team = store.read(|s| s.has_staff()).await?;
        let listener = crate::web::bind(&config.web_listen, token.as_deref(), team).await?;
        let live = Live::from_file(config.clone(), path.to_owned())?;
        let state = crate::web::AppState::new(config, store.clone(), token).with_live(live.clone());
        let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
        let web = tokio::spawn(crate::web::serve(listener, state, async {
            let _ = web_stopped.await;
        }));
        let reloads = tokio::spawn(reload_on_hangup(live.clone()));
        let polled = serve_live(live, store, shutdown_signal()).await;
        reloads.abort();
        let _ = stop_web.send(());
        web.await.context("the web log task failed")??;
        polled
    })
}

/// A platform source whose API key or login is not in the environment is said at
/// startup (it alone fails each poll, with the same words, and the others run).
fn warn_missing_credentials(config: &Config) {
    for source in &config.sources {
        let Some(platform) = source.platform.as_ref() else {
            continue;
        };
        let missing = platform
            .request_headers()
            .err()
            .or_else(|| platform.login_problem());
        if let Some(missing) = missing {
            tracing::warn!(source = %source.name, "{missing}");
        }
    }
}

/// Polls and the alert dispatcher; returns when `shutdown` completes (after polls in
/// flight finish, or [`SHUTDOWN_GRACE`], and the message being sent is sent).
pub async fn serve(
    config: Arc<Config>,
    store: StoreHandle,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    serve_live(Live::fixed(config)?, store, shutdown).await
}

/// [`serve`] with a reloadable config: each round of the poll loop takes the pipeline in
/// force, and a reload wakes it. The alert dispatcher keeps the config it started with.
pub async fn serve_live(
    live: Arc<Live>,
    store: StoreHandle,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let config = live.config();
    let transport = Transport::from_config(&config.alerts)?;
    let dispatcher = Dispatcher::new(config.clone(), store.clone(), transport);
    tracing::info!(
        sources = config.sources.len(),
        alerts = %dispatcher.describe(),
        database = %store.describe(),
        worker = crate::lease::owner(),
        "earshot running; Ctrl-C to stop"
    );
    // Polls and the web log (a sign-in link) wake the dispatcher through the same signal.
    let wake = live.outbox.clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    refresh_business_terms(&live, &store).await;
    let every = if store.is_shared() {
        DISPATCH_EVERY_SHARED
    } else {
        DISPATCH_EVERY
    };
    let dispatching = tokio::spawn(dispatch_loop(
        dispatcher,
        every,
        wake.clone(),
        stopped.clone(),
    ));
    let learning = tokio::spawn(learn_loop(live.clone(), store.clone(), stopped.clone()));
    let backups = tokio::spawn(crate::backup::backup_loop(
        live.clone(),
        store.clone(),
        wake.clone(),
        stopped.clone(),
    ));
    let beating = tokio::spawn(heartbeat_loop(store.clone(), stopped));
    poll_loop(&live, &store, wake, shutdown).await;
    let _ = stop.send(true);
    learning.abort();
    // A backup being written finishes (its copy is whole or removed), then the task ends.
    let _ = backups.await;
    let _ = beating.await;
    if let Err(panic) = dispatching.await {
        tracing::error!("the alert dispatcher panicked: {panic}");
    }
    // Polls cancelled after the grace period still hold their sources: let them go, so
    // the next start (or another process) polls them at once.
    match store.write(|s| s.release_all()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!("released {n} claims this process still held"),
        Err(e) => tracing::error!("cannot release this process's claims: {e}"),
    }
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Start each source when due until `shutdown`, then let polls in flight finish.
async fn poll_loop(
    live: &Live,
    store: &StoreHandle,
    wake: Arc<tokio::sync::Notify>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut polls = Polls {
        wake,
        ..Polls::default()
    };
    loop {
        let pipeline = live.pipeline();
        polls.start_due(&pipeline, store).await;
        let wait = polls.until_next_due(&pipeline, store).await;
        tokio::select! {
            Some(joined) = polls.tasks.join_next_with_id() => polls.finished(joined),
            () = tokio::time::sleep(wait) => {}
            () = live.changed.notified() => {}
            () = &mut shutdown => break,
        }
    }
    polls.drain().await;
}

/// The polls in flight, by task, so a finished (or panicked) task frees its source.
#[derive(Default)]
struct Polls {
    tasks: JoinSet<Result<SourceReport, StoreError>>,
    running: HashMap<Id, String>,
    /// Sources another worker was polling when this one tried, left alone until then:
    /// retrying them at every turn of the loop would only contend for their claim.
    busy: HashMap<String, std::time::Instant>,
    /// Wakes the dispatcher when a poll queued alerts.
    wake: Arc<tokio::sync::Notify>,
}

impl Polls {
    /// The sources not to start now: those this worker polls, and those another worker
    /// was polling a moment ago.
    fn not_to_start(&mut self) -> HashSet<String> {
        let now = std::time::Instant::now();
        self.busy.retain(|_, until| *until > now);
        self.running
            .values()
            .chain(self.busy.keys())
            .cloned()
            .collect()
    }

    /// How long until a source another worker was polling may be tried again.
    fn until_busy_ends(&self) -> Option<Duration> {
        let now = std::time::Instant::now();
        self.busy
            .values()
            .map(|until| until.saturating_duration_since(now))
            .min()
    }

    /// Start every due source that is not already being polled.
    async fn start_due(&mut self, pipeline: &Arc<Pipeline>, store: &StoreHandle) {
        let now = Utc::now();
        let (config, running) = (pipeline.config.clone(), self.not_to_start());
        let plan = store
            .read(move |s| plan(&config, s, now, false, |name| running.contains(name)))
            .await;
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                tracing::error!("cannot read the sources' schedule: {e}");
                return;
            }
        };
        for (source, not_due) in plan {
            if not_due.is_some() {
                continue;
            }
            let name = source.name.clone();
            let work = poll_source(pipeline.clone(), store.clone(), source, now);
            let handle = self.tasks.spawn(work);
            self.running.insert(handle.id(), name);
        }
    }

    fn finished(&mut self, joined: Result<(Id, Result<SourceReport, StoreError>), JoinError>) {
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(error) => error.id(),
        };
        let name = self.running.remove(&id).unwrap_or_default();
        match joined {
            Ok((_, Ok(report))) if report.busy => {
                self.busy
                    .insert(name, std::time::Instant::now() + BUSY_RETRY);
            }
            Ok((_, Ok(report))) => {
                tracing::info!(source = %name, new = report.new, updated = report.updated, alerts = report.alerts_queued, backfill = report.backfill, status = %report.status, "polled");
                if report.alerts_queued > 0 {
                    self.wake.notify_one();
                }
            }
            Ok((_, Err(error))) => {
                tracing::error!(source = %name, "cannot store the poll: {error}")
            }
            Err(error) => tracing::error!(source = %name, "the poll task died: {error}"),
        }
    }

    /// Time until the next source not already running is due.
    async fn until_next_due(&mut self, pipeline: &Pipeline, store: &StoreHandle) -> Duration {
        let (config, running) = (pipeline.config.clone(), self.not_to_start());
        let busy_ends = self.until_busy_ends().unwrap_or(MAX_IDLE);
        store
            .read(move |store| {
                let now = Utc::now();
                let states = store.source_states().unwrap_or_default();
                config
                    .sources
                    .iter()
                    .filter(|s| !running.contains(&s.name))
                    .filter_map(|s| {
                        let state = states.get(&s.name).cloned().unwrap_or_default();
                        is_due(s, &state, now, false)
                            .then_some(Duration::ZERO)
                            .or_else(|| (state.next_due_at? - now).to_std().ok())
                    })
                    .min()
                    .unwrap_or(MAX_IDLE)
                    .min(busy_ends)
                    .clamp(MIN_IDLE, MAX_IDLE)
            })
            .await
    }

    /// Let polls in flight finish for a while, then cancel the rest.
    async fn drain(&mut self) {
        let all_done = async {
            while let Some(joined) = self.tasks.join_next_with_id().await {
                self.finished(joined);
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, all_done)
            .await
            .is_err()
        {
            tracing::warn!("cancelling polls still running after {SHUTDOWN_GRACE:?}");
            self.tasks.shutdown().await;
        }
    }
}

/// Send due alerts whenever woken or `every` ([`DISPATCH_EVERY`]), until `stopped` turns
/// true. A pass in progress is never interrupted: shutdown waits for the message being sent.
async fn dispatch_loop(
    dispatcher: Dispatcher,
    every: Duration,
    wake: Arc<tokio::sync::Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match dispatcher.tick(Utc::now()).await {
            Ok(pass) if pass.sent + pass.retrying + pass.failed + pass.rolled > 0 => {
                tracing::info!(
                    sent = pass.sent,
                    retrying = pass.retrying,
                    failed = pass.failed,
                    rolled = pass.rolled,
                    errors = %pass.errors.join("; "),
                    "outbox"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!("outbox: {e}"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

/// Tell the database this service (`run`, or `serve`) runs (so `earshot restore` refuses to pull it out from
/// under it), every [`HEARTBEAT_EVERY`] until `stopped`, then clear the mark.
///
/// [`HEARTBEAT_EVERY`]: crate::store::HEARTBEAT_EVERY
pub async fn heartbeat_loop(store: StoreHandle, mut stopped: tokio::sync::watch::Receiver<bool>) {
    loop {
        // Wall-clock time, not `$EARSHOT_NOW`: a restore compares it with its own clock.
        let now = Utc::now();
        if let Err(e) = store.write(move |s| s.beat(now)).await {
            tracing::warn!("cannot record that the service runs: {e}");
        }
        tokio::select! {
            () = tokio::time::sleep(crate::store::HEARTBEAT_EVERY) => {}
            _ = stopped.changed() => break,
        }
        if *stopped.borrow() {
            break;
        }
    }
    if let Err(e) = store.write(|s| s.end_beat()).await {
        tracing::warn!("cannot clear the service's heartbeat: {e}");
    }
}

/// How often `run` looks whether enough new labels arrived to learn again, and picks up
/// terms an `earshot learn` from the command line kept meanwhile.
const LEARN_CHECK_EVERY: Duration = Duration::from_secs(3600);
/// `run` learns at most this often by itself ("nightly").
const LEARN_AT_MOST_EVERY: chrono::TimeDelta = crate::clock::span_secs(20 * 3600);

/// Scores from now on with the business's learned terms as the database keeps them.
async fn refresh_business_terms(live: &Live, store: &StoreHandle) {
    match store.read(crate::pipeline::learning::business_layer).await {
        Ok(terms) => live.pipeline().use_business_terms(terms.map(Arc::new)),
        Err(e) => tracing::error!("cannot read the business's learned terms: {e}"),
    }
}

/// Once a day at most, when at least [`NIGHTLY_NEW_LABELS`] new labelled mentions
/// arrived, learn the business's terms again (as `earshot learn` does).
///
/// [`NIGHTLY_NEW_LABELS`]: crate::pipeline::learning::NIGHTLY_NEW_LABELS
async fn learn_loop(
    live: Arc<Live>,
    store: StoreHandle,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    use crate::pipeline::learning::{self, Verdict, NIGHTLY_NEW_LABELS};
    loop {
        tokio::select! {
            () = tokio::time::sleep(LEARN_CHECK_EVERY) => {}
            _ = stopped.changed() => return,
        }
        let now = Utc::now();
        let due = store
            .read(move |s| -> Result<bool, StoreError> {
                let recent = s
                    .last_fit()?
                    .is_some_and(|(_, at)| now - at < LEARN_AT_MOST_EVERY);
                Ok(!recent && learning::new_labels(s)? >= NIGHTLY_NEW_LABELS)
            })
            .await;
        if matches!(due, Ok(true)) {
            let config = live.config();
            let outcome = store
                .write(move |s| {
                    learning::learn(s, &config.sentiment_options(), &config.triage, &[], now)
                })
                .await;
            match outcome {
                Ok(o) => match o.verdict {
                    Verdict::Kept { terms, relabelled } => tracing::info!(
                        labels = o.labels,
                        terms,
                        relabelled,
                        "learned this business's terms"
                    ),
                    Verdict::Rejected(why) => {
                        tracing::info!(labels = o.labels, "learned terms not kept: {why}")
                    }
                },
                Err(e) => tracing::error!("cannot learn this business's terms: {e:#}"),
            }
        }
        refresh_business_terms(&live, &store).await;
    }
}

/// Reload the config on each SIGHUP (the usual "reread your config" signal), for ever.
async fn reload_on_hangup(live: Arc<Live>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; restart Earshot to read config changes");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the config");
            // A refused reload is logged and shown by `live`; the old config stays.
            let _ = live.reload();
        }
    }
    #[cfg(not(unix))]
    {
        let _ = live;
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    // Register now, not when first polled: a SIGTERM that arrives while the service is
    // still starting must stop it cleanly, not kill it. (Call inside the runtime.)
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let (mut terminate, mut interrupt) = (terminate, interrupt);
            let term = async {
                match terminate.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match interrupt.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = term => {}
                () = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown requested");
    }
}
