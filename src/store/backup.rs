//! Copies of the database file: a consistent backup of a live database (SQLite's online
//! backup API, on a connection of its own so polling never waits for it), the checks a
//! backup passes before it is put back, and the "is `earshot run` using this file?"
//! heartbeat a restore looks for.
//!
//! A copy is always written to a temporary file in the target's folder and renamed into
//! place once it passed `PRAGMA integrity_check`, so a half-written file never looks like
//! a backup (a rename within one folder is atomic).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{parse_ts, ts, Store, StoreError, LATEST_SCHEMA_VERSION};

/// Pages copied per step (4 MiB at the default page size) before a pause.
const STEP_PAGES: std::os::raw::c_int = 1024;
/// The pause between steps, so other connections get the file in between.
const STEP_PAUSE: Duration = Duration::from_millis(10);
/// Restarts (a write from another process since the copy began) after which the rest is
/// copied in one step. Under WAL that step holds only a read snapshot, which never blocks
/// writers, so a busy database is still backed up instead of restarting for ever.
const MAX_RESTARTS: u32 = 3;
/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// `settings` keys of running services' heartbeats: this prefix and `host:pid` (several
/// processes may share one database), each valued with when it last beat.
const HEARTBEAT_KEY: &str = "service_heartbeat:";
/// How often `earshot run` renews its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// A heartbeat older than this belongs to a service that stopped without clearing it
/// (killed, or on another host whose process Earshot cannot look at).
const HEARTBEAT_STALE: chrono::TimeDelta = crate::clock::span_secs(4 * 30);

/// What a database file holds, as a backup or a restore reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Mentions stored.
    pub mentions: i64,
    /// `PRAGMA user_version`: how many of Earshot's migrations it has seen.
    pub schema_version: i64,
    /// Its latest activity: the newest mention fetched or updated, case event or queued
    /// email (None when it holds none).
    pub latest_activity: Option<DateTime<Utc>>,
}

/// Write a consistent copy of the database at `source` to `target` while others may be
/// writing to it; refuses to replace an existing `target` unless `force`. The copy is
/// integrity-checked before it takes `target`'s name.
pub fn copy_database(source: &Path, target: &Path, force: bool) -> Result<Snapshot> {
    if !source.is_file() {
        bail!(
            "there is no database at {}: nothing to back up. Check [storage] database in the config, or pass --db FILE",
            source.display()
        );
    }
    if target.exists() && !force {
        bail!(
            "{} already exists; choose another file name, or pass --force to replace it",
            target.display()
        );
    }
    // A backups folder that does not exist yet is made, as the database's own is.
    let folder = folder_of(target);
    if !folder.is_dir() {
        std::fs::create_dir_all(folder).with_context(|| {
            format!(
                "cannot create the folder {} for {}; check the path, or choose another place",
                folder.display(),
                target.display()
            )
        })?;
    }
    let temp = Partial::beside(target, "partial")?;
    let from = open_existing(source, true)
        .with_context(|| format!("cannot read the database {}", source.display()))?;
    let failed = |e: rusqlite::Error| {
        if is_write_problem(&e) {
            write_error("the backup", target, &e)
        } else {
            anyhow::anyhow!("cannot read the database {}: {e}", source.display())
        }
    };
    let mut to = Connection::open(&temp.0).map_err(|e| write_error("the backup", target, &e))?;
    stepped_copy(&from, &mut to).map_err(failed)?;
    // A backup is one self-contained file: no -wal beside it when it is opened.
    to.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| write_error("the backup", target, &e))?;
    drop(to);
    let mut snapshot = inspect(&temp.0, true).map_err(|e| {
        let e = rename_in_message(e, &temp.0, source);
        anyhow::anyhow!("no backup written to {}: {e:#}", target.display())
    })?;
    temp.keep_as(target)?;
    snapshot.path = target.to_owned();
    Ok(snapshot)
}

/// Copy with the online backup API: [`STEP_PAGES`] at a time with a pause between, and the
/// rest at once after [`MAX_RESTARTS`] restarts caused by other processes' writes.
fn stepped_copy(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = Backup::new(from, to)?;
    let (mut restarts, mut last_remaining) = (0, i32::MAX);
    loop {
        let pages = if restarts >= MAX_RESTARTS {
            -1
        } else {
            STEP_PAGES
        };
        match backup.step(pages)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {}
            _ => {}
        }
        let remaining = backup.progress().remaining;
        if remaining > last_remaining {
            restarts += 1;
        }
        last_remaining = remaining;
        std::thread::sleep(STEP_PAUSE);
    }
}

/// A write into `target`'s folder failed: say which problem and what to do.
fn write_error(what: &str, target: &Path, error: &rusqlite::Error) -> anyhow::Error {
    let folder = folder_of(target);
    let advice = match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => {
            format!(
                "the disk holding {} is full: free some space or choose a folder on another disk",
                folder.display()
            )
        }
        Some(
            rusqlite::ErrorCode::CannotOpen
            | rusqlite::ErrorCode::ReadOnly
            | rusqlite::ErrorCode::PermissionDenied,
        ) => {
            format!(
                "the folder {} is not writable: check its permissions or choose another folder",
                folder.display()
            )
        }
        _ => format!(
            "check that the folder {} is writable and has free space",
            folder.display()
        ),
    };
    anyhow::anyhow!(
        "cannot write {what} {}: {error}; {advice}",
        target.display()
    )
}

/// A full disk or a folder that cannot be written: the target's problem, not the source's.
fn is_write_problem(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(
            rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::PermissionDenied
        )
    )
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A file being written next to its final name, removed unless [`Partial::keep_as`] moved
/// it into place (an error or a panic leaves no half-written file behind).
struct Partial(PathBuf);

impl Partial {
    /// `.NAME.WHAT-PID` in `target`'s folder, which must exist.
    fn beside(target: &Path, what: &str) -> Result<Partial> {
        let folder = folder_of(target);
        if !folder.is_dir() {
            bail!(
                "the folder {} does not exist: create it (mkdir -p {}) or choose another place for {}",
                folder.display(),
                folder.display(),
                target.display()
            );
        }
        let Some(name) = target.file_name() else {
            bail!(
                "{} is not a file name: write one, e.g. backups/earshot.db",
                target.display()
            );
        };
        let temp = folder.join(format!(
            ".{}.{what}-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        remove_with_journals(&temp);
        Ok(Partial(temp))
    }

    /// Flush the file to disk and rename it to `target`.
    fn keep_as(self, target: &Path) -> Result<()> {
        let synced = std::fs::File::open(&self.0).and_then(|f| f.sync_all());
        synced
            .and_then(|()| std::fs::rename(&self.0, target))
            .with_context(|| {
                format!(
                    "cannot move the finished copy into place as {}; check that its folder is writable",
                    target.display()
                )
            })?;
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        remove_with_journals(&self.0);
    }
}

/// Remove a database file and the journal files SQLite may keep beside it.
fn remove_with_journals(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// A connection on an existing database file (never creating one); `query_only` when
/// `read_only` (the database's own writers keep writing).
fn open_existing(path: &Path, read_only: bool) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    if read_only {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(conn)
}

/// Refuse a file that is not an SQLite database, or is shorter than its header says
/// (a copy cut short), before SQLite reads it.
pub fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = [0u8; 100];
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot open {}; check the file name", path.display()))?;
    let length = file.metadata()?.len();
    let read = file.read(&mut head)?;
    if read < 100 || &head[..16] != SQLITE_MAGIC {
        bail!(
            "{} is not an SQLite database (it does not start like one): choose a file written by `earshot backup`",
            path.display()
        );
    }
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    let pages = u64::from(u32::from_be_bytes([head[28], head[29], head[30], head[31]]));
    // The page count in the header is valid when its "version valid for" matches the
    // change counter (every SQLite since 3.7.0 writes it so).
    if head[24..28] == head[92..96] && length < page_size * pages {
        bail!(
            "{} is truncated: it holds {length} of the {} bytes its header promises (a copy cut short?); use a complete backup",
            path.display(),
            page_size * pages
        );
    }
    Ok(())
}

/// What the database at `path` holds; with `check`, refuses it unless `PRAGMA
/// integrity_check` says ok and it is an Earshot database.
pub fn inspect(path: &Path, check: bool) -> Result<Snapshot> {
    let damaged = |e: rusqlite::Error| {
        anyhow::anyhow!(
            "{} cannot be read as a database ({e}): it is damaged or not an Earshot backup",
            path.display()
        )
    };
    let conn = open_existing(path, true).map_err(damaged)?;
    if check {
        let problems = integrity_problems(&conn).map_err(damaged)?;
        if !problems.is_empty() {
            bail!(
                "{} is damaged: SQLite's integrity check found {}; use another backup",
                path.display(),
                problems.join("; ")
            );
        }
    }
    let schema_version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(damaged)?;
    if !has_table(&conn, "mentions").map_err(damaged)? {
        bail!(
            "{} is an SQLite database but not an Earshot one (it has no mentions table)",
            path.display()
        );
    }
    let mentions = conn
        .query_row("SELECT COUNT(*) FROM mentions", [], |r| r.get(0))
        .map_err(damaged)?;
    Ok(Snapshot {
        path: path.to_owned(),
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        mentions,
        schema_version,
        latest_activity: latest_activity(&conn).map_err(damaged)?,
    })
}

/// The first few problems `PRAGMA integrity_check` reports (empty: the file is sound).
fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(5)")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )
}

/// The newest time anything happened in the database: a mention fetched or updated, a
/// case event, an email queued. Each table only if this schema version has it.
fn latest_activity(conn: &Connection) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let mut parts = vec![
        "SELECT MAX(fetched_at) AS t FROM mentions",
        "SELECT MAX(updated_at) FROM mentions",
    ];
    if has_table(conn, "mention_events")? {
        parts.push("SELECT MAX(at) FROM mention_events");
    }
    if has_table(conn, "outbox")? {
        parts.push("SELECT MAX(created_at) FROM outbox");
    }
    let sql = format!("SELECT MAX(t) FROM ({})", parts.join(" UNION ALL "));
    let latest: Option<String> = conn.query_row(&sql, [], |r| r.get(0))?;
    Ok(latest.as_deref().and_then(parse_ts))
}

/// What `earshot restore` did.
#[derive(Debug)]
pub struct Restored {
    /// The backup as it was checked.
    pub backup: Snapshot,
    /// The schema version the restored database has now (migrated up).
    pub schema_version: i64,
    /// The database replaced (None when there was none).
    pub replaced: Option<Snapshot>,
}

/// Put the backup `file` back as the database at `database`: checked first (an SQLite
/// file, sound, an Earshot database, not from a newer Earshot), refused while `earshot
/// run` uses the database or when the database is newer than the backup (unless
/// `force`), then copied into place and migrated to this Earshot's schema.
pub fn restore(file: &Path, database: &Path, force: bool) -> Result<Restored> {
    check_header(file)?;
    if database.exists() {
        // Wall-clock time, as the heartbeat and leases are written (not `$EARSHOT_NOW`).
        refuse_if_in_use(database, Utc::now())?;
    } else if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create the folder {} for the database; check its permissions",
                dir.display()
            )
        })?;
    }
    let temp = Partial::beside(database, "restoring")?;
    copy_backup(file, &temp.0, database)?;
    let mut backup = inspect(&temp.0, true).map_err(|e| rename_in_message(e, &temp.0, file))?;
    backup.path = file.to_owned();
    if backup.schema_version > LATEST_SCHEMA_VERSION {
        bail!(
            "{} was written by a newer Earshot (schema version {}; this one knows up to {LATEST_SCHEMA_VERSION}): upgrade Earshot, then restore it",
            file.display(),
            backup.schema_version
        );
    }
    let replaced = current_database(database, &backup, force)?;
    // The old database's write-ahead log belongs to the old file: applied to the restored
    // one it would corrupt it. Nobody uses the database now (checked above).
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(&side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!(
                "cannot remove {}: {e}; check the folder's permissions",
                PathBuf::from(side).display()
            ),
        }
    }
    temp.keep_as(database)?;
    let schema_version = Store::open(database)?.schema_version()?;
    Ok(Restored {
        backup,
        schema_version,
        replaced,
    })
}

/// Copy the backup into the temporary file with the backup API (also turning a WAL
/// backup into one plain file).
fn copy_backup(file: &Path, temp: &Path, database: &Path) -> Result<()> {
    let unreadable = |e: rusqlite::Error| {
        anyhow::anyhow!(
            "{} cannot be read as a database ({e}): it is damaged or not an Earshot backup; use another backup",
            file.display()
        )
    };
    let from = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(unreadable)?;
    // A full disk or a read-only folder is the database folder's problem; anything else
    // SQLite says while reading the backup (malformed pages) is the backup's.
    let failed = |e: rusqlite::Error| {
        if is_write_problem(&e) {
            write_error("the restored database", database, &e)
        } else {
            unreadable(e)
        }
    };
    let mut to =
        Connection::open(temp).map_err(|e| write_error("the restored database", database, &e))?;
    stepped_copy(&from, &mut to).map_err(failed)?;
    to.pragma_update(None, "journal_mode", "DELETE")
        .map_err(failed)?;
    Ok(())
}

/// Messages about the temporary copy name the backup the person chose.
fn rename_in_message(error: anyhow::Error, temp: &Path, file: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        format!("{error:#}").replace(&temp.display().to_string(), &file.display().to_string())
    )
}

/// The database about to be replaced, refused (unless `force`) when it is newer than the
/// backup: a higher schema version, or activity after the backup's latest.
fn current_database(database: &Path, backup: &Snapshot, force: bool) -> Result<Option<Snapshot>> {
    if !database.exists() {
        return Ok(None);
    }
    let current = match inspect(database, false) {
        Ok(current) => current,
        Err(_) if force => return Ok(None),
        Err(e) => bail!("{e:#}. Restoring replaces it with the backup; pass --force to do so"),
    };
    if force {
        return Ok(Some(current));
    }
    let when = |t: Option<DateTime<Utc>>| {
        t.map_or_else(|| "nothing yet".to_owned(), crate::localtime::short_zoned)
    };
    if current.schema_version > backup.schema_version {
        bail!(
            "the database {} has schema version {}, newer than the backup's {}: it was used by a newer Earshot since. \
             Restoring loses everything since the backup ({} mentions now, {} in the backup); \
             take a backup of it first (`earshot backup FILE`), then pass --force to restore anyway",
            database.display(),
            current.schema_version,
            backup.schema_version,
            current.mentions,
            backup.mentions
        );
    }
    if current.latest_activity > backup.latest_activity {
        bail!(
            "the database {} is newer than the backup {}: its latest activity is {} and the backup's {}. \
             Restoring loses everything since ({} mentions now, {} in the backup); \
             take a backup of it first (`earshot backup FILE`), then pass --force to restore anyway",
            database.display(),
            backup.path.display(),
            when(current.latest_activity),
            when(backup.latest_activity),
            current.mentions,
            backup.mentions
        );
    }
    Ok(Some(current))
}

/// Refuse while a live Earshot process uses `database`: `earshot run`'s heartbeat, or a
/// source being polled (a lease whose holder still runs).
fn refuse_if_in_use(database: &Path, now: DateTime<Utc>) -> Result<()> {
    let Ok(conn) = open_existing(database, true) else {
        // Unreadable: nothing can be using it as a database either; the checks that
        // follow say what is wrong with it.
        return Ok(());
    };
    let alive = |holder: &str| !crate::lease::is_gone(holder);
    if has_table(&conn, "settings").unwrap_or(false) {
        let mut stmt =
            conn.prepare("SELECT substr(key, ?2), value FROM settings WHERE key LIKE ?1")?;
        let beats: Vec<(String, String)> = stmt
            .query_map(
                rusqlite::params![format!("{HEARTBEAT_KEY}%"), HEARTBEAT_KEY.len() as i64 + 1],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        let running = beats.iter().find(|(holder, at)| {
            alive(holder) && parse_ts(at).is_some_and(|at| now - at < HEARTBEAT_STALE)
        });
        if let Some((holder, _)) = running {
            bail!(
                "`earshot run` or `earshot serve` (process {holder}) is using the database {}: stop it first (Ctrl-C, or `systemctl stop earshot` if it runs as a service), then restore, then start it again",
                database.display()
            );
        }
    }
    let mut stmt = conn.prepare(
        "SELECT name, lease_owner FROM sources WHERE lease_owner IS NOT NULL AND lease_until > ?1",
    )?;
    let holders: Vec<(String, String)> = stmt
        .query_map([ts(now)], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default();
    if let Some((source, holder)) = holders.iter().find(|(_, holder)| alive(holder)) {
        bail!(
            "an Earshot process ({holder}) is polling source '{source}' in the database {}: wait for it to finish (or stop it), then restore",
            database.display()
        );
    }
    Ok(())
}

impl Store {
    /// Record that the service in this process runs (see [`HEARTBEAT_EVERY`]), and forget
    /// heartbeats a day old (processes killed without clearing theirs).
    pub fn beat(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let key = format!("{HEARTBEAT_KEY}{}", crate::lease::owner());
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [&key, &ts(now)],
        )?;
        self.conn().execute(
            "DELETE FROM settings WHERE key LIKE ?1 AND value < ?2",
            [&format!("{HEARTBEAT_KEY}%"), &ts(now - crate::clock::DAY)],
        )?;
        Ok(())
    }

    /// The service in this process stopped: clear its heartbeat (only its own).
    pub fn end_beat(&self) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM settings WHERE key = ?1",
            [format!("{HEARTBEAT_KEY}{}", crate::lease::owner())],
        )?;
        Ok(())
    }

    /// Queue the "backup failed" email for `day` (one per day, whatever the retries),
    /// saying `why`. True when it was queued now.
    pub fn queue_backup_failed(
        &mut self,
        day: &str,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            super::outbox::insert_row(
                tx,
                crate::model::OutboxKind::BackupFailed,
                None,
                &format!("backup-failed:{day}"),
                Some(why),
                now,
            )
            .map(|id| id.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_ts("2026-11-30T10:00:00Z").unwrap()
    }

    #[test]
    fn a_heartbeat_marks_the_database_in_use_until_it_ends_or_goes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let store = Store::open(&path).unwrap();
        assert!(refuse_if_in_use(&path, now()).is_ok());
        store.beat(now()).unwrap();
        let err = refuse_if_in_use(&path, now() + crate::clock::MINUTE)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`earshot run`") && err.contains("stop it first"),
            "{err}"
        );
        assert!(
            refuse_if_in_use(&path, now() + crate::clock::HOUR).is_ok(),
            "stale"
        );
        store.end_beat().unwrap();
        assert!(refuse_if_in_use(&path, now()).is_ok());
        // A fresh heartbeat of a process that died (killed before it cleared it) is void.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        let host = crate::lease::owner().rsplit_once(':').unwrap().0;
        store
            .conn()
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                [format!("{HEARTBEAT_KEY}{host}:{}", child.id()), ts(now())],
            )
            .unwrap();
        assert!(refuse_if_in_use(&path, now()).is_ok());
    }

    #[test]
    fn a_source_being_polled_by_a_live_process_marks_the_database_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let store = Store::open(&path).unwrap();
        assert!(store
            .claim_source("reviews", "https://r.test/feed")
            .unwrap());
        let err = refuse_if_in_use(&path, Utc::now()).unwrap_err().to_string();
        assert!(err.contains("is polling source 'reviews'"), "{err}");
        store.release_source("reviews").unwrap();
        assert!(refuse_if_in_use(&path, Utc::now()).is_ok());
    }

    /// Another connection writing all the time restarts a stepped copy; after a few
    /// restarts the rest goes in one step, which under WAL no writer disturbs.
    #[test]
    fn a_copy_finishes_and_is_consistent_while_another_connection_keeps_writing() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL, twin BLOB NOT NULL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
             INSERT INTO filler (body, twin) SELECT zeroblob(2000), zeroblob(2000) FROM n;",
        )
        .unwrap();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let writer = {
            let (stop, path) = (stop.clone(), path.clone());
            std::thread::spawn(move || {
                let conn = Connection::open(&path).unwrap();
                conn.busy_timeout(Duration::from_secs(10)).unwrap();
                let mut writes = 0;
                while !stop.load(Ordering::SeqCst) {
                    // Two rows per transaction: a torn copy would hold an odd number.
                    conn.execute_batch(
                        "BEGIN IMMEDIATE; INSERT INTO filler (body, twin) VALUES (x'01', x'01');
                         INSERT INTO filler (body, twin) VALUES (x'02', x'02'); COMMIT;",
                    )
                    .unwrap();
                    writes += 1;
                }
                writes
            })
        };
        let started = std::time::Instant::now();
        let copy = dir.path().join("copy.db");
        let snapshot = copy_database(&path, &copy, false).unwrap();
        stop.store(true, Ordering::SeqCst);
        let writes = writer.join().unwrap();
        assert!(writes > 0);
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(snapshot.path, copy);
        let copied = Connection::open(&copy).unwrap();
        let rows: i64 = copied
            .query_row("SELECT COUNT(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        assert!(rows >= 4000 && rows % 2 == 0, "{rows}");
        assert_eq!(integrity_problems(&copied).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_text_file_and_a_cut_copy_are_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "just some notes\n".repeat(20)).unwrap();
        let err = check_header(&text).unwrap_err().to_string();
        assert!(err.contains("notes.db is not an SQLite database"), "{err}");

        let path = dir.path().join("e.db");
        let copy = dir.path().join("copy.db");
        drop(Store::open(&path).unwrap());
        copy_database(&path, &copy, false).unwrap();
        let bytes = std::fs::read(&copy).unwrap();
        let cut = dir.path().join("cut.db");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let err = check_header(&cut).unwrap_err().to_string();
        assert!(err.contains("cut.db is truncated"), "{err}");
    }
}
