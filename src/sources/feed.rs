//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.
//!
//! feed-rs invents an id (link+title hash, or a random UUID) for items without one; we
//! tell it to leave such ids empty so that [`super::dedupe`] decides identity instead.

use feed_rs::model::{Entry, Text};
use feed_rs::parser::Builder;

use super::encoding::{decode_feed, fix_c1_controls};
use super::text::html_to_text;
use super::RawItem;

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Not RSS, Atom or JSON Feed, or broken beyond repair.
    #[error("not a readable RSS, Atom or JSON feed ({0}); check the URL points at the feed itself, not a web page")]
    Parse(String),
}

/// Parse feed bytes as served, with the HTTP Content-Type if any: the bytes are first
/// re-encoded as UTF-8 (feed-rs itself only reads the XML declaration's encoding).
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    base_url: Option<&str>,
) -> Result<Vec<RawItem>, FeedError> {
    let utf8 = decode_feed(bytes, content_type);
    let parser = Builder::new()
        .id_generator(|_, _, _| String::new())
        .base_uri(base_url)
        .build();
    let feed = parser
        .parse(utf8.as_slice())
        .map_err(|e| FeedError::Parse(e.to_string()))?;
    Ok(feed
        .entries
        .into_iter()
        .map(item_from_entry)
        .filter(|item| !item.text.is_empty() || item.title.is_some())
        .collect())
}

fn item_from_entry(entry: Entry) -> RawItem {
    let url = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or(entry.links.first())
        .map(|l| l.href.trim().to_owned())
        .filter(|href| !href.is_empty());
    let body = entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .filter(|b| !b.trim().is_empty())
        .map(readable)
        .or_else(|| entry.summary.as_ref().map(text_of))
        .unwrap_or_default();
    let title = entry.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let author = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref().map(str::trim))
        .find(|n| !n.is_empty())
        .map(str::to_owned);
    RawItem {
        guid: Some(entry.id.trim().to_owned()).filter(|id| !id.is_empty()),
        url,
        author,
        author_email: None,
        title,
        text: body,
        published_at: entry.published.or(entry.updated),
        rating: None,
    }
}

/// Plain text of a feed text construct, whatever its declared type.
fn text_of(text: &Text) -> String {
    readable(&text.content)
}

/// HTML to text, with `&#146;`-style Windows-1252 references turned into the intended
/// punctuation (they only appear after the parser decoded them).
fn readable(html: &str) -> String {
    html_to_text(&fix_c1_controls(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_item_without_guid_gets_no_invented_id() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
            <item><title>Hi</title><link>https://x.test/1</link><description>&lt;p&gt;Great &amp;amp; warm&lt;/p&gt;</description></item>
            </channel></rss>"#;
        let items = parse_feed(rss, None, None).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].guid, None);
        assert_eq!(items[0].url.as_deref(), Some("https://x.test/1"));
        assert_eq!(items[0].text, "Great & warm");
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(matches!(
            parse_feed(b"<html><body>nope", None, None),
            Err(FeedError::Parse(_))
        ));
    }
}
