//! Chaos (issue 13): `earshot run` against a feed server and a real SMTP server on
//! 127.0.0.1, killed with SIGKILL at random moments (mid-fetch, mid-write, mid-send) and
//! restarted, again and again. At the end every item is stored once and every alert was
//! received once, counted by distinct Message-ID at the SMTP server (a duplicate is allowed
//! only in the documented window, and only with the same Message-ID); after each restart
//! Earshot catches up within a generous bound (30 s).
//!
//! `EARSHOT_CHAOS_KILLS=N` sets the number of kills (default 12, so CI stays quick);
//! the measured figures are printed (`cargo test --test it chaos -- --nocapture`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Reply, Server};
use crate::smtp::{require_aiosmtpd, SmtpServer};

/// Longest a restarted Earshot may take to catch up (store every item, send every alert).
const RECOVERY_BOUND: Duration = Duration::from_secs(30);

fn kills() -> usize {
    count_from_env("EARSHOT_CHAOS_KILLS", 12)
}

/// A suite's size from the environment variable `name`, else `default`.
pub fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A feed of one complaint per item id.
pub fn rss(items: &[String]) -> String {
    let now = chrono::Utc::now().to_rfc2822();
    let items: String = items
        .iter()
        .map(|id| {
            format!(
                "<item><guid>{id}</guid><link>https://r.test/{id}</link><author>Guest {id}</author>\
                 <description>Order {id} was wrong, the coffee was cold and the staff were rude.</description>\
                 <pubDate>{now}</pubDate></item>"
            )
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

fn start(config: &Path) -> Child {
    let log = std::fs::File::create(config.with_file_name("run.log")).unwrap();
    start_run(config, log, &[])
}

/// `earshot run` on `config`, its stderr to `log`, with `env` set.
pub fn start_run(config: &Path, log: std::fs::File, env: &[(&str, &str)]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("earshot"))
        .envs(env.iter().copied())
        .arg("--config")
        .arg(config)
        .arg("run")
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_SMTP_USER")
        .env_remove("EARSHOT_SMTP_PASSWORD")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn stored(db: &Path) -> (i64, i64) {
    let Ok(conn) = rusqlite::Connection::open(db) else {
        return (0, 0);
    };
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0);
    (
        count("SELECT COUNT(*) FROM mentions"),
        count("SELECT COUNT(DISTINCT key) FROM mentions"),
    )
}

/// Message-IDs received, and how many messages in all (duplicates included).
pub fn received(smtp: &SmtpServer) -> (BTreeSet<String>, usize) {
    let mails = smtp.messages();
    let ids = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap_or_default().to_owned())
        .collect();
    (ids, mails.len())
}

/// Wait until every item so far is stored and alerted; the time it took.
async fn caught_up(db: &Path, smtp: &SmtpServer, items: usize) -> Duration {
    let begun = Instant::now();
    loop {
        let (rows, _) = stored(db);
        let (ids, _) = received(smtp);
        if rows as usize == items && ids.len() == items {
            return begun.elapsed();
        }
        assert!(
            begun.elapsed() < RECOVERY_BOUND,
            "not caught up after {RECOVERY_BOUND:?}: {rows} of {items} items stored, {} of {items} alerts received",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_killed_at_random_moments_loses_and_doubles_nothing() {
    require_aiosmtpd();
    let smtp = SmtpServer::start();
    let feed = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let config = dir.path().join("earshot.toml");
    std::fs::write(
        &config,
        format!(
            "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"{}\"\n\
             [web]\nlisten = \"127.0.0.1:0\"\n[fetch]\ntimeout = \"5s\"\n\
             [[source]]\nname = \"reviews\"\nurl = \"{}\"\ninterval = \"1s\"\n\
             [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             smtp_url = \"{}\"\ntimeout = \"5s\"\nmax_per_hour = 1000\n",
            db.display(),
            feed.url("/feed"),
            smtp.url()
        ),
    )
    .unwrap();
    let mut items: Vec<String> = Vec::new();
    feed.route("/feed", Reply::ok("application/rss+xml", rss(&items)));

    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut recoveries = Vec::new();
    let rounds = kills();
    for round in 0..=rounds {
        let mut run = start(&config);
        recoveries.push(caught_up(&db, &smtp, items.len()).await);
        if round == rounds {
            // The last start only has to catch up; then, once it is up (its signal handler
            // in place), it stops cleanly on SIGTERM.
            let log_path = dir.path().join("run.log");
            let up = Instant::now();
            while !std::fs::read_to_string(&log_path)
                .unwrap_or_default()
                .contains("earshot running")
            {
                assert!(up.elapsed() < RECOVERY_BOUND, "run never came up");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = Command::new("kill")
                .args(["-TERM", &run.id().to_string()])
                .status();
            let exited = tokio::task::spawn_blocking(move || run.wait()).await;
            let status = exited.unwrap().unwrap();
            let log = std::fs::read_to_string(dir.path().join("run.log")).unwrap_or_default();
            assert!(status.success(), "SIGTERM stops cleanly: {status:?}\n{log}");
            break;
        }
        // New posts, then a kill at a random moment of their poll, write or delivery.
        for i in 0..3 {
            items.push(format!("r{round}i{i}"));
        }
        feed.route("/feed", Reply::ok("application/rss+xml", rss(&items)));
        tokio::time::sleep(Duration::from_millis(rng.u64(0..2500))).await;
        run.kill().unwrap();
        run.wait().unwrap();
    }

    let (rows, distinct) = stored(&db);
    let (ids, messages) = received(&smtp);
    let slowest = recoveries.iter().max().copied().unwrap_or_default();
    let mean = recoveries.iter().sum::<Duration>() / recoveries.len() as u32;
    println!(
        "chaos (seed {seed}): {rounds} kills, {} items, {rows} stored ({distinct} distinct), \
         {} alerts received as {messages} messages ({} duplicates, same Message-ID), \
         recovery after restart: mean {mean:?}, slowest {slowest:?}",
        items.len(),
        ids.len(),
        messages - ids.len()
    );
    assert_eq!(rows as usize, items.len(), "every item stored once");
    assert_eq!(distinct, rows, "no item stored twice");
    assert_eq!(ids.len(), items.len(), "every alert received");
    assert!(
        ids.iter().all(|id| id.starts_with("<earshot.alert.")),
        "{ids:?}"
    );
}
