//! `earshot sources add URL` and `earshot sources test NAME`.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::Cli;
use crate::config::Config;
use crate::onboard;
use crate::pipeline::Pipeline;

/// What to do with sources.
#[derive(Debug, Subcommand)]
pub enum SourcesAction {
    /// Fetch URL once, say what it is and how its first items would score, and add it to
    /// the config file as a [[source]] (a running `earshot run` picks it up on SIGHUP).
    Add {
        /// The address of a feed, of a page that links one, or of a review page.
        url: String,
        /// The source's name (default: from the feed's title or the site's address).
        #[arg(long)]
        name: Option<String>,
    },
    /// Fetch a configured source once and show what a poll would find now, storing nothing.
    Test {
        /// The source's name.
        name: String,
    },
}

/// Run one `sources` action.
pub fn run(cli: &Cli, action: &SourcesAction) -> Result<()> {
    let config = Arc::new(Config::load(&cli.config)?);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let pipeline = Pipeline::new(config.clone())?;
    match action {
        SourcesAction::Add { url, name } => {
            super::owner_if_named(cli, "add sources")?;
            let added =
                runtime.block_on(onboard::add(&cli.config, &pipeline, url, name.as_deref()))?;
            print!("{}", added.preview);
            println!(
                "added source \"{}\" to {}; a running `earshot run` reads it after `kill -HUP <pid>` (or the next start)",
                added.name,
                cli.config.display()
            );
            Ok(())
        }
        SourcesAction::Test { name } => {
            let Some(source) = config.sources.iter().find(|s| &s.name == name) else {
                let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
                bail!(
                    "no source named \"{name}\" in {}; the sources are: {}",
                    cli.config.display(),
                    known.join(", ")
                );
            };
            match runtime.block_on(onboard::dry_run(&pipeline, source)) {
                Ok(preview) => {
                    println!("source \"{name}\" (dry run: nothing stored)");
                    print!("{preview}");
                    Ok(())
                }
                Err(why) => bail!("source \"{name}\" cannot be read now: {why}"),
            }
        }
    }
}
