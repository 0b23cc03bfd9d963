//! The polling pipeline against a real HTTP server and local files.

use earshot::model::{CaseStatus, Label};
use earshot::store::{FetchOutcome, MentionFilter};

use crate::common::{config, repo, sample, Harness, Reply, Server};

fn feed_source(name: &str, url: &str, extra: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n{extra}\n")
}

async fn sample_server() -> Server {
    let server = Server::start().await;
    server.route(
        "/forum.xml",
        Reply::ok("application/rss+xml", sample("feeds/town-forum.xml")),
    );
    server.route(
        "/reviews.atom",
        Reply::ok(
            "application/atom+xml",
            sample("feeds/neighborhood-reviews.atom"),
        ),
    );
    server.route(
        "/social.json",
        Reply::ok(
            "application/feed+json",
            sample("feeds/social-mentions.json"),
        ),
    );
    server
}

fn find<'a>(
    mentions: &'a [earshot::model::Mention],
    url_part: &str,
) -> &'a earshot::model::Mention {
    mentions
        .iter()
        .find(|m| m.url.as_deref().is_some_and(|u| u.contains(url_part)))
        .unwrap_or_else(|| panic!("no mention with url containing {url_part}"))
}

#[tokio::test]
async fn rss_atom_and_json_feed_over_http_give_every_field() {
    let server = sample_server().await;
    let harness = Harness::new(config(&format!(
        "{}{}{}",
        feed_source("forum", &server.url("/forum.xml"), "require_mention = true"),
        feed_source("reviews", &server.url("/reviews.atom"), ""),
        feed_source("social", &server.url("/social.json"), ""),
    )));
    let report = harness.poll().await;
    assert!(!report.any_failed(), "{report:?}");
    let mentions = harness.store().mentions(&MentionFilter::default()).unwrap();
    assert_eq!(mentions.len(), 9 + 12 + 11);

    // RSS: dc:creator, CDATA HTML turned into text, entities decoded, pubDate with offset.
    let rude = find(&mentions, "/t/rude-at-the-counter-harborbakery/4944");
    assert_eq!(rude.source, "forum");
    assert_eq!(rude.author.as_deref(), Some("Theo Marchetti"));
    assert_eq!(
        rude.title.as_deref(),
        Some("Rude at the counter (@HarborBakery)")
    );
    assert!(
        rude.text
            .starts_with("Asked whether the oat milk was extra"),
        "{}",
        rude.text
    );
    assert!(
        rude.text
            .contains("\u{201c}it\u{2019}s on the board.\u{201d}"),
        "{}",
        rude.text
    );
    assert!(
        !rude.text.contains('<') && !rude.text.contains("&#"),
        "{}",
        rude.text
    );
    assert_eq!(
        rude.published_at.unwrap().to_rfc3339(),
        "2026-11-20T23:33:00+00:00"
    );

    // Atom: escaped HTML content in two paragraphs.
    let lucia = find(&mentions, "/reviews/225871");
    assert_eq!(lucia.author.as_deref(), Some("Lucia Ferrante"));
    assert_eq!(
        lucia.title.as_deref(),
        Some("Wholesale order late and short, no call")
    );
    assert!(
        lucia.text.contains("lunch menu.\n\nThis is the first time"),
        "{}",
        lucia.text
    );
    assert!(
        lucia.text.contains("won\u{2019}t happen again"),
        "{}",
        lucia.text
    );

    // JSON Feed: content_text, handle as author, RFC 3339 date.
    let sal = find(&mentions, "@sal_and_pepper/post/1875002318");
    assert_eq!(sal.author.as_deref(), Some("@sal_and_pepper"));
    assert!(sal.text.starts_with("first time at Harbor St Bakery"));
    assert_eq!(
        sal.published_at.unwrap().to_rfc3339(),
        "2026-11-22T18:26:00+00:00"
    );
    assert_eq!(sal.status, CaseStatus::New);
}

#[tokio::test]
async fn local_file_sources_read_the_same_as_http() {
    let path = repo().join("feeds/neighborhood-reviews.atom");
    let harness = Harness::new(config(&feed_source(
        "reviews",
        &format!("file:{}", path.display()),
        "",
    )));
    harness.poll().await;
    let mentions = harness.store().mentions(&MentionFilter::default()).unwrap();
    assert_eq!(mentions.len(), 12);
    assert!(mentions
        .iter()
        .all(|m| m.source == "reviews" && m.author.is_some()));
}

#[tokio::test]
async fn a_second_poll_adds_nothing() {
    let server = sample_server().await;
    let harness = Harness::new(config(&feed_source(
        "social",
        &server.url("/social.json"),
        "",
    )));
    let first = harness.poll().await;
    assert_eq!(first.sources[0].new, 11);
    let second = harness.poll().await;
    assert_eq!((second.sources[0].new, second.sources[0].updated), (0, 0));
    assert_eq!(harness.store().mention_count().unwrap(), 11);
}

#[tokio::test]
async fn an_edited_item_updates_in_place_and_keeps_its_id_and_history() {
    let server = sample_server().await;
    let harness = Harness::new(config(&feed_source(
        "reviews",
        &server.url("/reviews.atom"),
        "",
    )));
    harness.poll().await;
    let before = harness.store().mentions(&MentionFilter::default()).unwrap();
    let original = find(&before, "/reviews/225871").clone();

    let edited = String::from_utf8(sample("feeds/neighborhood-reviews.atom"))
        .unwrap()
        .replace(
            "six loaves short.",
            "six loaves short. UPDATE: they refunded the order.",
        );
    server.route("/reviews.atom", Reply::ok("application/atom+xml", edited));
    let report = harness.poll().await;
    assert_eq!((report.sources[0].new, report.sources[0].updated), (0, 1));

    let store = harness.store();
    let after = store.mention_detail(original.id).unwrap();
    assert!(after.mention.text.contains("they refunded the order"));
    assert_eq!(store.mention_count().unwrap(), before.len() as i64);
    let kinds: Vec<&str> = after.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["new", "edited"]);
}

#[tokio::test]
async fn require_mention_keeps_names_aliases_and_handles_only() {
    let path = repo().join("feeds/town-forum.xml");
    let harness = Harness::new(config(&feed_source(
        "forum",
        &format!("file:{}", path.display()),
        "require_mention = true",
    )));
    let report = harness.poll().await;
    assert_eq!((report.sources[0].new, report.sources[0].dropped), (9, 5));
    let mentions = harness.store().mentions(&MentionFilter::default()).unwrap();
    let titles: Vec<String> = mentions.iter().filter_map(|m| m.title.clone()).collect();
    // An alias ("Harbor St Bakery"), a handle (@HarborBakery) and the British spelling are kept.
    assert!(
        titles.iter().any(|t| t.contains("Harbor St Bakery")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("@HarborBakery")),
        "{titles:?}"
    );
    for dropped in ["Harbor Street Books", "Mill Street bakery tour", "lost cat"] {
        assert!(
            !titles
                .iter()
                .any(|t| t.to_lowercase().contains(&dropped.to_lowercase())),
            "{dropped} kept: {titles:?}"
        );
    }
    // Without the filter every item is kept.
    let all = Harness::new(config(&feed_source(
        "forum",
        &format!("file:{}", path.display()),
        "",
    )));
    assert_eq!(all.poll().await.sources[0].new, 14);
}

#[tokio::test]
async fn a_malformed_feed_fails_only_its_own_source() {
    let server = sample_server().await;
    server.route(
        "/broken.xml",
        Reply::ok("application/rss+xml", "<rss><channel><item><title>unclosed"),
    );
    server.route("/gone.xml", Reply::status(500));
    let harness = Harness::new(config(&format!(
        "{}{}{}",
        feed_source("broken", &server.url("/broken.xml"), ""),
        feed_source("erroring", &server.url("/gone.xml"), ""),
        feed_source("social", &server.url("/social.json"), ""),
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
    assert!(
        matches!(outcome("broken"), Some(FetchOutcome::Failed(e)) if e.contains("not a readable RSS, Atom or JSON feed"))
    );
    assert!(matches!(outcome("erroring"), Some(FetchOutcome::Failed(e)) if e.contains("500")));
    assert_eq!(outcome("social"), Some(FetchOutcome::Ok));
    assert_eq!(harness.store().mention_count().unwrap(), 11);

    let health = harness.store().source_health().unwrap();
    let broken = health.iter().find(|h| h.name == "broken").unwrap();
    assert!(broken
        .last_error
        .as_deref()
        .unwrap()
        .contains("not a readable"));
    assert_eq!(broken.consecutive_failures, 1);
    assert!(health
        .iter()
        .find(|h| h.name == "social")
        .unwrap()
        .last_error
        .is_none());
}

#[tokio::test]
async fn conditional_get_sends_validators_and_304_writes_no_mentions() {
    let server = Server::start().await;
    server.route(
        "/social.json",
        Reply::ok(
            "application/feed+json",
            sample("feeds/social-mentions.json"),
        )
        .header("ETag", "\"v1\"")
        .header("Last-Modified", "Sun, 22 Nov 2026 10:00:00 GMT"),
    );
    let harness = Harness::new(config(&feed_source(
        "social",
        &server.url("/social.json"),
        "",
    )));
    harness.poll().await;
    server.route("/social.json", Reply::status(304));
    let report = harness.poll().await;
    assert_eq!(report.sources[0].outcome, Some(FetchOutcome::NotModified));
    let requests = server.received("/social.json");
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        requests[1]
            .headers
            .get("if-modified-since")
            .map(String::as_str),
        Some("Sun, 22 Nov 2026 10:00:00 GMT")
    );
    assert_eq!(harness.store().mention_count().unwrap(), 11);
}

#[tokio::test]
async fn full_text_search_finds_words_in_text_title_and_author() {
    let path = repo().join("feeds/neighborhood-reviews.atom");
    let harness = Harness::new(config(&feed_source(
        "reviews",
        &format!("file:{}", path.display()),
        "",
    )));
    harness.poll().await;
    let search = |q: &str| {
        let filter = MentionFilter {
            search: Some(q.into()),
            ..Default::default()
        };
        harness.store().mentions(&filter).unwrap()
    };
    assert!(search("baguettes")
        .iter()
        .any(|m| m.author.as_deref() == Some("Lucia Ferrante")));
    assert!(!search("Ferrante").is_empty());
    assert!(search("wholesale short")
        .iter()
        .all(|m| m.text.to_lowercase().contains("short")
            || m.title
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains("short")));
    assert!(search("zzzznotaword").is_empty());
    let negative = MentionFilter {
        label: Some(Label::Negative),
        ..Default::default()
    };
    assert!(harness
        .store()
        .mentions(&negative)
        .unwrap()
        .iter()
        .all(|m| m.label == Label::Negative));
}
