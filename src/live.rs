//! The config a running `earshot run` uses, reloadable without a restart: on SIGHUP and
//! after a source is added from the web log. A new config that does not validate is
//! refused: the old one stays in force, and the error goes to the log and the sources
//! page until a reload succeeds.
//!
//! What reloads: the sources (new ones are polled, removed ones stop), the business's
//! names and terms, triage and fetch settings (the [`Pipeline`] is rebuilt). What needs a
//! restart: the database (`[storage]`), `[web] listen` and the alert transport.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::config::Config;
use crate::pipeline::Pipeline;

/// The pipeline (and so the config) in force, swapped whole on a reload.
pub struct Live {
    pipeline: ArcSwap<Pipeline>,
    /// The file to reload from; `None`: fixed (reloads keep what there is).
    path: Option<PathBuf>,
    /// Why the last reload was refused, until one succeeds.
    error: Mutex<Option<String>>,
    /// Woken after each successful reload (the poll loop rereads its sources).
    pub changed: tokio::sync::Notify,
    /// Held while the web log rewrites the file, so two adds at once cannot lose one.
    pub writing: tokio::sync::Mutex<()>,
    /// Wakes the alert dispatcher (a poll queued alerts, the web log a sign-in link).
    pub outbox: Arc<tokio::sync::Notify>,
}

impl Live {
    /// A config that is never reloaded (tests, one-shot commands).
    pub fn fixed(config: Arc<Config>) -> anyhow::Result<Arc<Live>> {
        Live::build(config, None)
    }

    /// `config` as loaded from `path`, reloadable from it.
    pub fn from_file(config: Arc<Config>, path: PathBuf) -> anyhow::Result<Arc<Live>> {
        Live::build(config, Some(path))
    }

    fn build(config: Arc<Config>, path: Option<PathBuf>) -> anyhow::Result<Arc<Live>> {
        Ok(Arc::new(Live {
            pipeline: ArcSwap::from_pointee(Pipeline::new(config)?),
            path,
            error: Mutex::new(None),
            changed: tokio::sync::Notify::new(),
            writing: tokio::sync::Mutex::new(()),
            outbox: Arc::new(tokio::sync::Notify::new()),
        }))
    }

    /// The pipeline in force now (polls already running keep the one they started with).
    pub fn pipeline(&self) -> Arc<Pipeline> {
        self.pipeline.load_full()
    }

    /// The config in force now.
    pub fn config(&self) -> Arc<Config> {
        self.pipeline.load().config.clone()
    }

    /// Why the last reload was refused, if it was.
    pub fn error(&self) -> Option<String> {
        self.error.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Read the file again and put it in force; on any problem keep the config in force,
    /// log the error and keep it for the sources page. The database stays the one opened
    /// at start (a restart changes it).
    pub fn reload(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let outcome = Config::load(path)
            .map_err(|e| e.to_string())
            .and_then(|mut config| {
                config.database = self.config().database.clone();
                config.database_url = self.config().database_url.clone();
                Pipeline::new(Arc::new(config)).map_err(|e| e.to_string())
            });
        match outcome {
            Ok(pipeline) => {
                // The business's learned terms live in the database, not the file.
                pipeline.use_business_terms(self.pipeline().business_terms());
                let sources = pipeline.config.sources.len();
                self.pipeline.store(Arc::new(pipeline));
                self.set_error(None);
                tracing::info!(sources, "config reloaded from {}", path.display());
                self.changed.notify_one();
                Ok(())
            }
            Err(error) => {
                let message =
                    format!("config not reloaded, the previous one stays in force: {error}");
                tracing::error!("{message}");
                self.set_error(Some(message.clone()));
                Err(message)
            }
        }
    }

    fn set_error(&self, error: Option<String>) {
        if let Ok(mut slot) = self.error.lock() {
            *slot = error;
        }
    }

    /// The file reloads read, if any (the web form adds sources to it).
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }
}
