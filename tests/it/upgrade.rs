//! Upgrading a database written by an earlier release: nothing is lost or changed.
//!
//! `tests/data/release-0.1.0.db` was written by Earshot 0.1.0 (commit eb3985f, schema
//! version 3), from the repository root, with a copy of `config/earshot.toml` whose
//! `[alerts] outbox_dir` pointed into a temp dir (`E` = `target/debug/earshot --config
//! COPY --db FILE`):
//!
//! 1. `E poll` (the sample feeds under `feeds/`: 46 mentions, 18 alerts queued);
//! 2. `E customers import config/customers.csv` (16 customers, 15 mentions linked);
//! 3. `E ack 30 --note .. --by sam`, `E promise 19 --due 2d --note .. --by dana`,
//!    `E resolve 11 --note .. --by sam`, `E ack 38 --note ..`, `E link 8 3 --by sam`,
//!    `E unlink 13 --by sam`, `E link 12 5`;
//! 4. `E outbox --retry` (18 alerts sent as .eml files), `E digest --send` (1 digest);
//! 5. `E poll --force` (unchanged), three `E poll --force` with town-forum's url pointed at
//!    a missing file (broken: a source event), one more with it back (recovered);
//! 6. `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM;'`.
//!
//! The test compares only what existed in that file (its tables and columns), so it keeps
//! passing as later migrations add columns and tables.

use std::path::Path;

use earshot::store::{MentionFilter, Store, LATEST_SCHEMA_VERSION};
use rusqlite::types::Value;
use rusqlite::Connection;

use crate::common::repo;

/// The release's tables that hold data (FTS shadow tables are checked by searching).
const TABLES: &[&str] = &[
    "mentions",
    "customers",
    "mention_events",
    "outbox",
    "sources",
    "fetch_log",
    "source_events",
];

/// One table as the release left it: its columns and every row, in rowid order.
#[derive(Debug, PartialEq)]
struct TableDump {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .unwrap();
    let names = stmt.query_map([], |r| r.get(0)).unwrap();
    names.collect::<Result<_, _>>().unwrap()
}

/// The rows of `table`, reading only `columns` (the ones the release wrote).
fn dump(conn: &Connection, table: &str, columns: &[String]) -> TableDump {
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM {table} ORDER BY rowid"))
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            (0..columns.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    TableDump {
        columns: columns.to_vec(),
        rows,
    }
}

/// Names of every table, index and trigger in the file.
fn schema_objects(conn: &Connection) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') ORDER BY type, name")
        .unwrap();
    let objects = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    objects.collect::<Result<_, _>>().unwrap()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn fts_ids(conn: &Connection, word: &str) -> Vec<i64> {
    let mut stmt = conn
        .prepare("SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?1 ORDER BY rowid")
        .unwrap();
    let ids = stmt.query_map([word], |r| r.get(0)).unwrap();
    ids.collect::<Result<_, _>>().unwrap()
}

fn user_version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn search(store: &Store, words: &str) -> Vec<i64> {
    let filter = MentionFilter {
        search: Some(words.into()),
        ..Default::default()
    };
    let mut ids: Vec<i64> = store
        .mentions(&filter)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    ids.sort();
    ids
}

fn copy_fixture(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("earshot.db");
    std::fs::copy(repo().join("tests/data/release-0.1.0.db"), &path).unwrap();
    path
}

#[test]
fn a_release_0_1_0_database_opens_with_nothing_lost_or_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());

    // Before: read the release's file with plain SQL.
    let conn = Connection::open(&path).unwrap();
    let old_version = user_version(&conn);
    assert!(
        (1..=LATEST_SCHEMA_VERSION).contains(&old_version),
        "fixture at version {old_version}"
    );
    let counts: Vec<(&str, i64)> = TABLES.iter().map(|t| (*t, count(&conn, t))).collect();
    assert_eq!(
        counts,
        [
            ("mentions", 46),
            ("customers", 16),
            ("mention_events", 53),
            ("outbox", 19),
            ("sources", 5),
            ("fetch_log", 9),
            ("source_events", 2),
        ],
        "the fixture is not the one described at the top of this file"
    );
    let before: Vec<TableDump> = TABLES
        .iter()
        .map(|t| dump(&conn, t, &columns(&conn, t)))
        .collect();
    let objects_before = schema_objects(&conn);
    let wholesale = fts_ids(&conn, "wholesale");
    let alvarez = fts_ids(&conn, "alvarez");
    assert!(!wholesale.is_empty() && !alvarez.is_empty());
    drop(conn);

    // The upgrade.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA_VERSION);
    // Full-text search still finds what the release indexed, accents folded as before.
    assert_eq!(search(&store, "wholesale"), wholesale);
    assert_eq!(search(&store, "Álvarez"), alvarez);
    assert_eq!(store.mentions(&MentionFilter::default()).unwrap().len(), 46);
    drop(store);

    // After: every table, index and trigger is still there, and the rows are the same in
    // the columns the release had (later migrations may add columns and tables).
    let conn = Connection::open(&path).unwrap();
    let objects_after = schema_objects(&conn);
    let lost: Vec<_> = objects_before
        .iter()
        .filter(|o| !objects_after.contains(o))
        .collect();
    assert!(lost.is_empty(), "lost in the upgrade: {lost:?}");
    for (table, old) in TABLES.iter().zip(&before) {
        let now_columns = columns(&conn, table);
        let missing: Vec<_> = old
            .columns
            .iter()
            .filter(|c| !now_columns.contains(c))
            .collect();
        assert!(missing.is_empty(), "{table} lost columns {missing:?}");
        let after = dump(&conn, table, &old.columns);
        assert_eq!(after.rows.len(), old.rows.len(), "{table}: row count");
        for (i, (a, b)) in old.rows.iter().zip(&after.rows).enumerate() {
            assert_eq!(a, b, "{table}: row {i} changed");
        }
    }
    assert_eq!(fts_ids(&conn, "wholesale"), wholesale);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    // And opening it again is a no-op.
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA_VERSION);
}
