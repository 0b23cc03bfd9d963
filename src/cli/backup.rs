//! `earshot backup FILE` and `earshot restore FILE`: a copy of the live database, and
//! putting one back after checking it (see [`crate::store::copy_database`] and
//! [`crate::store::restore`]).

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Cli;
use crate::config::Config;
use crate::store::Snapshot;

/// The database `cli` names (`--db`, else `[storage] database`), not opened: a backup
/// reads it as it is, a restore may replace it.
fn database(cli: &Cli) -> Result<PathBuf> {
    if let Some(db) = &cli.db {
        return Ok(db.clone());
    }
    let config = Config::load(&cli.config)?;
    if let Some(url) = &config.database_url {
        anyhow::bail!(
            "the data is in PostgreSQL ([storage] url = \"{url}\"), which `earshot backup` and \
             `restore` do not copy: use pg_dump and pg_restore (README: Growing past one machine)"
        );
    }
    Ok(config.database)
}

/// `earshot backup FILE [--force]`.
pub fn backup(cli: &Cli, file: &Path, force: bool) -> Result<()> {
    let snapshot = crate::store::copy_database(&database(cli)?, file, force)?;
    print!(
        "Backed up the database to {}\n{}Restore it with: earshot restore {}\n",
        snapshot.path.display(),
        describe(&snapshot),
        snapshot.path.display()
    );
    Ok(())
}

/// `earshot restore FILE [--force]`.
pub fn restore(cli: &Cli, file: &Path, force: bool) -> Result<()> {
    let database = database(cli)?;
    let restored = crate::store::restore(file, &database, force)?;
    let mut text = format!(
        "Restored {} as the database {}\n{}",
        file.display(),
        database.display(),
        describe(&restored.backup)
    );
    if restored.schema_version != restored.backup.schema_version {
        text.push_str(&format!(
            "  updated to schema version {} (this Earshot's)\n",
            restored.schema_version
        ));
    }
    if let Some(replaced) = restored.replaced {
        text.push_str(&format!(
            "It replaced a database with {} mentions.\n",
            replaced.mentions
        ));
    }
    print!("{text}");
    Ok(())
}

fn describe(snapshot: &Snapshot) -> String {
    let latest = snapshot
        .latest_activity
        .map_or_else(|| "none".to_owned(), crate::localtime::short_zoned);
    format!(
        "  size: {} bytes\n  mentions: {}\n  schema version: {}\n  latest activity: {latest}\n  integrity check: ok\n",
        snapshot.bytes, snapshot.mentions, snapshot.schema_version
    )
}
