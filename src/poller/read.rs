//! Reading a source: fetch (conditionally), skip an unchanged body, extract items from a
//! feed or from a review page and the pages after it.
//!
//! Parsing and extraction are CPU work (a hostile page can make them slow even within
//! their bounds), so they run on tokio's blocking threads, never on the async workers
//! that serve the web log and drive the other fetches.

use super::Pipeline;
use crate::config::{Location, Source, SourceKind};
use crate::fetch::{FetchError, Fetched, Validators};
use crate::schedule::{Failure, FailureKind};
use crate::sources::platforms::bluesky::{self, session::SearchError};
use crate::sources::platforms::{env_key, trustpilot, Platform, PlatformError, PlatformSource};
use crate::sources::{encoding, feed, page, RawItem};
use crate::store::SourceState;

/// A page as fetched: bytes, their declared type, and the address links resolve against.
struct Body {
    bytes: Vec<u8>,
    content_type: Option<String>,
    url: url::Url,
}

impl Pipeline {
    /// Fetch and extract; `None` when nothing changed. Validators and the body hash are
    /// kept only once the body was read successfully, so a failed parse is retried.
    pub(crate) async fn read(
        &self,
        source: &Source,
        location: &Location,
        state: &mut SourceState,
    ) -> Result<Option<Vec<RawItem>>, Failure> {
        state.listed_all = false;
        if let Some(platform) = &source.platform {
            if let Some(items) = self.read_by_api(platform).await? {
                return Ok(Some(items));
            }
        }
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let fetched = match (&source.platform, source.kind) {
            (Some(platform), _) if platform.platform.needs_login() => {
                self.read_with_login(platform).await?
            }
            // A platform's API is no crawled page: robots.txt is for pages, as for feeds;
            // a platform read through its public web page (Trustpilot's) honours it.
            (Some(platform), _) => {
                let headers = platform.request_headers().map_err(Failure::error)?;
                let robots = matches!(platform.platform, Platform::Trustpilot { .. });
                self.fetcher
                    .fetch_with(location, &validators, robots, &headers)
                    .await
                    .map_err(|e| platform_failure(&platform.platform, e))?
            }
            (None, SourceKind::Page) => self.fetcher.fetch_page(location, &validators).await?,
            (None, _) => self.fetcher.fetch(location, &validators).await?,
        };
        if let Some(moved) = fetched.moved_to() {
            tracing::info!(source = %source.name, "moved permanently to {moved}; using the new address from now on");
            state.url = Some(moved.to_string());
        }
        let Fetched::Body {
            bytes,
            content_type,
            validators,
            final_url,
            ..
        } = fetched
        else {
            return Ok(None);
        };
        let hash = body_hash(&bytes);
        let unchanged = state.body_hash.as_deref() == Some(hash.as_str());
        let items = if unchanged {
            None
        } else {
            let url = final_url
                .and_then(|u| url::Url::parse(&u).ok())
                .unwrap_or_else(|| base_url(location));
            let body = Body {
                bytes,
                content_type,
                url,
            };
            Some(match (&source.platform, source.kind) {
                (Some(platform), _) => {
                    let first = {
                        let platform = platform.clone();
                        off_worker(move || extract_platform(&platform, &body)).await?
                    };
                    self.more_platform_pages(source, platform, first).await
                }
                (None, SourceKind::Page) => {
                    let (items, complete) = self.read_pages(source, body, state.had_items).await?;
                    state.listed_all = complete;
                    items
                }
                (None, _) => off_worker(move || extract_feed(&body)).await?,
            })
        };
        state.etag = validators.etag;
        state.last_modified = validators.last_modified;
        state.body_hash = Some(hash);
        state.had_items |= items.as_ref().is_some_and(|i| !i.is_empty());
        Ok(items)
    }

    /// The first page's reviews, then `next_page` links up to `max_pages`, each fetched
    /// politely (robots.txt, host limits, its `Crawl-delay` between pages). A later page
    /// that fails is logged and ends the walk; what was read stays. Also whether the walk
    /// reached the last page (no page failed and `max_pages` did not stop it): only then
    /// does a review missing from it count as removed upstream.
    async fn read_pages(
        &self,
        source: &Source,
        first: Body,
        had_items: bool,
    ) -> Result<(Vec<RawItem>, bool), Failure> {
        let first_url = first.url.clone();
        let extract = extract_page(source, first).await?;
        if extract.items.is_empty() {
            return Err(nothing_matched(source, had_items));
        }
        let mut items = extract.items;
        let mut next = extract.next_page;
        let mut seen = vec![first_url];
        let mut complete = false;
        for page in 1..=source.max_pages {
            let Some(url) = next.take().filter(|u| !seen.contains(u)) else {
                complete = true;
                break;
            };
            if page == source.max_pages {
                // A next page exists beyond max_pages: the list was cut short.
                break;
            }
            if let Some(delay) = self.fetcher.crawl_delay(&url) {
                tokio::time::sleep(delay).await;
            }
            match self.next_page(source, &url).await {
                Ok(more) => {
                    items.extend(more.items);
                    next = more.next_page;
                    seen.push(url);
                }
                Err(failure) => {
                    tracing::warn!(source = %source.name, "stopped at {url}: {}", failure.message);
                    break;
                }
            }
        }
        Ok((items, complete))
    }

    async fn next_page(
        &self,
        source: &Source,
        url: &url::Url,
    ) -> Result<page::PageExtract, Failure> {
        let location = next_location(&source.location, url)
            .ok_or_else(|| Failure::error(format!("next page {url} is not on a usable scheme")))?;
        match self
            .fetcher
            .fetch_page(&location, &Validators::default())
            .await?
        {
            Fetched::Body {
                bytes,
                content_type,
                final_url,
                ..
            } => {
                let url = final_url
                    .and_then(|u| url::Url::parse(&u).ok())
                    .unwrap_or_else(|| url.clone());
                extract_page(
                    source,
                    Body {
                        bytes,
                        content_type,
                        url,
                    },
                )
                .await
            }
            Fetched::NotModified { .. } => {
                Err(Failure::error("next page answered 304 to a plain GET"))
            }
        }
    }
}

impl Pipeline {
    /// A platform read through its official API with a key from the environment, when
    /// it has one: Trustpilot's business unit, found by domain, then its reviews. `None`
    /// when the source is read the ordinary way (one request, or pages).
    async fn read_by_api(
        &self,
        platform: &PlatformSource,
    ) -> Result<Option<Vec<RawItem>>, Failure> {
        let Platform::Trustpilot { page } = &platform.platform else {
            return Ok(None);
        };
        let Ok(key) = env_key(trustpilot::KEY_VAR) else {
            return Ok(None);
        };
        // The page's host serves pages, not the API: a stand-in api_base serves both.
        let base = if platform.api_base == platform.platform.default_api_base() {
            url::Url::parse(trustpilot::API_BASE).expect("a valid constant URL")
        } else {
            platform.api_base.clone()
        };
        let domain = trustpilot::domain(page).ok_or_else(|| {
            Failure::error(format!("{page} is not a Trustpilot review page: write the business's page, e.g. url = \"https://www.trustpilot.com/review/harborbakery.example\""))
        })?;
        let headers = [("apikey", key)];
        let found = self
            .api_get(&trustpilot::find_url(&base, &domain), &headers)
            .await?;
        let unit = trustpilot::parse_unit(&found).map_err(|e| {
            Failure::error(format!("Trustpilot found no business unit for {domain} ({e}): check that url is the business's review page"))
        })?;
        let reviews = self
            .api_get(&trustpilot::reviews_url(&base, &unit), &headers)
            .await?;
        let items = off_worker(move || {
            trustpilot::parse_api(&reviews).map_err(|e| {
                Failure::error(format!(
                    "Trustpilot answered reviews Earshot cannot read ({e}); check api_base"
                ))
            })
        })
        .await?;
        Ok(Some(items))
    }

    /// One keyed API request; a refusal (401/403) means the key, said so.
    async fn api_get(
        &self,
        url: &url::Url,
        headers: &[(&'static str, String)],
    ) -> Result<Vec<u8>, Failure> {
        let location = Location::Http(url.clone());
        match self
            .fetcher
            .fetch_with(&location, &Validators::default(), false, headers)
            .await
        {
            Ok(Fetched::Body { bytes, .. }) => Ok(bytes),
            Ok(Fetched::NotModified { .. }) => {
                Err(Failure::error("Trustpilot answered 304 to a plain GET"))
            }
            Err(FetchError::Status { status, .. } | FetchError::Blocked { status, .. })
                if matches!(status.as_u16(), 401 | 403) =>
            {
                Err(Failure::error(format!(
                    "Trustpilot: the key was refused (HTTP {status}): check ${}",
                    trustpilot::KEY_VAR
                )))
            }
            Err(e) => Err(Failure::from(e)),
        }
    }

    /// A Trustpilot page read without a key: `?page=2`… up to `max_pages`, politely
    /// (robots.txt, its Crawl-delay), stopping at the first page that adds nothing. A
    /// later page that fails ends the walk; what was read stays. Newest first.
    async fn more_platform_pages(
        &self,
        source: &Source,
        platform: &PlatformSource,
        mut items: Vec<RawItem>,
    ) -> Vec<RawItem> {
        let Platform::Trustpilot { page } = &platform.platform else {
            return items;
        };
        for n in 2..=source.max_pages {
            if items.is_empty() {
                break;
            }
            let url = trustpilot::page_url(&platform.api_base, page, n);
            if let Some(delay) = self.fetcher.crawl_delay(&url) {
                tokio::time::sleep(delay).await;
            }
            match self.platform_page(platform, &url).await {
                Ok(more) => {
                    let before = items.len();
                    for item in more {
                        if !items.iter().any(|i| i.guid == item.guid) {
                            items.push(item);
                        }
                    }
                    if items.len() == before {
                        break;
                    }
                }
                Err(failure) => {
                    tracing::warn!(source = %source.name, "stopped at {url}: {}", failure.message);
                    break;
                }
            }
        }
        trustpilot::newest_first(&mut items);
        items
    }

    async fn platform_page(
        &self,
        platform: &PlatformSource,
        url: &url::Url,
    ) -> Result<Vec<RawItem>, Failure> {
        let location = Location::Http(url.clone());
        let fetched = self
            .fetcher
            .fetch_page(&location, &Validators::default())
            .await
            .map_err(|e| platform_failure(&platform.platform, e))?;
        let Fetched::Body {
            bytes,
            content_type,
            ..
        } = fetched
        else {
            return Ok(Vec::new());
        };
        let url = url.clone();
        off_worker(move || {
            trustpilot::parse_page(&bytes, content_type.as_deref(), &url)
                .map_err(|e| Failure::error(e.to_string()))
        })
        .await
    }

    /// A platform read with the owner's login (Bluesky search): a fresh, unconditional
    /// call each poll, as the API sends no validators.
    async fn read_with_login(&self, platform: &PlatformSource) -> Result<Fetched, Failure> {
        let url = platform.request_url();
        match bluesky::session::search(&self.fetcher, &platform.api_base, &url).await {
            Ok(bytes) => Ok(Fetched::Body {
                bytes,
                content_type: Some("application/json".to_owned()),
                validators: Validators::default(),
                final_url: Some(url.to_string()),
                moved_to: None,
            }),
            Err(SearchError::Fetch(e)) => Err(platform_failure(&platform.platform, e)),
            Err(SearchError::Login(message)) => Err(Failure::error(message)),
        }
    }
}

/// Where a `next_page` link may lead: http(s) from the web, `file:` only from a file.
fn next_location(first: &Location, url: &url::Url) -> Option<Location> {
    match (first, url.scheme()) {
        (Location::Http(_), "http" | "https") => Some(Location::Http(url.clone())),
        (Location::File(_), "file") => url.to_file_path().ok().map(Location::File),
        _ => None,
    }
}

fn extract_feed(body: &Body) -> Result<Vec<RawItem>, Failure> {
    let base = Some(body.url.as_str()).filter(|_| body.url.scheme() != "file");
    feed::parse_feed(&body.bytes, body.content_type.as_deref(), base)
        .map_err(|e| Failure::error(e.to_string()))
}

fn extract_platform(platform: &PlatformSource, body: &Body) -> Result<Vec<RawItem>, Failure> {
    platform
        .parse(&body.bytes, body.content_type.as_deref())
        .map_err(|e| match e {
            PlatformError::WebPage { .. } => Failure {
                kind: FailureKind::Blocked,
                ..Failure::error(e.to_string())
            },
            PlatformError::Unreadable { .. } | PlatformError::KeyRefused { .. } => {
                Failure::error(e.to_string())
            }
        })
}

/// A platform that refuses Earshot (a challenge page, or a plain 403 where its API is
/// public) is `blocked`, with what the owner can do about that platform; other failures
/// (a 429 and its `Retry-After` included) are the fetcher's.
fn platform_failure(platform: &Platform, error: FetchError) -> Failure {
    let refused = match &error {
        FetchError::Blocked { status, .. } => Some(*status),
        FetchError::Status { status, .. } if status.as_u16() == 403 => Some(*status),
        _ => None,
    };
    let retry_after = error.retry_after();
    if let Some(var) = platform.required_key() {
        // Google answers a key it does not know with 400 (API_KEY_INVALID), a key not
        // allowed this API with 403 (PERMISSION_DENIED).
        let status = match &error {
            FetchError::Status { status, .. } if matches!(status.as_u16(), 400 | 401) => {
                Some(*status)
            }
            _ => refused,
        };
        if let Some(status) = status {
            return Failure::error(format!(
                "{}: the key was refused (HTTP {status}): check that ${var} is a valid key with this API enabled{}",
                platform.label(),
                if status.as_u16() == 400 { ", and that the source's id is right" } else { "" }
            ));
        }
    }
    match refused {
        Some(status) => Failure {
            message: format!(
                "{} refused Earshot (HTTP {status}): {}",
                platform.label(),
                platform.blocked_advice()
            ),
            kind: FailureKind::Blocked,
            retry_after,
        },
        None => Failure::from(error),
    }
}

/// Decode and extract one page on a blocking thread. A page refused for its bounds
/// (nesting, time) names the source, as the log line it ends up in may not.
async fn extract_page(source: &Source, body: Body) -> Result<page::PageExtract, Failure> {
    let name = source.name.clone();
    let selectors = source.selectors.clone();
    off_worker(move || {
        let html = encoding::decode_html(&body.bytes, body.content_type.as_deref());
        page::extract_reviews(&html, &body.url, selectors.as_ref()).map_err(|e| match e {
            page::PageError::TooDeep { .. } | page::PageError::TooSlow { .. } => {
                Failure::error(format!("source \"{name}\": {e}"))
            }
            page::PageError::BadSelector { .. } => Failure::error(e.to_string()),
        })
    })
    .await
}

/// Run CPU-bound `work` on tokio's blocking threads.
async fn off_worker<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Failure::error(format!("reading the body failed: {e}")))?
}

fn nothing_matched(source: &Source, had_items: bool) -> Failure {
    match (&source.selectors, had_items) {
        (Some(_), true) => Failure {
            kind: FailureKind::LayoutChanged,
            ..Failure::error("the page's selectors matched nothing although they matched before: the site probably changed its layout; update [source.selectors]")
        },
        (None, true) => Failure {
            kind: FailureKind::LayoutChanged,
            ..Failure::error("the page no longer has schema.org reviews in its JSON-LD although it had before: the site changed; add CSS selectors for it")
        },
        (Some(_), false) => Failure::error("the page's selectors matched nothing: the site may have changed its layout; check [source.selectors]"),
        (None, false) => Failure::error("no schema.org reviews found in the page's JSON-LD: add CSS selectors for this site"),
    }
}

fn base_url(location: &Location) -> url::Url {
    match location {
        Location::Http(url) => url.clone(),
        Location::File(path) => file_url(path),
    }
}

fn file_url(path: &std::path::Path) -> url::Url {
    let absolute = std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| path.to_owned());
    url::Url::from_file_path(&absolute)
        .unwrap_or_else(|_| url::Url::parse("file:///").expect("a valid URL"))
}

fn body_hash(bytes: &[u8]) -> String {
    crate::hashes::short_sha256_hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_platform_refusing_the_request_means_the_key() {
        let places = Platform::GooglePlaces {
            place_id: "ChIJx".into(),
        };
        for code in [400, 401, 403] {
            let error = FetchError::Status {
                status: reqwest::StatusCode::from_u16(code).unwrap(),
                hint: "",
                retry_after: None,
            };
            let failure = platform_failure(&places, error);
            assert!(
                failure.message.contains("the key was refused")
                    && failure.message.contains("$EARSHOT_GOOGLE_API_KEY"),
                "{code}: {}",
                failure.message
            );
            assert_eq!(failure.kind, FailureKind::Error, "{code}");
        }
        // A keyless platform's 400 is the plain status error.
        let error = FetchError::Status {
            status: reqwest::StatusCode::BAD_REQUEST,
            hint: "",
            retry_after: None,
        };
        let hn = Platform::HackerNews { query: "x".into() };
        assert!(!platform_failure(&hn, error).message.contains("key"));
    }

    #[test]
    fn next_pages_never_jump_from_the_web_to_local_files() {
        let web = Location::Http(url::Url::parse("https://x.test/r").unwrap());
        let file = url::Url::parse("file:///etc/passwd").unwrap();
        assert_eq!(next_location(&web, &file), None);
        let page2 = url::Url::parse("https://x.test/r?page=2").unwrap();
        assert_eq!(next_location(&web, &page2), Some(Location::Http(page2)));
    }
}
