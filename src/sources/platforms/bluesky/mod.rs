//! Bluesky through its XRPC API. An account's posts are public: one GET of
//! `app.bsky.feed.getAuthorFeed` on the public AppView, no login. Post search is not:
//! `app.bsky.feed.searchPosts` needs a session created with the owner's handle and an app
//! password from the environment (see [`session`]).
//!
//! Reposts in an account's feed (items with a `reason`) are skipped: they are other
//! people's words, found by a search if they name the business, and attributing them to
//! the account would be wrong.

pub mod session;

use serde::Deserialize;

use super::{api_url, non_empty, RawItem};

/// The public AppView, which serves account feeds without a login.
pub const PUBLIC_APPVIEW: &str = "https://public.api.bsky.app/";
/// The PDS where accounts log in (sessions, and search through it).
pub const LOGIN_SERVER: &str = "https://bsky.social/";

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Posts matching search words, newest first (needs a login).
    Search {
        /// Search words.
        query: String,
    },
    /// One account's own posts.
    Author {
        /// The handle without `@` (`harborbakery.bsky.social`).
        handle: String,
    },
}

impl Feed {
    /// The platform's own address for this feed.
    pub fn default_api_base(&self) -> url::Url {
        let base = match self {
            Feed::Search { .. } => LOGIN_SERVER,
            Feed::Author { .. } => PUBLIC_APPVIEW,
        };
        url::Url::parse(base).expect("a valid constant URL")
    }

    /// The GET that reads this feed on `base`.
    pub fn url(&self, base: &url::Url) -> url::Url {
        match self {
            Feed::Search { query } => {
                let mut url = api_url(base, "/xrpc/app.bsky.feed.searchPosts");
                url.query_pairs_mut()
                    .append_pair("q", query)
                    .append_pair("sort", "latest")
                    .append_pair("limit", "50");
                url
            }
            Feed::Author { handle } => {
                let mut url = api_url(base, "/xrpc/app.bsky.feed.getAuthorFeed");
                url.query_pairs_mut()
                    .append_pair("actor", handle)
                    .append_pair("limit", "50");
                url
            }
        }
    }

    /// Whether reading needs a login.
    pub fn needs_login(&self) -> bool {
        matches!(self, Feed::Search { .. })
    }
}

/// A handle as people write it (`@name.bsky.social`, a custom domain), without `@`, or
/// None when it is not one.
pub fn handle(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches('@').to_ascii_lowercase();
    let valid = (3..254).contains(&text.len())
        && text.contains('.')
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    valid.then_some(text)
}

#[derive(Deserialize)]
struct SearchResults {
    posts: Vec<PostView>,
}

#[derive(Deserialize)]
struct AuthorFeed {
    feed: Vec<FeedItem>,
}

#[derive(Deserialize)]
struct FeedItem {
    post: PostView,
    /// Set on reposts (and pins): why the post is in this feed.
    reason: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct PostView {
    uri: String,
    author: Author,
    record: Record,
}

#[derive(Deserialize)]
struct Author {
    handle: String,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    text: Option<String>,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
}

/// A searchPosts answer as items.
pub fn parse_search(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let results: SearchResults = serde_json::from_slice(bytes)?;
    Ok(results.posts.into_iter().map(item).collect())
}

/// A getAuthorFeed answer as items: the account's own posts, reposts skipped.
pub fn parse_author_feed(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let feed: AuthorFeed = serde_json::from_slice(bytes)?;
    Ok(feed
        .feed
        .into_iter()
        .filter(|entry| !is_repost(entry))
        .map(|entry| item(entry.post))
        .collect())
}

fn is_repost(entry: &FeedItem) -> bool {
    // A pinned post is the account's own; any other reason (a repost) is not.
    entry.reason.as_ref().is_some_and(|reason| {
        reason.get("$type").and_then(|t| t.as_str()) != Some("app.bsky.feed.defs#reasonPin")
    })
}

fn item(post: PostView) -> RawItem {
    let handle = post.author.handle;
    RawItem {
        url: web_url(&post.uri, &handle),
        guid: Some(post.uri),
        author: Some(match non_empty(post.author.display_name.as_deref()) {
            Some(name) => format!("{name} (@{handle})"),
            None => format!("@{handle}"),
        }),
        text: post.record.text.unwrap_or_default().trim().to_owned(),
        published_at: post
            .record
            .created_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        ..RawItem::default()
    }
}

/// `at://did/app.bsky.feed.post/RKEY` → `https://bsky.app/profile/{handle}/post/RKEY`.
fn web_url(uri: &str, handle: &str) -> Option<String> {
    let rkey = uri.strip_prefix("at://")?.rsplit('/').next()?;
    Some(format!("https://bsky.app/profile/{handle}/post/{rkey}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::platforms::corpus;

    #[test]
    fn a_recorded_search_is_read_with_web_links() {
        let Some(body) =
            corpus("bluesky/christopherkenny__bskyr__app.bsky.feed.searchPosts-5d343d.json")
        else {
            return;
        };
        let items = parse_search(&body).unwrap();
        assert!(!items.is_empty());
        let first = &items[0];
        assert_eq!(
            first.url.as_deref(),
            Some("https://bsky.app/profile/planetcarnival.bsky.social/post/3kghpycppiw2n")
        );
        assert_eq!(
            first.author.as_deref(),
            Some("PlanetCarnival (@planetcarnival.bsky.social)")
        );
        assert!(first.text.starts_with("I was upset last year"));
        assert!(items.iter().all(|i| i.published_at.is_some()));
    }

    #[test]
    fn a_recorded_author_feed_skips_reposts() {
        let Some(body) =
            crate::sources::platforms::vcr_body("bluesky/christopherkenny__bskyr__f_autfeed.yml")
        else {
            return;
        };
        let items = parse_author_feed(&body).unwrap();
        // 50 entries, 7 of them reposts of other accounts' posts.
        assert_eq!(items.len(), 43);
        assert!(items.iter().all(|i| i
            .author
            .as_deref()
            .unwrap()
            .ends_with("(@chriskenny.bsky.social)")));
        let search =
            crate::sources::platforms::vcr_body("bluesky/christopherkenny__bskyr__f_search.yml")
                .unwrap();
        assert_eq!(parse_search(&search).unwrap().len(), 25);
    }

    #[test]
    fn requests_and_handles() {
        let search = Feed::Search {
            query: "harbor bakery".into(),
        };
        assert_eq!(
            search.url(&search.default_api_base()).as_str(),
            "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=harbor+bakery&sort=latest&limit=50"
        );
        let author = Feed::Author {
            handle: "harbor.bsky.social".into(),
        };
        assert_eq!(
            author.url(&author.default_api_base()).as_str(),
            "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=harbor.bsky.social&limit=50"
        );
        assert_eq!(
            handle("@Harbor.bsky.social").as_deref(),
            Some("harbor.bsky.social")
        );
        assert_eq!(handle("no spaces.here"), None);
        assert_eq!(handle("harbor"), None);
    }
}
