//! `earshot backup` and `earshot restore` as a user runs them (the binary, a config file,
//! a real database), and the backups `earshot run` takes by itself.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Behavior, Reply, Server};
use crate::smtp::read_dir_mails;

/// A temp dir with a config file (the given extra TOML after `[business]`) and its database.
struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Setup {
    fn new(extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("earshot.toml");
        std::fs::write(
            &config,
            format!(
                "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"UTC\"\n\
                 [web]\nlisten = \"127.0.0.1:0\"\n{extra}"
            ),
        )
        .unwrap();
        Setup { dir, config }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The database: `[storage] database` is left out, so `data/earshot.db` in the dir.
    fn db(&self) -> PathBuf {
        self.path("data/earshot.db")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("earshot"));
        command
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("EARSHOT_CONFIG")
            .env_remove("EARSHOT_NOW")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Run, expecting success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run, expecting failure; stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} should fail: {}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `file://` feed `name` with items `0..count`.
    fn feed(&self, name: &str, count: usize) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, rss(name, count)).unwrap();
        path
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An RSS feed of `count` distinct posts about the bakery.
fn rss(tag: &str, count: usize) -> String {
    let items: String = (0..count)
        .map(|i| {
            format!(
                "<item><guid>{tag}-{i}</guid><link>https://r.test/{tag}/{i}</link>\
                 <author>Guest {i}</author><description>Visit {i} to Harbor Street Bakery: \
                 the sourdough was lovely and the coffee hot ({tag}).</description>\
                 <pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
            )
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The number after `mentions: ` in a backup's or restore's report.
fn reported_mentions(report: &str) -> i64 {
    let line = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("mentions: "))
        .unwrap_or_else(|| panic!("no mention count in: {report}"));
    line.parse().unwrap()
}

fn source(name: &str, url: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"1s\"\n")
}

/// Backups taken from another process again and again while `earshot poll` writes many
/// items from a local HTTP server: each restores to a sound database with exactly the
/// mentions the backup reported, and some were taken mid-poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_poll_restores_to_the_counts_it_reported() {
    let server = Server::start().await;
    let (sources, per_source) = (6u64, 400);
    let mut config = String::new();
    for i in 0..sources {
        let path = format!("/feed{i}.xml");
        server.route(
            &path,
            Reply::ok("application/rss+xml", rss(&format!("f{i}"), per_source))
                .behave(Behavior::Slow(Duration::from_millis(250 * i))),
        );
        config.push_str(&source(&format!("feed{i}"), &server.url(&path)));
    }
    let s = Setup::new(&config);
    let total = sources as i64 * per_source as i64;

    let (s, taken) = tokio::task::spawn_blocking(move || {
        let mut poll = s.command(&["poll", "--no-send"]).spawn().unwrap();
        let mut taken = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while poll.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the poll did not finish");
            let file = s.path(&format!("during-{}.db", taken.len()));
            let out = s.run(&["backup", file.to_str().unwrap()]);
            let said = text(&out);
            if out.status.success() {
                taken.push((file, reported_mentions(&said)));
            } else {
                // Only before the poll created the database may a backup find none.
                assert!(
                    said.contains("there is no database") || said.contains("not an Earshot one"),
                    "{said}"
                );
            }
        }
        assert!(poll.wait().unwrap().success());
        (s, taken)
    })
    .await
    .unwrap();

    assert_eq!(count(&s.db(), "SELECT COUNT(*) FROM mentions"), total);
    assert!(
        taken.iter().any(|(_, n)| *n > 0 && *n < total),
        "no backup caught the poll half-way: {taken:?}"
    );
    for (i, (file, mentions)) in taken.iter().enumerate() {
        assert_eq!(integrity(file), "ok");
        let restored = s.path(&format!("restored-{i}.db"));
        let report = s.ok(&[
            "--db",
            restored.to_str().unwrap(),
            "restore",
            file.to_str().unwrap(),
        ]);
        assert_eq!(reported_mentions(&report), *mentions, "{report}");
        assert_eq!(count(&restored, "SELECT COUNT(*) FROM mentions"), *mentions);
        assert_eq!(integrity(&restored), "ok");
        // Full-text search was copied with its mentions, in step.
        assert_eq!(
            count(
                &restored,
                "SELECT COUNT(*) FROM mentions_fts WHERE mentions_fts MATCH 'sourdough'"
            ),
            *mentions
        );
    }
}

#[test]
fn a_backup_never_replaces_a_file_unless_forced_and_says_where_it_cannot_write() {
    let s = Setup::new("");
    let feed = s.feed("feed.xml", 3);
    std::fs::write(
        &s.config,
        std::fs::read_to_string(&s.config).unwrap()
            + &source("reviews", &format!("file://{}", feed.display())),
    )
    .unwrap();
    let err = s.fails(&["backup", "copy.db"]);
    assert!(
        err.contains("there is no database at data/earshot.db"),
        "{err}"
    );
    s.ok(&["poll", "--no-send"]);

    let report = s.ok(&["backup", "copy.db"]);
    assert!(
        report.contains("Backed up the database to copy.db"),
        "{report}"
    );
    assert!(report.contains("schema version: "), "{report}");
    assert!(report.contains("integrity check: ok"), "{report}");
    assert_eq!(reported_mentions(&report), 3);
    let size = std::fs::metadata(s.path("copy.db")).unwrap().len();
    assert!(report.contains(&format!("size: {size} bytes")), "{report}");
    // One self-contained file: no journal left beside it, nothing half-written.
    let names: Vec<String> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("copy"))
        .collect();
    assert_eq!(names, ["copy.db"]);

    std::fs::write(s.path("copy.db"), "keep me").unwrap();
    let err = s.fails(&["backup", "copy.db"]);
    assert!(
        err.contains("copy.db already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(s.path("copy.db")).unwrap(),
        "keep me"
    );
    s.ok(&["backup", "copy.db", "--force"]);
    assert_eq!(integrity(&s.path("copy.db")), "ok");

    // A missing folder is made; one that cannot be (under a regular file) is named.
    s.ok(&["backup", "new-folder/copy.db"]);
    assert_eq!(integrity(&s.path("new-folder/copy.db")), "ok");
    let err = s.fails(&["backup", "copy.db/inside.db"]);
    assert!(err.contains("cannot create the folder copy.db"), "{err}");
}

#[test]
fn restore_refuses_a_newer_database_unless_forced() {
    let s = Setup::new("");
    let feed = s.feed("feed.xml", 4);
    std::fs::write(
        &s.config,
        std::fs::read_to_string(&s.config).unwrap()
            + &source("reviews", &format!("file://{}", feed.display())),
    )
    .unwrap();
    let poll_at = |now: &str| {
        let out = s
            .command(&["poll", "--no-send", "--force"])
            .env("EARSHOT_NOW", now)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    poll_at("2026-11-30T08:00:00Z");
    s.ok(&["backup", "monday.db"]);
    s.feed("feed.xml", 9);
    poll_at("2026-11-30T09:00:00Z");
    assert_eq!(count(&s.db(), "SELECT COUNT(*) FROM mentions"), 9);

    let err = s.fails(&["restore", "monday.db"]);
    assert!(
        err.contains("is newer than the backup monday.db")
            && err.contains("9 mentions now, 4 in the backup")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        count(&s.db(), "SELECT COUNT(*) FROM mentions"),
        9,
        "untouched"
    );

    let report = s.ok(&["restore", "monday.db", "--force"]);
    assert!(
        report.contains("It replaced a database with 9 mentions"),
        "{report}"
    );
    assert_eq!(count(&s.db(), "SELECT COUNT(*) FROM mentions"), 4);
    assert_eq!(integrity(&s.db()), "ok");
    // The restored database works: the next poll takes the five newer posts in again.
    poll_at("2026-11-30T10:00:00Z");
    assert_eq!(count(&s.db(), "SELECT COUNT(*) FROM mentions"), 9);
    // An older database is replaced without asking.
    s.ok(&["backup", "latest.db"]);
    s.ok(&["restore", "monday.db", "--force"]);
    s.ok(&["restore", "latest.db"]);
    assert_eq!(count(&s.db(), "SELECT COUNT(*) FROM mentions"), 9);
}

#[test]
fn restore_refuses_what_is_not_a_sound_earshot_backup_of_a_known_version() {
    let s = Setup::new("");
    s.ok(&["mentions"]);
    s.ok(&["backup", "good.db"]);
    let before = std::fs::read(s.db()).unwrap();

    std::fs::write(s.path("notes.db"), "these are my notes\n".repeat(50)).unwrap();
    let err = s.fails(&["restore", "notes.db"]);
    assert!(err.contains("notes.db is not an SQLite database"), "{err}");

    let good = std::fs::read(s.path("good.db")).unwrap();
    std::fs::write(s.path("cut.db"), &good[..good.len() / 2]).unwrap();
    let err = s.fails(&["restore", "cut.db"]);
    assert!(err.contains("cut.db is truncated"), "{err}");

    let future = s.path("future.db");
    std::fs::copy(s.path("good.db"), &future).unwrap();
    let conn = rusqlite::Connection::open(&future).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = s.fails(&["restore", "future.db", "--force"]);
    assert!(
        err.contains("future.db was written by a newer Earshot (schema version 999")
            && err.contains("upgrade Earshot"),
        "{err}"
    );

    let other = s.path("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute("CREATE TABLE recipes (name TEXT)", [])
        .unwrap();
    drop(conn);
    let err = s.fails(&["restore", "other.db"]);
    assert!(
        err.contains("other.db is an SQLite database but not an Earshot one"),
        "{err}"
    );

    // Damaged pages inside an otherwise whole file fail the integrity check.
    let mut damaged = good.clone();
    let page = 4096;
    for start in (page..damaged.len()).step_by(page) {
        for byte in &mut damaged[start..start + 100] {
            *byte = 0xA5;
        }
    }
    std::fs::write(s.path("damaged.db"), &damaged).unwrap();
    let err = s.fails(&["restore", "damaged.db", "--force"]);
    assert!(err.contains("damaged.db"), "{err}");
    assert!(err.contains("damaged"), "{err}");

    assert_eq!(
        std::fs::read(s.db()).unwrap(),
        before,
        "nothing was restored"
    );
    let leftovers: Vec<String> = std::fs::read_dir(s.path("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Start `earshot run`, its stderr in `run.log`.
fn start(s: &Setup) -> Child {
    let log = std::fs::File::create(s.path("run.log")).unwrap();
    s.command(&["run"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// SIGTERM, and wait for a clean exit.
fn stop(s: &Setup, mut run: Child) {
    let term = Command::new("kill")
        .args(["-TERM", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while run.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = run.kill();
            panic!("run did not stop: {}", log(s));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(run.wait().unwrap().success(), "{}", log(s));
}

fn log(s: &Setup) -> String {
    std::fs::read_to_string(s.path("run.log")).unwrap_or_default()
}

fn wait_for(what: &str, s: &Setup, run: &mut Child, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        if Instant::now() > deadline || run.try_wait().unwrap().is_some() {
            let _ = run.kill();
            panic!("{what}: {}", log(s));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn restore_is_refused_while_run_uses_the_database() {
    let s = Setup::new("");
    s.ok(&["mentions"]);
    s.ok(&["backup", "b.db"]);
    let mut run = start(&s);
    wait_for("no heartbeat", &s, &mut run, || {
        rusqlite::Connection::open(s.db())
            .and_then(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM settings WHERE key LIKE 'service_heartbeat:%'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .is_ok_and(|n| n == 1)
    });
    let err = s.fails(&["restore", "b.db", "--force"]);
    assert!(
        err.contains("`earshot run` or `earshot serve` (process ") && err.contains("stop it first"),
        "{err}"
    );
    // A backup, though, is taken while it runs.
    s.ok(&["backup", "while-running.db"]);
    stop(&s, run);
    assert_eq!(
        count(
            &s.db(),
            "SELECT COUNT(*) FROM settings WHERE key LIKE 'service_heartbeat:%'"
        ),
        0,
        "a clean stop clears the heartbeat"
    );
    s.ok(&["restore", "b.db", "--force"]);
}

#[test]
fn run_takes_a_missed_backup_at_start_and_keeps_only_the_newest() {
    let s = Setup::new("[storage]\nbackup = \"daily 03:00\"\nkeep = 2\nbackup_dir = \"kept\"\n");
    s.ok(&["mentions"]);
    let kept = s.path("kept");
    std::fs::create_dir_all(&kept).unwrap();
    for old in [
        "earshot-2026-01-01-0300.db",
        "earshot-2026-01-02-0300.db",
        "earshot-2026-01-03-0300.db",
        "notes.txt",
    ] {
        std::fs::write(kept.join(old), "old").unwrap();
    }
    let mut run = start(&s);
    wait_for("no backup at start", &s, &mut run, || {
        files_in(&kept).len() == 3
    });
    stop(&s, run);
    let names = files_in(&kept);
    assert_eq!(names[0], "earshot-2026-01-03-0300.db", "{names:?}");
    assert!(
        names[1].starts_with("earshot-20") && names[1] != names[0],
        "{names:?}"
    );
    assert_eq!(names[2], "notes.txt", "only its own files are rotated");
    assert_eq!(integrity(&kept.join(&names[1])), "ok");
    assert!(log(&s).contains("backed up the database"), "{}", log(&s));

    // Started again the same day: the backup of today stands, none is taken.
    let mut run = start(&s);
    wait_for("not started", &s, &mut run, || {
        log(&s).contains("earshot running")
    });
    std::thread::sleep(Duration::from_millis(500));
    stop(&s, run);
    assert_eq!(files_in(&kept), names);
}

#[test]
fn a_failed_scheduled_backup_emails_the_owner_once() {
    let s = Setup::new(
        "[storage]\nbackup = \"daily 03:00\"\nbackup_dir = \"blocker/backups\"\n\
         [alerts]\nto = [\"owner@example.com\"]\noutbox_dir = \"outbox\"\n",
    );
    std::fs::write(s.path("blocker"), "a file, not a folder").unwrap();
    s.ok(&["mentions"]);
    let mut run = start(&s);
    let outbox = s.path("outbox");
    wait_for("no backup-failed email", &s, &mut run, || {
        !read_dir_mails(&outbox).is_empty()
    });
    stop(&s, run);
    assert!(log(&s).contains("scheduled backup failed"), "{}", log(&s));
    let mails = read_dir_mails(&outbox);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.raw.contains("[Backup failed]"), "{}", mail.raw);
    assert!(
        mail.text
            .contains("cannot create the backup folder blocker/backups"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("[storage] backup_dir"), "{}", mail.text);
    assert_eq!(
        count(
            &s.db(),
            "SELECT COUNT(*) FROM outbox WHERE kind = 'backup-failed' AND status = 'sent' \
             AND dedupe_key LIKE 'backup-failed:20%'"
        ),
        1
    );
}
