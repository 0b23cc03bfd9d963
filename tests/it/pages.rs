//! Review pages over HTTP: pagination, robots.txt, and breakage as news.

use std::time::{Duration, Instant};

use chrono::Utc;
use earshot::store::{FetchOutcome, SourceStatus};

use crate::common::{config, sample, Harness, Reply, Server};

const SELECTORS: &str = r#"selectors = { item = ".review", author = ".author", text = ".body", link = "a.permalink@href", next = "a.next@href" }"#;

fn page_source(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"page\"\nurl = \"{url}\"\n{SELECTORS}\n{extra}\n"
    )
}

/// A page with two reviews numbered from `first`, linking to `next` when given.
fn reviews_page(first: usize, next: Option<&str>) -> Reply {
    let mut html = String::from("<html><body>");
    for n in first..first + 2 {
        html.push_str(&format!(
            "<div class=\"review\"><span class=\"author\">Guest {n}</span>\
             <p class=\"body\">Review number {n}: the sourdough was lovely.</p>\
             <a class=\"permalink\" href=\"/r/{n}\">link</a></div>"
        ));
    }
    if let Some(next) = next {
        html.push_str(&format!("<a class=\"next\" href=\"{next}\">Next</a>"));
    }
    html.push_str("</body></html>");
    Reply::ok("text/html; charset=utf-8", html)
}

fn paged_server(server: &Server) {
    server.route("/reviews", reviews_page(1, Some("/reviews?page=2")));
    server.route("/reviews?page=2", reviews_page(3, Some("/reviews?page=3")));
    server.route("/reviews?page=3", reviews_page(5, Some("/reviews")));
}

#[tokio::test]
async fn pagination_follows_next_links_up_to_max_pages() {
    let server = Server::start().await;
    paged_server(&server);
    let harness = Harness::new(config(&format!(
        "{}{}",
        page_source("all", &server.url("/reviews"), "max_pages = 5"),
        page_source("two", &server.url("/reviews"), "max_pages = 2"),
    )));
    let report = harness.poll().await;
    let new = |name: &str| report.sources.iter().find(|s| s.name == name).unwrap().new;
    assert_eq!(
        new("all"),
        6,
        "three pages, and the link back to page 1 is not followed"
    );
    assert_eq!(new("two"), 4);
    assert_eq!(server.received("/reviews?page=3").len(), 1);
}

#[tokio::test]
async fn robots_txt_is_honoured_for_pages_and_cached_per_host() {
    let server = Server::start().await;
    server.route(
        "/robots.txt",
        Reply::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    server.route("/private/reviews", reviews_page(1, None));
    server.route("/reviews", reviews_page(1, None));
    server.route(
        "/private/feed.json",
        Reply::ok(
            "application/feed+json",
            crate::common::sample("feeds/social-mentions.json"),
        ),
    );
    let harness = Harness::new(config(&format!(
        "{}{}[[source]]\nname = \"feed\"\nurl = \"{}\"\n",
        page_source("hidden", &server.url("/private/reviews"), ""),
        page_source("open", &server.url("/reviews"), ""),
        server.url("/private/feed.json"),
    )));
    let report = harness.poll().await;
    let outcome = |name: &str| {
        report
            .sources
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .outcome
            .clone()
    };
    match outcome("hidden") {
        Some(FetchOutcome::Failed(e)) => assert!(
            e.contains("robots.txt of 127.0.0.1 disallows /private/reviews"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(server.received("/private/reviews").is_empty());
    assert_eq!(outcome("open"), Some(FetchOutcome::Ok));
    assert_eq!(
        outcome("feed"),
        Some(FetchOutcome::Ok),
        "feeds do not consult robots.txt"
    );
    harness.poll().await;
    assert_eq!(
        server.received("/robots.txt").len(),
        1,
        "cached for the host"
    );
}

#[tokio::test]
async fn selectors_that_stop_matching_are_broken_at_once_and_recovery_is_recorded() {
    let server = Server::start().await;
    server.route("/reviews", reviews_page(1, None));
    let harness = Harness::new(config(&page_source("site", &server.url("/reviews"), "")));
    let start = Utc::now() - chrono::Duration::seconds(1);
    harness.poll().await;

    server.route(
        "/reviews",
        Reply::ok(
            "text/html",
            "<html><body><div class=\"new-layout\">hi</div></body></html>",
        ),
    );
    let report = harness.poll().await;
    match &report.sources[0].outcome {
        Some(FetchOutcome::Failed(e)) => assert!(e.contains("changed its layout"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(report.sources[0].status, SourceStatus::Broken);

    server.route("/reviews", reviews_page(3, None));
    let report = harness.poll().await;
    assert_eq!(report.sources[0].status, SourceStatus::Ok);
    let kinds: Vec<String> = harness
        .store()
        .source_transitions_since(start)
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect();
    assert_eq!(kinds, ["broken", "recovered"]);
}

#[tokio::test]
async fn a_page_that_never_matched_is_failing_not_broken() {
    let server = Server::start().await;
    server.route(
        "/reviews",
        Reply::ok("text/html", "<html><body>nothing</body></html>"),
    );
    let harness = Harness::new(config(&page_source("site", &server.url("/reviews"), "")));
    let report = harness.poll().await;
    assert_eq!(report.sources[0].status, SourceStatus::Failing);
    // The failed body was not remembered: the same body is parsed (and fails) again.
    let again = harness.poll().await;
    assert!(matches!(
        again.sources[0].outcome,
        Some(FetchOutcome::Failed(_))
    ));
}

#[tokio::test]
async fn failing_broken_after_cycles_in_a_row_is_broken_until_a_success() {
    let server = Server::start().await;
    server.route("/feed.json", Reply::status(502));
    let harness = Harness::new(config(&format!(
        "[[source]]\nname = \"flaky\"\nurl = \"{}\"\n[fetch]\nbroken_after = 3\n",
        server.url("/feed.json")
    )));
    let start = Utc::now() - chrono::Duration::seconds(1);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(harness.poll().await.sources[0].status);
    }
    use SourceStatus::{Broken, Failing};
    assert_eq!(statuses, [Failing, Failing, Broken, Broken]);

    server.route(
        "/feed.json",
        Reply::ok(
            "application/feed+json",
            crate::common::sample("feeds/social-mentions.json"),
        ),
    );
    assert_eq!(harness.poll().await.sources[0].status, SourceStatus::Ok);
    let events = harness.store().source_transitions_since(start).unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["broken", "recovered"]);
    assert!(events[0].detail.as_deref().unwrap().contains("502"));
    let history = harness.store().source_history("flaky", 10).unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(history[0].outcome, "ok");
    assert_eq!(history[1].outcome, "failed");
}

/// Issue 13 #6: a page of 100,000 nested `div`s took 87 s of CPU on an async worker.
#[tokio::test]
async fn deep_html_costs_quadratic_time_no_more() {
    let server = Server::start().await;
    let deep = format!(
        "<html><body>{}x{}</body></html>",
        "<div class=\"review\">".repeat(100_000),
        "</div>".repeat(100_000)
    );
    server.route("/deep", Reply::ok("text/html", deep));
    server.route(
        "/fixture",
        Reply::ok(
            "text/html; charset=utf-8",
            sample("feeds/reviews-page.html"),
        ),
    );
    let fixture_selectors = r#"selectors = { item = ".review", author = ".review-author", text = ".review-body", rating = ".stars@aria-label", date = "time@datetime", link = "a.permalink@href" }"#;
    let harness = Harness::new(config(&format!(
        "{}[[source]]\nname = \"fixture\"\nkind = \"page\"\nurl = \"{}\"\n{fixture_selectors}\n",
        page_source("deep", &server.url("/deep"), ""),
        server.url("/fixture"),
    )));
    let started = Instant::now();
    let report = harness.poll().await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let deep = report.sources.iter().find(|s| s.name == "deep").unwrap();
    match &deep.outcome {
        Some(FetchOutcome::Failed(message)) => assert!(
            message.starts_with("source \"deep\": page http://")
                && message.contains("nests elements more than 512 levels deep"),
            "{message}"
        ),
        other => panic!("the deep page did not fail: {other:?}"),
    }
    let fixture = report.sources.iter().find(|s| s.name == "fixture").unwrap();
    assert_eq!(fixture.outcome, Some(FetchOutcome::Ok));
    assert_eq!(fixture.new, 8, "the fixture's eight reviews");
}

/// The mention of source "all" whose text starts "Review number {n}:".
fn review(harness: &Harness, n: usize) -> earshot::model::Mention {
    harness
        .store()
        .mentions(&earshot::store::MentionFilter::default())
        .unwrap()
        .into_iter()
        .find(|m| m.source == "all" && m.text.starts_with(&format!("Review number {n}:")))
        .unwrap_or_else(|| panic!("no review {n}"))
}

/// The history kinds of the mention whose text starts "Review number {n}:".
fn history_of(harness: &Harness, n: usize) -> Vec<String> {
    let store = harness.store();
    let mention = store
        .mentions(&earshot::store::MentionFilter::default())
        .unwrap()
        .into_iter()
        .find(|m| m.source == "all" && m.text.starts_with(&format!("Review number {n}:")))
        .unwrap_or_else(|| panic!("no review {n}"));
    store
        .events(mention.id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[tokio::test]
async fn a_review_gone_from_a_fully_read_page_is_marked_removed_until_it_comes_back() {
    let server = Server::start().await;
    server.route("/reviews", reviews_page(1, Some("/reviews?page=2")));
    server.route("/reviews?page=2", reviews_page(3, None));
    let harness = Harness::new(config(&format!(
        "{}{}",
        page_source("all", &server.url("/reviews"), "max_pages = 5"),
        page_source("first-only", &server.url("/reviews"), "max_pages = 1"),
    )));
    harness.poll().await;
    // Review 1 disappears and the rest move up a place: the full read marks 1 removed
    // upstream (kept in the log). The body of the first page changed: a list whose first
    // page is unchanged is not read further.
    server.route("/reviews", reviews_page(2, Some("/reviews?page=2")));
    server.route("/reviews?page=2", reviews_page(4, None));
    let report = harness.poll().await;
    let all = report.sources.iter().find(|s| s.name == "all").unwrap();
    assert_eq!(all.outcome, Some(FetchOutcome::Ok));
    let removed = |harness: &Harness, n| {
        history_of(harness, n)
            .iter()
            .filter(|k| *k == "removed upstream")
            .count()
    };
    assert_eq!(removed(&harness, 1), 1, "{:?}", history_of(&harness, 1));
    assert_eq!(removed(&harness, 3), 0);
    assert!(review(&harness, 1).removed_at.is_some(), "kept, marked");
    assert!(review(&harness, 3).removed_at.is_none());
    // "first-only" reads one page of two: what it did not read is not concluded removed.
    let first_only_removed: usize = {
        let store = harness.store();
        store
            .mentions(&earshot::store::MentionFilter::default())
            .unwrap()
            .into_iter()
            .filter(|m| m.source == "first-only")
            .map(|m| {
                store
                    .events(m.id)
                    .unwrap()
                    .iter()
                    .filter(|e| e.kind == "removed upstream")
                    .count()
            })
            .sum()
    };
    assert_eq!(first_only_removed, 0, "a truncated read marks nothing");
    // It comes back: the mark is cleared.
    server.route("/reviews", reviews_page(1, Some("/reviews?page=2")));
    server.route("/reviews?page=2", reviews_page(3, None));
    harness.poll().await;
    let history = history_of(&harness, 1);
    assert_eq!(
        history.last().map(String::as_str),
        Some("listed again upstream"),
        "{history:?}"
    );
    assert!(
        review(&harness, 1).removed_at.is_none(),
        "the mark is cleared"
    );
}

#[test]
fn show_says_when_a_review_went_from_its_page() {
    use crate::cli::{earshot, stdout};
    let dir = tempfile::tempdir().unwrap();
    let page = |numbers: &[usize]| {
        let reviews: String = numbers
            .iter()
            .map(|n| {
                format!(
                    "<div class=\"review\"><span class=\"author\">Guest {n}</span>\
                     <p class=\"body\">Review number {n}: the sourdough was stale.</p>\
                     <a class=\"permalink\" href=\"https://reviews.test/r/{n}\">link</a></div>"
                )
            })
            .collect();
        format!("<html><body>{reviews}</body></html>")
    };
    std::fs::write(dir.path().join("reviews.html"), page(&[1, 2])).unwrap();
    std::fs::write(
        dir.path().join("earshot.toml"),
        format!(
            "[business]\nname = \"Harbor Bakery\"\ntimezone = \"UTC\"\n{}",
            page_source("site", "file:reviews.html", "")
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut full = vec!["--config", "earshot.toml"];
        full.extend_from_slice(args);
        stdout(&earshot(dir.path(), &full))
    };
    run(&["poll"]);
    std::fs::write(dir.path().join("reviews.html"), page(&[2])).unwrap();
    run(&["poll", "--force"]);
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&run(&["mentions", "--format", "json"])).unwrap();
    let gone = listed
        .iter()
        .find(|m| m["url"] == "https://reviews.test/r/1")
        .expect("a removed review stays in the log");
    let shown = run(&["show", &gone["id"].to_string()]);
    assert!(shown.contains("Removed upstream on "), "{shown}");
    let kept = listed
        .iter()
        .find(|m| m["url"] == "https://reviews.test/r/2")
        .unwrap();
    assert!(kept["removed_at"].is_null(), "{kept}");
    assert!(!gone["removed_at"].is_null(), "{gone}");
}
