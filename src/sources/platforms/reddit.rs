//! Reddit's public search JSON: `/search.json?q=…&sort=new` (or `/r/{subreddit}/search.json`
//! with `restrict_sr=1`), a `Listing` of `t3` posts. `t1` comments, which the same Listing
//! shape carries on comment pages, are read too.

use serde::Deserialize;

use super::{api_url, from_epoch, non_empty, RawItem};

/// Where Reddit's items link to: always reddit.com itself, whatever `api_base` served them.
const SITE: &str = "https://www.reddit.com";

/// The search request: newest first, `raw_json=1` so text comes unescaped.
pub fn search_url(base: &url::Url, query: &str, subreddit: Option<&str>) -> url::Url {
    let path = match subreddit {
        Some(name) => format!("/r/{name}/search.json"),
        None => "/search.json".to_owned(),
    };
    let mut url = api_url(base, &path);
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("sort", "new")
        .append_pair("restrict_sr", if subreddit.is_some() { "1" } else { "0" })
        .append_pair("raw_json", "1");
    url
}

#[derive(Deserialize)]
struct Listing {
    data: ListingData,
}

#[derive(Deserialize)]
struct ListingData {
    children: Vec<Thing>,
}

#[derive(Deserialize)]
struct Thing {
    kind: String,
    data: ThingData,
}

/// The fields of a `t3` post and a `t1` comment that Earshot reads.
#[derive(Deserialize)]
struct ThingData {
    name: Option<String>,
    id: Option<String>,
    author: Option<String>,
    title: Option<String>,
    selftext: Option<String>,
    body: Option<String>,
    link_title: Option<String>,
    link_id: Option<String>,
    subreddit: Option<String>,
    permalink: Option<String>,
    created_utc: Option<f64>,
}

/// A Listing's posts and comments as items.
pub fn parse(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let listing: Listing = serde_json::from_slice(bytes)?;
    Ok(listing
        .data
        .children
        .into_iter()
        .filter_map(|thing| match thing.kind.as_str() {
            "t3" => Some(post(thing.data)),
            "t1" => Some(comment(thing.data)),
            _ => None,
        })
        .collect())
}

fn post(data: ThingData) -> RawItem {
    RawItem {
        guid: data.name.clone(),
        url: data.permalink.as_deref().map(permalink_url),
        author: author(data.author.as_deref()),
        title: non_empty(data.title.as_deref()),
        text: data.selftext.unwrap_or_default().trim().to_owned(),
        published_at: data.created_utc.and_then(from_epoch),
        ..RawItem::default()
    }
}

fn comment(data: ThingData) -> RawItem {
    let url = match (&data.permalink, &data.subreddit, &data.link_id, &data.id) {
        (Some(permalink), ..) => Some(permalink_url(permalink)),
        (None, Some(sub), Some(link), Some(id)) => Some(format!(
            "{SITE}/r/{sub}/comments/{}/_/{id}/",
            link.trim_start_matches("t3_")
        )),
        _ => None,
    };
    RawItem {
        guid: data.name.clone(),
        url,
        author: author(data.author.as_deref()),
        title: non_empty(data.link_title.as_deref()),
        text: data.body.unwrap_or_default().trim().to_owned(),
        published_at: data.created_utc.and_then(from_epoch),
        ..RawItem::default()
    }
}

/// `/r/x/comments/id/slug/?ref=search_posts` → the post's address on reddit.com, without
/// the search's tracking query (so the same post keeps one address).
fn permalink_url(permalink: &str) -> String {
    let path = permalink.split('?').next().unwrap_or(permalink);
    if path.starts_with("http") {
        return path.to_owned();
    }
    format!("{SITE}{path}")
}

/// `u/name`, as Reddit writes its users; a deleted account has no author.
fn author(name: Option<&str>) -> Option<String> {
    let name = non_empty(name)?;
    (name != "[deleted]").then(|| format!("u/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::platforms::corpus;

    /// The body of the recorded response to a request whose URL contains `path`.
    fn cassette_body(file: &str, path: &str) -> Option<Vec<u8>> {
        let cassette: serde_json::Value = serde_json::from_slice(&corpus(file)?).unwrap();
        let body = cassette["interactions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["request"]["uri"].as_str().unwrap().contains(path))
            .unwrap()["response"]["body"]["string"]
            .as_str()
            .unwrap()
            .to_owned();
        Some(body.into_bytes())
    }

    #[test]
    fn recorded_search_posts_are_read_with_their_authors_and_permalinks() {
        let file = "reddit/praw-dev__praw__TestSubreddit.test_search.json";
        let Some(body) = cassette_body(file, "/search/") else {
            return;
        };
        let items = parse(&body).unwrap();
        assert_eq!(items.len(), 6);
        let first = &items[0];
        assert_eq!(first.author.as_deref(), Some("u/dClauzel"));
        assert_eq!(first.guid.as_deref(), Some("t3_3gpbiu"));
        assert_eq!(
            first.url.as_deref(),
            Some("https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/")
        );
        assert!(first
            .title
            .as_deref()
            .unwrap()
            .starts_with("[PRAW][OAuth2Util]"));
        assert!(first.text.starts_with("# solved"), "{}", first.text);
        assert_eq!(first.published_at.unwrap().timestamp(), 1_439_370_514);
        // Non-ASCII titles come through whole.
        assert_eq!(
            items[5].title.as_deref(),
            Some("たびたび話題になるサイドバーの閲覧中ユーザ数について（また）調べた")
        );
    }

    #[test]
    fn recorded_comments_get_an_address_built_from_their_thread() {
        let file = "reddit/praw-dev__praw__TestSubredditListings.test_comments.json";
        let Some(body) = cassette_body(file, "/comments/") else {
            return;
        };
        let items = parse(&body).unwrap();
        assert_eq!(items.len(), 100);
        let first = &items[0];
        assert_eq!(first.author.as_deref(), Some("u/preppypuppy"));
        assert_eq!(
            first.url.as_deref(),
            Some("https://www.reddit.com/r/AskReddit/comments/4r4inc/_/d4y8bdp/")
        );
        assert!(first
            .title
            .as_deref()
            .unwrap()
            .contains("followed their dreams"));
        assert!(!first.text.is_empty());
        assert!(items
            .iter()
            .all(|i| i.author.as_deref() != Some("u/[deleted]")));
    }

    #[test]
    fn the_search_asks_for_the_newest_within_a_subreddit() {
        let base = url::Url::parse("https://www.reddit.com").unwrap();
        let url = search_url(&base, "harbor bakery", Some("Portland"));
        assert_eq!(
            url.as_str(),
            "https://www.reddit.com/r/Portland/search.json?q=harbor+bakery&sort=new&restrict_sr=1&raw_json=1"
        );
        assert!(search_url(&base, "x", None)
            .as_str()
            .contains("/search.json?q=x&sort=new&restrict_sr=0"));
    }

    #[test]
    fn deleted_authors_are_no_one() {
        assert_eq!(author(Some("[deleted]")), None);
        assert_eq!(author(Some("ann")), Some("u/ann".into()));
    }
}
