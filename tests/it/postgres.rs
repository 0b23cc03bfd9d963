//! The PostgreSQL test server itself (tests/it/pg.rs) and the driver the PostgreSQL store
//! backend uses (issue 19): tokio-postgres through a deadpool-postgres pool.

use std::net::TcpStream;
use std::time::Duration;

use deadpool_postgres::{Pool, Runtime};
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
