//! Mastodon, public and without a login: a hashtag through the instance's public REST
//! timeline (`/api/v1/timelines/tag/{tag}`, JSON Status objects), an account through its
//! public RSS feed (`/@{account}.rss`, one request where the REST API needs two: a lookup
//! of the account's id, then its statuses).

use serde::Deserialize;

use super::{api_url, non_empty, RawItem};
use crate::sources::text::html_to_text;

/// What to read on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timeline {
    /// Public posts with a hashtag, from this instance and those it federates with.
    Tag {
        /// The instance's host (`mastodon.social`).
        instance: String,
        /// The tag without `#`.
        tag: String,
    },
    /// One account's public posts (an account on `instance` itself).
    Account {
        /// The instance's host.
        instance: String,
        /// The user name without `@`.
        account: String,
    },
}

impl Timeline {
    /// `https://{instance}/`.
    pub fn instance_url(&self) -> url::Url {
        let (Timeline::Tag { instance, .. } | Timeline::Account { instance, .. }) = self;
        url::Url::parse(&format!("https://{instance}/"))
            .unwrap_or_else(|_| url::Url::parse("https://invalid.invalid/").expect("valid"))
    }

    /// The request on `base` (the instance, or `api_base`).
    pub fn url(&self, base: &url::Url) -> url::Url {
        match self {
            Timeline::Tag { tag, .. } => {
                let mut url = api_url(base, "/api/v1/timelines/tag/");
                url.path_segments_mut()
                    .expect("an http URL has a path")
                    .pop_if_empty()
                    .push(tag);
                url.query_pairs_mut().append_pair("limit", "40");
                url
            }
            Timeline::Account { account, .. } => api_url(base, &format!("/@{account}.rss")),
        }
    }
}

/// `mastodon.social`, `https://mastodon.social/` or `@mastodon.social` → `mastodon.social`,
/// or what is wrong with it.
pub fn instance_host(text: &str) -> Result<String, String> {
    let text = text.trim().trim_start_matches('@');
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| e.to_string())?;
    let host = url
        .host_str()
        .filter(|h| h.contains('.') || *h == "localhost");
    match (host, url.path()) {
        (Some(host), "/" | "") => Ok(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }),
        _ => Err("not a server name".to_owned()),
    }
}

/// An account's public RSS feed as items. Mastodon's feed names no author per post: they
/// are all the account's, so each carries its `@name@server` handle.
pub fn parse_account_feed(
    timeline: &Timeline,
    bytes: &[u8],
    content_type: Option<&str>,
    base: &str,
) -> Result<Vec<RawItem>, crate::sources::feed::FeedError> {
    let items = crate::sources::feed::parse_feed(bytes, content_type, Some(base))?;
    let handle = match timeline {
        Timeline::Account { instance, account } => {
            let server = instance.split(':').next().unwrap_or(instance);
            Some(format!("@{account}@{server}"))
        }
        Timeline::Tag { .. } => None,
    };
    Ok(items
        .into_iter()
        .map(|mut item| {
            if item.author.is_none() {
                item.author = handle.clone();
            }
            item
        })
        .collect())
}

#[derive(Deserialize)]
struct Status {
    uri: Option<String>,
    url: Option<String>,
    created_at: Option<String>,
    content: Option<String>,
    spoiler_text: Option<String>,
    account: Option<Account>,
    reblog: Option<Box<Status>>,
}

#[derive(Deserialize)]
struct Account {
    acct: Option<String>,
    url: Option<String>,
}

/// A JSON array of Status objects (a tag or account timeline) as items.
pub fn parse_statuses(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let statuses: Vec<Status> = serde_json::from_slice(bytes)?;
    Ok(statuses.into_iter().map(item).collect())
}

fn item(status: Status) -> RawItem {
    // A boost carries the boosted post: that is what was said, and by whom.
    let status = match status.reblog {
        Some(original) => *original,
        None => status,
    };
    let text = html_to_text(status.content.as_deref().unwrap_or_default());
    RawItem {
        guid: non_empty(status.uri.as_deref()),
        url: non_empty(status.url.as_deref()).or_else(|| non_empty(status.uri.as_deref())),
        author: status.account.as_ref().and_then(handle),
        // A content warning is the post's own headline.
        title: non_empty(status.spoiler_text.as_deref()),
        text,
        published_at: status
            .created_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        ..RawItem::default()
    }
}

/// `@name@server`, the handle people use across instances: `acct` is bare for accounts of
/// the instance that answered, so their server is taken from their profile's address.
fn handle(account: &Account) -> Option<String> {
    let acct = non_empty(account.acct.as_deref())?;
    if acct.contains('@') {
        return Some(format!("@{acct}"));
    }
    let server = account
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    Some(match server {
        Some(server) => format!("@{acct}@{server}"),
        None => format!("@{acct}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_tag_timeline_is_read_with_full_handles() {
        let Some(body) = crate::sources::platforms::vcr_body(
            "mastodon/gesistsa__rtoot__get_timeline_hashtag_default.yml",
        ) else {
            return;
        };
        let items = parse_statuses(&body).unwrap();
        assert_eq!(items.len(), 5);
        for item in &items {
            let author = item.author.as_deref().unwrap();
            assert!(
                author.starts_with('@') && author.matches('@').count() == 2,
                "{author}"
            );
            assert!(item.url.as_deref().unwrap().starts_with("https://"));
            assert!(item.guid.is_some() && item.published_at.is_some());
            assert!(
                !item.text.is_empty() && !item.text.contains("<p>"),
                "{}",
                item.text
            );
        }
        let first = &items[0];
        assert_eq!(
            first.published_at.unwrap().to_rfc3339(),
            "2025-07-17T19:07:48+00:00"
        );
    }

    #[test]
    fn a_recorded_account_timeline_names_its_local_account_with_its_server() {
        let Some(body) = crate::sources::platforms::vcr_body(
            "mastodon/gesistsa__rtoot__get_account_statuses_default.yml",
        ) else {
            return;
        };
        let items = parse_statuses(&body).unwrap();
        assert_eq!(items.len(), 20);
        // Its own posts are by @schochastics of fosstodon.org; boosts by whoever wrote them.
        assert!(items
            .iter()
            .any(|i| i.author.as_deref() == Some("@schochastics@fosstodon.org")));
    }

    /// An account feed as Mastodon serves `/@name.rss` (written after its format: the
    /// channel names the account, items carry link, guid, pubDate and escaped HTML, no
    /// author); the shared corpus holds no recording of one.
    const ACCOUNT_RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Portland Eats</title>
    <description>Public posts from @pdxeats@mastodon.social</description>
    <link>https://mastodon.social/@pdxeats</link>
    <generator>Mastodon v4.3.0</generator>
    <item>
      <guid isPermaLink="true">https://mastodon.social/@pdxeats/113000000000000001</guid>
      <link>https://mastodon.social/@pdxeats/113000000000000001</link>
      <pubDate>Tue, 24 Jun 2025 17:35:19 +0000</pubDate>
      <description>&lt;p&gt;Stale croissants at &lt;a href="https://mastodon.social/tags/HarborBakery" class="mention hashtag" rel="tag"&gt;#&lt;span&gt;HarborBakery&lt;/span&gt;&lt;/a&gt; today.&lt;/p&gt;</description>
      <category>harborbakery</category>
    </item>
  </channel>
</rss>"#;

    #[test]
    fn an_account_feed_is_by_the_account() {
        let timeline = Timeline::Account {
            instance: "mastodon.social".into(),
            account: "pdxeats".into(),
        };
        let base = "https://mastodon.social/@pdxeats.rss";
        let items = parse_account_feed(&timeline, ACCOUNT_RSS.as_bytes(), None, base).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].author.as_deref(), Some("@pdxeats@mastodon.social"));
        assert_eq!(items[0].text, "Stale croissants at #HarborBakery today.");
        assert_eq!(
            items[0].url.as_deref(),
            Some("https://mastodon.social/@pdxeats/113000000000000001")
        );
    }

    #[test]
    fn requests_and_instances() {
        let tag = Timeline::Tag {
            instance: "mastodon.social".into(),
            tag: "harborbakery".into(),
        };
        assert_eq!(
            tag.url(&tag.instance_url()).as_str(),
            "https://mastodon.social/api/v1/timelines/tag/harborbakery?limit=40"
        );
        let account = Timeline::Account {
            instance: "mastodon.social".into(),
            account: "harbor".into(),
        };
        assert_eq!(
            account.url(&account.instance_url()).as_str(),
            "https://mastodon.social/@harbor.rss"
        );
        assert_eq!(
            instance_host("https://mastodon.social/").unwrap(),
            "mastodon.social"
        );
        assert_eq!(instance_host("fosstodon.org").unwrap(), "fosstodon.org");
        assert!(instance_host("https://mastodon.social/@harbor").is_err());
        assert!(instance_host("not a host").is_err());
    }
}
