//! Google Alerts delivered as a feed ("Deliver to: RSS feed"): an Atom feed whose links
//! are Google redirects (`https://www.google.com/url?rct=j&sa=t&url=REAL&…`) and whose
//! titles and snippets mark the matched words with `<b>`.

use super::{api_url, RawItem};
use crate::sources::feed::{parse_feed, FeedError};
use crate::sources::text::html_to_text;

/// The alert's feed on `base` (Google itself, or a stand-in): its path and query kept.
pub fn feed_url(base: &url::Url, feed: &url::Url) -> url::Url {
    let mut url = api_url(base, feed.path());
    url.set_query(feed.query());
    url
}

/// The feed's entries with real links and plain text.
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Vec<RawItem>, FeedError> {
    let items = parse_feed(bytes, content_type, None)?;
    Ok(items.into_iter().map(clean).collect())
}

fn clean(mut item: RawItem) -> RawItem {
    item.url = item.url.map(|link| unwrap_redirect(&link));
    item.title = item.title.map(|t| plain(&t)).filter(|t| !t.is_empty());
    item.text = plain(&item.text);
    item.author = item.author.filter(|a| !a.trim().is_empty());
    item
}

/// Highlight markup removed, whether it came as tags or escaped once more.
fn plain(text: &str) -> String {
    if text.contains('<') {
        html_to_text(text)
    } else {
        text.to_owned()
    }
}

/// `https://www.google.com/url?…&url=REAL&…` → `REAL`; any other link unchanged.
pub fn unwrap_redirect(link: &str) -> String {
    let Ok(url) = url::Url::parse(link) else {
        return link.to_owned();
    };
    let is_google = url
        .host_str()
        .is_some_and(|h| h.starts_with("www.google.") || h.starts_with("google."));
    if !is_google || url.path() != "/url" {
        return link.to_owned();
    }
    url.query_pairs()
        .find(|(key, _)| key == "url" || key == "q")
        .map(|(_, real)| real.into_owned())
        .filter(|real| real.starts_with("http://") || real.starts_with("https://"))
        .unwrap_or_else(|| link.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::platforms::corpus;

    #[test]
    fn a_recorded_alert_feed_links_to_the_articles_in_plain_words() {
        let Some(bytes) = corpus("google_alerts/feedjira__feedjira__google_alerts_atom.xml") else {
            return;
        };
        let items = parse(&bytes, Some("application/atom+xml")).unwrap();
        assert_eq!(items.len(), 20);
        let first = &items[0];
        assert_eq!(
            first.url.as_deref(),
            Some("https://www.aglobalmarketresearch.com/report-offers-prediction-of-automotive-slack-market-by-top-key-players-like-haldex-meritor-bendix-mei-wabco-accuride-stemco-tbk-febi-aydinsan/")
        );
        assert_eq!(
            first.title.as_deref(),
            Some("Report offers Prediction of Automotive Slack Market by Top key players like Haldex, Meritor, Bendix ...")
        );
        assert!(
            first.text.starts_with("Automotive Slack Market reports"),
            "{}",
            first.text
        );
        for item in &items {
            assert_eq!(item.author, None);
            assert!(!item.url.as_deref().unwrap().contains("google.com/url"));
            let title = item.title.as_deref().unwrap();
            assert!(
                !title.contains("<b>") && !item.text.contains("<b>"),
                "{title}"
            );
            assert!(item.guid.as_deref().unwrap().starts_with("tag:google.com"));
        }
    }

    #[test]
    fn only_google_redirects_are_unwrapped() {
        assert_eq!(
            unwrap_redirect(
                "https://www.google.com/url?rct=j&sa=t&url=https://a.test/x%3Fy%3D1&ct=ga"
            ),
            "https://a.test/x?y=1"
        );
        assert_eq!(
            unwrap_redirect("https://a.test/url?url=https://b.test"),
            "https://a.test/url?url=https://b.test"
        );
        // A redirect to something that is not a web address is left as Google wrote it.
        let odd = "https://www.google.com/url?url=javascript:alert(1)";
        assert_eq!(unwrap_redirect(odd), odd);
    }

    #[test]
    fn a_stand_in_serves_the_alerts_path() {
        let feed = url::Url::parse("https://www.google.com/alerts/feeds/0417/4428?hl=en").unwrap();
        let base = url::Url::parse("http://127.0.0.1:8000/").unwrap();
        assert_eq!(
            feed_url(&base, &feed).as_str(),
            "http://127.0.0.1:8000/alerts/feeds/0417/4428?hl=en"
        );
    }
}
