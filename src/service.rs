//! `earshot run`: poll each source on its schedule and serve the web log, until Ctrl-C or
//! SIGTERM.
//!
//! Each source's writes are one transaction, so stopping between or during cycles loses
//! nothing that was committed and never stores half a source.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;

use crate::config::Config;
use crate::poller::{poll_cycle, Pipeline};
use crate::store::Store;

/// Longest sleep between schedule checks (a source added to the config waits no longer).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// Run the service (poll loop and web log) until a shutdown signal.
pub fn run(config: Arc<Config>, store: Arc<Mutex<Store>>) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        // Bind first: a bad [web] listen or a missing token stops Earshot before it polls.
        let token = crate::web::token_from_env();
        let listener = crate::web::bind(&config.web_listen, token.as_deref()).await?;
        let state = crate::web::AppState::new(config.clone(), store.clone(), token);
        let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
        let web = tokio::spawn(crate::web::serve(listener, state, async {
            let _ = web_stopped.await;
        }));
        let polled = serve(config, store, shutdown_signal()).await;
        let _ = stop_web.send(());
        web.await.context("the web log task failed")??;
        polled
    })
}

/// The polling loop; returns when `shutdown` completes.
pub async fn serve(
    config: Arc<Config>,
    store: Arc<Mutex<Store>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let pipeline = Arc::new(Pipeline::new(config.clone())?);
    tokio::pin!(shutdown);
    tracing::info!(
        sources = config.sources.len(),
        "earshot running; Ctrl-C to stop"
    );
    loop {
        let cycle = poll_cycle(pipeline.clone(), store.clone(), None, false, Utc::now());
        let report = tokio::select! {
            report = cycle => report?,
            () = &mut shutdown => break,
        };
        for source in report.sources.iter().filter(|s| s.outcome.is_some()) {
            tracing::info!(source = %source.name, new = source.new, updated = source.updated, "polled");
        }
        let wait = until_next_due(&store, &config);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut shutdown => break,
        }
    }
    tracing::info!("stopped cleanly");
    Ok(())
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
