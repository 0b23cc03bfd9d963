//! Several workers on one PostgreSQL (issue 19): three `earshot run` processes share the
//! sources of one database while a feed server publishes new complaints; one worker at a
//! time is killed with SIGKILL at a random moment and started again. At the end every item
//! is stored once and every alert was received once by a local SMTP server (aiosmtpd),
//! counted by distinct Message-ID (a duplicate is allowed only in the documented window,
//! and then with the same Message-ID), and `earshot sources` names the worker that polled
//! each source last.
//!
//! `EARSHOT_WORKER_KILLS=N` sets the number of kills (default 6, so CI stays quick); the
//! measured figures are printed (`cargo test --test it workers -- --nocapture`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::chaos::{count_from_env, received, rss, start_run};
use crate::common::{Behavior, Reply, Server};
use crate::pg::{connect, test_db};
use crate::smtp::{require_aiosmtpd, SmtpServer};

/// Longest the surviving workers may take to catch up after a kill.
const TAKEOVER_BOUND: Duration = Duration::from_secs(30);
const WORKERS: usize = 3;
const SOURCES: usize = 6;

fn kills() -> usize {
    count_from_env("EARSHOT_WORKER_KILLS", 6)
}

fn start(config: &Path, worker: usize) -> Child {
    start_named(config, worker, None)
}

/// A worker; `machine` names the machine it pretends to run on (`$EARSHOT_WORKER_NAME`).
fn start_named(config: &Path, worker: usize, machine: Option<&str>) -> Child {
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(config.with_file_name(format!("worker-{worker}.log")))
        .unwrap();
    let env: Vec<(&str, &str)> = machine
        .map(|machine| ("EARSHOT_WORKER_NAME", machine))
        .into_iter()
        .collect();
    start_run(config, log, &env)
}

/// Mentions stored, and distinct keys among them.
async fn stored(client: &tokio_postgres::Client) -> (i64, i64) {
    let row = client
        .query_opt("SELECT COUNT(*), COUNT(DISTINCT key) FROM mentions", &[])
        .await;
    match row {
        Ok(Some(row)) => (row.get(0), row.get(1)),
        // Before the first worker has created the schema.
        _ => (0, 0),
    }
}

/// Wait until every item so far is stored and alerted; the time it took.
async fn caught_up(client: &tokio_postgres::Client, smtp: &SmtpServer, items: usize) -> Duration {
    let begun = Instant::now();
    loop {
        let (rows, _) = stored(client).await;
        let (ids, _) = received(smtp);
        if rows as usize == items && ids.len() == items {
            return begun.elapsed();
        }
        assert!(
            begun.elapsed() < TAKEOVER_BOUND,
            "not caught up after {TAKEOVER_BOUND:?}: {rows} of {items} items stored, {} of {items} alerts received",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `earshot.toml` for workers on the database at `url`: the sources (name, feed URL)
/// polled every second, fetches timing out after `fetch_timeout`, alerts to `smtp`.
fn write_config(
    dir: &Path,
    url: &str,
    sources: &[(String, String)],
    fetch_timeout: &str,
    smtp: &SmtpServer,
) -> PathBuf {
    let config = dir.join("earshot.toml");
    let sources: String = sources
        .iter()
        .map(|(name, feed)| {
            format!("[[source]]\nname = \"{name}\"\nurl = \"{feed}\"\ninterval = \"1s\"\n")
        })
        .collect();
    std::fs::write(
        &config,
        format!(
            "[business]\nname = \"Harbor Street Bakery\"\n[storage]\nurl = \"{url}\"\n\
             [web]\nlisten = \"127.0.0.1:0\"\n[fetch]\ntimeout = \"{fetch_timeout}\"\n{sources}\
             [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             smtp_url = \"{}\"\ntimeout = \"5s\"\nmax_per_hour = 1000\n",
            smtp.url()
        ),
    )
    .unwrap();
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_the_sources_and_survive_kills_without_loss_or_doubles() {
    require_aiosmtpd();
    let db = test_db();
    let client = connect(&db.url()).await;
    let smtp = SmtpServer::start();
    let feed = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<(String, String)> = (0..SOURCES)
        .map(|i| (format!("reviews-{i}"), feed.url(&format!("/feed{i}"))))
        .collect();
    let config = write_config(dir.path(), &db.url(), &sources, "5s", &smtp);
    let mut feeds: Vec<Vec<String>> = vec![Vec::new(); SOURCES];
    for (i, items) in feeds.iter().enumerate() {
        feed.route(
            &format!("/feed{i}"),
            Reply::ok("application/rss+xml", rss(items)),
        );
    }

    let mut workers: Vec<Child> = (0..WORKERS).map(|w| start(&config, w)).collect();
    let mut pids: BTreeSet<u32> = workers.iter().map(Child::id).collect();
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut items = 0;
    caught_up(&client, &smtp, items).await;
    let mut takeovers = Vec::new();
    for round in 0..kills() {
        // New complaints on two random sources, then a kill at a random moment.
        for n in 0..2 {
            let source = rng.usize(..SOURCES);
            feeds[source].push(format!("r{round}s{source}n{n}"));
            feed.route(
                &format!("/feed{source}"),
                Reply::ok("application/rss+xml", rss(&feeds[source])),
            );
            items += 1;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..2000))).await;
        let victim = rng.usize(..WORKERS);
        workers[victim].kill().unwrap();
        workers[victim].wait().unwrap();
        // The two others take over its sources and its unsent alerts.
        takeovers.push(caught_up(&client, &smtp, items).await);
        workers[victim] = start(&config, victim);
        pids.insert(workers[victim].id());
    }
    // One more batch with all three running.
    feeds[0].push("last".into());
    feed.route("/feed0", Reply::ok("application/rss+xml", rss(&feeds[0])));
    items += 1;
    caught_up(&client, &smtp, items).await;

    // `earshot sources` names the worker that polled each source last.
    let listed = Command::new(assert_cmd::cargo::cargo_bin("earshot"))
        .arg("--config")
        .arg(&config)
        .arg("sources")
        .env_remove("EARSHOT_CONFIG")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(listed.contains("POLLED BY"), "{listed}");
    let column = listed.find("POLLED BY").unwrap();
    let pollers: BTreeSet<u32> = listed
        .lines()
        .skip(1)
        .filter_map(|line| {
            let word = line.get(column..)?.split_whitespace().next()?;
            word.rsplit_once(':')?.1.parse().ok()
        })
        .collect();
    assert_eq!(listed.lines().count(), SOURCES + 1, "{listed}");
    assert!(!pollers.is_empty(), "{listed}");
    assert!(
        pollers.is_subset(&pids),
        "{pollers:?} not among {pids:?}\n{listed}"
    );

    for worker in &mut workers {
        let _ = Command::new("kill")
            .args(["-TERM", &worker.id().to_string()])
            .status();
    }
    for worker in &mut workers {
        let _ = worker.wait();
    }

    let (rows, distinct) = stored(&client).await;
    let (ids, messages) = received(&smtp);
    let slowest = takeovers.iter().max().copied().unwrap_or_default();
    let mean = takeovers.iter().sum::<Duration>() / takeovers.len().max(1) as u32;
    println!(
        "workers (seed {seed}): {WORKERS} workers, {} kills, {items} items on {SOURCES} sources, \
         {rows} stored ({distinct} distinct), {} alerts received as {messages} messages \
         ({} duplicates, same Message-ID), caught up after a kill: mean {mean:?}, slowest \
         {slowest:?}; last pollers: {pollers:?}",
        takeovers.len(),
        ids.len(),
        messages - ids.len()
    );
    assert_eq!(rows as usize, items, "every item stored once");
    assert_eq!(distinct, rows, "no item stored twice");
    assert_eq!(ids.len(), items, "every alert received");
    assert!(
        ids.iter().all(|id| id.starts_with("<earshot.alert.")),
        "{ids:?}"
    );
}

/// Who holds the source's claim now, if anyone.
async fn holder(client: &tokio_postgres::Client) -> Option<String> {
    client
        .query_opt(
            "SELECT lease_owner FROM sources WHERE name = 'reviews'",
            &[],
        )
        .await
        .ok()
        .flatten()
        .and_then(|row| row.get(0))
}

/// Two machines: the worker on machine A hangs in a poll (the site never answers) and dies
/// there. The worker on machine B, which cannot see A's processes, leaves the source alone
/// while A's claim lasts, then takes it over within one claim period (60 s) of A's last
/// renewal, and the complaint it then finds is stored and alerted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_machines_source_is_taken_over_within_one_lease_period() {
    require_aiosmtpd();
    let db = test_db();
    let client = connect(&db.url()).await;
    let smtp = SmtpServer::start();
    let feed = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A fetch may hang longer than a claim lasts: only the kill ends it.
    let source = [("reviews".to_string(), feed.url("/feed"))];
    let config = write_config(dir.path(), &db.url(), &source, "5m", &smtp);
    feed.route(
        "/feed",
        Reply::ok("application/rss+xml", rss(&[])).behave(Behavior::Hang),
    );
    let mut a = start_named(&config, 0, Some("machine-a"));
    let a_claim = format!("machine-a:{}", a.id());
    let begun = Instant::now();
    while holder(&client).await.as_deref() != Some(a_claim.as_str()) {
        assert!(
            begun.elapsed() < TAKEOVER_BOUND,
            "machine A never claimed the source"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut b = start_named(&config, 1, Some("machine-b"));
    // B is up and polling nothing: A's claim stands.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(feed.received("/feed").len(), 1, "only A's poll, hanging");
    assert_eq!(holder(&client).await.as_deref(), Some(a_claim.as_str()));

    a.kill().unwrap();
    a.wait().unwrap();
    let killed = Instant::now();
    let items = vec!["late".to_string()];
    feed.route("/feed", Reply::ok("application/rss+xml", rss(&items)));
    let lease = Duration::from_secs(earshot::store::LEASE_SECS as u64);
    let bound = lease + Duration::from_secs(15);
    loop {
        let (rows, _) = stored(&client).await;
        let (ids, _) = received(&smtp);
        if rows == 1 && ids.len() == 1 {
            break;
        }
        assert!(
            killed.elapsed() < bound,
            "machine B did not take over within {bound:?}: {rows} stored, {} alerts",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let takeover = killed.elapsed();
    println!("a dead machine's source taken over after {takeover:?} (claim period {lease:?})");
    let b_claim = format!("machine-b:{}", b.id());
    let polled_by: Option<String> = client
        .query_one(
            "SELECT last_polled_by FROM sources WHERE name = 'reviews'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(polled_by.as_deref(), Some(b_claim.as_str()));
    let _ = Command::new("kill")
        .args(["-TERM", &b.id().to_string()])
        .status();
    let _ = b.wait();
    assert_eq!(received(&smtp).1, 1, "one alert, once");
}
