//! The PostgreSQL backend (issue 19), groundwork: its schema and the runner that applies
//! it. Nothing else uses PostgreSQL yet; docs/postgres.md is the plan for the rest (one SQL
//! text beneath the unchanged `Store` methods, a sync facade over tokio-postgres).

pub mod migrations;

/// The throwaway server of the integration tests, for the store's unit tests on
/// PostgreSQL (`EARSHOT_TEST_BACKEND=postgres`).
#[cfg(test)]
#[path = "../../tests/it/pg.rs"]
#[allow(dead_code)]
pub(crate) mod test_server;

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

use std::borrow::Cow;
use std::sync::Arc;

use bytes::BytesMut;
use tokio_postgres::types::{to_sql_checked, FromSql as PgFromSql, IsNull, ToSql as PgToSql, Type};

use super::sql::{pg_words, SqlError, SqlResult, Value};

/// One PostgreSQL session from the pool, used synchronously: each statement is run to
/// completion on the store's own small runtime. The store only ever runs on its own
/// threads (the [`super::StoreHandle`] writer and readers) or in synchronous CLI code,
/// never on a tokio worker, where blocking would stall (and `block_on` panic).
pub struct PgConn {
    client: deadpool_postgres::Object,
    shared: Arc<PgShared>,
}

/// What every session of one store shares: the pool, and the runtime its connections'
/// tasks run on.
struct PgShared {
    pool: deadpool_postgres::Pool,
    /// Some until drop, which shuts it down without waiting (it may be dropped anywhere).
    runtime: Option<tokio::runtime::Runtime>,
    /// "user@host:port/db", for messages.
    described: String,
}

impl Drop for PgShared {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// How many sessions one process keeps at most: the writer, the readers, and room.
const POOL_SIZE: usize = 8;

impl PgConn {
    /// Connect (a pool of up to [`POOL_SIZE`] sessions) and take the first session.
    /// `described` names the server in messages ("user@host:port/db", no password).
    pub fn connect(config: tokio_postgres::Config, described: String) -> SqlResult<PgConn> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("earshot-pg")
            .enable_all()
            .build()
            .map_err(|e| SqlError::Pool(format!("cannot start the PostgreSQL driver: {e}")))?;
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(30)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| SqlError::Pool(e.to_string()))?;
        let shared = Arc::new(PgShared {
            pool,
            runtime: Some(runtime),
            described,
        });
        PgConn::from_pool(shared)
    }

    /// Another session from the same pool (a reader beside the writer).
    pub fn another(&self) -> SqlResult<PgConn> {
        PgConn::from_pool(self.shared.clone())
    }

    fn from_pool(shared: Arc<PgShared>) -> SqlResult<PgConn> {
        let runtime = shared.runtime.as_ref().expect("runtime lives until drop");
        let client = off_runtime(runtime, shared.pool.get()).map_err(|e| {
            SqlError::Pool(format!(
                "cannot reach PostgreSQL at {} ({}). Check [storage] url, that the server runs \
                 and accepts this user, and the password ($EARSHOT_DATABASE_PASSWORD, \
                 $PGPASSWORD or ~/.pgpass)",
                shared.described,
                pool_error(&e)
            ))
        })?;
        Ok(PgConn { client, shared })
    }

    /// "user@host:port/db".
    pub fn described(&self) -> &str {
        &self.shared.described
    }

    /// Bring the schema up to date (see [`migrations`]); the version.
    pub fn migrate(&mut self) -> Result<i64, PgError> {
        let runtime = self
            .shared
            .runtime
            .as_ref()
            .expect("runtime lives until drop");
        off_runtime(runtime, migrations::migrate(&mut self.client))
    }

    /// Run a statement's future to completion (see [`off_runtime`]).
    fn block_on<T: Send>(&self, work: impl std::future::Future<Output = T> + Send) -> T {
        let runtime = self
            .shared
            .runtime
            .as_ref()
            .expect("runtime lives until drop");
        off_runtime(runtime, work)
    }

    /// Run one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, args: &[Value]) -> SqlResult<usize> {
        let sql = numbered(sql);
        let refs = arg_refs(args);
        self.block_on(async {
            let statement = self.client.prepare_cached(&sql).await?;
            Ok(self.client.execute(&statement, &refs).await? as usize)
        })
    }

    /// Every row of a query.
    pub fn query(&self, sql: &str, args: &[Value]) -> SqlResult<Vec<tokio_postgres::Row>> {
        let sql = numbered(sql);
        let refs = arg_refs(args);
        self.block_on(async {
            let statement = self.client.prepare_cached(&sql).await?;
            Ok(self.client.query(&statement, &refs).await?)
        })
    }

    /// Run `work` in one transaction, committed when it returns Ok and rolled back
    /// otherwise (or if it panics). Every transaction first takes the writer lock, so
    /// writing transactions run one at a time across processes, as on SQLite; readers
    /// never wait for it.
    pub fn transaction<T, E: From<SqlError>>(
        &mut self,
        work: impl FnOnce(&PgConn) -> Result<T, E>,
    ) -> Result<T, E> {
        self.within("BEGIN", || {
            self.execute(
                "SELECT pg_advisory_xact_lock(?1)",
                &[Value::Int(WRITER_LOCK)],
            )?;
            work(self)
        })
    }

    /// Run `work` in a plain transaction, without the writer lock: for a claim, whose
    /// `FOR UPDATE SKIP LOCKED` row lock lasts until the commit.
    pub fn in_transaction<T, E: From<SqlError>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.within("BEGIN", work)
    }

    /// Run the reads of `work` on one snapshot (a repeatable-read transaction).
    pub fn read_snapshot<T, E: From<SqlError>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.within("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work)
    }

    /// `begin`, then `work`, committed when it returns Ok, else rolled back.
    fn within<T, E: From<SqlError>>(
        &self,
        begin: &str,
        work: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.batch_execute(begin)?;
        let open = OpenTransaction {
            conn: self,
            done: false,
        };
        let value = work()?;
        open.commit()?;
        Ok(value)
    }

    /// Statements without arguments, separated by `;`.
    pub fn batch_execute(&self, sql: &str) -> SqlResult<()> {
        self.block_on(async { Ok(self.client.batch_execute(sql).await?) })
    }
}

/// The advisory lock key of the one writing transaction ("EarshoW").
const WRITER_LOCK: i64 = 0x0045_6172_7368_6f57;

/// Rolls back on drop unless committed: an error or a panic in the middle of a
/// transaction must not hand a session with an open transaction back to the pool.
struct OpenTransaction<'c> {
    conn: &'c PgConn,
    done: bool,
}

impl OpenTransaction<'_> {
    fn commit(mut self) -> SqlResult<()> {
        self.done = true;
        self.conn.batch_execute("COMMIT")
    }
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.batch_execute("ROLLBACK");
        }
    }
}

/// Run `work` to completion on the store's runtime, also when called from async code
/// (opening a store, or a [`super::StoreHandle`] taking its readers, may happen there):
/// then on a thread of its own, as blocking a runtime's thread on another runtime panics.
fn off_runtime<T: Send>(
    runtime: &tokio::runtime::Runtime,
    work: impl std::future::Future<Output = T> + Send,
) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(work);
    }
    std::thread::scope(|scope| {
        scope
            .spawn(|| runtime.block_on(work))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The driver's own words for why no session could be had.
fn pool_error(error: &deadpool_postgres::PoolError) -> String {
    match error {
        deadpool_postgres::PoolError::Backend(e) => pg_words(e),
        deadpool_postgres::PoolError::Timeout(_) => "no answer in time".to_string(),
        other => other.to_string(),
    }
}

fn arg_refs(args: &[Value]) -> Vec<&(dyn PgToSql + Sync)> {
    args.iter().map(|a| a as &(dyn PgToSql + Sync)).collect()
}

/// The store's SQL with SQLite's `?N` placeholders as PostgreSQL's `$N` (a bare `?` takes
/// the next number, as SQLite counts it). Quoted text and identifiers are left alone.
pub fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 0_usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = match digits.parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => next + 1,
                };
                next = next.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

impl PgToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                Type::FLOAT8 => r.to_sql(ty, out),
                _ => r.to_string().to_sql(ty, out),
            },
            Value::Text(t) => t.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::BOOL
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
                | Type::BYTEA
        )
    }

    to_sql_checked!();
}

/// Column `index` of a PostgreSQL row as the value SQLite would have returned: booleans
/// and every integer width as integers, NUMERIC (what `SUM` of integers gives) as an
/// integer when whole, else a real.
pub fn column_value(row: &tokio_postgres::Row, index: usize) -> SqlResult<Value> {
    let Some(column) = row.columns().get(index) else {
        return Err(SqlError::Type {
            column: index,
            found: "no such column".into(),
            expected: "a column",
        });
    };
    let ty = column.type_().clone();
    let value = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|b| Value::Int(b.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)?
            .map(|r| Value::Real(r.into())),
        Type::NUMERIC => row.try_get::<_, Option<Numeric>>(index)?.map(|n| n.0),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        }
        other => {
            return Err(SqlError::Type {
                column: index,
                found: format!("PostgreSQL type {other}"),
                expected: "an integer, real, text or bytes column",
            })
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A NUMERIC read from its binary form: base-10000 digits with a weight and a sign.
struct Numeric(Value);

impl<'a> PgFromSql<'a> for Numeric {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Numeric, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> Result<i16, Box<dyn std::error::Error + Sync + Send>> {
            raw.get(i * 2..i * 2 + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "a NUMERIC shorter than its header".into())
        };
        let (digits, weight, sign, scale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
        if sign == 0xC000 {
            return Ok(Numeric(Value::Real(f64::NAN)));
        }
        let mut total = 0_f64;
        for i in 0..digits.max(0) as usize {
            let digit = f64::from(word(4 + i)?);
            total += digit * 10_000_f64.powi(i32::from(weight) - i as i32);
        }
        if sign == 0x4000 {
            total = -total;
        }
        let whole = scale == 0 && total.abs() < 9.0e15;
        Ok(Numeric(if whole {
            Value::Int(total as i64)
        } else {
            Value::Real(total)
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

#[cfg(test)]
mod conn_tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quotes() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?3' AND \"e?\" = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?3' AND \"e?\" = $13"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }
}
