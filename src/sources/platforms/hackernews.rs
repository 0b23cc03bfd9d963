//! Hacker News through Algolia's public search API, `search_by_date` over stories and
//! comments: each hit links to its discussion on news.ycombinator.com.

use serde::Deserialize;

use super::{api_url, from_epoch, non_empty, RawItem};
use crate::sources::text::html_to_text;

/// The search request: newest first, stories and comments.
pub fn search_url(base: &url::Url, query: &str) -> url::Url {
    let mut url = api_url(base, "/api/v1/search_by_date");
    url.query_pairs_mut()
        .append_pair("query", query)
        .append_pair("tags", "(story,comment)");
    url
}

#[derive(Deserialize)]
struct Results {
    hits: Vec<Hit>,
}

#[derive(Deserialize)]
struct Hit {
    #[serde(rename = "objectID")]
    object_id: String,
    title: Option<String>,
    story_title: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
    author: Option<String>,
    created_at_i: Option<f64>,
}

/// The hits as items.
pub fn parse(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let results: Results = serde_json::from_slice(bytes)?;
    Ok(results.hits.into_iter().map(item).collect())
}

fn item(hit: Hit) -> RawItem {
    let html = hit.comment_text.or(hit.story_text).unwrap_or_default();
    RawItem {
        guid: Some(format!("hn:{}", hit.object_id)),
        url: Some(format!(
            "https://news.ycombinator.com/item?id={}",
            hit.object_id
        )),
        author: non_empty(hit.author.as_deref()),
        title: non_empty(hit.title.as_deref()).or_else(|| non_empty(hit.story_title.as_deref())),
        text: html_to_text(&html),
        published_at: hit.created_at_i.and_then(from_epoch),
        ..RawItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::platforms::corpus;

    /// The recorded Algolia replies: `[{url, reply}]`.
    fn replies() -> Option<Vec<(String, Vec<u8>)>> {
        let file = corpus("hackernews/fraction__node-hacker-news-api__fixtures.json")?;
        let pairs: Vec<serde_json::Value> = serde_json::from_slice(&file).unwrap();
        Some(
            pairs
                .into_iter()
                .map(|p| {
                    let url = p["url"].as_str().unwrap().to_owned();
                    (url, serde_json::to_vec(&p["reply"]).unwrap())
                })
                .collect(),
        )
    }

    #[test]
    fn recorded_comment_hits_become_text_linked_to_their_discussion() {
        let Some(replies) = replies() else { return };
        let (_, body) = replies
            .iter()
            .find(|(url, _)| url == "/api/v1/search_by_date?hitsPerPage=1&tags=(comment)")
            .unwrap();
        let items = parse(body).unwrap();
        assert_eq!(items.len(), 1);
        let hit = &items[0];
        assert_eq!(hit.author.as_deref(), Some("gohrt"));
        assert_eq!(hit.title.as_deref(), Some("Fibonacci Flim-Flam"));
        assert!(hit
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://news.ycombinator.com/item?id="));
        assert!(
            hit.text.starts_with("A perennial HN favorite"),
            "{}",
            hit.text
        );
        // Entities decoded, paragraphs kept, no markup left.
        assert!(hit.text.contains("What's fascinating"), "{}", hit.text);
        assert!(!hit.text.contains("<p>") && !hit.text.contains("&#x27;"));
        assert_eq!(hit.published_at.unwrap().timestamp(), 1_403_235_595);
    }

    #[test]
    fn every_recorded_search_reply_is_read() {
        let Some(replies) = replies() else { return };
        let searches: Vec<_> = replies
            .iter()
            .filter(|(url, _)| url.contains("/search"))
            .collect();
        assert_eq!(searches.len(), 24);
        for (url, body) in searches {
            let items = parse(body).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(items.len(), 1, "{url}");
            assert!(
                items[0].author.is_some() && items[0].published_at.is_some(),
                "{url}"
            );
            assert!(
                items[0].title.is_some() || !items[0].text.is_empty(),
                "{url}"
            );
        }
    }

    #[test]
    fn the_search_asks_for_stories_and_comments_by_date() {
        let base = url::Url::parse("https://hn.algolia.com").unwrap();
        assert_eq!(
            search_url(&base, "harbor bakery").as_str(),
            "https://hn.algolia.com/api/v1/search_by_date?query=harbor+bakery&tags=%28story%2Ccomment%29"
        );
    }
}
