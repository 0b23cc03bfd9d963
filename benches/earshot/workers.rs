//! Section 6: one PostgreSQL and several workers against one SQLite file (issue 19).
//!
//! Many feeds of 20 items, served on 127.0.0.x by this process (section 2's server), are
//! polled once through:
//! - SQLite: one `earshot poll --force` (section 2's measurement);
//! - PostgreSQL with 1 and with 3 `earshot run` workers on the same database: the cycle
//!   ends when every source has a `last_fetch_at`, then the workers get SIGTERM;
//! - PostgreSQL with 3 workers, one SIGKILLed once a third of the sources are polled: how
//!   long the others take to poll the sources it held and to finish the cycle.
//!
//! Then the mention log's queries (section 3's) at 100,000 mentions on both databases,
//! timed in-process through the library's `Store`. The PostgreSQL server is a throwaway
//! one (tests/it/pg.rs), on loopback with fsync off, sharing the machine's cores with the
//! workers and this process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot::sentiment::{Analyzer, Options};
use earshot::store::Store;

use crate::pg::{connect, PgServer};
use crate::poll::{config_text, make_feeds, poll, serve, vm_hwm_kib};
use crate::report::{duration, median_time, Table};

const ITEMS_PER_FEED: usize = 20;
/// Longest a cycle may take before the bench gives up and says so.
const CYCLE_BOUND: Duration = Duration::from_secs(3 * 3600);

/// Run the section with `sources` feeds, then the log queries at `mentions`.
pub fn run(table: &mut Table, sources: usize, mentions: usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let feeds = Arc::new(make_feeds(sources, ITEMS_PER_FEED, |i| {
        format!("Mon, 02 Nov 2026 10:{:02}:00 +0000", i % 60)
    }));
    let hosts = runtime.block_on(serve(feeds));
    let server = PgServer::start();
    let label = format!("6. {sources} sources x {ITEMS_PER_FEED}");
    let expected = sources * ITEMS_PER_FEED;

    sqlite_cycle(table, &label, sources, &hosts, expected);
    sqlite_run_cycle(table, &label, sources, &hosts);
    let one = Workers::cycle(&runtime, &server, "one_worker", sources, &hosts, 1);
    one.report(table, &label, "PostgreSQL, 1 worker", expected);
    let three = Workers::cycle(&runtime, &server, "three_workers", sources, &hosts, 3);
    three.report(table, &label, "PostgreSQL, 3 workers", expected);
    let killed = Workers::cycle_with_kill(&runtime, &server, sources, &hosts);
    killed.report(table, &label, "PostgreSQL, 3 workers, 1 killed", expected);
    if let Some(takeover) = &killed.takeover {
        table.add(
            &label,
            "  killed worker: sources held at the kill",
            takeover.held.to_string(),
            "",
        );
        table.add(
            &label,
            "  takeover: held sources polled by the others",
            format!("{} after the kill", duration(takeover.held_done)),
            "<= 60 s (one lease)",
        );
        table.add(
            &label,
            "  rest of the cycle after the kill",
            format!(
                "{} (the cycle without a kill: {})",
                duration(takeover.rest),
                duration(three.wall)
            ),
            "",
        );
    }
    log_queries(table, &runtime, &server, mentions);
    drop(server);
    drop(runtime);
}

/// Only the log queries at `mentions` (`EARSHOT_BENCH_SECTIONS=6q`): minutes, not hours.
pub fn run_queries(table: &mut Table, mentions: usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = PgServer::start();
    log_queries(table, &runtime, &server, mentions);
}

/// `earshot poll --force` on a SQLite file: section 2's measurement.
fn sqlite_cycle(table: &mut Table, label: &str, sources: usize, hosts: &[String], expected: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("earshot.toml"), config_text(sources, hosts)).expect("config");
    let (wall, rss) = poll(dir.path());
    let db = dir.path().join("earshot.db");
    let stored: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM mentions", [], |r| r.get(0)))
        .expect("count mentions");
    let what = "SQLite, `earshot poll`";
    table.add(
        label,
        &format!("{what}: cycle wall time"),
        duration(wall),
        "",
    );
    table.add(label, &format!("{what}: peak RSS"), mib(rss), "");
    table.add(
        label,
        &format!("{what}: database size"),
        format!(
            "{} (mentions stored: {stored} of {expected})",
            mb(sqlite_size(&db))
        ),
        "",
    );
}

/// One `earshot run` on a SQLite file until every source has been polled once: the
/// service's own cost, apart from PostgreSQL's.
fn sqlite_run_cycle(table: &mut Table, label: &str, sources: usize, hosts: &[String]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = config_text(sources, hosts).replace(
        "[storage]\ndatabase = \"earshot.db\"\n",
        "[storage]\ndatabase = \"earshot.db\"\n[web]\nlisten = \"127.0.0.1:0\"\n",
    );
    std::fs::write(dir.path().join("earshot.toml"), text).expect("config");
    let db = dir.path().join("earshot.db");
    let polled = || -> usize {
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM sources WHERE last_fetch_at IS NOT NULL",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .map_or(0, |n| n as usize)
    };
    let started = Instant::now();
    let mut worker = vec![start(dir.path(), 0)];
    let mut half = None;
    while polled() < sources {
        if half.is_none() && polled() >= sources.div_ceil(2) {
            half = Some(started.elapsed());
        }
        check_running(&mut worker, started);
        std::thread::sleep(Duration::from_millis(50));
    }
    let wall = started.elapsed();
    let half = half.unwrap_or(wall);
    let rss = stop(worker);
    let (errors, warnings, _) = read_logs(dir.path());
    let what = "SQLite, 1 `earshot run`";
    table.add(
        label,
        &format!("{what}: cycle wall time"),
        duration(wall),
        "",
    );
    table.add(
        label,
        &format!("{what}: first | second half of the sources"),
        format!("{} | {}", duration(half), duration(wall - half)),
        "",
    );
    table.add(label, &format!("{what}: peak RSS"), mib(rss[0]), "");
    table.add(
        label,
        &format!("{what}: log ERROR / WARN lines"),
        format!("{errors} / {warnings}"),
        "0 / 0",
    );
}

/// What one run of workers on PostgreSQL measured.
struct Workers {
    wall: Duration,
    /// Until half the sources were polled (without a kill): the second half taking much
    /// longer than the first means the cost per source grows with the sources done.
    half: Option<Duration>,
    /// Transactions the database committed or rolled back during the run (every
    /// statement outside a transaction is one), per source.
    transactions_per_source: f64,
    /// Peak RSS (KiB) of each worker, read just before it was stopped.
    rss: Vec<u64>,
    database_bytes: i64,
    stored: i64,
    distinct: i64,
    /// Sources each worker polled (by `last_polled_by`), largest first.
    shares: Vec<i64>,
    /// ERROR and WARN lines in the workers' logs (and a few of them, for the report).
    errors: usize,
    warnings: usize,
    samples: Vec<String>,
    takeover: Option<Takeover>,
}

struct Takeover {
    /// Sources whose lease the killed worker held.
    held: i64,
    /// From the kill until every held source was polled by another worker.
    held_done: Duration,
    /// From the kill until the cycle was complete.
    rest: Duration,
}

impl Workers {
    /// `count` workers on a new database `name`, until every source has been polled once.
    fn cycle(
        runtime: &tokio::runtime::Runtime,
        server: &PgServer,
        name: &str,
        sources: usize,
        hosts: &[String],
        count: usize,
    ) -> Workers {
        server.create_database(name);
        let url = server.url_of(name);
        let dir = worker_dir(sources, hosts, &url);
        let started = Instant::now();
        let mut children: Vec<Child> = (0..count).map(|n| start(dir.path(), n)).collect();
        let half = runtime.block_on(async {
            let client = connect(&url).await;
            wait_polled(&client, sources.div_ceil(2), &mut children).await;
            let half = started.elapsed();
            wait_polled(&client, sources, &mut children).await;
            half
        });
        let wall = started.elapsed();
        let rss = stop(children);
        let mut measured = Workers::measured(runtime, &url, dir.path(), wall, rss, None);
        measured.half = Some(half);
        measured
    }

    /// Three workers; once a third of the sources are polled, SIGKILL the first one.
    fn cycle_with_kill(
        runtime: &tokio::runtime::Runtime,
        server: &PgServer,
        sources: usize,
        hosts: &[String],
    ) -> Workers {
        let name = "three_workers_one_killed";
        server.create_database(name);
        let url = server.url_of(name);
        let dir = worker_dir(sources, hosts, &url);
        let started = Instant::now();
        let mut children: Vec<Child> = (0..3).map(|n| start(dir.path(), n)).collect();
        let mut victim_rss = 0;
        let takeover = runtime.block_on(async {
            let client = connect(&url).await;
            wait_polled(&client, sources.div_ceil(3), &mut children).await;
            let mut victim = children.remove(0);
            victim_rss = peak_rss(victim.id());
            victim.kill().expect("SIGKILL");
            victim.wait().expect("reap");
            let killed = Instant::now();
            // Its leases stay in the table until another worker takes them.
            let owner = format!("%:{}", victim.id());
            let held: Vec<String> = client
                .query(
                    "SELECT name FROM sources WHERE lease_owner LIKE $1 AND last_fetch_at IS NULL",
                    &[&owner],
                )
                .await
                .expect("held sources")
                .iter()
                .map(|r| r.get(0))
                .collect();
            let held_done = loop {
                let left: i64 = client
                    .query_one(
                        "SELECT COUNT(*) FROM sources WHERE name = ANY($1) AND last_fetch_at IS NULL",
                        &[&held],
                    )
                    .await
                    .expect("held sources left")
                    .get(0);
                if left == 0 {
                    break killed.elapsed();
                }
                check_running(&mut children, killed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            wait_polled(&client, sources, &mut children).await;
            Takeover {
                held: held.len() as i64,
                held_done,
                rest: killed.elapsed(),
            }
        });
        let wall = started.elapsed();
        let mut rss = vec![victim_rss];
        rss.extend(stop(children));
        Workers::measured(runtime, &url, dir.path(), wall, rss, Some(takeover))
    }

    /// Counts from the database and the workers' logs.
    fn measured(
        runtime: &tokio::runtime::Runtime,
        url: &str,
        dir: &Path,
        wall: Duration,
        rss: Vec<u64>,
        takeover: Option<Takeover>,
    ) -> Workers {
        let (database_bytes, stored, distinct, shares, transactions) = runtime.block_on(async {
            let client = connect(url).await;
            let size: i64 = client
                .query_one("SELECT pg_database_size(current_database())", &[])
                .await
                .expect("database size")
                .get(0);
            let counts = client
                .query_one("SELECT COUNT(*), COUNT(DISTINCT key) FROM mentions", &[])
                .await
                .expect("mention counts");
            let shares: Vec<i64> = client
                .query(
                    "SELECT COUNT(*) FROM sources GROUP BY last_polled_by ORDER BY 1 DESC",
                    &[],
                )
                .await
                .expect("shares")
                .iter()
                .map(|r| r.get(0))
                .collect();
            // The workers have exited, so their backends' statistics are in.
            let transactions: i64 = client
                .query_one(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database \
                     WHERE datname = current_database()",
                    &[],
                )
                .await
                .expect("transaction count")
                .get(0);
            (size, counts.get(0), counts.get(1), shares, transactions)
        });
        let (errors, warnings, samples) = read_logs(dir);
        Workers {
            wall,
            half: None,
            transactions_per_source: transactions as f64 / shares.iter().sum::<i64>().max(1) as f64,
            rss,
            database_bytes,
            stored,
            distinct,
            shares,
            errors,
            warnings,
            samples,
            takeover,
        }
    }

    fn report(&self, table: &mut Table, label: &str, what: &str, expected: usize) {
        table.add(
            label,
            &format!("{what}: cycle wall time"),
            duration(self.wall),
            "",
        );
        if let Some(half) = self.half {
            table.add(
                label,
                &format!("{what}: first | second half of the sources"),
                format!("{} | {}", duration(half), duration(self.wall - half)),
                "",
            );
        }
        table.add(
            label,
            &format!("{what}: database transactions per source"),
            format!("{:.0}", self.transactions_per_source),
            "",
        );
        let rss: Vec<String> = self.rss.iter().map(|&k| mib(k)).collect();
        table.add(
            label,
            &format!("{what}: peak RSS per worker"),
            rss.join(" / "),
            "",
        );
        table.add(
            label,
            &format!("{what}: database size"),
            format!(
                "{} (mentions stored: {} of {expected}, {} distinct)",
                mb(self.database_bytes as u64),
                self.stored,
                self.distinct
            ),
            "",
        );
        if self.shares.len() > 1 {
            let shares: Vec<String> = self.shares.iter().map(i64::to_string).collect();
            table.add(
                label,
                &format!("{what}: sources polled by each worker"),
                shares.join(" / "),
                "",
            );
        }
        table.add(
            label,
            &format!("{what}: worker log ERROR / WARN lines"),
            format!("{} / {}", self.errors, self.warnings),
            "0 / 0",
        );
        for line in &self.samples {
            eprintln!("    {what}: {line}");
        }
    }
}

/// A temp dir with the section 2 config pointed at PostgreSQL; its web log on a port of
/// its own per worker.
fn worker_dir(sources: usize, hosts: &[String], url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = config_text(sources, hosts).replace(
        "[storage]\ndatabase = \"earshot.db\"\n",
        &format!("[storage]\nurl = \"{url}\"\n[web]\nlisten = \"127.0.0.1:0\"\n"),
    );
    std::fs::write(dir.path().join("earshot.toml"), text).expect("config");
    dir
}

/// `earshot run` in `dir`, its log in `worker-N.log`.
fn start(dir: &Path, n: usize) -> Child {
    let log = std::fs::File::create(dir.join(format!("worker-{n}.log"))).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_earshot"))
        .args(["--config", "earshot.toml", "run"])
        .current_dir(dir)
        .env_remove("EARSHOT_CONFIG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("earshot run starts")
}

/// Wait until `target` sources have a `last_fetch_at` (0 until a worker made the schema).
async fn wait_polled(client: &tokio_postgres::Client, target: usize, workers: &mut [Child]) {
    let begun = Instant::now();
    loop {
        let polled: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM sources WHERE last_fetch_at IS NOT NULL",
                &[],
            )
            .await
            .map(|r| r.get(0))
            .unwrap_or(0);
        if polled as usize >= target {
            return;
        }
        check_running(workers, begun);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Panic when a worker exited on its own or the cycle has taken too long.
fn check_running(workers: &mut [Child], begun: Instant) {
    for worker in workers.iter_mut() {
        if let Ok(Some(status)) = worker.try_wait() {
            panic!("worker {} exited during the cycle: {status}", worker.id());
        }
    }
    assert!(
        begun.elapsed() < CYCLE_BOUND,
        "the cycle took longer than {CYCLE_BOUND:?}"
    );
}

/// Each worker's peak RSS (KiB), then SIGTERM and wait for it to stop.
fn stop(workers: Vec<Child>) -> Vec<u64> {
    let rss = workers.iter().map(|w| peak_rss(w.id())).collect();
    for worker in &workers {
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        unsafe {
            libc::kill(worker.id() as libc::pid_t, libc::SIGTERM);
        }
    }
    for mut worker in workers {
        let _ = worker.wait();
    }
    rss
}

fn peak_rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|s| vm_hwm_kib(&s))
        .unwrap_or(0)
}

/// ERROR and WARN lines in `worker-*.log`, and up to five distinct messages.
fn read_logs(dir: &Path) -> (usize, usize, Vec<String>) {
    let (mut errors, mut warnings, mut samples) = (0, 0, Vec::<String>::new());
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("worker-") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let error = line.contains("ERROR");
            let warning = line.contains("WARN");
            errors += usize::from(error);
            warnings += usize::from(warning);
            // The message without its timestamp, so repeats count once.
            let message = line.split_once("  ").map_or(line, |(_, rest)| rest);
            if (error || warning) && samples.len() < 5 && !samples.iter().any(|s| s == message) {
                samples.push(format!("{name}: {message}"));
            }
        }
    }
    (errors, warnings, samples)
}

/// Section 3's queries at `mentions` on a SQLite file and on PostgreSQL, in-process.
fn log_queries(
    table: &mut Table,
    runtime: &tokio::runtime::Runtime,
    server: &PgServer,
    mentions: usize,
) {
    let label = format!("6. log @ {mentions}: SQLite | PostgreSQL");
    let analyzer = Analyzer::new(Options::default());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let mut sqlite = Store::open(&path).expect("SQLite store");
    server.create_database("log");
    let url = server.url_of("log");
    let mut postgres = Store::open_url(&url).expect("PostgreSQL store");

    let start = Instant::now();
    crate::log::fill(&mut sqlite, &analyzer, mentions);
    let sqlite_fill = start.elapsed();
    let start = Instant::now();
    crate::log::fill(&mut postgres, &analyzer, mentions);
    let postgres_fill = start.elapsed();
    table.add(
        &label,
        "store mentions (scored, indexed)",
        format!("{} | {}", duration(sqlite_fill), duration(postgres_fill)),
        "",
    );
    // Right after a bulk load (as after `earshot migrate --to`) PostgreSQL has no
    // statistics on the new rows until autovacuum's ANALYZE runs (a minute or more later),
    // so each query is timed before and after an explicit ANALYZE.
    let mut timings: Vec<(&str, Duration, Duration)> = crate::log::queries()
        .iter()
        .map(|(name, filter)| {
            let on_sqlite = median_time(5, || {
                sqlite.mentions(filter).expect("SQLite query");
            });
            let on_postgres = median_time(5, || {
                postgres.mentions(filter).expect("PostgreSQL query");
            });
            (*name, on_sqlite, on_postgres)
        })
        .collect();
    runtime.block_on(async {
        connect(&url)
            .await
            .batch_execute("ANALYZE")
            .await
            .expect("ANALYZE");
    });
    for ((name, on_sqlite, on_postgres), (_, filter)) in
        timings.drain(..).zip(crate::log::queries())
    {
        let analyzed = median_time(5, || {
            postgres.mentions(&filter).expect("PostgreSQL query");
        });
        table.add(
            &label,
            name,
            format!(
                "{} | {} ({} after ANALYZE)",
                duration(on_sqlite),
                duration(on_postgres),
                duration(analyzed)
            ),
            "<= 50 ms",
        );
    }
    drop(sqlite);
    drop(postgres);
    let postgres_bytes: i64 = runtime.block_on(async {
        connect(&url)
            .await
            .query_one("SELECT pg_database_size(current_database())", &[])
            .await
            .expect("database size")
            .get(0)
    });
    table.add(
        &label,
        "database size per mention",
        format!(
            "{:.0} | {:.0} bytes",
            sqlite_size(&path) as f64 / mentions as f64,
            postgres_bytes as f64 / mentions as f64
        ),
        "",
    );
}

/// The SQLite file and its write-ahead log.
fn sqlite_size(db: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    size(db) + size(&db.with_extension("db-wal"))
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
