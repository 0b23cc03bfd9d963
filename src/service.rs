//! `earshot run`: poll each source on its schedule and send alerts until Ctrl-C or SIGTERM.
//!
//! Each source's writes are one transaction, so stopping between or during cycles loses
//! nothing that was committed and never stores half a source. The alert dispatcher runs
//! beside the poller: woken after every cycle and every [`DISPATCH_EVERY`]; on shutdown
//! it finishes the message it is sending, then stops.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;

use crate::alert::{Dispatcher, Transport};
use crate::config::Config;
use crate::poller::{poll_cycle, Pipeline};
use crate::store::Store;

/// Longest sleep between schedule checks (a source added to the config waits no longer).
const MAX_IDLE: Duration = Duration::from_secs(30);
/// How often the dispatcher looks for due alerts, retries, escalations and the digest.
pub const DISPATCH_EVERY: Duration = Duration::from_secs(20);

/// Run the service until a shutdown signal.
pub fn run(config: Arc<Config>, store: Arc<Mutex<Store>>) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(config, store, shutdown_signal()))
}

/// The polling loop; returns when `shutdown` completes.
pub async fn serve(
    config: Arc<Config>,
    store: Arc<Mutex<Store>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let pipeline = Arc::new(Pipeline::new(config.clone())?);
    let transport = Transport::from_config(&config.alerts)?;
    tracing::info!(
        sources = config.sources.len(),
        alerts = %transport.describe(),
        "earshot running; Ctrl-C to stop"
    );
    let dispatcher = Dispatcher::new(config.clone(), store.clone(), transport);
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let dispatching = tokio::spawn(dispatch_loop(dispatcher, wake.clone(), stopped));
    let polled = poll_loop(&config, pipeline, store, &wake, shutdown).await;
    let _ = stop.send(true);
    if let Err(panic) = dispatching.await {
        tracing::error!("the alert dispatcher panicked: {panic}");
    }
    tracing::info!("stopped cleanly");
    polled
}

async fn poll_loop(
    config: &Arc<Config>,
    pipeline: Arc<Pipeline>,
    store: Arc<Mutex<Store>>,
    wake: &tokio::sync::Notify,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    tokio::pin!(shutdown);
    loop {
        let cycle = poll_cycle(pipeline.clone(), store.clone(), None, false, Utc::now());
        let report = tokio::select! {
            report = cycle => report?,
            () = &mut shutdown => break,
        };
        for source in report.sources.iter().filter(|s| s.outcome.is_some()) {
            tracing::info!(source = %source.name, new = source.new, updated = source.updated, alerts = source.alerts_queued, "polled");
        }
        wake.notify_one();
        let wait = until_next_due(&store, config);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut shutdown => break,
        }
    }
    Ok(())
}

/// Send due alerts whenever woken or every [`DISPATCH_EVERY`], until `stopped` turns true.
/// A pass in progress is never interrupted: shutdown waits for the message being sent.
async fn dispatch_loop(
    dispatcher: Dispatcher,
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
            () = tokio::time::sleep(DISPATCH_EVERY) => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

fn until_next_due(store: &Mutex<Store>, config: &Config) -> Duration {
    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    let now = Utc::now();
    config
        .sources
        .iter()
        .filter_map(|s| store.source_state(&s.name).ok()?.next_due_at)
        .map(|due| (due - now).to_std().unwrap_or(Duration::ZERO))
        .min()
        .unwrap_or(MAX_IDLE)
        .clamp(Duration::from_millis(200), MAX_IDLE)
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
