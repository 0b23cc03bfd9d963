//! `earshot migrate --to postgres://…`: copy a SQLite store into an empty PostgreSQL one,
//! so a shop that outgrows one machine keeps its history (issue 19, docs/postgres.md).
//!
//! Both databases are migrated to the same schema version first, so their tables are the
//! same; the copy checks that anyway (a table only one side has stops it, named). Rows are
//! read in one SQLite read transaction (a consistent snapshot, even while `earshot run`
//! writes) and written in one PostgreSQL transaction, table by table in foreign-key order,
//! with explicit column lists. Then each identity sequence is moved past the copied ids,
//! and `count(*)` and `max(id)` are compared per table: only when every one matches is
//! anything committed. Any failure rolls back, and the target stays empty.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::pg::PgConn;
use super::sql::{params, Conn, SqlError, Value};
use super::{Db, Store, StoreError};

/// How many values one INSERT binds at most (PostgreSQL allows 65,535 parameters).
const MAX_PARAMETERS: usize = 30_000;
/// How many rows one INSERT carries at most.
const MAX_BATCH_ROWS: usize = 1_000;

/// One table's rows on both sides once the copy is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: String,
    /// Rows in the SQLite file.
    pub sqlite: i64,
    /// Rows in PostgreSQL after the copy.
    pub postgres: i64,
}

/// What a finished copy did.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Every table, in the order copied.
    pub tables: Vec<TableCount>,
    /// How long it took, start to commit.
    pub elapsed: Duration,
}

/// Why a copy stopped (nothing was committed), worded for the person running it.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The target already holds a store: copying into it would merge two.
    #[error("the PostgreSQL database {database} is not empty (table {table} has {rows} rows), and earshot migrate only copies into an empty database so that two stores are never mixed. Copy into a new empty database (e.g. `createdb earshot_new`, then --to with that name), or empty this one (`dropdb` and `createdb` it again) if what it holds can go")]
    NotEmpty {
        /// "user@host:port/db".
        database: String,
        /// The first table found with rows.
        table: String,
        /// How many.
        rows: i64,
    },
    /// The two schemas differ in a table, though both were migrated to one version.
    #[error("table {table} exists in {present} but not in {absent}, although both are at schema version {version}; nothing was copied. The PostgreSQL database may have been made by something else than Earshot: use a new empty database")]
    TableMismatch {
        /// The table.
        table: String,
        /// Where it is.
        present: &'static str,
        /// Where it is missing.
        absent: &'static str,
        /// The schema version of both.
        version: i64,
    },
    /// A column of the SQLite file has no place in PostgreSQL: copying would lose it.
    #[error("column {column} of table {table} in the SQLite file has no place in PostgreSQL ({why}); nothing was copied. Use a new empty PostgreSQL database")]
    ColumnMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Missing, or computed by PostgreSQL.
        why: &'static str,
    },
    /// After the copy, the two sides disagree: rolled back.
    #[error("after copying, table {table} has {sqlite} in SQLite but {postgres} in PostgreSQL; nothing was committed, the PostgreSQL database is still empty. Run earshot migrate again; if it happens again, report it")]
    CountMismatch {
        /// The table.
        table: String,
        /// What SQLite holds ("46 rows, largest id 46").
        sqlite: String,
        /// What PostgreSQL holds.
        postgres: String,
    },
    /// Writing one table's rows failed.
    #[error("cannot copy table {table} to PostgreSQL: {error}; nothing was committed, the PostgreSQL database is still empty")]
    Copy {
        /// The table.
        table: String,
        /// Why (in the message: not a `source`, so it is not said twice).
        error: SqlError,
    },
    /// The source is not a SQLite file, or the target not PostgreSQL.
    #[error("earshot migrate copies a SQLite file into PostgreSQL; {0}")]
    WrongBackend(&'static str),
    /// Opening or reading either store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SqlError> for TransferError {
    fn from(error: SqlError) -> TransferError {
        TransferError::Store(StoreError::Sql(error))
    }
}

impl From<rusqlite::Error> for TransferError {
    fn from(error: rusqlite::Error) -> TransferError {
        TransferError::Store(error.into())
    }
}

/// Copy every row of `source` (a SQLite store) into `target` (an empty PostgreSQL store,
/// both migrated by [`Store::open`] and [`Store::open_postgres`]), all or nothing.
pub fn copy_to_postgres(source: &Store, target: &mut Store) -> Result<Transfer, TransferError> {
    let started = Instant::now();
    let version = source.schema_version()?;
    let Some(sqlite) = source.sqlite() else {
        return Err(TransferError::WrongBackend(
            "the source is not a SQLite file",
        ));
    };
    let Db::Postgres(pg) = &mut target.db else {
        return Err(TransferError::WrongBackend(
            "the target is not a PostgreSQL database",
        ));
    };
    let described = pg.described().to_string();
    // Deferred, not the store's usual IMMEDIATE: a read snapshot must not take the write
    // lock from a running `earshot run`. Dropped (rolled back) at the end: it only read.
    let snapshot =
        rusqlite::Transaction::new_unchecked(sqlite, rusqlite::TransactionBehavior::Deferred)?;
    let tables = pg.transaction(|pg| copy_all(&snapshot, pg, &described, version))?;
    drop(snapshot);
    // Fresh statistics: without them the planner scans where an index answers in a
    // millisecond (the bench: a sentiment filter 89 ms before, 0.45 ms after).
    pg.batch_execute("ANALYZE")?;
    Ok(Transfer {
        tables,
        elapsed: started.elapsed(),
    })
}

/// The whole copy inside both transactions; the counts of every table.
fn copy_all(
    sqlite: &rusqlite::Connection,
    pg: &PgConn,
    described: &str,
    version: i64,
) -> Result<Vec<TableCount>, TransferError> {
    let pg_conn = Conn::Postgres(pg);
    let tables = same_tables(sqlite, &pg_conn, version)?;
    refuse_unless_empty(&pg_conn, &tables, described)?;
    let mut foreign_keys = Vec::new();
    for table in &tables {
        foreign_keys.extend(sqlite_foreign_keys(sqlite, table)?);
    }
    let order = copy_order(&tables, &foreign_keys);
    let mut plans = Vec::new();
    for step in &order {
        let pg_columns = postgres_columns(&pg_conn, &step.table)?;
        let columns = copy_columns(
            &step.table,
            &sqlite_columns(sqlite, &step.table)?,
            &pg_columns,
        )?;
        copy_rows(sqlite, &pg_conn, &step.table, &columns, &step.deferred)
            .map_err(failed(&step.table))?;
        plans.push((step, pg_columns));
    }
    // References that could not be written with their rows (to rows copied later).
    for (step, _) in &plans {
        if !step.deferred.is_empty() {
            fill_deferred(sqlite, &pg_conn, &step.table, &step.deferred)
                .map_err(failed(&step.table))?;
        }
    }
    let mut counts = Vec::new();
    for (step, pg_columns) in &plans {
        let identity: Vec<&str> = pg_columns
            .iter()
            .filter(|c| c.identity)
            .map(|c| c.name.as_str())
            .collect();
        for column in &identity {
            continue_identity(&pg_conn, &step.table, column)?;
        }
        counts.push(compare(sqlite, &pg_conn, &step.table, &identity)?);
    }
    Ok(counts)
}

/// A failure writing `table`'s rows, named.
fn failed(table: &str) -> impl FnOnce(SqlError) -> TransferError + '_ {
    move |error| TransferError::Copy {
        table: table.to_string(),
        error,
    }
}

/// The Earshot tables of both sides, which must be the same.
fn same_tables(
    sqlite: &rusqlite::Connection,
    pg: &Conn<'_>,
    version: i64,
) -> Result<Vec<String>, TransferError> {
    // FTS5's index (`mentions_fts` and its shadow tables) is rebuilt by PostgreSQL's
    // generated tsvector columns; SQLite's own tables are not Earshot's.
    let mut statement = sqlite.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND name NOT LIKE 'mentions\\_fts%' ESCAPE '\\' ORDER BY name",
    )?;
    let in_sqlite: BTreeSet<String> = statement
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let in_postgres: BTreeSet<String> = pg
        .query_map(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name <> 'earshot_schema'",
            [],
            |r| r.get(0),
        )?
        .into_iter()
        .collect();
    let mismatch = |table: &String, present, absent| TransferError::TableMismatch {
        table: table.clone(),
        present,
        absent,
        version,
    };
    if let Some(table) = in_sqlite.difference(&in_postgres).next() {
        return Err(mismatch(table, "the SQLite file", "PostgreSQL"));
    }
    if let Some(table) = in_postgres.difference(&in_sqlite).next() {
        return Err(mismatch(table, "PostgreSQL", "the SQLite file"));
    }
    Ok(in_sqlite.into_iter().collect())
}

/// Never merge two stores: every table of the target must be empty.
fn refuse_unless_empty(
    pg: &Conn<'_>,
    tables: &[String],
    described: &str,
) -> Result<(), TransferError> {
    for table in tables {
        let rows: i64 = pg.query_row(
            &format!("SELECT count(*) FROM {}", quoted(table)),
            [],
            |r| r.get(0),
        )?;
        if rows > 0 {
            return Err(TransferError::NotEmpty {
                database: described.to_string(),
                table: table.clone(),
                rows,
            });
        }
    }
    Ok(())
}

/// `table.column` references `references` (another table, or itself).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ForeignKey {
    table: String,
    column: String,
    references: String,
}

fn sqlite_foreign_keys(
    sqlite: &rusqlite::Connection,
    table: &str,
) -> Result<Vec<ForeignKey>, TransferError> {
    let mut statement = sqlite.prepare(&format!("PRAGMA foreign_key_list({})", quoted(table)))?;
    let keys = statement
        .query_map([], |r| {
            Ok(ForeignKey {
                table: table.to_string(),
                references: r.get(2)?,
                column: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

/// One table of the copy, and its reference columns written only after every table is in
/// (they point at rows of a table copied later, or of their own table).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    table: String,
    deferred: Vec<String>,
}

/// Tables in an order where each one's references are copied before it (referenced tables
/// first, ties by name). A table that refers to itself, or a cycle, cannot be ordered so:
/// those reference columns are written as NULL with the rows and filled in at the end.
fn copy_order(tables: &[String], keys: &[ForeignKey]) -> Vec<Step> {
    let known = |name: &String| tables.contains(name);
    let mut steps: Vec<Step> = Vec::new();
    let mut remaining: BTreeSet<&String> = tables.iter().collect();
    while let Some(first) = remaining.first().copied() {
        let placed = |name: &String| steps.iter().any(|s| &s.table == name);
        let ready = |table: &String| {
            keys.iter()
                .filter(|k| &k.table == table && &k.references != table && known(&k.references))
                .all(|k| placed(&k.references))
        };
        // In a cycle nothing is ready: take the first by name and defer its references.
        let next = remaining
            .iter()
            .copied()
            .find(|t| ready(t))
            .unwrap_or(first);
        let deferred = keys
            .iter()
            .filter(|k| &k.table == next && known(&k.references))
            .filter(|k| &k.references == next || !placed(&k.references))
            .map(|k| k.column.clone())
            .collect();
        remaining.remove(next);
        steps.push(Step {
            table: next.clone(),
            deferred,
        });
    }
    steps
}

/// A column of a PostgreSQL table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PgColumn {
    name: String,
    /// Computed by PostgreSQL (the tsvector columns standing in for FTS5): never written.
    generated: bool,
    /// An identity column, whose sequence must continue after the copied ids.
    identity: bool,
}

fn postgres_columns(pg: &Conn<'_>, table: &str) -> Result<Vec<PgColumn>, TransferError> {
    Ok(pg.query_map(
        "SELECT column_name::text, is_generated::text, is_identity::text \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?1 \
         ORDER BY ordinal_position",
        [table],
        |r| {
            Ok(PgColumn {
                name: r.get(0)?,
                generated: r.get::<String>(1)? != "NEVER",
                identity: r.get::<String>(2)? == "YES",
            })
        },
    )?)
}

fn sqlite_columns(
    sqlite: &rusqlite::Connection,
    table: &str,
) -> Result<Vec<String>, TransferError> {
    let mut statement = sqlite.prepare(&format!("PRAGMA table_info({})", quoted(table)))?;
    let columns = statement
        .query_map([], |r| r.get(1))?
        .collect::<Result<_, _>>()?;
    Ok(columns)
}

/// The columns to copy: every column of the SQLite table, each of which must be a column
/// PostgreSQL lets us write (not one it computes). A PostgreSQL column SQLite lacks keeps
/// its default.
fn copy_columns(
    table: &str,
    sqlite: &[String],
    postgres: &[PgColumn],
) -> Result<Vec<String>, TransferError> {
    sqlite
        .iter()
        .map(|name| {
            let why = match postgres.iter().find(|c| &c.name == name) {
                None => "PostgreSQL has no such column",
                Some(c) if c.generated => "PostgreSQL computes it",
                Some(_) => return Ok(name.clone()),
            };
            Err(TransferError::ColumnMismatch {
                table: table.to_string(),
                column: name.clone(),
                why,
            })
        })
        .collect()
}

/// Stream the table's rows from SQLite into multi-row INSERTs; `deferred` columns are
/// written as NULL (see [`fill_deferred`]).
fn copy_rows(
    sqlite: &rusqlite::Connection,
    pg: &Conn<'_>,
    table: &str,
    columns: &[String],
    deferred: &[String],
) -> Result<(), SqlError> {
    if columns.is_empty() {
        return Ok(());
    }
    let list = column_list(columns);
    let mut statement = sqlite.prepare(&format!("SELECT {list} FROM {}", quoted(table)))?;
    let mut rows = statement.query([])?;
    let later: Vec<bool> = columns.iter().map(|c| deferred.contains(c)).collect();
    let per_batch = (MAX_PARAMETERS / columns.len()).clamp(1, MAX_BATCH_ROWS);
    let mut batch: Vec<Value> = Vec::with_capacity(per_batch * columns.len());
    while let Some(row) = rows.next()? {
        for (index, deferred) in later.iter().enumerate() {
            batch.push(if *deferred {
                Value::Null
            } else {
                super::sql::sqlite_value(row.get_ref(index)?)
            });
        }
        if batch.len() == per_batch * columns.len() {
            insert(pg, table, &list, columns.len(), std::mem::take(&mut batch))?;
        }
    }
    if !batch.is_empty() {
        insert(pg, table, &list, columns.len(), batch)?;
    }
    Ok(())
}

/// One `INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4), …`.
fn insert(
    pg: &Conn<'_>,
    table: &str,
    list: &str,
    width: usize,
    values: Vec<Value>,
) -> Result<(), SqlError> {
    let rows: Vec<String> = (0..values.len() / width)
        .map(|row| {
            let marks: Vec<String> = (1..=width)
                .map(|c| format!("?{}", row * width + c))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({list}) VALUES {}",
        quoted(table),
        rows.join(", ")
    );
    pg.execute(&sql, values)?;
    Ok(())
}

/// Write the reference columns [`copy_rows`] left NULL, now that every row is in; by the
/// table's primary key.
fn fill_deferred(
    sqlite: &rusqlite::Connection,
    pg: &Conn<'_>,
    table: &str,
    columns: &[String],
) -> Result<(), SqlError> {
    let key = primary_key(sqlite, table)?;
    for column in columns {
        let mut statement = sqlite.prepare(&format!(
            "SELECT {}, {} FROM {} WHERE {} IS NOT NULL",
            quoted(&key),
            quoted(column),
            quoted(table),
            quoted(column)
        ))?;
        let mut rows = statement.query([])?;
        let update = format!(
            "UPDATE {} SET {} = ?1 WHERE {} = ?2",
            quoted(table),
            quoted(column),
            quoted(&key)
        );
        while let Some(row) = rows.next()? {
            let (key, value) = (
                super::sql::sqlite_value(row.get_ref(0)?),
                super::sql::sqlite_value(row.get_ref(1)?),
            );
            pg.execute(&update, vec![value, key])?;
        }
    }
    Ok(())
}

/// The one primary key column of a table (every Earshot table has one).
fn primary_key(sqlite: &rusqlite::Connection, table: &str) -> Result<String, SqlError> {
    let mut statement = sqlite.prepare(&format!("PRAGMA table_info({})", quoted(table)))?;
    let keys: Vec<String> = statement
        .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?
        .filter_map(|c| c.ok().filter(|(_, pk)| *pk > 0).map(|(name, _)| name))
        .collect();
    match keys.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(SqlError::Unknown(format!(
            "table {table} refers to itself but has no single-column primary key to fill the reference by"
        ))),
    }
}

/// Move an identity column's sequence past the copied ids, so the next row PostgreSQL
/// numbers does not collide with one copied from SQLite.
fn continue_identity(pg: &Conn<'_>, table: &str, column: &str) -> Result<(), TransferError> {
    let largest: Option<i64> = pg.query_row(
        &format!("SELECT max({}) FROM {}", quoted(column), quoted(table)),
        [],
        |r| r.get(0),
    )?;
    if let Some(largest) = largest {
        pg.query_row(
            "SELECT setval(pg_get_serial_sequence(?1, ?2), ?3)",
            params![format!("public.{}", quoted(table)), column, largest],
            |r| r.get::<i64>(0),
        )?;
    }
    Ok(())
}

/// `count(*)`, and `max` of the identity columns, on both sides; they must agree.
fn compare(
    sqlite: &rusqlite::Connection,
    pg: &Conn<'_>,
    table: &str,
    identity: &[&str],
) -> Result<TableCount, TransferError> {
    let mut sql = String::from("SELECT count(*)");
    for column in identity {
        sql.push_str(&format!(", max({})", quoted(column)));
    }
    sql.push_str(&format!(" FROM {}", quoted(table)));
    let read = |r: &super::sql::Row<'_>| {
        (0..=identity.len())
            .map(|i| r.get::<Option<i64>>(i))
            .collect::<Result<Vec<_>, _>>()
    };
    let on_sqlite = Conn::Sqlite(sqlite).query_row(&sql, [], read)?;
    let on_postgres = pg.query_row(&sql, [], read)?;
    let count = |v: &[Option<i64>]| v.first().copied().flatten().unwrap_or(0);
    if on_sqlite != on_postgres {
        let describe = |v: &[Option<i64>]| {
            let mut text = format!("{} rows", count(v));
            for (column, largest) in identity.iter().zip(&v[1..]) {
                text.push_str(&format!(", largest {column} {}", largest.unwrap_or(0)));
            }
            text
        };
        return Err(TransferError::CountMismatch {
            table: table.to_string(),
            sqlite: describe(&on_sqlite),
            postgres: describe(&on_postgres),
        });
    }
    Ok(TableCount {
        table: table.to_string(),
        sqlite: count(&on_sqlite),
        postgres: count(&on_postgres),
    })
}

/// `"a", "b"`.
fn column_list(columns: &[String]) -> String {
    let quoted: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    quoted.join(", ")
}

/// An identifier quoted for both databases (`by` is a keyword in PostgreSQL).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(table: &str, column: &str, references: &str) -> ForeignKey {
        ForeignKey {
            table: table.into(),
            column: column.into(),
            references: references.into(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn referenced_tables_come_first_and_a_self_reference_is_filled_in_later() {
        let tables = names(&["mention_events", "mentions", "outbox", "customers", "staff"]);
        let keys = [
            key("mention_events", "mention_id", "mentions"),
            key("mentions", "customer_id", "customers"),
            key("mentions", "assigned_to", "staff"),
            key("outbox", "mention_id", "mentions"),
            key("outbox", "rolled_into", "outbox"),
        ];
        let order = copy_order(&tables, &keys);
        let tables: Vec<&str> = order.iter().map(|s| s.table.as_str()).collect();
        assert_eq!(
            tables,
            ["customers", "staff", "mentions", "mention_events", "outbox"]
        );
        let deferred: Vec<(&str, &[String])> = order
            .iter()
            .filter(|s| !s.deferred.is_empty())
            .map(|s| (s.table.as_str(), s.deferred.as_slice()))
            .collect();
        assert_eq!(deferred, [("outbox", &names(&["rolled_into"])[..])]);
    }

    #[test]
    fn a_cycle_between_tables_defers_the_reference_that_cannot_be_ordered() {
        let tables = names(&["a", "b"]);
        let keys = [key("a", "b_id", "b"), key("b", "a_id", "a")];
        let order = copy_order(&tables, &keys);
        assert_eq!(
            order,
            [
                Step {
                    table: "a".into(),
                    deferred: names(&["b_id"])
                },
                Step {
                    table: "b".into(),
                    deferred: vec![]
                },
            ]
        );
    }

    fn pg(name: &str, generated: bool) -> PgColumn {
        PgColumn {
            name: name.into(),
            generated,
            identity: false,
        }
    }

    #[test]
    fn generated_columns_are_not_written_and_a_column_without_a_place_stops_the_copy() {
        let postgres = [
            pg("id", false),
            pg("text", false),
            pg("fts_all", true),
            pg("extra", false),
        ];
        let columns = copy_columns("mentions", &names(&["id", "text"]), &postgres).unwrap();
        assert_eq!(columns, ["id", "text"]);
        let lost = copy_columns("mentions", &names(&["id", "mood"]), &postgres).unwrap_err();
        assert!(
            lost.to_string().contains("column mood of table mentions")
                && lost.to_string().contains("no such column"),
            "{lost}"
        );
        let computed = copy_columns("mentions", &names(&["fts_all"]), &postgres).unwrap_err();
        assert!(
            computed.to_string().contains("PostgreSQL computes it"),
            "{computed}"
        );
    }

    #[test]
    fn identifiers_are_quoted_for_keywords_and_quotes() {
        assert_eq!(column_list(&names(&["by", "a\"b"])), "\"by\", \"a\"\"b\"");
    }
}
