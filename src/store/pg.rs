//! The PostgreSQL backend (issue 19), groundwork: its schema and the runner that applies
//! it. Nothing else uses PostgreSQL yet; docs/postgres.md is the plan for the rest (one SQL
//! text beneath the unchanged `Store` methods, a sync facade over tokio-postgres).

pub mod migrations;

/// A PostgreSQL problem, worded for the person running Earshot.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The database was migrated by a newer Earshot.
    #[error("the PostgreSQL database has schema version {found}, newer than this Earshot understands ({known}); upgrade Earshot or point [storage] url at another database")]
    TooNew {
        /// Version in the database.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// One migration failed; the database is left as it was (one transaction).
    #[error("cannot apply PostgreSQL schema migration {number}: {source}")]
    Migration {
        /// Its number (1-based, as in the SQLite list).
        number: usize,
        /// Why.
        source: tokio_postgres::Error,
    },
    /// Any other PostgreSQL failure.
    #[error("PostgreSQL error: {0}")]
    Sql(#[from] tokio_postgres::Error),
}
