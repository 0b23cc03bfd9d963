//! Named platforms through `earshot poll`: a real HTTP server on 127.0.0.1 replays each
//! platform's recorded responses (`../shared/corpus/platforms/`) at the source's
//! `api_base`, and the stored mentions carry the authors, links and text the platform
//! gave. Also the platforms' refusals: a 429 with `Retry-After`, a 403 block page.

use std::path::{Path, PathBuf};

use crate::cli::{earshot, stdout};
use crate::common::{Reply, Server};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/platforms");

/// A recorded file of the shared corpus, or None (said on stderr) when it is absent.
pub fn corpus(path: &str) -> Option<Vec<u8>> {
    let full = Path::new(CORPUS).join(path);
    match std::fs::read(&full) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!(
                "shared corpus not found at {}; CI has it beside the clone; skipping",
                full.display()
            );
            None
        }
    }
}

/// A temp dir with `config/earshot.toml` holding these sources.
pub fn checkout(sources: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("earshot.toml");
    std::fs::write(
        &config,
        format!(
            "[business]\nname = \"Harbor Bakery\"\ntimezone = \"UTC\"\n\
             [fetch]\ncontact = \"owner@harbor.test\"\n{sources}"
        ),
    )
    .unwrap();
    (dir, config)
}

/// Run the binary off the async workers (the server answers on them).
async fn run(dir: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    let (dir, config) = (dir.to_owned(), config.to_owned());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut full = vec!["--config".to_owned(), config.display().to_string()];
        full.extend(args);
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        earshot(&dir, &full)
    })
    .await
    .unwrap()
}

async fn mentions(dir: &Path, config: &Path) -> Vec<serde_json::Value> {
    let out = stdout(&run(dir, config, &["mentions", "--format", "json"]).await);
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn by_url<'a>(mentions: &'a [serde_json::Value], url: &str) -> &'a serde_json::Value {
    mentions
        .iter()
        .find(|m| m["url"] == url)
        .unwrap_or_else(|| panic!("no mention at {url} in {mentions:#?}"))
}

/// The body of the betamax interaction whose request URI contains `path`.
fn betamax_body(file: &str, path: &str) -> Option<Vec<u8>> {
    let cassette: serde_json::Value = serde_json::from_slice(&corpus(file)?).unwrap();
    let interaction = cassette["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["request"]["uri"].as_str().unwrap().contains(path))
        .unwrap();
    Some(
        interaction["response"]["body"]["string"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec(),
    )
}

const REDDIT_SEARCH: &str = "/search.json?q=praw+oauth+search&sort=new&restrict_sr=0&raw_json=1";

fn reddit_source(server: &Server) -> String {
    format!(
        "[[source]]\nname = \"reddit\"\nkind = \"reddit\"\nquery = \"praw oauth search\"\napi_base = \"{}\"\n",
        server.url("/")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reddit_search_is_stored_with_user_handles_and_permalinks() {
    let Some(body) = betamax_body(
        "reddit/praw-dev__praw__TestSubreddit.test_search.json",
        "/search/",
    ) else {
        return;
    };
    let server = Server::start().await;
    server.route(
        REDDIT_SEARCH,
        Reply::ok("application/json; charset=UTF-8", body),
    );
    let (dir, config) = checkout(&reddit_source(&server));
    let summary = stdout(&run(dir.path(), &config, &["poll"]).await);
    assert!(summary.contains("1 sources ok, 0 failed"), "{summary}");
    let stored = mentions(dir.path(), &config).await;
    assert_eq!(
        stored.len(),
        6,
        "a search's results are kept without naming the business"
    );
    let post = by_url(
        &stored,
        "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/",
    );
    assert_eq!(post["author"], "u/dClauzel");
    assert_eq!(post["source"], "reddit");
    assert!(
        post["text"].as_str().unwrap().starts_with("# solved"),
        "{post}"
    );
    // Reddit asks for a descriptive User-Agent: the product, its version and a contact.
    let request = &server.received(REDDIT_SEARCH)[0];
    let agent = &request.headers["user-agent"];
    assert!(
        agent.starts_with("Earshot/") && agent.contains("owner@harbor.test"),
        "{agent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reddit_429_waits_as_long_as_reddit_asks() {
    // Retry-After, or Reddit's own rate-limit headers (seconds until its window resets).
    for (name, value) in [("Retry-After", "3600"), ("X-Ratelimit-Reset", "3600")] {
        let server = Server::start().await;
        let reply = Reply::status(429)
            .header(name, value)
            .header("X-Ratelimit-Remaining", "0.0");
        server.route(REDDIT_SEARCH, reply);
        let (dir, config) = checkout(&reddit_source(&server));
        let first = run(dir.path(), &config, &["poll"]).await;
        assert!(!first.status.success());
        let sources = stdout(&run(dir.path(), &config, &["sources"]).await);
        assert!(
            sources.contains("429") && sources.contains("wait 1h"),
            "{name}: {sources}"
        );
        // A second poll within the hour leaves Reddit alone.
        let second = run(dir.path(), &config, &["poll"]).await;
        let second = String::from_utf8_lossy(&second.stdout).into_owned();
        assert!(second.contains("not due yet"), "{name}: {second}");
        assert_eq!(server.received(REDDIT_SEARCH).len(), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reddit_block_page_shows_blocked_with_what_to_do() {
    let server = Server::start().await;
    let page = "<!DOCTYPE html><html><head><title>Blocked</title></head><body>\
                You've been blocked by network security.</body></html>";
    server.route(
        REDDIT_SEARCH,
        Reply {
            status: 403,
            ..Reply::ok("text/html; charset=utf-8", page)
        },
    );
    let (dir, config) = checkout(&reddit_source(&server));
    run(dir.path(), &config, &["poll"]).await;
    let sources = stdout(&run(dir.path(), &config, &["sources"]).await);
    let line = sources.lines().find(|l| l.starts_with("reddit")).unwrap();
    assert!(line.contains("blocked"), "{line}");
    assert!(line.contains("Reddit refused Earshot (HTTP 403"), "{line}");
    assert!(line.contains("set [fetch] contact"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_page_where_the_api_answers_json_is_a_wall_too() {
    let server = Server::start().await;
    let path = "/api/v1/search_by_date?query=harbor&tags=%28story%2Ccomment%29";
    server.route(
        path,
        Reply::ok(
            "text/html",
            "<html><head><title>Just a moment...</title></head></html>",
        ),
    );
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"harbor\"\napi_base = \"{}\"\n",
        server.url("/")
    ));
    run(dir.path(), &config, &["poll"]).await;
    let sources = stdout(&run(dir.path(), &config, &["sources"]).await);
    let line = sources.lines().find(|l| l.starts_with("hn")).unwrap();
    assert!(line.contains("blocked"), "{line}");
    assert!(
        line.contains("answered with a web page instead of its data"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hacker_news_stories_and_comments_link_to_their_discussions() {
    let Some(file) = corpus("hackernews/fraction__node-hacker-news-api__fixtures.json") else {
        return;
    };
    let pairs: Vec<serde_json::Value> = serde_json::from_slice(&file).unwrap();
    let reply =
        |url: &str| pairs.iter().find(|p| p["url"] == url).unwrap()["reply"]["hits"][0].clone();
    // One page of hits as search_by_date answers: the recorded comment and story on "apple".
    let hits = serde_json::json!({ "hits": [
        reply("/api/v1/search_by_date?hitsPerPage=1&tags=(comment)&query=apple"),
        reply("/api/v1/search_by_date?hitsPerPage=1&tags=(story)&query=apple"),
    ]});
    let server = Server::start().await;
    server.route(
        "/api/v1/search_by_date?query=apple&tags=%28story%2Ccomment%29",
        Reply::ok("application/json; charset=UTF-8", hits.to_string()),
    );
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"apple\"\napi_base = \"{}\"\n",
        server.url("/")
    ));
    let summary = stdout(&run(dir.path(), &config, &["poll"]).await);
    assert!(summary.contains("2 new"), "{summary}");
    let stored = mentions(dir.path(), &config).await;
    let comment = by_url(&stored, "https://news.ycombinator.com/item?id=7919418");
    assert_eq!(comment["author"], "fleitz");
    let text = comment["text"].as_str().unwrap();
    assert!(
        text.contains("they aren't contributing") && !text.contains("<p>"),
        "{text}"
    );
    let story = by_url(&stored, "https://news.ycombinator.com/item?id=7919424");
    assert_eq!(story["author"], "bradleyjg");
    assert_eq!(
        story["title"],
        "Judge says concerned about Apple, Google hiring settlement"
    );
}

/// The first response body of an R-vcr YAML cassette.
pub fn vcr_body(file: &str) -> Option<Vec<u8>> {
    let cassette: serde_norway::Value = serde_norway::from_slice(&corpus(file)?).unwrap();
    Some(
        cassette["http_interactions"][0]["response"]["body"]["string"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mastodon_tag_timeline_is_stored_with_full_handles() {
    let Some(body) = vcr_body("mastodon/gesistsa__rtoot__get_timeline_hashtag_default.yml") else {
        return;
    };
    let statuses: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    let server = Server::start().await;
    server.route(
        "/api/v1/timelines/tag/rstats?limit=40",
        Reply::ok("application/json; charset=utf-8", body),
    );
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"rstats\"\nkind = \"mastodon\"\ninstance = \"fosstodon.org\"\ntag = \"#rstats\"\napi_base = \"{}\"\n",
        server.url("/")
    ));
    let summary = stdout(&run(dir.path(), &config, &["poll"]).await);
    assert!(summary.contains("5 new"), "{summary}");
    let stored = mentions(dir.path(), &config).await;
    let first = &statuses[0];
    let mention = by_url(&stored, first["url"].as_str().unwrap());
    let acct = first["account"]["acct"].as_str().unwrap();
    let author = mention["author"].as_str().unwrap();
    assert!(
        author.starts_with(&format!("@{acct}")) && author.matches('@').count() == 2,
        "{author}"
    );
    let text = mention["text"].as_str().unwrap();
    assert!(!text.is_empty() && !text.contains("</p>"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_alerts_link_to_the_articles_not_to_google() {
    let Some(feed) = corpus("google_alerts/feedjira__feedjira__google_alerts_atom.xml") else {
        return;
    };
    let server = Server::start().await;
    let path = "/alerts/feeds/04175468913983673025/4428013283581841004";
    server.route(path, Reply::ok("application/atom+xml", feed));
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"alert\"\nkind = \"google-alerts\"\n\
         url = \"https://www.google.com{path}\"\napi_base = \"{}\"\n",
        server.url("/")
    ));
    let summary = stdout(&run(dir.path(), &config, &["poll"]).await);
    assert!(summary.contains("20 new"), "{summary}");
    let stored = mentions(dir.path(), &config).await;
    assert!(
        stored.iter().all(|m| m["author"].is_null()),
        "no made-up authors"
    );
    assert!(stored
        .iter()
        .all(|m| !m["url"].as_str().unwrap().contains("google.com/url")));
    let first = by_url(
        &stored,
        "https://www.aglobalmarketresearch.com/report-offers-prediction-of-automotive-slack-market-by-top-key-players-like-haldex-meritor-bendix-mei-wabco-accuride-stemco-tbk-febi-aydinsan/",
    );
    let title = first["title"].as_str().unwrap();
    assert!(
        title.starts_with("Report offers Prediction of Automotive Slack Market"),
        "{title}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mastodon_account_keeps_only_its_posts_about_the_business() {
    // Written after Mastodon's `/@name.rss` (the corpus holds no recording of one): no
    // author per item, HTML escaped in the description.
    let feed = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Portland Eats</title><link>https://mastodon.social/@pdxeats</link>
<item><guid isPermaLink="true">https://mastodon.social/@pdxeats/1</guid><link>https://mastodon.social/@pdxeats/1</link>
<pubDate>Tue, 24 Jun 2025 17:35:19 +0000</pubDate><description>&lt;p&gt;Stale croissants at Harbor Bakery today.&lt;/p&gt;</description></item>
<item><guid isPermaLink="true">https://mastodon.social/@pdxeats/2</guid><link>https://mastodon.social/@pdxeats/2</link>
<pubDate>Tue, 24 Jun 2025 18:00:00 +0000</pubDate><description>&lt;p&gt;Lovely ramen on Hawthorne.&lt;/p&gt;</description></item>
</channel></rss>"#;
    let server = Server::start().await;
    server.route(
        "/@pdxeats.rss",
        Reply::ok("application/rss+xml; charset=utf-8", feed),
    );
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"pdxeats\"\nkind = \"mastodon\"\ninstance = \"mastodon.social\"\naccount = \"@pdxeats\"\napi_base = \"{}\"\n",
        server.url("/")
    ));
    let summary = stdout(&run(dir.path(), &config, &["poll"]).await);
    assert!(summary.contains("1 new"), "{summary}");
    let stored = mentions(dir.path(), &config).await;
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let post = by_url(&stored, "https://mastodon.social/@pdxeats/1");
    assert_eq!(post["author"], "@pdxeats@mastodon.social");
    assert_eq!(post["text"], "Stale croissants at Harbor Bakery today.");
}
