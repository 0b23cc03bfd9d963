//! Polite, robust fetching against a misbehaving server: each failure stays with its
//! source, with the right status and next attempt, while the others land.

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use earshot::store::{FetchOutcome, SourceStatus};

use crate::common::{config, sample, wait_until, Behavior, Harness, Reply, Server};

fn feed(name: &str, url: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"15m\"\n")
}

fn social() -> Reply {
    Reply::ok(
        "application/feed+json",
        sample("feeds/social-mentions.json"),
    )
}

fn outcome(report: &earshot::poller::CycleReport, name: &str) -> Option<FetchOutcome> {
    report
        .sources
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no report for {name}"))
        .outcome
        .clone()
}

fn error_of(report: &earshot::poller::CycleReport, name: &str) -> String {
    match outcome(report, name) {
        Some(FetchOutcome::Failed(message)) => message,
        other => panic!("{name} did not fail: {other:?}"),
    }
}

#[tokio::test]
async fn an_etag_change_rereads_and_304_writes_only_the_health_row() {
    let server = Server::start().await;
    server.route("/social.json", social().header("ETag", "\"v1\""));
    let harness = Harness::new(config(&feed("social", &server.url("/social.json"))));
    assert_eq!(harness.poll().await.sources[0].new, 11);

    let edited = String::from_utf8(sample("feeds/social-mentions.json"))
        .unwrap()
        .replacen(
            "first time at Harbor St Bakery",
            "first visit to Harbor St Bakery",
            1,
        );
    server.route(
        "/social.json",
        Reply::ok("application/feed+json", edited).header("ETag", "\"v2\""),
    );
    let second = harness.poll().await;
    assert_eq!((second.sources[0].new, second.sources[0].updated), (0, 1));

    server.route("/social.json", Reply::status(304));
    let history_before = harness.store().source_history("social", 50).unwrap().len();
    let third = harness.poll().await;
    assert_eq!(third.sources[0].outcome, Some(FetchOutcome::NotModified));
    let sent: Vec<Option<String>> = server
        .received("/social.json")
        .iter()
        .map(|r| r.headers.get("if-none-match").cloned())
        .collect();
    assert_eq!(sent, [None, Some("\"v1\"".into()), Some("\"v2\"".into())]);
    let store = harness.store();
    assert_eq!(
        store.source_history("social", 50).unwrap().len(),
        history_before
    );
    assert_eq!(store.mention_count().unwrap(), 11);
}

#[tokio::test]
async fn every_kind_of_failure_stays_with_its_source_and_the_others_land() {
    let server = Server::start().await;
    server.route("/good.json", social());
    server.route("/500.xml", Reply::status(500));
    server.route("/reset.xml", Reply::status(200).behave(Behavior::Reset));
    server.route("/hang.xml", Reply::status(200).behave(Behavior::Hang));
    server.route(
        "/huge.xml",
        Reply::ok("application/rss+xml", "").behave(Behavior::Stream(50 * 1024 * 1024)),
    );
    server.route(
        "/malformed.xml",
        Reply::ok("application/rss+xml", "<rss><channel><item><title>unclosed"),
    );
    server.route("/loop-a", Reply::redirect(302, "/loop-b"));
    server.route("/loop-b", Reply::redirect(301, "/loop-a"));
    server.route(
        "/busy.xml",
        Reply::status(429).header("Retry-After", "3600"),
    );
    server.route(
        "/walled.xml",
        Reply::status(403).header("cf-mitigated", "challenge"),
    );
    server.route(
        "/moment.xml",
        Reply {
            status: 503,
            ..Reply::ok(
                "text/html",
                "<html><head><title>Just a moment...</title></head></html>",
            )
        },
    );
    let names = [
        "good",
        "500",
        "reset",
        "hang",
        "huge",
        "malformed",
        "loop-a",
        "busy",
        "walled",
        "moment",
    ];
    let mut sources: String = names
        .iter()
        .map(|n| {
            let path = match *n {
                "good" => "/good.json".to_owned(),
                "loop-a" => "/loop-a".to_owned(),
                other => format!("/{other}.xml"),
            };
            feed(n, &server.url(&path))
        })
        .collect();
    sources.push_str("[fetch]\ntimeout = \"1s\"\nmax_body_bytes = 1048576\n");
    let harness = Harness::new(config(&sources));
    let now = Utc::now();
    let report = harness.poll_at(true, now).await;

    assert_eq!(outcome(&report, "good"), Some(FetchOutcome::Ok));
    assert_eq!(harness.store().mention_count().unwrap(), 11);
    let expect = [
        ("500", "500"),
        ("reset", "request failed"),
        ("hang", "timed out after 1s"),
        ("huge", "larger than the 1048576-byte cap"),
        ("malformed", "not a readable RSS, Atom or JSON feed"),
        ("loop-a", "redirect loop"),
        ("busy", "429 Too Many Requests (too many requests: Earshot will back off); it asked Earshot to wait 1h"),
        ("walled", "bot protection"),
        ("moment", "bot protection"),
    ];
    for (name, words) in expect {
        let error = error_of(&report, name);
        assert!(error.contains(words), "{name}: {error}");
    }

    // The 50 MiB body was cut off while streaming: the client hung up long before the end.
    assert!(
        wait_until(Duration::from_secs(5), || server
            .stats()
            .stream_done
            .load(Ordering::SeqCst))
        .await
    );
    let streamed = server.stats().streamed.load(Ordering::SeqCst);
    assert!(streamed < 20 * 1024 * 1024, "server wrote {streamed} bytes");

    let store = harness.store();
    let state = |name: &str| store.source_state(name).unwrap();
    let due_in = |name: &str| (state(name).next_due_at.unwrap() - now).num_seconds();
    assert_eq!(state("walled").status, SourceStatus::Blocked);
    assert_eq!(state("moment").status, SourceStatus::Blocked);
    assert_eq!(state("500").status, SourceStatus::Failing);
    assert_eq!(state("good").status, SourceStatus::Ok);
    // Stored to the second: allow the truncation.
    assert!(
        (3599..=3600).contains(&due_in("busy")),
        "Retry-After sets the next attempt"
    );
    for name in ["500", "hang", "malformed"] {
        let wait = due_in(name);
        assert!(
            (674..=900).contains(&wait),
            "{name}: {wait}s, not a jittered 15m"
        );
    }
    assert!((809..=900).contains(&due_in("good")));
    assert_eq!(state("500").consecutive_failures, 1);
}

#[tokio::test]
async fn a_manual_poll_honours_backoff_and_retry_after_unless_forced() {
    let server = Server::start().await;
    server.route(
        "/busy.json",
        Reply::status(503).header("Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT"),
    );
    let harness = Harness::new(config(&feed("busy", &server.url("/busy.json"))));
    let now = Utc::now();
    harness.poll_at(false, now).await;
    let due = harness
        .store()
        .source_state("busy")
        .unwrap()
        .next_due_at
        .unwrap();
    let wait = (due - now).num_seconds();
    assert!(
        (86_399..=86_400).contains(&wait),
        "an HTTP date, capped at a day: {wait}"
    );

    let later = now + chrono::Duration::hours(2);
    assert_eq!(harness.poll_at(false, later).await.sources[0].outcome, None);
    assert_eq!(server.received("/busy.json").len(), 1);
    server.route("/busy.json", social());
    let forced = harness.poll_at(true, later).await;
    assert_eq!(forced.sources[0].outcome, Some(FetchOutcome::Ok));
}

#[tokio::test]
async fn a_permanent_redirect_is_remembered_and_410_disables_the_source() {
    let server = Server::start().await;
    server.route("/old.json", Reply::redirect(301, "/hop.json"));
    server.route("/hop.json", Reply::redirect(308, "/new.json"));
    server.route("/temp.json", Reply::redirect(302, "/elsewhere.json"));
    server.route("/new.json", social());
    server.route("/elsewhere.json", social());
    let harness = Harness::new(config(&format!(
        "{}{}",
        feed("moved", &server.url("/old.json")),
        feed("temporary", &server.url("/temp.json"))
    )));
    harness.poll().await;
    let health = harness.store().source_health().unwrap();
    let url_of = |name: &str| health.iter().find(|h| h.name == name).unwrap().url.clone();
    assert_eq!(url_of("moved"), server.url("/new.json"));
    assert_eq!(url_of("temporary"), server.url("/temp.json"));

    server.route("/new.json", Reply::status(410));
    let report = harness.poll().await;
    assert_eq!(
        server.received("/old.json").len(),
        1,
        "later polls use the new url"
    );
    assert_eq!(server.received("/new.json").len(), 2);
    assert!(error_of(&report, "moved").contains("410 Gone"));
    let state = harness.store().source_state("moved").unwrap();
    assert_eq!(state.status, SourceStatus::Disabled);
    let events = harness
        .store()
        .source_transitions_since(Utc::now() - chrono::Duration::hours(1))
        .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.source.as_str(), e.kind.as_str()))
            .collect::<Vec<_>>(),
        [("moved", "disabled")]
    );

    // Disabled: not polled again, however late, until forced or its url changes.
    let much_later = Utc::now() + chrono::Duration::days(30);
    let idle = harness.poll_at(false, much_later).await;
    assert_eq!(outcome(&idle, "moved"), None);
    assert_eq!(server.received("/new.json").len(), 2);
}

#[tokio::test]
async fn never_more_than_two_requests_at_once_to_one_host() {
    let server = Server::start().await;
    let slow = social().behave(Behavior::Slow(Duration::from_millis(300)));
    let mut sources = String::new();
    for i in 0..6 {
        server.route(&format!("/f{i}.json"), slow.clone());
        sources.push_str(&feed(&format!("f{i}"), &server.url(&format!("/f{i}.json"))));
    }
    let harness = Harness::new(config(&sources));
    let report = harness.poll().await;
    assert!(!report.any_failed(), "{report:?}");
    assert_eq!(server.stats().max_in_flight.load(Ordering::SeqCst), 2);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn gzip_is_accepted_and_the_cap_applies_after_decompression() {
    let server = Server::start().await;
    server.route(
        "/social.json",
        Reply::ok(
            "application/feed+json",
            gzip(&sample("feeds/social-mentions.json")),
        )
        .header("Content-Encoding", "gzip"),
    );
    // 8 MiB of spaces compress to a few KiB: a small download, a huge body.
    server.route(
        "/bomb.json",
        Reply::ok("application/feed+json", gzip(&vec![b' '; 8 * 1024 * 1024]))
            .header("Content-Encoding", "gzip"),
    );
    let harness = Harness::new(config(&format!(
        "{}{}[fetch]\nmax_body_bytes = 1048576\ncontact = \"mailto:owner@harbor.example\"\n",
        feed("social", &server.url("/social.json")),
        feed("bomb", &server.url("/bomb.json")),
    )));
    let report = harness.poll().await;
    assert_eq!(outcome(&report, "social"), Some(FetchOutcome::Ok));
    assert!(error_of(&report, "bomb").contains("larger than the 1048576-byte cap"));
    let request = &server.received("/social.json")[0];
    assert!(request.headers["accept-encoding"].contains("gzip"));
    assert_eq!(
        request.headers["user-agent"],
        format!(
            "Earshot/{} (+mailto:owner@harbor.example)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn a_move_is_remembered_even_when_the_new_address_answers_304() {
    let server = Server::start().await;
    server.route("/a.json", social().header("ETag", "\"same\""));
    let harness = Harness::new(config(&feed("social", &server.url("/a.json"))));
    harness.poll().await;
    server.route("/a.json", Reply::redirect(308, "/b.json"));
    server.route("/b.json", Reply::status(304));
    let report = harness.poll().await;
    assert_eq!(report.sources[0].outcome, Some(FetchOutcome::NotModified));
    assert_eq!(
        server.received("/b.json")[0]
            .headers
            .get("if-none-match")
            .map(String::as_str),
        Some("\"same\"")
    );
    let health = harness.store().source_health().unwrap();
    assert_eq!(health[0].url, server.url("/b.json"));
}

/// Issue 13 #13: redirects between local addresses stay allowed when the source itself is
/// local (the owner's own machine or network), and a refused `file:`/`data:` redirect says
/// what was refused instead of "without a usable Location header".
#[tokio::test]
async fn redirects_between_local_addresses_are_allowed_and_refused_schemes_are_named() {
    let server = Server::start().await;
    let other = Server::start_on("127.0.0.2").await;
    other.route("/social.json", social());
    server.route("/moved", Reply::redirect(302, &other.url("/social.json")));
    server.route("/to-file", Reply::redirect(302, "file:///etc/passwd"));
    server.route("/to-data", Reply::redirect(301, "data:text/html,<p>hi</p>"));
    let harness = Harness::new(config(&format!(
        "{}{}{}",
        feed("moved", &server.url("/moved")),
        feed("to-file", &server.url("/to-file")),
        feed("to-data", &server.url("/to-data")),
    )));
    let report = harness.poll().await;
    assert_eq!(outcome(&report, "moved"), Some(FetchOutcome::Ok));
    assert_eq!(other.received("/social.json").len(), 1);
    for (name, scheme) in [("to-file", "file"), ("to-data", "data")] {
        let message = error_of(&report, name);
        assert!(
            message.contains("redirecting to ")
                && message.contains(&format!("never to {scheme}:"))
                && !message.contains("usable Location"),
            "{message}"
        );
    }
}
