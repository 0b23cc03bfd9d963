//! Staying alive through crashes and a second process (issue 13, items 2–4): a source a
//! killed poll held is polled again at once, two processes share one database without
//! freezing sources, and two processes creating one new database both succeed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{Behavior, Reply, Server};

fn earshot(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("earshot"));
    command
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("EARSHOT_CONFIG");
    command
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(id, text)| {
            format!("<item><guid>{id}</guid><link>https://r.test/{id}</link><description>{text}</description></item>")
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>")
}

/// A config in `dir` polling `sources` (name, url) with a 1 s fetch timeout.
fn config(dir: &Path, sources: &[(String, String)]) -> std::path::PathBuf {
    let mut text = format!(
        "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"{}\"\n\
         [alerts]\noutbox_dir = \"{}\"\n[fetch]\ntimeout = \"5s\"\n",
        dir.join("e.db").display(),
        dir.join("outbox").display()
    );
    for (name, url) in sources {
        text.push_str(&format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    let path = dir.join("earshot.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_outlive_their_process_no_more_a_killed_polls_source_is_polled_at_once() {
    let server = Server::start().await;
    let mut slow = Reply::ok("application/rss+xml", rss(&[("a1", "Lovely bread")]));
    slow.behavior = Behavior::Slow(Duration::from_secs(3));
    server.route("/feed", slow);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("slow".into(), server.url("/feed"))]);

    // Kill a poll while it waits for the slow feed: it holds the source.
    let mut poll = earshot(&config, &["poll", "--no-send"]).spawn().unwrap();
    let db = dir.path().join("e.db");
    let held =
        crate::common::wait_until(Duration::from_secs(20), || lease_owner(&db).is_some()).await;
    assert!(held, "the poll never claimed its source");
    poll.kill().unwrap();
    poll.wait().unwrap();

    // The next poll takes it at once: the holder is gone.
    server.route(
        "/feed",
        Reply::ok("application/rss+xml", rss(&[("a1", "Lovely bread")])),
    );
    let again = earshot(&config, &["poll", "--force", "--no-send"])
        .output()
        .unwrap();
    let out = text(&again);
    assert!(again.status.success(), "{out}");
    assert!(out.contains("1 sources ok"), "{out}");
    assert!(!out.contains("skipped"), "{out}");
}

fn lease_owner(db: &Path) -> Option<String> {
    let conn = rusqlite::Connection::open(db).ok()?;
    conn.query_row(
        "SELECT lease_owner FROM sources WHERE lease_owner IS NOT NULL",
        [],
        |r| r.get(0),
    )
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_store_every_item_once_and_freeze_nothing() {
    let server = Server::start().await;
    let mut sources = Vec::new();
    for s in 0..8 {
        let items: Vec<(String, String)> = (0..25)
            .map(|i| {
                (
                    format!("s{s}-{i}"),
                    format!("Post {i} from source {s}, lovely bread"),
                )
            })
            .collect();
        let items: Vec<(&str, &str)> = items
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        server.route(
            &format!("/f{s}"),
            Reply::ok("application/rss+xml", rss(&items)),
        );
        sources.push((format!("s{s}"), server.url(&format!("/f{s}"))));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &sources);
    let first = earshot(&config, &["poll", "--force", "--no-send"])
        .spawn()
        .unwrap();
    let second = earshot(&config, &["poll", "--force", "--no-send"])
        .spawn()
        .unwrap();
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    for out in [&first, &second] {
        let all = text(out);
        assert!(out.status.success(), "{all}");
        assert!(!all.contains("locked"), "{all}");
    }
    let conn = rusqlite::Connection::open(dir.path().join("e.db")).unwrap();
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM mentions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 8 * 25, "every item once");
    let held: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sources WHERE lease_owner IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, 0, "no source is left claimed");
}

#[test]
fn creating_a_new_database_races_no_more() {
    for trial in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db");
        let spawn = || {
            Command::new(assert_cmd::cargo::cargo_bin("earshot"))
                .current_dir(crate::common::repo())
                .args(["--db", db.to_str().unwrap(), "sources"])
                .env_remove("EARSHOT_CONFIG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for out in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
            assert!(out.status.success(), "trial {trial}: {}", text(&out));
        }
    }
}
