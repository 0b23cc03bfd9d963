//! The one HTTP client, and reading `file:` sources the same way.
//!
//! Bodies are read as bytes (never decoded text: the parsers decide the encoding), with
//! the size cap enforced while streaming so a huge response cannot fill memory.

use std::time::Duration;

use reqwest::header::{
    HeaderMap, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::StatusCode;

use crate::config::{FetchSettings, Location};

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
    #[error("timed out after {0:?}: the server is slow or unreachable")]
    Timeout(Duration),
    /// Could not connect.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The server answered with an error status.
    #[error("server answered {status}{hint}")]
    Status {
        /// HTTP status.
        status: StatusCode,
        /// What it probably means.
        hint: &'static str,
    },
    /// The body is larger than the cap.
    #[error("response is larger than the {limit}-byte cap; raise [fetch] max_body_bytes if this source is really that big")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// Anything else on the wire.
    #[error("request failed: {0}")]
    Other(String),
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
#[derive(Debug)]
pub enum Fetched {
    /// 304 Not Modified.
    NotModified,
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
    },
}

/// The shared client (cheap to clone).
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
}

impl Fetcher {
    /// Build the client from `[fetch]` settings.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        let agent = match &settings.contact {
            Some(contact) => format!("Earshot/{} (+{contact})", env!("CARGO_PKG_VERSION")),
            None => format!("Earshot/{}", env!("CARGO_PKG_VERSION")),
        };
        let client = reqwest::Client::builder()
            .user_agent(agent)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(Fetcher {
            client,
            settings: settings.clone(),
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
            Location::Http(url) => self.get(url.clone(), validators).await,
        }
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
        })
    }

    async fn get(&self, url: url::Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let mut response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status,
                hint: status_hint(status),
            });
        }
        let headers = response.headers().clone();
        let final_url = Some(response.url().to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if (bytes.len() + chunk.len()) as u64 > self.settings.max_body_bytes {
                return Err(FetchError::TooLarge {
                    limit: self.settings.max_body_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            content_type: header(&headers, CONTENT_TYPE),
            validators: Validators {
                etag: header(&headers, ETAG),
                last_modified: header(&headers, LAST_MODIFIED),
            },
            final_url,
        })
    }

    fn classify(&self, error: reqwest::Error) -> FetchError {
        if error.is_timeout() {
            FetchError::Timeout(self.settings.timeout)
        } else if error.is_connect() {
            FetchError::Connect(root_cause(&error))
        } else {
            FetchError::Other(root_cause(&error))
        }
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 | 403 => " (access denied: the site may block automated readers)",
        404 => " (not found: check the source's url)",
        410 => " (gone: the feed was removed; delete or update this source)",
        429 => " (too many requests: Earshot will back off)",
        500..=599 => " (the site has a problem; Earshot will retry)",
        _ => "",
    }
}
