//! Scheduled backups (`[storage] backup = "daily 03:00"`): when one is due, what the files
//! are called, which old ones go, and the task `earshot run` keeps them with. The copying
//! itself is [`crate::store::copy_database`].
//!
//! The folder is the record: a backup is due when the newest file named like
//! `earshot-2026-11-30-0300.db` is older than the latest scheduled time, so a backup missed
//! while Earshot was stopped is taken at the next start. Only files named that way are
//! ever deleted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::alert::digest::DigestSchedule;
use crate::config::Config;
use crate::live::Live;
use crate::localtime::Zone;
use crate::store::{Snapshot, StoreHandle};

/// Scheduled backups are named `earshot-YYYY-MM-DD-HHMM.db`, local time: sortable by name.
const NAME_FORMAT: &str = "earshot-%Y-%m-%d-%H%M.db";
/// How long after a failed scheduled backup it is tried again.
const RETRY_AFTER: chrono::TimeDelta = crate::clock::HOUR;
/// Longest sleep between checks: a config reloaded by SIGHUP (a new time, a new folder)
/// or a changed clock waits no longer. (The reload's wake-up belongs to the poll loop.)
const MAX_SLEEP: Duration = Duration::from_secs(600);

/// The file name of a backup taken at local time `local`.
pub fn file_name(local: NaiveDateTime) -> String {
    local.format(NAME_FORMAT).to_string()
}

/// The local time a scheduled backup's file name says it was taken; None for any other file.
pub fn taken_at(name: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(name, NAME_FORMAT)
        .ok()
        .filter(|local| file_name(*local) == name)
}

/// The scheduled backups among `names` to delete so that the newest `keep` stay. Other
/// files are never named.
pub fn to_delete(names: &[String], keep: usize) -> Vec<String> {
    let mut ours: Vec<&String> = names.iter().filter(|n| taken_at(n).is_some()).collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    ours.into_iter().take(excess).cloned().collect()
}

/// True when a backup is due at `now`: none was taken since the latest scheduled time
/// (`last` is when the newest was taken, None when there is none).
pub fn is_due(
    schedule: &DigestSchedule,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    zone: &Zone,
) -> bool {
    last.is_none_or(|last| last < schedule.latest_slot(now, zone))
}

/// When the newest scheduled backup in `names` was taken (read in `zone`).
pub fn newest(names: &[String], zone: &Zone) -> Option<DateTime<Utc>> {
    names
        .iter()
        .filter_map(|n| taken_at(n))
        .max()
        .and_then(|local| zone.instant(local))
}

/// The file names in `dir` (none when it does not exist yet).
fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Take one scheduled backup of `database` into `config`'s backup folder now, then delete
/// the oldest beyond `[storage] keep`. Blocking.
pub fn take_scheduled(config: &Config, database: &Path, now: DateTime<Utc>) -> Result<Snapshot> {
    let dir = config.backup_dir();
    std::fs::create_dir_all(&dir).with_context(|| {
        format!(
            "cannot create the backup folder {}: make it a folder Earshot may write to ([storage] backup_dir)",
            dir.display()
        )
    })?;
    let zone = &config.business.timezone;
    let local = zone.date_of(now).and_time(zone.time_of(now));
    let target = dir.join(file_name(local));
    if target.exists() {
        // Another Earshot process on this database took this minute's backup already.
        return crate::store::inspect(&target, false);
    }
    let snapshot = crate::store::copy_database(database, &target, false)?;
    for old in to_delete(&names_in(&dir), config.backups.keep as usize) {
        if let Err(e) = std::fs::remove_file(dir.join(&old)) {
            tracing::warn!(file = %dir.join(&old).display(), "cannot delete an old backup: {e}");
        }
    }
    Ok(snapshot)
}

/// `earshot run`'s backup task: at each scheduled time (and at start when the last one is
/// older than the latest scheduled time), back the database up; a failure is logged and
/// queued as a "backup failed" email, once per local day, and tried again after
/// [`RETRY_AFTER`]. Returns when `stopped` turns true.
pub async fn backup_loop(
    live: Arc<Live>,
    store: StoreHandle,
    wake: Arc<tokio::sync::Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let Some(database) = store.path().map(PathBuf::from) else {
        return;
    };
    let mut retry_at: Option<DateTime<Utc>> = None;
    loop {
        let config = live.config();
        let now = Utc::now();
        let zone = config.business.timezone.clone();
        let mut sleep = MAX_SLEEP;
        if let Some(schedule) = config.backups.schedule {
            let last = newest(&names_in(&config.backup_dir()), &zone);
            let waiting = retry_at.is_some_and(|at| now < at);
            if is_due(&schedule, last, now, &zone) && !waiting {
                retry_at = take_and_report(&config, &database, &store, &wake, now).await;
            }
            let next = schedule.next_slot(now, &zone);
            let until = [next, retry_at].into_iter().flatten().min();
            if let Some(wait) = until.and_then(|at| (at - now).to_std().ok()) {
                sleep = wait.min(MAX_SLEEP) + Duration::from_secs(1);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

/// One scheduled backup, logged; a failure queues its email. Returns when to try again
/// (None after a success).
async fn take_and_report(
    config: &Arc<Config>,
    database: &Path,
    store: &StoreHandle,
    wake: &tokio::sync::Notify,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (cfg, db) = (config.clone(), database.to_owned());
    let outcome = tokio::task::spawn_blocking(move || take_scheduled(&cfg, &db, now)).await;
    let error = match outcome {
        Ok(Ok(snapshot)) => {
            tracing::info!(
                file = %snapshot.path.display(),
                bytes = snapshot.bytes,
                mentions = snapshot.mentions,
                "backed up the database"
            );
            return None;
        }
        Ok(Err(e)) => format!("{e:#}"),
        Err(e) => format!("the backup task died: {e}"),
    };
    tracing::error!("scheduled backup failed: {error}");
    let day = config.business.timezone.date_of(now).to_string();
    match store
        .write(move |s| s.queue_backup_failed(&day, &error, now))
        .await
    {
        Ok(true) => wake.notify_one(),
        Ok(false) => {}
        Err(e) => tracing::error!("cannot queue the backup-failed email: {e}"),
    }
    Some(now + RETRY_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn at(text: &str) -> DateTime<Utc> {
        crate::store::parse_ts(text).unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_sort_by_time_and_only_ours_are_read() {
        let local = NaiveDateTime::parse_from_str("2026-11-30 03:00", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(file_name(local), "earshot-2026-11-30-0300.db");
        assert_eq!(taken_at("earshot-2026-11-30-0300.db"), Some(local));
        for other in [
            "earshot.db",
            "earshot-2026-11-30-0300.db-journal",
            ".earshot-2026-11-30-0300.db.partial-42",
            "earshot-2026-11-30-3000.db",
            "by-hand.db",
        ] {
            assert_eq!(taken_at(other), None, "{other}");
        }
    }

    #[test]
    fn rotation_deletes_the_oldest_of_ours_beyond_keep() {
        let all = names(&[
            "earshot-2026-11-29-0300.db",
            "notes.txt",
            "earshot-2026-11-27-0300.db",
            "earshot-2026-11-30-0300.db",
            "earshot-2026-11-28-0300.db",
            "by-hand.db",
        ]);
        assert_eq!(
            to_delete(&all, 2),
            names(&["earshot-2026-11-27-0300.db", "earshot-2026-11-28-0300.db"])
        );
        assert!(to_delete(&all, 4).is_empty());
        assert!(to_delete(&all, 7).is_empty());
        assert_eq!(to_delete(&all, 1).len(), 3);
    }

    #[test]
    fn a_backup_is_due_once_per_scheduled_time_and_at_start_when_one_was_missed() {
        let schedule = DigestSchedule {
            at: NaiveTime::from_hms_opt(3, 0, 0).unwrap(),
        };
        let utc = &Zone::utc();
        // None yet: due at once.
        assert!(is_due(&schedule, None, at("2026-11-30T10:00:00Z"), utc));
        // Taken at today's 03:00: not due again until tomorrow's.
        let today = Some(at("2026-11-30T03:00:00Z"));
        assert!(!is_due(&schedule, today, at("2026-11-30T23:59:00Z"), utc));
        assert!(is_due(&schedule, today, at("2026-12-01T03:00:00Z"), utc));
        // Stopped over last night's time: the start takes one.
        let yesterday = Some(at("2026-11-29T03:00:00Z"));
        assert!(is_due(
            &schedule,
            yesterday,
            at("2026-11-30T09:00:00Z"),
            utc
        ));
        // Started before today's time, the last one from yesterday's: wait for 03:00.
        assert!(!is_due(
            &schedule,
            yesterday,
            at("2026-11-30T02:00:00Z"),
            utc
        ));
        // The schedule follows the business's clocks.
        let tokyo = &Zone::named("Asia/Tokyo").unwrap();
        assert!(!is_due(
            &schedule,
            Some(at("2026-11-29T18:00:00Z")),
            at("2026-11-30T17:59:00Z"),
            tokyo
        ));
        assert!(is_due(
            &schedule,
            Some(at("2026-11-29T18:00:00Z")),
            at("2026-11-30T18:00:00Z"),
            tokyo
        ));
    }

    #[test]
    fn the_newest_backup_is_read_in_local_time() {
        let tokyo = &Zone::named("Asia/Tokyo").unwrap();
        let all = names(&[
            "earshot-2026-11-29-0300.db",
            "earshot-2026-11-30-0300.db",
            "x.db",
        ]);
        assert_eq!(newest(&all, tokyo), Some(at("2026-11-29T18:00:00Z")));
        assert_eq!(newest(&names(&["x.db"]), tokyo), None);
    }
}
