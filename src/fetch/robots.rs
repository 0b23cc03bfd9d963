//! robots.txt for page sources: fetched once per host and kept for a day (RFC 9309).
//!
//! A missing robots.txt (any 4xx) allows everything; an unreachable one (5xx, timeout)
//! disallows for now and is asked again on the next attempt, as the RFC asks.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::hosts::host_key;
use super::{FetchError, Fetched};

/// The product token matched against `User-agent:` lines.
pub const ROBOTS_AGENT: &str = "Earshot";
/// How long a robots.txt is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// Longest `Crawl-delay` honoured between the pages of one source.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(10);

/// What one host's robots.txt says.
pub(crate) enum Rules {
    /// No robots.txt (4xx), or one we cannot parse: everything is allowed.
    AllowAll,
    /// Parsed rules.
    Parsed(Box<texting_robots::Robot>),
}

impl Rules {
    /// Rules from a fetch of `/robots.txt`; `Err` when it is unreachable for now.
    pub(crate) fn from_fetch(result: Result<Fetched, FetchError>) -> Result<Rules, String> {
        match result {
            Ok(Fetched::Body { bytes, .. }) => Ok(Rules::parse(&bytes)),
            Ok(Fetched::NotModified { .. }) => Ok(Rules::AllowAll),
            Err(FetchError::Status { status, .. }) if status.is_client_error() => {
                Ok(Rules::AllowAll)
            }
            Err(FetchError::Gone { .. } | FetchError::TooLarge { .. }) => Ok(Rules::AllowAll),
            Err(other) => Err(other.to_string()),
        }
    }

    /// Parse robots.txt text for [`ROBOTS_AGENT`].
    pub(crate) fn parse(bytes: &[u8]) -> Rules {
        match texting_robots::Robot::new(ROBOTS_AGENT, bytes) {
            Ok(robot) => Rules::Parsed(Box::new(robot)),
            Err(_) => Rules::AllowAll,
        }
    }

    /// The `Crawl-delay` asked of Earshot, capped at [`MAX_CRAWL_DELAY`].
    pub(crate) fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::AllowAll => None,
            Rules::Parsed(robot) => robot.delay.filter(|d| d.is_finite() && *d > 0.0).map(|d| {
                Duration::try_from_secs_f32(d).map_or(MAX_CRAWL_DELAY, |d| d.min(MAX_CRAWL_DELAY))
            }),
        }
    }

    /// May Earshot fetch `url`?
    pub(crate) fn allows(&self, url: &url::Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }
}

struct Entry {
    rules: Rules,
    fetched_at: Instant,
}

/// The boxed fetch of a robots.txt URL (boxed: the fetcher calls back into itself).
pub(crate) type RobotsFetch<'a> =
    Pin<Box<dyn Future<Output = Result<Fetched, FetchError>> + Send + 'a>>;

/// robots.txt rules per host, each fetched at most once at a time.
#[derive(Default)]
pub(crate) struct RobotsCache {
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

impl RobotsCache {
    /// `Ok` when `url` may be fetched; `fetch` reads a robots.txt URL when the cache has
    /// no fresh copy.
    pub(crate) async fn check<'a>(
        &self,
        url: &url::Url,
        fetch: impl FnOnce(url::Url) -> RobotsFetch<'a>,
    ) -> Result<(), FetchError> {
        let host = url.host_str().unwrap_or("").to_owned();
        let slot = self.slot(&host_key(url));
        let mut entry = slot.lock().await;
        if entry
            .as_ref()
            .is_none_or(|e| e.fetched_at.elapsed() > ROBOTS_TTL)
        {
            let mut robots_url = url.clone();
            robots_url.set_path("/robots.txt");
            robots_url.set_query(None);
            robots_url.set_fragment(None);
            let rules = Rules::from_fetch(fetch(robots_url).await).map_err(|reason| {
                FetchError::RobotsUnavailable {
                    host: host.clone(),
                    reason,
                }
            })?;
            *entry = Some(Entry {
                rules,
                fetched_at: Instant::now(),
            });
        }
        let allowed = entry.as_ref().is_some_and(|e| e.rules.allows(url));
        if allowed {
            Ok(())
        } else {
            Err(FetchError::Disallowed {
                host,
                path: url.path().to_owned(),
            })
        }
    }

    /// The host's `Crawl-delay`, when its robots.txt is cached and asks for one.
    pub(crate) fn crawl_delay(&self, url: &url::Url) -> Option<Duration> {
        let slot = self.slot(&host_key(url));
        let entry = slot.try_lock().ok()?;
        entry.as_ref()?.rules.crawl_delay()
    }

    fn slot(&self, key: &str) -> Arc<tokio::sync::Mutex<Option<Entry>>> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.entry(key.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn rules_for_earshot_and_for_everyone() {
        let rules = Rules::parse(
            b"User-agent: *\nDisallow: /private/\n\nUser-agent: Earshot\nDisallow: /reviews/secret\n",
        );
        assert!(rules.allows(&url("https://x.test/reviews/1")));
        assert!(!rules.allows(&url("https://x.test/reviews/secret")));
        let everyone = Rules::parse(b"User-agent: *\nDisallow: /private/\n");
        assert!(!everyone.allows(&url("https://x.test/private/a")));
        assert!(everyone.allows(&url("https://x.test/public")));
    }

    #[test]
    fn crawl_delay_is_read_and_capped() {
        let slow = Rules::parse(b"User-agent: *\nCrawl-delay: 2\n");
        assert_eq!(slow.crawl_delay(), Some(Duration::from_secs(2)));
        let silly = Rules::parse(b"User-agent: *\nCrawl-delay: 3600\n");
        assert_eq!(silly.crawl_delay(), Some(MAX_CRAWL_DELAY));
        assert_eq!(Rules::AllowAll.crawl_delay(), None);
    }

    /// Issue 13 #8: a huge `Crawl-delay` reached `Duration::from_secs_f32`, which panics.
    #[test]
    fn arithmetic_that_panics_on_input_crawl_delay() {
        for delay in [
            "1e30",
            "340282346638528859811704183484516925440",
            "-5",
            "NaN",
            "inf",
        ] {
            let rules = Rules::parse(format!("User-agent: *\nCrawl-delay: {delay}\n").as_bytes());
            assert!(
                rules.crawl_delay().is_none_or(|d| d <= MAX_CRAWL_DELAY),
                "{delay}"
            );
        }
    }

    #[test]
    fn a_missing_robots_txt_allows_and_a_server_error_does_not() {
        let missing = Err(FetchError::Status {
            status: reqwest::StatusCode::NOT_FOUND,
            hint: "",
            retry_after: None,
        });
        assert!(Rules::from_fetch(missing)
            .unwrap()
            .allows(&url("https://x.test/a")));
        let down = Err(FetchError::Status {
            status: reqwest::StatusCode::BAD_GATEWAY,
            hint: "",
            retry_after: None,
        });
        assert!(Rules::from_fetch(down).is_err());
    }
}
