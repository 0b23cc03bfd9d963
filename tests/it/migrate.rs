//! `earshot migrate --to postgres://…` (issue 19): the sample database copied into a
//! throwaway PostgreSQL server by the real binary, then the same counts and the same search
//! results on both sides; a second copy into the filled database, a failing copy and an
//! unreachable server leave everything as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use earshot::store::{MentionFilter, Store};

use crate::cli::{earshot, fresh_checkout, stdout};
use crate::common::output_text;
use crate::pg::{connect, test_db};

/// A fresh checkout after `poll`, a customer import and a case step: rows in mentions,
/// their history, customers, sources, the fetch log and the outbox.
fn populated_checkout() -> (tempfile::TempDir, PathBuf) {
    let dir = fresh_checkout();
    stdout(&earshot(dir.path(), &["poll", "--no-send"]));
    stdout(&earshot(
        dir.path(),
        &["customers", "import", "config/customers.csv"],
    ));
    stdout(&earshot(
        dir.path(),
        &["ack", "1", "--note", "called them back"],
    ));
    let db = dir.path().join("data/earshot.db");
    assert!(
        db.is_file(),
        "the sample config keeps its database in data/"
    );
    (dir, db)
}

/// Rows per Earshot table of the SQLite file (not FTS5's index, which PostgreSQL rebuilds).
fn sqlite_counts(db: &Path) -> BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'mentions_fts%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// Rows per Earshot table of the PostgreSQL database.
async fn postgres_counts(url: &str) -> BTreeMap<String, i64> {
    let client = connect(url).await;
    let tables = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name <> 'earshot_schema'",
            &[],
        )
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    for row in tables {
        let table: String = row.get(0);
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
            .await
            .unwrap()
            .get(0);
        counts.insert(table, n);
    }
    counts
}

fn postgres_store(url: &str) -> Store {
    Store::open_postgres(url.parse().unwrap(), url.to_string()).unwrap()
}

fn search_ids(store: &Store, words: &str) -> Vec<i64> {
    let filter = MentionFilter {
        search: Some(words.to_string()),
        ..Default::default()
    };
    store
        .mentions(&filter)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect()
}

#[tokio::test]
async fn migrate_copies_the_sample_database_with_the_same_counts_and_search_results() {
    let (dir, db) = populated_checkout();
    let target = test_db();
    // An alert rolled into a later summary: a reference to a row of its own table with a
    // larger id, which PostgreSQL only takes once that row is in.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "INSERT INTO outbox (id, kind, dedupe_key, created_at, next_attempt_at) \
             VALUES (7, 'summary', 'summary-1', '2026-11-30T10:00:00Z', '2026-11-30T10:00:00Z'); \
             INSERT INTO outbox (id, kind, dedupe_key, created_at, next_attempt_at, rolled_into) \
             VALUES (3, 'alert', 'alert-1', '2026-11-30T09:00:00Z', '2026-11-30T09:00:00Z', 7);",
        )
        .unwrap();
    let before = sqlite_counts(&db);
    for table in [
        "mentions",
        "mention_events",
        "customers",
        "sources",
        "fetch_log",
        "outbox",
    ] {
        assert!(before[table] > 0, "{table} should have rows: {before:?}");
    }

    let output = earshot(dir.path(), &["migrate", "--to", &target.url()]);
    let report = stdout(&output);

    let after = postgres_counts(&target.url()).await;
    assert_eq!(after, before, "{report}");
    assert_eq!(
        sqlite_counts(&db),
        before,
        "the SQLite file is left as it was"
    );
    let mentions = before["mentions"];
    assert!(
        report.contains(&format!(" {mentions} → {mentions}\n")),
        "{report}"
    );
    let total: i64 = before.values().sum();
    assert!(
        report.contains(&format!(" {total} → {total}\n")),
        "{report}"
    );
    assert!(
        report.contains(&format!("url = \"{}\"", target.url())),
        "{report}"
    );
    assert!(report.contains("$EARSHOT_DATABASE_PASSWORD"), "{report}");

    // The same log and the same searches, as the CLI prints them from the SQLite file and
    // from PostgreSQL through `[storage] url` (its tsvector columns computed from the
    // copied rows): every field of every mention, in the same order.
    let toml = std::fs::read_to_string(dir.path().join("config/earshot.toml")).unwrap();
    let on_postgres = toml.replacen(
        "[storage]\n",
        &format!("[storage]\nurl = \"{}\"\n", target.url()),
        1,
    );
    assert_ne!(
        on_postgres, toml,
        "the sample config has a [storage] section"
    );
    std::fs::write(dir.path().join("config/postgres.toml"), on_postgres).unwrap();
    let log = |config: &str, search: Option<&str>| -> serde_json::Value {
        let mut args = vec!["--config", config, "mentions", "--format", "json"];
        if let Some(words) = search {
            args.extend(["--search", words]);
        }
        serde_json::from_str(&stdout(&earshot(dir.path(), &args))).unwrap()
    };
    let (sqlite, postgres) = ("config/earshot.toml", "config/postgres.toml");
    let everything = log(sqlite, None);
    assert_eq!(everything.as_array().unwrap().len(), 46);
    assert_eq!(log(postgres, None), everything);
    for words in ["coffee", "bakery"] {
        let found = log(sqlite, Some(words));
        let count = found.as_array().unwrap().len();
        assert!(
            count > 0 && count < 46,
            "the sample mentions {words}: {count}"
        );
        assert_eq!(log(postgres, Some(words)), found, "search {words}");
    }
    // The store's own search on PostgreSQL agrees with the CLI's.
    let ids: Vec<i64> = log(sqlite, Some("coffee"))
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(search_ids(&postgres_store(&target.url()), "coffee"), ids);

    let client = connect(&target.url()).await;
    let rolled: Option<i64> = client
        .query_one("SELECT rolled_into FROM outbox WHERE id = 3", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rolled, Some(7));

    // The identity sequences continue after the copied ids.
    let largest: i64 = client
        .query_one("SELECT max(id) FROM fetch_log", &[])
        .await
        .unwrap()
        .get(0);
    let next: i64 = client
        .query_one(
            "INSERT INTO fetch_log (source, at, outcome) VALUES ('x', '2026-11-30T12:00:00Z', 'ok') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, largest + 1);
}

#[tokio::test]
async fn a_second_migrate_into_the_filled_database_is_refused_and_changes_nothing() {
    let (dir, _db) = populated_checkout();
    let target = test_db();
    stdout(&earshot(dir.path(), &["migrate", "--to", &target.url()]));
    let copied = postgres_counts(&target.url()).await;
    // New rows in SQLite since: a second copy would have to merge, which it must not.
    stdout(&earshot(dir.path(), &["ack", "2", "--note", "again"]));

    let again = earshot(dir.path(), &["migrate", "--to", &target.url()]);
    let text = output_text(&again);
    assert!(!again.status.success(), "{text}");
    assert!(
        text.contains(&format!("/{} is not empty (table ", target.name)),
        "{text}"
    );
    assert!(
        text.contains("createdb"),
        "says how to get an empty one: {text}"
    );
    assert_eq!(postgres_counts(&target.url()).await, copied);
}

#[tokio::test]
async fn a_copy_that_fails_half_way_leaves_the_target_empty() {
    let (dir, db) = populated_checkout();
    // PostgreSQL text cannot hold a NUL character, SQLite's can: the mentions table fails
    // after customers and sources were already written.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE mentions SET text = 'broken' || char(0) || 'text' WHERE id = 3",
            [],
        )
        .unwrap();
    let target = test_db();

    let failed = earshot(dir.path(), &["migrate", "--to", &target.url()]);
    let text = output_text(&failed);
    assert!(!failed.status.success(), "{text}");
    assert!(text.contains("cannot copy table mentions"), "{text}");
    assert_eq!(text.matches("0x00").count(), 1, "said once: {text}");
    assert!(text.contains("still empty"), "{text}");
    let counts = postgres_counts(&target.url()).await;
    assert!(counts.values().all(|n| *n == 0), "{counts:?}");
    assert_eq!(counts.len(), sqlite_counts(&db).len());
}

#[test]
fn an_unreachable_server_is_named_with_what_to_check() {
    let (dir, db) = populated_checkout();
    let before = sqlite_counts(&db);
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://earshot@127.0.0.1:{port}/earshot");

    let failed = earshot(dir.path(), &["migrate", "--to", &url]);
    let text = output_text(&failed);
    assert!(!failed.status.success(), "{text}");
    assert!(
        text.contains(&format!("earshot@127.0.0.1:{port}/earshot")),
        "{text}"
    );
    assert!(
        text.contains("Check the --to address, that the server runs"),
        "{text}"
    );
    assert_eq!(
        text.matches("Connection refused").count(),
        1,
        "said once: {text}"
    );
    assert_eq!(sqlite_counts(&db), before);

    // A password in the address is refused before anything is tried.
    let secret = earshot(
        dir.path(),
        &[
            "migrate",
            "--to",
            "postgres://earshot:hunter2@127.0.0.1/earshot",
        ],
    );
    let text = output_text(&secret);
    assert!(!secret.status.success());
    assert!(
        text.contains("$EARSHOT_DATABASE_PASSWORD") && !text.contains("hunter2"),
        "{text}"
    );
}
