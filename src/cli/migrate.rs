//! `earshot migrate --to postgres://…`: move the SQLite history into an empty PostgreSQL
//! database (see [`crate::store::transfer`]), and say what to put in earshot.toml.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::Cli;
use crate::config::Config;
use crate::store::pg_settings;
use crate::store::transfer::{copy_to_postgres, Transfer};
use crate::store::Store;

/// `earshot migrate --to URL`.
pub fn migrate(cli: &Cli, to: &str) -> Result<()> {
    let database = database(cli)?;
    if !database.is_file() {
        bail!(
            "there is no database at {} to copy: name it with --db FILE, or check [storage] database in {}",
            database.display(),
            cli.config.display()
        );
    }
    let (settings, described) = pg_settings::from_environment(to).context("--to")?;
    let source = Store::open(&database)?;
    // The messages are whole sentences; their causes would only repeat them.
    let mut target = Store::open_postgres(settings, described.clone()).map_err(|e| {
        anyhow!(
            "cannot use the PostgreSQL database {described} named by --to: {}",
            e.to_string().replace("[storage] url", "the --to address")
        )
    })?;
    let transfer = copy_to_postgres(&source, &mut target).map_err(|e| anyhow!("{e}"))?;
    print!("{}", report(&database, &described, to.trim(), &transfer));
    Ok(())
}

/// The database `cli` names (`--db`, else `[storage] database`).
fn database(cli: &Cli) -> Result<PathBuf> {
    match &cli.db {
        Some(db) => Ok(db.clone()),
        None => Ok(Config::load(&cli.config)?.database),
    }
}

/// The counts table, the time, and what to do next.
fn report(database: &Path, described: &str, url: &str, transfer: &Transfer) -> String {
    let width = transfer
        .tables
        .iter()
        .map(|t| t.table.len())
        .chain(["total".len(), "table".len()])
        .max()
        .unwrap_or(5);
    let (sqlite, postgres) = transfer
        .tables
        .iter()
        .fold((0, 0), |(s, p), t| (s + t.sqlite, p + t.postgres));
    let mut text = format!(
        "Copied {} to PostgreSQL {described} in {:.1} s.\n\n",
        database.display(),
        transfer.elapsed.as_secs_f64()
    );
    text.push_str(&format!(
        "  {:<width$}  {:>8}    {}\n",
        "table", "SQLite", "PostgreSQL"
    ));
    for table in &transfer.tables {
        text.push_str(&format!(
            "  {:<width$}  {:>8} → {}\n",
            table.table, table.sqlite, table.postgres
        ));
    }
    text.push_str(&format!(
        "  {:<width$}  {sqlite:>8} → {postgres}\n\n",
        "total"
    ));
    text.push_str(&format!(
        "Every count matches. To run on PostgreSQL from now on:\n\
         \n\
         1. In earshot.toml, add this line to the [storage] section (start the section\n\
         \x20  with a line [storage] if there is none):\n\
         \n\
         \x20   url = \"{url}\"\n\
         \n\
         2. Give Earshot the database password in $EARSHOT_DATABASE_PASSWORD (or a line in\n\
         \x20  ~/.pgpass), never in earshot.toml.\n\
         3. Start `earshot run` again. {} stays as it was: keep it as a backup.\n\
         \n\
         If `earshot run` was running during the copy, what it heard since is only in the\n\
         SQLite file. To catch up, stop it, empty the PostgreSQL database (dropdb and\n\
         createdb it again) and run this command once more: it only copies into an empty\n\
         database.\n",
        database.display()
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::transfer::TableCount;

    #[test]
    fn the_report_shows_each_count_the_total_and_the_line_for_earshot_toml() {
        let transfer = Transfer {
            tables: vec![
                TableCount {
                    table: "customers".into(),
                    sqlite: 3,
                    postgres: 3,
                },
                TableCount {
                    table: "mentions".into(),
                    sqlite: 46,
                    postgres: 46,
                },
            ],
            elapsed: std::time::Duration::from_millis(1250),
        };
        let text = report(
            Path::new("data/earshot.db"),
            "shop@db.example:5432/earshot",
            "postgres://shop@db.example/earshot",
            &transfer,
        );
        assert!(
            text.contains("in 1.2 s") || text.contains("in 1.3 s"),
            "{text}"
        );
        assert!(text.contains("  mentions         46 → 46\n"), "{text}");
        assert!(text.contains("  total            49 → 49\n"), "{text}");
        assert!(
            text.contains("[storage] section")
                && text.contains("\n    url = \"postgres://shop@db.example/earshot\"\n"),
            "{text}"
        );
        assert!(text.contains("$EARSHOT_DATABASE_PASSWORD"), "{text}");
    }
}
