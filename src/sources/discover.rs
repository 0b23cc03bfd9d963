//! What a URL someone pasted is (`earshot sources add`): decided from one fetched body,
//! in this order: a known platform's URL → that platform's kind ([`platform_for`]); a
//! feed; an HTML page linking a feed; an HTML page with schema.org reviews; otherwise
//! nothing readable, with the reason.

use scraper::{Html, Selector};
use url::Url;

use super::platforms::{bluesky, mastodon, trustpilot, Platform};
use super::{encoding, feed, page, RawItem};

/// What one body turned out to be.
#[derive(Debug)]
pub enum Found {
    /// A feed, with its title and items.
    Feed {
        title: Option<String>,
        items: Vec<RawItem>,
    },
    /// An HTML page that links a feed (`<link rel="alternate">`): read that instead.
    FeedLink {
        page_title: Option<String>,
        feed: Url,
    },
    /// An HTML page with schema.org reviews (JSON-LD or microdata).
    Reviews {
        title: Option<String>,
        items: Vec<RawItem>,
    },
    /// Nothing Earshot can read, and why.
    Nothing(String),
}

/// What a known platform's address asks for, read from the URL alone, before anything is
/// fetched: a Reddit search (`reddit.com/search?q=…`, `reddit.com/r/SUB/search?q=…`), a
/// Hacker News search (`hn.algolia.com/?query=…`), a Google Alerts feed
/// (`google.com/alerts/feeds/…`), a Trustpilot review page (`trustpilot.com/review/DOMAIN`),
/// a Google place (`google.com/maps/place/?q=place_id:ID`), or what looks like a Mastodon tag or account
/// (`HOST/tags/NAME`, `HOST/@NAME`), which [`is_mastodon_answer`] must confirm.
pub fn platform_for(url: &Url) -> Option<Platform> {
    let host = url.host_str()?.to_ascii_lowercase();
    let bare = host.trim_start_matches("www.");
    let param = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if bare == "reddit.com" || bare.ends_with(".reddit.com") {
        let subreddit = match segments.as_slice() {
            ["r", sub, "search", ..] => Some((*sub).to_owned()),
            ["search", ..] => None,
            _ => return None,
        };
        return Some(Platform::Reddit {
            query: param("q")?,
            subreddit,
        });
    }
    if bare == "hn.algolia.com" {
        let query = param("query").or_else(|| param("q"))?;
        return Some(Platform::HackerNews { query });
    }
    if bare == "bsky.app" {
        let feed = match segments.as_slice() {
            ["profile", handle] => bluesky::Feed::Author {
                handle: bluesky::handle(handle)?,
            },
            ["search"] => bluesky::Feed::Search { query: param("q")? },
            _ => return None,
        };
        return Some(Platform::Bluesky(feed));
    }
    if bare == "google.com" && url.path().starts_with("/alerts/feeds/") {
        return Some(Platform::GoogleAlerts { feed: url.clone() });
    }
    if bare == "trustpilot.com" || bare.ends_with(".trustpilot.com") {
        // The business's page without its filters (`?page=2`, `?stars=1`…).
        let mut page = url.clone();
        page.set_query(None);
        page.set_fragment(None);
        return trustpilot::domain(&page).map(|_| Platform::Trustpilot { page });
    }
    if bare == "google.com" && url.path().starts_with("/maps/place") {
        let place_id = param("q")?.strip_prefix("place_id:")?.trim().to_owned();
        return Some(Platform::GooglePlaces { place_id });
    }
    let instance = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let timeline = match segments.as_slice() {
        ["tags", tag] => mastodon::Timeline::Tag {
            instance,
            tag: (*tag).to_owned(),
        },
        [account] if account.len() > 1 && account.starts_with('@') && !account.contains('.') => {
            mastodon::Timeline::Account {
                instance,
                account: account[1..].to_owned(),
            }
        }
        _ => return None,
    };
    Some(Platform::Mastodon(timeline))
}

/// Whether a platform guessed from its URL alone must be confirmed by asking the server:
/// `/tags/NAME` and `/@NAME` are Mastodon's shapes, but not only Mastodon's.
pub fn needs_confirmation(platform: &Platform) -> bool {
    matches!(platform, Platform::Mastodon(_))
}

/// Whether a body from `{server}/api/v1/instance` is a Mastodon instance's description.
pub fn is_mastodon_answer(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("uri").is_some() || v.get("domain").is_some())
}

/// Classify one fetched body served from `url`.
pub fn classify(bytes: &[u8], content_type: Option<&str>, url: &Url) -> Found {
    let base = Some(url.as_str()).filter(|_| url.scheme() != "file");
    let feed_error = match feed::parse_feed(bytes, content_type, base) {
        Ok(items) => {
            return Found::Feed {
                title: feed::feed_title(bytes, content_type),
                items,
            }
        }
        Err(e @ feed::FeedError::Unread(_)) => return Found::Nothing(e.to_string()),
        Err(e) => e,
    };
    let html = encoding::decode_html(bytes, content_type);
    if !looks_like_html(&html) {
        let served = content_type.unwrap_or("no Content-Type");
        return Found::Nothing(format!(
            "it is neither a feed nor a web page ({served}; as a feed: {feed_error})"
        ));
    }
    let document = Html::parse_document(&html);
    let title = page_title(&document);
    if let Some(feed) = feed_link(&document, url) {
        return Found::FeedLink {
            page_title: title,
            feed,
        };
    }
    match page::extract_reviews(&html, url, None) {
        Ok(extract) if !extract.items.is_empty() => Found::Reviews {
            title,
            items: extract.items,
        },
        Ok(_) => Found::Nothing(
            "it is a web page that links no feed (no <link rel=\"alternate\"> to RSS, Atom or JSON Feed) and holds no schema.org reviews (JSON-LD or microdata); if it lists reviews, add it by hand as kind = \"page\" with CSS selectors (README, \"Review pages\")".into(),
        ),
        Err(e) => Found::Nothing(format!("the page could not be read: {e}")),
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("<html")
        || head.contains("<!doctype html")
        || head.contains("<head")
        || head.contains("<body")
}

/// The first `<link rel="alternate">` to RSS, Atom or JSON Feed, resolved against the page.
fn feed_link(document: &Html, page_url: &Url) -> Option<Url> {
    let links = Selector::parse("link[rel][href][type]").expect("a valid selector");
    document.select(&links).find_map(|link| {
        let element = link.value();
        let alternate = element
            .attr("rel")?
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"));
        let media = element.attr("type")?.trim().to_ascii_lowercase();
        let feed_type = matches!(
            media.as_str(),
            "application/rss+xml"
                | "application/atom+xml"
                | "application/feed+json"
                | "application/rdf+xml"
        );
        (alternate && feed_type)
            .then(|| page_url.join(element.attr("href")?.trim()).ok())
            .flatten()
    })
}

fn page_title(document: &Html) -> Option<String> {
    let title = Selector::parse("title").expect("a valid selector");
    document
        .select(&title)
        .next()
        .map(|t| {
            t.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://shop.example/reviews/index.html").unwrap()
    }

    #[test]
    fn bluesky_profiles_and_searches_are_recognised() {
        let profile = Url::parse("https://bsky.app/profile/Harbor.bsky.social").unwrap();
        assert_eq!(
            platform_for(&profile),
            Some(Platform::Bluesky(bluesky::Feed::Author {
                handle: "harbor.bsky.social".into()
            }))
        );
        let search = Url::parse("https://bsky.app/search?q=harbor+bakery").unwrap();
        assert_eq!(
            platform_for(&search),
            Some(Platform::Bluesky(bluesky::Feed::Search {
                query: "harbor bakery".into()
            }))
        );
        let post = Url::parse("https://bsky.app/profile/harbor.bsky.social/post/3k").unwrap();
        assert_eq!(platform_for(&post), None);
    }

    #[test]
    fn an_rss_feed_is_a_feed_with_its_title() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Town forum</title>
            <item><title>Harbor Street Bakery is lovely</title></item></channel></rss>"#;
        match classify(rss, Some("application/rss+xml"), &url()) {
            Found::Feed { title, items } => {
                assert_eq!(title.as_deref(), Some("Town forum"));
                assert_eq!(items.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_page_linking_a_feed_gives_the_feed_resolved() {
        let html = br#"<!doctype html><html><head><title>Shop</title>
            <link rel="stylesheet" href="/s.css" type="text/css">
            <link rel="alternate" type="application/atom+xml" href="../feed.atom"></head><body>hi</body></html>"#;
        match classify(html, Some("text/html"), &url()) {
            Found::FeedLink { feed, page_title } => {
                assert_eq!(feed.as_str(), "https://shop.example/feed.atom");
                assert_eq!(page_title.as_deref(), Some("Shop"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plain_page_is_nothing_with_a_reason() {
        let html = b"<html><head><title>Hi</title></head><body><p>Welcome</p></body></html>";
        match classify(html, Some("text/html"), &url()) {
            Found::Nothing(why) => assert!(why.contains("links no feed"), "{why}"),
            other => panic!("{other:?}"),
        }
        match classify(b"\x89PNG\r\n", Some("image/png"), &url()) {
            Found::Nothing(why) => assert!(why.contains("neither a feed nor a web page"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
