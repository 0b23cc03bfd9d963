//! One way to run a statement on either database.
//!
//! The store's SQL is written once, in the subset SQLite and PostgreSQL share (`?N`
//! placeholders are rewritten to `$N` for PostgreSQL). Statements take their arguments as
//! [`Value`]s and read rows through [`Row`], so a store method neither knows nor cares
//! which database is beneath it. The names follow rusqlite's (`execute`, `query_row`,
//! `prepare_cached`, `params!`, `optional`), which the store used before there were two.

use std::fmt;

use super::pg::PgConn;

/// A value bound to a statement or read from a row: the four storage classes both
/// databases share (SQLite's, and PostgreSQL's BIGINT, DOUBLE PRECISION, TEXT and BYTEA).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// A 64-bit integer (booleans are stored as 0 and 1).
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// A short name of the storage class, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

/// A database failure, from either driver, or a value that does not fit its Rust type.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// PostgreSQL said no.
    #[error("database error: {}", pg_message(.0))]
    Postgres(tokio_postgres::Error),
    /// No connection could be had from the PostgreSQL pool (the words say why and what to
    /// check).
    #[error("{0}")]
    Pool(String),
    /// A query that must return a row returned none.
    #[error("no row matched the query")]
    NoRows,
    /// A stored word that names nothing this Earshot knows ("unknown label 'grumpy' in the
    /// database"): damage, or a newer Earshot's word.
    #[error("{0}")]
    Unknown(String),
    /// A column held something its Rust type cannot take.
    #[error("column {column} holds {found}, expected {expected}")]
    Type {
        /// The column's index.
        column: usize,
        /// What it holds.
        found: String,
        /// What the code reads it as.
        expected: &'static str,
    },
}

/// PostgreSQL's own words with their severity ("ERROR: …").
fn pg_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => pg_words(error),
    }
}

/// PostgreSQL's own words (the driver's Display says only "db error"), or the driver's
/// with their cause ("error connecting to server: Connection refused").
pub(crate) fn pg_words(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => match std::error::Error::source(error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        },
    }
}

impl From<tokio_postgres::Error> for SqlError {
    fn from(error: tokio_postgres::Error) -> SqlError {
        SqlError::Postgres(error)
    }
}

impl From<rusqlite::Error> for SqlError {
    fn from(error: rusqlite::Error) -> SqlError {
        match error {
            rusqlite::Error::QueryReturnedNoRows => SqlError::NoRows,
            other => SqlError::Sqlite(other),
        }
    }
}

impl SqlError {
    /// A UNIQUE (or primary key) constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            SqlError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::ConstraintViolation
            }
            SqlError::Postgres(e) => {
                e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            _ => false,
        }
    }

    /// Another process holds the lock this needed, and waiting did not help.
    pub fn is_locked(&self) -> bool {
        match self {
            SqlError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}

/// `Result<T, SqlError>`.
pub type SqlResult<T> = Result<T, SqlError>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    /// `Ok(None)` for [`SqlError::NoRows`].
    fn optional(self) -> SqlResult<Option<T>>;
}

impl<T> OptionalExtension<T> for SqlResult<T> {
    fn optional(self) -> SqlResult<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(SqlError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A Rust value that binds as a statement argument.
pub trait ToSql {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

/// A Rust type a column reads as.
pub trait FromSql: Sized {
    /// Convert the column's value; `column` is for the error.
    fn from_value(value: Value, column: usize) -> SqlResult<Self>;
}

fn wrong_type<T>(value: &Value, column: usize, expected: &'static str) -> SqlResult<T> {
    Err(SqlError::Type {
        column,
        found: value.kind().to_string(),
        expected,
    })
}

impl ToSql for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl FromSql for Value {
    fn from_value(value: Value, _column: usize) -> SqlResult<Value> {
        Ok(value)
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToSql + ?Sized> ToSql for Box<T> {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToSql::to_value)
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_value(value: Value, column: usize) -> SqlResult<Option<T>> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other, column).map(Some),
        }
    }
}

macro_rules! integers {
    ($($ty:ty),*) => {$(
        impl ToSql for $ty {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }

        impl FromSql for $ty {
            fn from_value(value: Value, column: usize) -> SqlResult<$ty> {
                match value {
                    Value::Int(i) => <$ty>::try_from(i).or_else(|_| {
                        wrong_type(&Value::Int(i), column, concat!("a ", stringify!($ty)))
                    }),
                    other => wrong_type(&other, column, "an integer"),
                }
            }
        }
    )*};
}

integers!(i64, i32, u32, u16, u8, usize, u64);

impl ToSql for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl FromSql for bool {
    fn from_value(value: Value, column: usize) -> SqlResult<bool> {
        match value {
            Value::Int(i) => Ok(i != 0),
            other => wrong_type(&other, column, "0 or 1"),
        }
    }
}

impl ToSql for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToSql for f32 {
    fn to_value(&self) -> Value {
        Value::Real(f64::from(*self))
    }
}

impl FromSql for f64 {
    fn from_value(value: Value, column: usize) -> SqlResult<f64> {
        match value {
            Value::Real(r) => Ok(r),
            Value::Int(i) => Ok(i as f64),
            other => wrong_type(&other, column, "a number"),
        }
    }
}

impl FromSql for f32 {
    fn from_value(value: Value, column: usize) -> SqlResult<f32> {
        f64::from_value(value, column).map(|r| r as f32)
    }
}

impl ToSql for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToSql for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl FromSql for String {
    fn from_value(value: Value, column: usize) -> SqlResult<String> {
        match value {
            Value::Text(t) => Ok(t),
            other => wrong_type(&other, column, "text"),
        }
    }
}

impl ToSql for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToSql for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl FromSql for Vec<u8> {
    fn from_value(value: Value, column: usize) -> SqlResult<Vec<u8>> {
        match value {
            Value::Blob(b) => Ok(b),
            other => wrong_type(&other, column, "bytes"),
        }
    }
}

/// A time as rusqlite's chrono support wrote it ("2026-11-30 12:00:00+00:00"), which the
/// learning log's rows use; the store's other timestamps are RFC 3339 text (`store::ts`).
impl ToSql for chrono::DateTime<chrono::Utc> {
    fn to_value(&self) -> Value {
        Value::Text(self.format("%F %T%.f%:z").to_string())
    }
}

impl FromSql for chrono::DateTime<chrono::Utc> {
    fn from_value(value: Value, column: usize) -> SqlResult<Self> {
        let text = String::from_value(value, column)?;
        chrono::DateTime::parse_from_str(&text, "%F %T%.f%:z")
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(&text))
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| SqlError::Type {
                column,
                found: format!("'{text}'"),
                expected: "a time",
            })
    }
}

/// A statement's arguments: `params![a, b]`, `[a, b]` of one type, `[]`, or a slice of
/// `&dyn ToSql` built at run time.
pub trait Params {
    /// The values, in placeholder order.
    fn values(&self) -> Vec<Value>;
}

impl Params for [&dyn ToSql; 0] {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}

impl Params for &[&dyn ToSql] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl Params for &[Value] {
    fn values(&self) -> Vec<Value> {
        self.to_vec()
    }
}

impl Params for Vec<Value> {
    fn values(&self) -> Vec<Value> {
        self.clone()
    }
}

macro_rules! arrays {
    ($($n:literal),*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(ToSql::to_value).collect()
            }
        }

        impl<T: ToSql> Params for &[T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(ToSql::to_value).collect()
            }
        }
    )*};
}

arrays!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

/// Arguments of mixed types: `params![id, name, ts(now)]`.
#[macro_export]
#[doc(hidden)]
macro_rules! __store_params {
    () => {
        &[] as &[&dyn $crate::store::sql::ToSql]
    };
    ($($arg:expr),+ $(,)?) => {
        &[$(&$arg as &dyn $crate::store::sql::ToSql),+] as &[&dyn $crate::store::sql::ToSql]
    };
}

pub use crate::__store_params as params;

/// One row of a result, from either database.
pub struct Row<'r> {
    inner: RowInner<'r>,
}

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `index` (from 0) as `T`.
    pub fn get<T: FromSql>(&self, index: usize) -> SqlResult<T> {
        T::from_value(self.value(index)?, index)
    }

    /// Column `index` as it is stored.
    pub fn value(&self, index: usize) -> SqlResult<Value> {
        match &self.inner {
            RowInner::Sqlite(row) => Ok(sqlite_value(row.get_ref(index)?)),
            RowInner::Postgres(row) => super::pg::column_value(row, index),
        }
    }

    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        match &self.inner {
            RowInner::Sqlite(row) => row.as_ref().column_count(),
            RowInner::Postgres(row) => row.len(),
        }
    }

    /// The name of column `index`.
    pub fn column_name(&self, index: usize) -> String {
        match &self.inner {
            RowInner::Sqlite(row) => row
                .as_ref()
                .column_name(index)
                .map(str::to_string)
                .unwrap_or_default(),
            RowInner::Postgres(row) => row
                .columns()
                .get(index)
                .map(|c| c.name().to_string())
                .unwrap_or_default(),
        }
    }

    /// Wrap a PostgreSQL row.
    pub(crate) fn postgres(row: &tokio_postgres::Row) -> Row<'_> {
        Row {
            inner: RowInner::Postgres(row),
        }
    }
}

/// A SQLite value as the value layer's.
pub(crate) fn sqlite_value(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn sqlite_args(values: Vec<Value>) -> impl rusqlite::Params {
    use rusqlite::types::Value as V;
    rusqlite::params_from_iter(values.into_iter().map(|v| match v {
        Value::Null => V::Null,
        Value::Int(i) => V::Integer(i),
        Value::Real(r) => V::Real(r),
        Value::Text(t) => V::Text(t),
        Value::Blob(b) => V::Blob(b),
    }))
}

/// Which database a statement runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection, or a transaction on one: what every store method runs its statements
/// on. Inside [`super::Store::transaction`] it is the open transaction.
#[derive(Clone, Copy)]
pub enum Conn<'c> {
    /// A SQLite connection (or transaction: rusqlite's derefs to its connection).
    Sqlite(&'c rusqlite::Connection),
    /// A PostgreSQL session from the pool.
    Postgres(&'c PgConn),
}

/// The connection a transaction's statements run on (the same type: a transaction is
/// begun and ended around it).
pub type Tx<'c> = Conn<'c>;

impl fmt::Debug for Conn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conn({:?})", self.dialect())
    }
}

impl<'c> Conn<'c> {
    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Run one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> SqlResult<usize> {
        match self {
            Conn::Sqlite(conn) => Ok(conn
                .prepare_cached(sql)?
                .execute(sqlite_args(params.values()))?),
            Conn::Postgres(pg) => pg.execute(sql, &params.values()),
        }
    }

    /// Run statements with no arguments, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> SqlResult<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(pg) => pg.batch_execute(sql),
        }
    }

    /// The first row of a query, read by `read`; [`SqlError::NoRows`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<T> {
        self.prepare_cached(sql)?.query_row(params, read)
    }

    /// Every row of a query, each read by `read`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnMut(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<Vec<T>> {
        self.prepare_cached(sql)?.query_map(params, read)?.collect()
    }

    /// A statement to run several times (cached on SQLite; PostgreSQL's pooled sessions
    /// cache their own).
    pub fn prepare_cached(&self, sql: &str) -> SqlResult<Stmt<'c>> {
        let inner = match *self {
            Conn::Sqlite(conn) => StmtInner::Sqlite(conn.prepare_cached(sql)?),
            Conn::Postgres(pg) => StmtInner::Postgres(pg, sql.to_string()),
        };
        Ok(Stmt { inner })
    }

    /// Same as [`Conn::prepare_cached`].
    pub fn prepare(&self, sql: &str) -> SqlResult<Stmt<'c>> {
        self.prepare_cached(sql)
    }
}

/// A prepared statement.
pub struct Stmt<'c> {
    inner: StmtInner<'c>,
}

enum StmtInner<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres(&'c PgConn, String),
}

impl Stmt<'_> {
    /// Run it; the number of rows it changed.
    pub fn execute(&mut self, params: impl Params) -> SqlResult<usize> {
        match &mut self.inner {
            StmtInner::Sqlite(stmt) => Ok(stmt.execute(sqlite_args(params.values()))?),
            StmtInner::Postgres(pg, sql) => pg.execute(sql, &params.values()),
        }
    }

    /// Every row, each read by `read`, as an iterator of results (as rusqlite's is).
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut read: impl FnMut(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<std::vec::IntoIter<SqlResult<T>>> {
        let mut out = Vec::new();
        match &mut self.inner {
            StmtInner::Sqlite(stmt) => {
                let mut rows = stmt.query(sqlite_args(params.values()))?;
                while let Some(row) = rows.next()? {
                    out.push(read(&Row {
                        inner: RowInner::Sqlite(row),
                    }));
                }
            }
            StmtInner::Postgres(pg, sql) => {
                for row in pg.query(sql, &params.values())? {
                    out.push(read(&Row::postgres(&row)));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// The first row, read by `read`; [`SqlError::NoRows`] when there is none.
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> SqlResult<T>,
    ) -> SqlResult<T> {
        match &mut self.inner {
            StmtInner::Sqlite(stmt) => {
                let mut rows = stmt.query(sqlite_args(params.values()))?;
                match rows.next()? {
                    Some(row) => read(&Row {
                        inner: RowInner::Sqlite(row),
                    }),
                    None => Err(SqlError::NoRows),
                }
            }
            StmtInner::Postgres(pg, sql) => match pg.query(sql, &params.values())?.first() {
                Some(row) => read(&Row::postgres(row)),
                None => Err(SqlError::NoRows),
            },
        }
    }

    /// Whether the query returns any row.
    pub fn exists(&mut self, params: impl Params) -> SqlResult<bool> {
        Ok(self.query_map(params, |_| Ok(()))?.next().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, flag INTEGER, data BLOB)")
            .unwrap();
        conn
    }

    #[test]
    fn values_round_trip_through_sqlite_as_their_rust_types() {
        let conn = memory();
        let db = Conn::Sqlite(&conn);
        let none: Option<String> = None;
        let inserted = db
            .execute(
                "INSERT INTO t (id, name, score, flag, data) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![7_i64, "Ana", 2.5, true, vec![1_u8, 2]],
            )
            .unwrap();
        assert_eq!(inserted, 1);
        db.execute("INSERT INTO t (id, name) VALUES (?1, ?2)", params![8, none])
            .unwrap();
        let (name, score, flag, data): (String, f64, bool, Vec<u8>) = db
            .query_row(
                "SELECT name, score, flag, data FROM t WHERE id = ?1",
                [7],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            (name.as_str(), score, flag, data),
            ("Ana", 2.5, true, vec![1, 2])
        );
        let missing: Option<String> = db
            .query_row("SELECT name FROM t WHERE id = ?1", [8], |r| r.get(0))
            .unwrap();
        assert_eq!(missing, None);
    }

    #[test]
    fn no_row_is_an_error_that_optional_turns_into_none() {
        let conn = memory();
        let db = Conn::Sqlite(&conn);
        let read = || {
            db.query_row("SELECT name FROM t WHERE id = 1", [], |r| {
                r.get::<String>(0)
            })
        };
        assert!(matches!(read(), Err(SqlError::NoRows)));
        assert_eq!(read().optional().unwrap(), None);
    }

    #[test]
    fn a_column_of_the_wrong_type_names_the_column_and_both_types() {
        let conn = memory();
        let db = Conn::Sqlite(&conn);
        db.execute("INSERT INTO t (id, name) VALUES (1, 'x')", [])
            .unwrap();
        let error = db
            .query_row("SELECT id, name FROM t", [], |r| r.get::<i64>(1))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "column 1 holds text, expected an integer"
        );
    }

    #[test]
    fn a_unique_violation_is_recognised() {
        let conn = memory();
        let db = Conn::Sqlite(&conn);
        db.execute("INSERT INTO t (id) VALUES (1)", []).unwrap();
        let error = db.execute("INSERT INTO t (id) VALUES (1)", []).unwrap_err();
        assert!(error.is_unique_violation(), "{error}");
    }

    #[test]
    fn arguments_built_at_run_time_bind_in_order() {
        let conn = memory();
        let db = Conn::Sqlite(&conn);
        let owned: Vec<Box<dyn ToSql>> = vec![Box::new(3_i64), Box::new("Sam".to_string())];
        let refs: Vec<&dyn ToSql> = owned.iter().map(|b| b.as_ref()).collect();
        db.execute("INSERT INTO t (id, name) VALUES (?1, ?2)", &refs[..])
            .unwrap();
        let names = db
            .query_map("SELECT name FROM t ORDER BY id", [], |r| r.get::<String>(0))
            .unwrap();
        assert_eq!(names, ["Sam"]);
    }
}
