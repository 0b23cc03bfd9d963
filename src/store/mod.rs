//! The one SQLite file: every SQL statement in Earshot lives under this module.
//!
//! Synchronous rusqlite behind methods named for intent. Async code holds a
//! [`StoreHandle`] instead: one writer thread and a read pool, so it never blocks on SQLite.
//! Schema changes are append-only migrations tracked by `user_version`.

mod backup;
mod cases;
mod corrections;
mod customers;
mod decisions;
mod digest;
mod handle;
mod learning;
mod mentions;
mod migrations;
mod outbox;
pub mod pg;
pub mod pg_settings;
mod privacy;
mod schedule;
mod settings;
mod source_log;
mod sources;
pub mod sql;
mod staff;
mod stats;
pub mod transfer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

use sql::{Conn, Dialect, SqlError, Tx};

pub use crate::model::{OutboxChannel, OutboxKind, OutboxStatus, SourceStatus};
pub use backup::{
    check_header, copy_database, inspect, restore, Restored, Snapshot, HEARTBEAT_EVERY,
};
pub use cases::CaseAction;
pub use corrections::CorrectedText;
pub use customers::{CaseFile, CustomerDetail, CustomerSummary, ImportSummary};
pub use digest::DigestData;
pub use handle::{StoreHandle, READERS};
pub use learning::{BusinessTerm, LabelledText, StoredText};
pub use mentions::{
    check_search, AssignedFilter, DismissedFilter, Event, MentionFilter, MentionUpdate, NewMention,
    Order, StatusFilter, StoredDetail,
};
pub use outbox::{OutboxEntry, Rendered};
pub use privacy::{Erasure, HeldData, HeldMention, HeldRow, Relation, SentEmail, ERASED};
pub use source_log::{FetchLogEntry, SourceTransition};
pub use sources::{FetchOutcome, SourceHealth, SourceState, LEASE_SECS};
pub use staff::{name_key, Removal, StaffMember};
pub use stats::WeekSentiment;

/// The schema version of a database this Earshot has migrated: the number of migrations it
/// knows (`PRAGMA user_version` counts those a file has seen).
pub const LATEST_SCHEMA_VERSION: i64 = migrations::MIGRATIONS.len() as i64;

/// A storage problem, worded for the person running Earshot.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open database {path}: {source}. Check the directory exists and is writable, or pass --db FILE")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file was written by a newer Earshot.
    #[error("database {path} has schema version {found}, newer than this Earshot understands ({known}); upgrade Earshot or use another --db")]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// The file could not be brought up to this Earshot's schema.
    #[error("cannot update the schema of database {path}: {source}")]
    Migrate {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite_migration::Error,
    },
    /// No mention with that id.
    #[error("no mention with id {0}; run `earshot mentions` to see the ids")]
    NoSuchMention(i64),
    /// No customer with that id.
    #[error("no customer with id {0}; run `earshot customers list` to see the ids")]
    NoSuchCustomer(i64),
    /// The case is already closed.
    #[error("mention {id} is already {status}; nothing to change")]
    CaseClosed {
        /// Mention id.
        id: i64,
        /// Its status.
        status: crate::model::CaseStatus,
    },
    /// Someone on the team already has that name.
    #[error("someone on the team is already called '{0}'; choose another name (e.g. add an initial), or see `earshot staff list`")]
    StaffNameTaken(String),
    /// `[storage] url` or the password file cannot be used.
    #[error(transparent)]
    PgSettings(#[from] pg_settings::PgSettingsError),
    /// The PostgreSQL schema could not be brought up to date.
    #[error(transparent)]
    Postgres(#[from] pg::PgError),
    /// Any other database failure.
    #[error(transparent)]
    Sql(#[from] SqlError),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Sql(error.into())
    }
}

/// The database beneath a [`Store`].
enum Db {
    /// A SQLite connection.
    Sqlite(Connection),
    /// A PostgreSQL session.
    Postgres(pg::PgConn),
}

/// The open database: one connection.
pub struct Store {
    db: Db,
    /// The file (None in memory), where [`StoreHandle`] opens its readers.
    path: Option<PathBuf>,
    /// Customers indexed for matching; dropped whenever customers change.
    customer_cache: Option<std::sync::Arc<crate::customers::CustomerIndex>>,
    /// A test's own PostgreSQL database (and its server), kept as long as the store.
    #[cfg(test)]
    test_database: Option<Box<dyn std::any::Any + Send>>,
}

impl Store {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A missing data/ directory should not be the user's problem.
            let _ = std::fs::create_dir_all(dir);
        }
        // Two processes creating one database can meet a lock SQLite reports without
        // waiting (switching a new file to WAL); the other one finishes in moments.
        let mut attempt = 0;
        loop {
            let conn = Connection::open(path).map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
            match Store::from_connection(conn, Some(path)) {
                Err(StoreError::Sql(e)) if e.is_locked() && attempt < OPEN_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(25 * attempt));
                }
                result => return result,
            }
        }
    }

    /// An in-memory database (tests, `earshot score`-style one-offs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::from_connection(Connection::open_in_memory()?, None)
    }

    fn from_connection(mut conn: Connection, path: Option<&Path>) -> Result<Store, StoreError> {
        // Wait for another process's lock (its migration, its write) before anything else.
        set_common_pragmas(&conn)?;
        // Every write transaction takes the write lock when it begins, so two processes
        // queue for it (busy timeout) instead of failing when a read upgrades to a write.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations::migrate(&mut conn, path.unwrap_or(Path::new(":memory:")))?;
        Ok(Store {
            db: Db::Sqlite(conn),
            path: path.map(Path::to_owned),
            customer_cache: None,
            #[cfg(test)]
            test_database: None,
        })
    }

    /// The database at `[storage] url` (PostgreSQL), its password taken from
    /// `$EARSHOT_DATABASE_PASSWORD`, `$PGPASSWORD` or the password file, as libpq would.
    pub fn open_url(url: &str) -> Result<Store, StoreError> {
        let (config, described) = pg_settings::from_environment(url)?;
        Store::open_postgres(config, described)
    }

    /// Connect to PostgreSQL (`[storage] url`) and bring its schema up to date.
    /// `described` names the server in messages ("user@host:port/db", no password).
    pub fn open_postgres(
        config: tokio_postgres::Config,
        described: String,
    ) -> Result<Store, StoreError> {
        let mut pg = pg::PgConn::connect(config, described)?;
        pg.migrate()?;
        Ok(Store::on_postgres(pg))
    }

    fn on_postgres(pg: pg::PgConn) -> Store {
        Store {
            db: Db::Postgres(pg),
            path: None,
            customer_cache: None,
            #[cfg(test)]
            test_database: None,
        }
    }

    /// Another connection for reading beside this one, on the same database; None for an
    /// in-memory database, which no other connection can see.
    pub(crate) fn open_another_reader(&self) -> Option<Result<Store, StoreError>> {
        match (&self.db, &self.path) {
            (Db::Postgres(pg), _) => Some(pg.another().map(Store::on_postgres).map_err(Into::into)),
            (Db::Sqlite(_), Some(path)) => Some(Store::open_reader(path)),
            (Db::Sqlite(_), None) => None,
        }
    }

    /// A read-only (`query_only`) connection to a database [`Store::open`] has created and
    /// migrated: under WAL it reads the last commit without waiting for the writer.
    pub(crate) fn open_reader(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        set_common_pragmas(&conn)?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(Store {
            db: Db::Sqlite(conn),
            path: Some(path.to_owned()),
            customer_cache: None,
            #[cfg(test)]
            test_database: None,
        })
    }

    /// Schema version after migration.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let sql = match self.conn().dialect() {
            Dialect::Sqlite => "PRAGMA user_version",
            Dialect::Postgres => "SELECT version FROM earshot_schema",
        };
        Ok(self.conn().query_row(sql, [], |r| r.get(0))?)
    }

    /// The database for people: the file, `(in memory)`, or PostgreSQL's
    /// `postgresql://user@host:port/db` (never a password).
    pub fn describe(&self) -> String {
        match (&self.db, &self.path) {
            (Db::Postgres(pg), _) => format!("postgresql://{}", pg.described()),
            (Db::Sqlite(_), Some(path)) => path.display().to_string(),
            (Db::Sqlite(_), None) => "(in memory)".to_string(),
        }
    }

    /// The connection every statement runs on.
    pub(crate) fn conn(&self) -> Conn<'_> {
        match &self.db {
            Db::Sqlite(conn) => Conn::Sqlite(conn),
            Db::Postgres(pg) => Conn::Postgres(pg),
        }
    }

    /// The SQLite connection, for what only SQLite has (backups, pragmas); None on
    /// PostgreSQL.
    pub(crate) fn sqlite(&self) -> Option<&Connection> {
        match &self.db {
            Db::Sqlite(conn) => Some(conn),
            Db::Postgres(_) => None,
        }
    }

    /// Run the reads of `f` on one snapshot of the database (a read transaction), so
    /// several queries agree with each other.
    pub(crate) fn snapshot<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.db {
            Db::Sqlite(conn) => {
                let snapshot = conn.unchecked_transaction()?;
                let value = f(self)?;
                snapshot.finish()?;
                Ok(value)
            }
            Db::Postgres(pg) => pg.read_snapshot(|| f(self)),
        }
    }

    /// Run a claim (of a source, or of an outbox row): on PostgreSQL in a transaction of
    /// its own, so the row lock its `FOR UPDATE SKIP LOCKED` read (see
    /// [`Store::skip_locked`]) takes is held until the claim is written; several workers
    /// then never wait for each other's claims, each skips the rows another is taking.
    /// On SQLite, one writer at a time, the claim's compare-and-set is enough.
    pub(crate) fn claiming<T>(
        &self,
        claim: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.db {
            Db::Sqlite(_) => claim(),
            Db::Postgres(pg) => pg.in_transaction(claim),
        }
    }

    /// What a claim's read ends with: `FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on
    /// SQLite.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.conn().dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Run `f` in one transaction: all of it lands or none of it.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &mut self.db {
            Db::Sqlite(conn) => {
                let tx = conn.transaction()?;
                let value = f(&Conn::Sqlite(&tx))?;
                tx.commit()?;
                Ok(value)
            }
            Db::Postgres(pg) => pg.transaction(|pg| f(&Conn::Postgres(pg))),
        }
    }
}

/// What every connection, writer or reader, sets: checked references, and a wait (not an
/// error) when another process holds the write lock.
fn set_common_pragmas(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}

/// How often opening a database that another process is creating is tried again.
const OPEN_RETRIES: u64 = 20;

/// How long a connection waits for another's lock before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A store on a database of its own on the tests' throwaway PostgreSQL server, which
/// lives as long as the store.
#[cfg(test)]
pub(crate) fn postgres_test_store() -> Store {
    let db = pg::test_server::test_db();
    let config: tokio_postgres::Config = db.url().parse().unwrap();
    let mut store = Store::open_postgres(config, db.url()).unwrap();
    store.test_database = Some(Box::new(db));
    store
}

/// Timestamps are stored as RFC 3339 UTC to the second, so text order is time order.
pub(crate) fn ts(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
