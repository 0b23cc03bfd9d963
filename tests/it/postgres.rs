//! The PostgreSQL test server itself (tests/it/pg.rs), the driver the PostgreSQL store
//! backend uses (issue 19): tokio-postgres through a deadpool-postgres pool, and the
//! PostgreSQL schema (src/store/pg/migrations.rs) against SQLite's.

use std::net::TcpStream;
use std::time::Duration;

use deadpool_postgres::{Pool, Runtime};
use earshot::store::pg::migrations::{migrate, migrate_to, schema_version, LATEST};
use earshot::store::pg::PgError;
use earshot::store::{Store, LATEST_SCHEMA_VERSION};
use tokio_postgres::NoTls;

use crate::pg::{connect, test_db, PgServer};

fn pool(url: &str) -> Pool {
    let config = deadpool_postgres::Config {
        url: Some(url.to_string()),
        ..Default::default()
    };
    config.create_pool(Some(Runtime::Tokio1), NoTls).unwrap()
}

#[tokio::test]
async fn a_throwaway_server_answers_queries_through_the_pool() {
    let db = test_db();
    let client = pool(&db.url()).get().await.unwrap();
    let row = client
        .query_one("SELECT $1::int4 + 1, current_database()", &[&41i32])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(row.get::<_, String>(1), db.name);
    // websearch_to_tsquery (PostgreSQL 11+) is what stands in for FTS5's query syntax.
    let version: String = client
        .query_one("SHOW server_version_num", &[])
        .await
        .unwrap()
        .get(0);
    assert!(version.parse::<u32>().unwrap() >= 110000, "{version}");
    let matched: bool = client
        .query_one(
            "SELECT to_tsvector('english', 'The waiters were rude') \
             @@ websearch_to_tsquery('english', 'rude waiter -slow')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(matched);
}

#[tokio::test]
async fn each_test_gets_its_own_database() {
    let (one, two) = (test_db(), test_db());
    assert_ne!(one.name, two.name);
    let first = pool(&one.url()).get().await.unwrap();
    first
        .batch_execute("CREATE TABLE only_here (id int)")
        .await
        .unwrap();
    let second = pool(&two.url()).get().await.unwrap();
    let seen: i64 = second
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn dropping_the_server_stops_it_and_removes_its_directory() {
    let server = PgServer::start();
    let database: String = connect(&server.url())
        .await
        .query_one("SELECT current_database()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(database, "earshot");
    let (port, dir) = (server.port, server.dir());
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
    assert!(dir.join("data/PG_VERSION").is_file());
    drop(server);
    assert!(!dir.exists(), "{} is left behind", dir.display());
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(),
        "something still listens on {port}"
    );
}

// The PostgreSQL schema (src/store/pg/migrations.rs).

#[tokio::test]
async fn migrating_an_empty_database_reaches_the_sqlite_version_and_twice_is_a_no_op() {
    let db = test_db();
    let mut client = connect(&db.url()).await;
    assert_eq!(schema_version(&client).await.unwrap(), 0);
    assert_eq!(LATEST, LATEST_SCHEMA_VERSION);
    assert_eq!(migrate(&mut client).await.unwrap(), LATEST);
    assert_eq!(migrate(&mut client).await.unwrap(), LATEST);
    assert_eq!(schema_version(&client).await.unwrap(), LATEST);
    let rows: i64 = client
        .query_one("SELECT count(*) FROM earshot_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_database_at_any_older_version_is_brought_up_to_date() {
    for version in 0..LATEST {
        let db = test_db();
        let mut client = connect(&db.url()).await;
        assert_eq!(migrate_to(&mut client, version).await.unwrap(), version);
        assert_eq!(
            migrate(&mut client).await.unwrap(),
            LATEST,
            "from {version}"
        );
    }
}

#[tokio::test]
async fn two_processes_migrating_at_once_both_succeed() {
    let db = test_db();
    let (mut one, mut two) = (connect(&db.url()).await, connect(&db.url()).await);
    let (a, b) = tokio::join!(migrate(&mut one), migrate(&mut two));
    assert_eq!((a.unwrap(), b.unwrap()), (LATEST, LATEST));
}

#[tokio::test]
async fn a_newer_database_is_refused_untouched_with_advice() {
    let db = test_db();
    let mut client = connect(&db.url()).await;
    migrate(&mut client).await.unwrap();
    client
        .execute("UPDATE earshot_schema SET version = 999", &[])
        .await
        .unwrap();
    let err = migrate(&mut client).await.unwrap_err();
    assert!(
        matches!(err, PgError::TooNew { found: 999, known } if known == LATEST),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade Earshot"), "{err}");
    assert_eq!(schema_version(&client).await.unwrap(), 999);
}

/// Every table, column (type, NOT NULL) and named index of SQLite's schema, and nothing
/// else, exists on PostgreSQL: the two migration lists describe the same store.
#[tokio::test]
async fn the_postgres_schema_matches_the_sqlite_schema_column_for_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.db");
    drop(Store::open(&path).unwrap());
    let (sqlite_columns, sqlite_indexes) = sqlite_schema(&path);

    let db = test_db();
    let mut client = connect(&db.url()).await;
    migrate(&mut client).await.unwrap();
    let pg_columns: Vec<String> = client
        .query(
            "SELECT table_name || '.' || column_name || ' ' || data_type || \
                    CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> 'earshot_schema' \
               AND column_name NOT LIKE 'fts\\_%' \
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let pg_indexes: Vec<String> = client
        .query(
            // Not the ones behind PRIMARY KEY / UNIQUE constraints (SQLite's autoindexes).
            "SELECT i.relname::text FROM pg_index x \
               JOIN pg_class i ON i.oid = x.indexrelid \
               JOIN pg_namespace n ON n.oid = i.relnamespace \
             WHERE n.nspname = 'public' AND i.relname NOT LIKE 'mentions\\_fts\\_%' \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pg_columns, sqlite_columns);
    assert_eq!(pg_indexes, sqlite_indexes);
    assert!(pg_columns.len() > 100, "{}", pg_columns.len());
}

/// `table.column type[ not null]` (in PostgreSQL's type names) and the named indexes.
fn sqlite_schema(path: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut columns: Vec<String> = conn
        .prepare(
            "SELECT m.name, p.name, p.type, p.\"notnull\" OR p.pk > 0 \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'mentions_fts%' \
               AND m.name NOT LIKE 'sqlite_%'",
        )
        .unwrap()
        .query_map([], |r| {
            let (table, column, kind, not_null): (String, String, String, bool) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let kind = match kind.as_str() {
                "INTEGER" => "bigint",
                "REAL" => "double precision",
                "TEXT" => "text",
                "BLOB" => "bytea",
                other => panic!("{table}.{column}: no PostgreSQL type for {other}"),
            };
            let null = if not_null { " not null" } else { "" };
            Ok(format!("{table}.{column} {kind}{null}"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // PostgreSQL's byte order, as its ORDER BY in a C-locale cluster.
    columns.sort();
    let mut indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    indexes.sort();
    (columns, indexes)
}

/// FTS5's behaviour on the PostgreSQL columns: every word must appear, case and accents
/// are ignored, nothing is stemmed; the author column takes a prefix query.
#[tokio::test]
async fn full_text_search_ignores_case_and_accents_like_fts5() {
    let db = test_db();
    let mut client = connect(&db.url()).await;
    migrate(&mut client).await.unwrap();
    client
        .execute(
            "INSERT INTO mentions (source, key, content_hash, author, title, text, fetched_at, \
                                   score, label, priority) \
             VALUES ('s', 'k', 'h', 'Jane Doe', 'Dinner', 'Le CAFÉ était froid, waiters rude', \
                     '2026-01-01T00:00:00Z', -0.5, 'negative', 'high')",
            &[],
        )
        .await
        .unwrap();
    let count = |query: &'static str, column: &'static str, words: &'static str| {
        let client = &client;
        async move {
            let sql =
                format!("SELECT count(*) FROM mentions WHERE {column} @@ {query}('earshot', $1)");
            client
                .query_one(&sql, &[&words])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(count("plainto_tsquery", "fts_all", "cafe froid").await, 1);
    assert_eq!(
        count("plainto_tsquery", "fts_all", "Café dinner jane").await,
        1
    );
    assert_eq!(count("plainto_tsquery", "fts_all", "cafe chaud").await, 0);
    // No stemming (unicode61 has none): "waiter" does not find "waiters".
    assert_eq!(count("plainto_tsquery", "fts_all", "waiter").await, 0);
    assert_eq!(count("to_tsquery", "fts_author", "jane:* & d:*").await, 1);
    assert_eq!(count("to_tsquery", "fts_author", "dinner:*").await, 0);
}
