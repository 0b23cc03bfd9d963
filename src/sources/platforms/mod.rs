//! Named platforms: a `[[source]]` with `kind = "reddit"`, `"hackernews"`, `"mastodon"`,
//! `"bluesky"`, `"google-alerts"`, `"trustpilot"` or `"google-places"` and the few fields a
//! person knows (a query, an account, a page, a place id; API keys and logins only from the
//! environment). Each
//! platform builds its request URL from those fields and reads its answer into
//! [`RawItem`]s; the fetch itself is the shared [`crate::fetch::Fetcher`]'s (politeness,
//! caps, conditional GET, backoff), and the items go through the same pipeline as a feed's.

pub mod bluesky;
pub mod google_alerts;
pub mod google_places;
pub mod hackernews;
pub mod mastodon;
pub mod reddit;
pub mod trustpilot;

use super::RawItem;

/// What the owner asked a platform for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// Reddit search, newest first, optionally within one subreddit.
    Reddit {
        /// Search words.
        query: String,
        /// Subreddit name without `r/`.
        subreddit: Option<String>,
    },
    /// Hacker News stories and comments by date, through Algolia's public search API.
    HackerNews {
        /// Search words.
        query: String,
    },
    /// A Mastodon instance's public timeline of a hashtag, or an account's posts.
    Mastodon(mastodon::Timeline),
    /// Bluesky post search (with a login) or an account's posts (without).
    Bluesky(bluesky::Feed),
    /// A Google Alerts feed (its path and query; the host is `api_base`'s).
    GoogleAlerts {
        /// The alert's feed URL as Google gives it.
        feed: url::Url,
    },
    /// A business's Trustpilot reviews (the official API with a key, else its page).
    Trustpilot {
        /// The business's review page, `https://www.trustpilot.com/review/DOMAIN`.
        page: url::Url,
    },
    /// A Google place's reviews through the Places API (New).
    GooglePlaces {
        /// The place's id (`ChIJ…`).
        place_id: String,
    },
}

/// A platform source: what to ask, and where the platform (or a stand-in) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSource {
    /// What to ask.
    pub platform: Platform,
    /// Scheme and host (and an optional path prefix) of the platform's API.
    pub api_base: url::Url,
}

/// A response that is not what the platform's API serves.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// An HTML page where JSON was expected: a login wall, a block page or a challenge.
    #[error("{platform} answered with a web page instead of its data: it is refusing automated readers from this address. {advice}")]
    WebPage {
        /// Platform name for people.
        platform: &'static str,
        /// What the owner can do.
        advice: &'static str,
    },
    /// The platform refused the API key.
    #[error("{platform}: the key was refused: {detail}. Check ${var}: a valid key with this API enabled")]
    KeyRefused {
        /// Platform name for people.
        platform: &'static str,
        /// The environment variable holding the key.
        var: &'static str,
        /// The platform's words.
        detail: String,
    },
    /// Broken or unexpected data.
    #[error("{platform} answered with data Earshot cannot read ({detail}); check api_base, or report it if the platform changed its format")]
    Unreadable {
        /// Platform name for people.
        platform: &'static str,
        /// The parser's words.
        detail: String,
    },
}

impl Platform {
    /// The platform's name for people ("Reddit").
    pub fn label(&self) -> &'static str {
        match self {
            Platform::Reddit { .. } => "Reddit",
            Platform::HackerNews { .. } => "Hacker News",
            Platform::Mastodon(_) => "Mastodon",
            Platform::Bluesky(_) => "Bluesky",
            Platform::GoogleAlerts { .. } => "Google Alerts",
            Platform::Trustpilot { .. } => "Trustpilot",
            Platform::GooglePlaces { .. } => "Google Places",
        }
    }

    /// The `kind` written in the config.
    pub fn kind(&self) -> &'static str {
        match self {
            Platform::Reddit { .. } => "reddit",
            Platform::HackerNews { .. } => "hackernews",
            Platform::Mastodon(_) => "mastodon",
            Platform::Bluesky(_) => "bluesky",
            Platform::GoogleAlerts { .. } => "google-alerts",
            Platform::Trustpilot { .. } => "trustpilot",
            Platform::GooglePlaces { .. } => "google-places",
        }
    }

    /// The API's public address when the config gives no `api_base`: for Mastodon the
    /// owner's `instance`, for Google Alerts the feed URL's own host.
    pub fn default_api_base(&self) -> url::Url {
        let base = match self {
            Platform::Reddit { .. } => "https://www.reddit.com/",
            Platform::HackerNews { .. } => "https://hn.algolia.com/",
            Platform::Mastodon(timeline) => return timeline.instance_url(),
            Platform::Bluesky(feed) => return feed.default_api_base(),
            Platform::GoogleAlerts { feed } => return origin_of(feed),
            Platform::Trustpilot { page } => return origin_of(page),
            Platform::GooglePlaces { .. } => "https://places.googleapis.com/",
        };
        url::Url::parse(base).expect("a valid constant URL")
    }

    /// What the owner can do when the platform refuses Earshot (a 403 or a challenge).
    pub fn blocked_advice(&self) -> &'static str {
        match self {
            Platform::Reddit { .. } => "Reddit refuses unidentified or cloud-hosted readers: set [fetch] contact so Earshot's User-Agent names you, poll less often (interval = \"30m\"), or run Earshot from another network",
            Platform::HackerNews { .. } => "Algolia's Hacker News API is public: wait for the block to lift, and poll less often (interval = \"30m\")",
            Platform::Mastodon(_) => "this instance does not show its public timelines to visitors without a login: pick another instance that carries the tag, or follow the account's RSS feed on its home instance",
            Platform::Bluesky(_) => "Bluesky's API is open to logged-in and public readers alike: wait for the block to lift and poll less often (interval = \"30m\"); for a search, check $EARSHOT_BLUESKY_HANDLE and $EARSHOT_BLUESKY_APP_PASSWORD",
            Platform::GoogleAlerts { .. } => "check that the alert still exists and is set to \"Deliver to: RSS feed\", then copy its feed URL again",
            Platform::Trustpilot { .. } => "Trustpilot refuses automated readers of its pages: get an API key from Trustpilot (businesses.trustpilot.com → Integrations → API) and set $EARSHOT_TRUSTPILOT_API_KEY, which Earshot then uses instead of the page",
            Platform::GooglePlaces { .. } => "the key was refused: check that $EARSHOT_GOOGLE_API_KEY is a valid key with the Places API (New) enabled in its Google Cloud project",
        }
    }

    /// The environment variable this platform cannot work without.
    pub fn required_key(&self) -> Option<&'static str> {
        match self {
            Platform::GooglePlaces { .. } => Some(google_places::KEY_VAR),
            _ => None,
        }
    }

    /// Whether reading needs a login from the environment (Bluesky search).
    pub fn needs_login(&self) -> bool {
        matches!(self, Platform::Bluesky(feed) if feed.needs_login())
    }

    /// True when the platform answers JSON (an HTML answer then means a wall).
    fn expects_json(&self) -> bool {
        !matches!(
            self,
            Platform::GoogleAlerts { .. }
                | Platform::Mastodon(mastodon::Timeline::Account { .. })
                | Platform::Trustpilot { .. }
        )
    }
}

impl PlatformSource {
    /// What is missing for a source that reads with a login (a variable not set), so
    /// startup and `earshot sources` can say it before any poll fails.
    pub fn login_problem(&self) -> Option<String> {
        if !self.platform.needs_login() {
            return None;
        }
        bluesky::session::check_credentials().err()
    }

    /// The one request that reads this source.
    pub fn request_url(&self) -> url::Url {
        match &self.platform {
            Platform::Reddit { query, subreddit } => {
                reddit::search_url(&self.api_base, query, subreddit.as_deref())
            }
            Platform::HackerNews { query } => hackernews::search_url(&self.api_base, query),
            Platform::Mastodon(timeline) => timeline.url(&self.api_base),
            Platform::Bluesky(feed) => feed.url(&self.api_base),
            Platform::GoogleAlerts { feed } => google_alerts::feed_url(&self.api_base, feed),
            Platform::Trustpilot { page } => trustpilot::page_url(&self.api_base, page, 1),
            Platform::GooglePlaces { place_id } => {
                google_places::place_url(&self.api_base, place_id)
            }
        }
    }

    /// Headers the request needs: an API key from the environment (sent as a header, so
    /// it never appears in a URL or a log line). A key this platform cannot do without,
    /// missing, is an error naming its variable.
    pub fn request_headers(&self) -> Result<Vec<(&'static str, String)>, String> {
        match &self.platform {
            Platform::GooglePlaces { .. } => Ok(vec![
                ("x-goog-api-key", env_key(google_places::KEY_VAR)?),
                ("x-goog-fieldmask", google_places::FIELD_MASK.to_owned()),
            ]),
            _ => Ok(Vec::new()),
        }
    }

    /// Read a response body into items.
    pub fn parse(
        &self,
        bytes: &[u8],
        content_type: Option<&str>,
    ) -> Result<Vec<RawItem>, PlatformError> {
        let platform = &self.platform;
        if platform.expects_json() && looks_like_html(bytes, content_type) {
            return Err(PlatformError::WebPage {
                platform: platform.label(),
                advice: platform.blocked_advice(),
            });
        }
        let unreadable = |detail: String| PlatformError::Unreadable {
            platform: platform.label(),
            detail,
        };
        match platform {
            Platform::Reddit { .. } => reddit::parse(bytes).map_err(|e| unreadable(e.to_string())),
            Platform::HackerNews { .. } => {
                hackernews::parse(bytes).map_err(|e| unreadable(e.to_string()))
            }
            Platform::Mastodon(mastodon::Timeline::Tag { .. }) => {
                mastodon::parse_statuses(bytes).map_err(|e| unreadable(e.to_string()))
            }
            Platform::Mastodon(timeline @ mastodon::Timeline::Account { .. }) => {
                let base = self.request_url();
                mastodon::parse_account_feed(timeline, bytes, content_type, base.as_str())
                    .map_err(|e| unreadable(e.to_string()))
            }
            Platform::Bluesky(bluesky::Feed::Search { .. }) => {
                bluesky::parse_search(bytes).map_err(|e| unreadable(e.to_string()))
            }
            Platform::Bluesky(bluesky::Feed::Author { .. }) => {
                bluesky::parse_author_feed(bytes).map_err(|e| unreadable(e.to_string()))
            }
            Platform::GoogleAlerts { .. } => {
                google_alerts::parse(bytes, content_type).map_err(|e| unreadable(e.to_string()))
            }
            Platform::Trustpilot { .. } => {
                trustpilot::parse_page(bytes, content_type, &self.request_url())
                    .map_err(|e| unreadable(e.to_string()))
            }
            Platform::GooglePlaces { place_id } => {
                google_places::parse(bytes, place_id).map_err(|e| match e {
                    google_places::PlacesError::KeyRefused(detail) => PlatformError::KeyRefused {
                        platform: platform.label(),
                        var: google_places::KEY_VAR,
                        detail,
                    },
                    google_places::PlacesError::Unreadable(detail) => unreadable(detail),
                })
            }
        }
    }
}

/// An API key from the environment, or what to set when it is missing.
pub fn env_key(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(key) if !key.trim().is_empty() => Ok(key.trim().to_owned()),
        _ => Err(format!("needs an API key: set the environment variable ${var} for Earshot (never in the config file), then restart it")),
    }
}

/// `https://host[:port]/` of a URL.
fn origin_of(url: &url::Url) -> url::Url {
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    origin
}

/// `base` joined with an absolute API path, keeping any path prefix of `base` (a proxy
/// may serve the API under `/reddit/`).
fn api_url(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// An HTML document where data was expected (by its type or its first bytes).
fn looks_like_html(bytes: &[u8], content_type: Option<&str>) -> bool {
    if content_type.is_some_and(|t| t.to_ascii_lowercase().contains("text/html")) {
        return true;
    }
    let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// Seconds since the epoch (Reddit's and Algolia's dates) as a time.
fn from_epoch(seconds: f64) -> Option<chrono::DateTime<chrono::Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    chrono::DateTime::from_timestamp(seconds.trunc() as i64, 0)
}

/// Text that is not empty after trimming.
fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The first recorded response body of an R-vcr YAML cassette in the shared corpus.
#[cfg(test)]
pub(crate) fn vcr_body(file: &str) -> Option<Vec<u8>> {
    let cassette: serde_norway::Value = serde_norway::from_slice(&corpus(file)?).unwrap();
    let body = cassette["http_interactions"][0]["response"]["body"]["string"]
        .as_str()
        .unwrap()
        .to_owned();
    Some(body.into_bytes())
}

/// Path of a recorded platform response in `../shared/corpus/platforms/`, for tests.
#[cfg(test)]
pub(crate) fn corpus(path: &str) -> Option<Vec<u8>> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/platforms")
        .join(path);
    match std::fs::read(&full) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!(
                "skipped: {} is absent (the shared corpus is not checked out)",
                full.display()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_keep_a_proxy_prefix() {
        let base = url::Url::parse("http://127.0.0.1:9/reddit/").unwrap();
        assert_eq!(
            api_url(&base, "/search.json").as_str(),
            "http://127.0.0.1:9/reddit/search.json"
        );
        let plain = url::Url::parse("https://www.reddit.com").unwrap();
        assert_eq!(
            api_url(&plain, "/search.json").as_str(),
            "https://www.reddit.com/search.json"
        );
    }

    #[test]
    fn a_web_page_where_json_was_expected_is_a_wall() {
        let source = PlatformSource {
            platform: Platform::HackerNews { query: "x".into() },
            api_base: url::Url::parse("https://hn.algolia.com/").unwrap(),
        };
        let page = b"<!DOCTYPE html><html><title>Blocked</title></html>";
        let err = source.parse(page, None).unwrap_err();
        assert!(matches!(err, PlatformError::WebPage { .. }), "{err}");
        assert!(err.to_string().contains("poll less often"), "{err}");
        let err = source
            .parse(b"{}", Some("text/html; charset=utf-8"))
            .unwrap_err();
        assert!(matches!(err, PlatformError::WebPage { .. }));
    }
}
