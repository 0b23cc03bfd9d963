//! The one HTTP client, and reading `file:` sources the same way.
//!
//! Bodies are read as bytes (never decoded text: the parsers decide the encoding), with
//! the size cap enforced while streaming so a huge response cannot fill memory. Requests
//! are polite: per-host and global limits ([`hosts`]), robots.txt for pages ([`robots`]),
//! redirects followed by hand so permanent moves can be remembered ([`client`]) and none
//! leads from a public site into the private network ([`local`]), and `Retry-After`
//! reported back for the schedule ([`retry`]).

mod client;
pub(crate) use client::tls_config;
pub use client::ApiCall;
pub mod hosts;
pub mod local;
pub mod retry;
pub mod robots;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use crate::config::{FetchSettings, Location};

/// Redirect hops followed at most.
pub const MAX_REDIRECTS: usize = 5;

/// Why a fetch failed, in words the owner can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A local file could not be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("timed out after {0:?}: the server is slow or unreachable; Earshot will retry later (raise [fetch] timeout if it is always slow)")]
    Timeout(Duration),
    /// Could not connect.
    #[error("cannot connect: {0}; check the url, or wait for the site to come back")]
    Connect(String),
    /// The server answered with an error status.
    #[error("server answered {status}{hint}{}", wait_note(*.retry_after))]
    Status {
        /// HTTP status.
        status: StatusCode,
        /// What it probably means.
        hint: &'static str,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// A bot wall (e.g. Cloudflare's challenge) refused an automated reader.
    #[error("blocked by the site's bot protection (HTTP {status}, challenge page): it refuses automated readers; look for an RSS feed or API for this site, or remove the source")]
    Blocked {
        /// HTTP status (403 or 429 usually).
        status: StatusCode,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// 410 Gone: the resource was removed for good.
    #[error("{url} answered 410 Gone: the page or feed was removed for good, so Earshot has disabled this source; put its new url in the config to enable it again")]
    Gone {
        /// The URL that is gone.
        url: String,
    },
    /// The body is larger than the cap.
    #[error("response is larger than the {limit}-byte cap; raise [fetch] max_body_bytes if this source is really that big")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// More redirects than [`MAX_REDIRECTS`].
    #[error("more than {limit} redirects starting at {url}: put the final address in the config")]
    TooManyRedirects {
        /// The hop limit.
        limit: usize,
        /// Where the chain started.
        url: String,
    },
    /// A redirect back to an address already visited.
    #[error("redirect loop: {url} redirects back to itself through {hops} hop(s); the site is misconfigured, check the url in a browser")]
    RedirectLoop {
        /// The address seen twice.
        url: String,
        /// Hops before the loop closed.
        hops: usize,
    },
    /// A 3xx without a usable `Location`.
    #[error(
        "server answered {status} without a usable Location header: the site is misconfigured"
    )]
    BadRedirect {
        /// The 3xx status.
        status: StatusCode,
    },
    /// A redirect to a scheme other than http(s): `file:`, `ftp:`, `data:`…
    #[error("server answered {status} redirecting to {location}, which Earshot refuses: it follows redirects only to http and https addresses, never to {scheme}: (a web site must not make it read local files or other services); check the source's url in a browser")]
    RedirectScheme {
        /// The 3xx status.
        status: StatusCode,
        /// The target, shortened.
        location: String,
        /// Its scheme.
        scheme: String,
    },
    /// A redirect from a public address to a loopback or private-network one (SSRF).
    #[error("{from} redirected to {to}, a loopback or private-network address, which Earshot refuses from a public site (such a redirect can reach services inside your network); if that address really is the source, put it in the config as the source's url")]
    RedirectToPrivate {
        /// Where the hop came from.
        from: String,
        /// The private target.
        to: String,
    },
    /// robots.txt forbids the page.
    #[error("robots.txt of {host} disallows {path}: the site asks automated readers not to fetch it; remove this source or ask the site for a feed")]
    Disallowed {
        /// The host.
        host: String,
        /// The path refused.
        path: String,
    },
    /// robots.txt could not be read (server error, timeout): pages wait until it can be.
    #[error("cannot read robots.txt of {host} ({reason}); page sources wait until it answers")]
    RobotsUnavailable {
        /// The host.
        host: String,
        /// Why.
        reason: String,
    },
    /// Anything else on the wire.
    #[error("request failed: {0}; Earshot will retry later")]
    Other(String),
}

/// "; it asked to wait 1h" when the server sent a `Retry-After`.
fn wait_note(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|wait| {
            let wait = Duration::from_secs(wait.as_secs());
            format!(
                "; it asked Earshot to wait {}",
                humantime::format_duration(wait)
            )
        })
        .unwrap_or_default()
}

/// How a failure should be shown and scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The site or network failed; retry with backoff.
    Error,
    /// A bot wall: shown as "blocked", distinct from server errors.
    Blocked,
    /// 410 Gone: the source is disabled.
    Gone,
}

impl FetchError {
    /// The wait the server asked for (`Retry-After` on 429/503), if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } | FetchError::Blocked { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Error, blocked or gone.
    pub fn kind(&self) -> FailureKind {
        match self {
            FetchError::Blocked { .. } => FailureKind::Blocked,
            FetchError::Gone { .. } => FailureKind::Gone,
            _ => FailureKind::Error,
        }
    }
}

/// Validators from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    /// ETag as received.
    pub etag: Option<String>,
    /// Last-Modified as received.
    pub last_modified: Option<String>,
}

/// A fetched body, or word that nothing changed.
// One value per fetch, moved once: boxing the body would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Fetched {
    /// 304 Not Modified.
    NotModified {
        /// Where permanent redirects (301/308) led, as for a body.
        moved_to: Option<url::Url>,
    },
    /// New content.
    Body {
        /// The bytes, at most the cap.
        bytes: Vec<u8>,
        /// The Content-Type header, if any (its charset matters for decoding).
        content_type: Option<String>,
        /// New validators.
        validators: Validators,
        /// The final URL after redirects.
        final_url: Option<String>,
        /// Where a chain of permanent redirects (301/308) from the requested URL led:
        /// the address to use from now on.
        moved_to: Option<url::Url>,
    },
}

impl Fetched {
    /// The new permanent address, if redirects said so.
    pub fn moved_to(&self) -> Option<&url::Url> {
        match self {
            Fetched::NotModified { moved_to } | Fetched::Body { moved_to, .. } => moved_to.as_ref(),
        }
    }
}

/// The shared client (cheap to clone).
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    hosts: Arc<hosts::HostLimits>,
    robots: Arc<robots::RobotsCache>,
}

impl Fetcher {
    /// Build the client from `[fetch]` settings.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            client: client::build(settings)?,
            settings: settings.clone(),
            hosts: Arc::new(hosts::HostLimits::new(settings.max_concurrent)),
            robots: Arc::default(),
        })
    }

    /// Fetch a location, conditionally when validators are known.
    pub async fn fetch(
        &self,
        location: &Location,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::File(path) => self.read_file(path).await,
            Location::Http(url) => {
                self.get_following(url.clone(), validators, false, &[])
                    .await
            }
        }
    }

    /// Like [`Fetcher::fetch`], but an HTML page: robots.txt is honoured for every hop.
    pub async fn fetch_page(
        &self,
        location: &Location,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::File(path) => self.read_file(path).await,
            Location::Http(url) => self.get_following(url.clone(), validators, true, &[]).await,
        }
    }

    /// Like [`Fetcher::fetch`] (or [`Fetcher::fetch_page`] when `robots`), sending these
    /// headers to the URL's own origin (an API key: never to where a redirect leads).
    pub async fn fetch_with(
        &self,
        location: &Location,
        validators: &Validators,
        robots: bool,
        headers: &[(&'static str, String)],
    ) -> Result<Fetched, FetchError> {
        match location {
            Location::File(path) => self.read_file(path).await,
            Location::Http(url) => {
                self.get_following(url.clone(), validators, robots, headers)
                    .await
            }
        }
    }

    /// The `Crawl-delay` the host of `url` asks for (once its robots.txt was read), to
    /// wait between the pages of one source.
    pub fn crawl_delay(&self, url: &url::Url) -> Option<Duration> {
        self.robots.crawl_delay(url)
    }

    async fn read_file(&self, path: &std::path::Path) -> Result<Fetched, FetchError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| FetchError::File {
                path: path.display().to_string(),
                source,
            })?;
        if bytes.len() as u64 > self.settings.max_body_bytes {
            return Err(FetchError::TooLarge {
                limit: self.settings.max_body_bytes,
            });
        }
        Ok(Fetched::Body {
            bytes,
            content_type: None,
            validators: Validators::default(),
            final_url: None,
            moved_to: None,
        })
    }
}
