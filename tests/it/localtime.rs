//! `[business] timezone`: the CLI shows times in the business's zone (summer time and the
//! doubled hour included) and reads typed dates there, while JSON stays UTC.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// 1 Nov 2026 is the day New York's clocks go back: 01:00-02:00 happens twice.
const ITEMS: &[(&str, &str, &str)] = &[
    // 23:30 EDT on Saturday 31 Oct.
    (
        "r1",
        "2026-11-01T03:30:00Z",
        "Harbor Street Bakery: rude staff, cold coffee.",
    ),
    // 01:30 EST, the second 01:30 of Sunday 1 Nov.
    (
        "r2",
        "2026-11-01T06:30:00Z",
        "Harbor Street Bakery: lovely sourdough, thank you!",
    ),
];

fn install(dir: &Path, zone: &str) {
    let items: Vec<serde_json::Value> = ITEMS
        .iter()
        .map(|(id, at, text)| {
            serde_json::json!({
                "id": id,
                "url": format!("https://reviews.test/r/{id}"),
                "content_text": text,
                "date_published": at,
                "authors": [{ "name": "Jane Doe" }],
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "reviews",
        "items": items,
    });
    std::fs::write(dir.join("feed.json"), feed.to_string()).unwrap();
    std::fs::write(
        dir.join("earshot.toml"),
        format!(
            "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"{zone}\"\n\n\
             [storage]\ndatabase = \"{db}\"\n\n[[source]]\nname = \"reviews\"\n\
             url = \"file://{feed}\"\n\n[alerts]\nto = [\"owner@example.com\"]\noutbox_dir = \"{outbox}\"\n\n\
             [web]\nlisten = \"127.0.0.1:0\"\n",
            db = dir.join("earshot.db").display(),
            feed = dir.join("feed.json").display(),
            outbox = dir.join("outbox").display(),
        ),
    )
    .unwrap();
}

fn earshot(dir: &Path, args: &[&str]) -> String {
    let out: Output = Command::cargo_bin("earshot")
        .unwrap()
        .current_dir(dir)
        .arg("--config")
        .arg(dir.join("earshot.toml"))
        .args(args)
        .env("EARSHOT_NOW", "2026-11-02T15:00:00Z")
        .env_remove("EARSHOT_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "earshot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn id_of(dir: &Path, key: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(&earshot(dir, &["mentions", "--format", "json"])).unwrap();
    let url = format!("https://reviews.test/r/{key}");
    json.as_array()
        .unwrap()
        .iter()
        .find(|m| m["url"] == url.as_str())
        .unwrap()["id"]
        .to_string()
}

#[test]
fn mentions_and_show_print_the_business_zone_and_since_means_local_midnight() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "America/New_York");
    earshot(dir.path(), &["poll", "--no-send"]);

    let listing = earshot(dir.path(), &["mentions"]);
    assert!(listing.contains("Sat 31 Oct 23:30"), "{listing}");
    assert!(listing.contains("Sun 1 Nov 01:30 EST"), "{listing}");
    assert!(!listing.contains("03:30"), "{listing}");

    // A typed date is midnight in New York (04:00 UTC), not midnight UTC.
    let since = earshot(dir.path(), &["mentions", "--since", "2026-11-01"]);
    assert!(since.contains("Sun 1 Nov 01:30"), "{since}");
    assert!(!since.contains("Sat 31 Oct"), "{since}");
    let since = earshot(dir.path(), &["mentions", "--since", "2026-10-31 23:00"]);
    assert!(since.contains("Sat 31 Oct 23:30"), "{since}");

    let show = earshot(dir.path(), &["show", &id_of(dir.path(), "r1")]);
    assert!(show.contains("Published: Sat 31 Oct 23:30 EDT"), "{show}");

    // Machine output stays UTC.
    let json = earshot(dir.path(), &["mentions", "--format", "json"]);
    assert!(json.contains("\"2026-11-01T03:30:00Z\""), "{json}");

    // A promise typed as a local date and time is due then, and shown so.
    let promised = earshot(
        dir.path(),
        &[
            "promise",
            &id_of(dir.path(), "r1"),
            "--due",
            "2026-11-03 17:00",
            "--note",
            "call back",
        ],
    );
    assert!(promised.contains("due Tue 3 Nov 17:00 EST"), "{promised}");
}

#[test]
fn the_same_log_reads_in_another_zone() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "Asia/Tokyo");
    earshot(dir.path(), &["poll", "--no-send"]);
    let listing = earshot(dir.path(), &["mentions"]);
    assert!(listing.contains("Sun 1 Nov 12:30"), "{listing}");
    assert!(listing.contains("Sun 1 Nov 15:30"), "{listing}");
}

#[test]
fn an_unknown_zone_is_a_config_error_with_its_line_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "Europe/Lundon");
    let out = Command::cargo_bin("earshot")
        .unwrap()
        .arg("--config")
        .arg(dir.path().join("earshot.toml"))
        .arg("mentions")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("business.timezone"), "{err}");
    assert!(err.contains("IANA name like Europe/London"), "{err}");
    assert!(
        err.contains("https://en.wikipedia.org/wiki/List_of_tz_database_time_zones"),
        "{err}"
    );
}

#[test]
fn the_web_log_shows_the_business_zone() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "America/New_York");
    earshot(dir.path(), &["poll", "--no-send"]);
    let r1 = id_of(dir.path(), "r1");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("earshot"))
        .current_dir(dir.path())
        .arg("--config")
        .arg(dir.path().join("earshot.toml"))
        .arg("serve")
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_WEB_TOKEN")
        .env("EARSHOT_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let address = stderr
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let at = line.find("web log at http://")?;
            let rest = &line[at + "web log at ".len()..];
            Some(rest.split_whitespace().next()?.to_owned())
        })
        .expect("earshot serve logs its address");
    let get = |path: &str| {
        let url = format!("{}{path}", address.trim_end_matches('/'));
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::get(url).await.unwrap().text().await.unwrap()
        })
    };
    let log = get("/");
    let page = get(&format!("/mentions/{r1}"));
    // The since box takes a local date: New York's midnight, not UTC's.
    let since = get("/?since=2026-11-01");
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("Sat 31 Oct 23:30 EDT"), "{log}");
    assert!(log.contains("Sun 1 Nov 01:30 EST"), "{log}");
    assert!(page.contains("Sat 31 Oct 23:30 EDT"), "{page}");
    assert!(!page.contains("UTC"), "{page}");
    assert!(since.contains("Sun 1 Nov 01:30 EST"), "{since}");
    assert!(!since.contains("Sat 31 Oct"), "{since}");
}

#[test]
fn emails_and_the_digest_show_the_business_zone() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "America/New_York");
    earshot(dir.path(), &["poll"]);
    let mails = crate::smtp::read_dir_mails(&dir.path().join("outbox"));
    let alert = mails
        .iter()
        .find(|m| m.text.contains("rude staff"))
        .expect("the complaint alerted");
    assert!(
        alert.text.contains("Sat 31 Oct 23:30 EDT"),
        "{}",
        alert.text
    );
    assert!(!alert.text.contains("UTC"), "{}", alert.text);
    // The Date header stays a standard one.
    assert!(alert.header("Date").is_some_and(|d| d.contains("2026")));

    let digest = earshot(dir.path(), &["digest"]);
    assert!(
        digest.contains("digest for Sun 1 Nov 10:00 to Mon 2 Nov 10:00 EST"),
        "{digest}"
    );
}
