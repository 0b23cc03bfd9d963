//! Reading a source: fetch (conditionally), skip an unchanged body, extract items from a
//! feed or from a review page and the pages after it.
//!
//! Parsing and extraction are CPU work (a hostile page can make them slow even within
//! their bounds), so they run on tokio's blocking threads, never on the async workers
//! that serve the web log and drive the other fetches.

use sha2::{Digest, Sha256};

use super::Pipeline;
use crate::config::{Location, Source, SourceKind};
use crate::fetch::{FetchError, Fetched, Validators};
use crate::schedule::{Failure, FailureKind};
use crate::sources::platforms::bluesky::{self, session::SearchError};
use crate::sources::platforms::{Platform, PlatformError, PlatformSource};
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
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let fetched = match (&source.platform, source.kind) {
            (Some(platform), _) if platform.platform.needs_login() => {
                self.read_with_login(platform).await?
            }
            // A platform's API is no crawled page: robots.txt is for pages, as for feeds.
            (Some(platform), _) => self
                .fetcher
                .fetch(location, &validators)
                .await
                .map_err(|e| platform_failure(&platform.platform, e))?,
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
                    let platform = platform.clone();
                    off_worker(move || extract_platform(&platform, &body)).await?
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
            PlatformError::Unreadable { .. } => Failure::error(e.to_string()),
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
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_pages_never_jump_from_the_web_to_local_files() {
        let web = Location::Http(url::Url::parse("https://x.test/r").unwrap());
        let file = url::Url::parse("file:///etc/passwd").unwrap();
        assert_eq!(next_location(&web, &file), None);
        let page2 = url::Url::parse("https://x.test/r?page=2").unwrap();
        assert_eq!(next_location(&web, &page2), Some(Location::Http(page2)));
    }
}
