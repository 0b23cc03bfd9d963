//! The wire: one reqwest client, redirects followed by hand (to see permanent moves and
//! loops), status codes turned into [`FetchError`]s, and the body read under the cap.

use reqwest::header::{
    HeaderMap, HeaderName, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RETRY_AFTER,
};
use reqwest::{Response, StatusCode};

use super::local::{check_redirect, is_local_ip, is_local_url, private_hop};
use super::retry::parse_retry_after;
use super::robots::RobotsFetch;
use super::{FetchError, Fetched, Fetcher, Validators, MAX_REDIRECTS};
use crate::config::FetchSettings;

/// The one client: compression, timeouts, User-Agent, and no automatic redirects.
pub(super) fn build(settings: &FetchSettings) -> Result<reqwest::Client, FetchError> {
    let agent = match &settings.contact {
        Some(contact) => format!("Earshot/{} (+{contact})", env!("CARGO_PKG_VERSION")),
        None => format!("Earshot/{}", env!("CARGO_PKG_VERSION")),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .user_agent(agent)
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .brotli(true)
        .build()
        .map_err(|e| FetchError::Other(e.to_string()))
}

/// TLS as reqwest 0.12's `rustls-tls` set it up: rustls on the ring provider (the one
/// lettre uses too), trusting the bundled webpki roots rather than the system's store, so
/// a bare container needs no certificates. HTTP/1.1 only, as the client speaks no HTTP/2.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Other(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// One request of [`Fetcher::call_api`].
pub struct ApiCall<'a> {
    /// The address.
    pub url: url::Url,
    /// `Authorization: Bearer …`, when the call carries a token.
    pub bearer: Option<&'a str>,
    /// GET, or POST for a procedure (logging in).
    pub method: reqwest::Method,
    /// A JSON body, when the call sends one.
    pub json: Option<&'a serde_json::Value>,
}

/// Where the redirects of one fetch have led so far.
struct Hops {
    visited: Vec<url::Url>,
    /// The target of the permanent hops taken from the start, while all were permanent.
    moved_to: Option<url::Url>,
    all_permanent: bool,
}

impl Hops {
    fn follow(&mut self, status: StatusCode, next: url::Url) -> Result<(), FetchError> {
        if self.visited.contains(&next) {
            return Err(FetchError::RedirectLoop {
                url: next.to_string(),
                hops: self.visited.len(),
            });
        }
        self.all_permanent &= matches!(status.as_u16(), 301 | 308);
        if self.all_permanent {
            self.moved_to = Some(next.clone());
        }
        self.visited.push(next);
        Ok(())
    }
}

impl Fetcher {
    /// GET `start`, following up to [`MAX_REDIRECTS`] hops; `robots` checks every hop. A
    /// start on a local address (by its URL, or by where its name led) may redirect
    /// within local addresses; a public start may not redirect into them.
    pub(super) async fn get_following(
        &self,
        start: url::Url,
        validators: &Validators,
        robots: bool,
        headers: &[(&'static str, String)],
    ) -> Result<Fetched, FetchError> {
        let mut hops = Hops {
            visited: vec![start.clone()],
            moved_to: None,
            all_permanent: true,
        };
        let mut url = start.clone();
        let mut origin_local = is_local_url(&start);
        for hop in 0..=MAX_REDIRECTS {
            if robots {
                self.robots
                    .check(&url, |robots_url| self.robots_txt(robots_url))
                    .await?;
            }
            let _permit = self.hosts.acquire(&url).await;
            // A key for the platform's host goes nowhere else, even where it redirects.
            let same_origin = url.origin() == start.origin();
            let headers = if same_origin { headers } else { &[] };
            let response = self.send(url.clone(), validators, headers).await?;
            let landed_local = response.remote_addr().is_some_and(|a| is_local_ip(a.ip()));
            if hop == 0 {
                origin_local |= landed_local;
            } else if landed_local && !origin_local {
                // A public name that resolved to a local address.
                return Err(private_hop(&hops.visited[hop - 1], &url));
            }
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&response, &url)?;
                check_redirect(origin_local, status, &url, &next)?;
                hops.follow(status, next.clone())?;
                url = next;
                continue;
            }
            return self.finish(response, hops.moved_to).await;
        }
        Err(FetchError::TooManyRedirects {
            limit: MAX_REDIRECTS,
            url: start.to_string(),
        })
    }

    fn robots_txt(&self, url: url::Url) -> RobotsFetch<'_> {
        Box::pin(async move {
            self.get_following(url, &Validators::default(), false, &[])
                .await
        })
    }

    async fn send(
        &self,
        url: url::Url,
        validators: &Validators,
        headers: &[(&'static str, String)],
    ) -> Result<Response, FetchError> {
        let mut request = self.client.get(url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        request.send().await.map_err(|e| self.classify(e))
    }

    /// Status → error or body, read under the cap.
    async fn finish(
        &self,
        mut response: Response,
        moved_to: Option<url::Url>,
    ) -> Result<Fetched, FetchError> {
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { moved_to });
        }
        if !status.is_success() {
            return Err(self.status_error(response).await);
        }
        let limit = self.settings.max_body_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let headers = response.headers().clone();
        let final_url = Some(response.url().to_string());
        let bytes = self.read_capped(&mut response).await?;
        Ok(Fetched::Body {
            bytes,
            content_type: header(&headers, CONTENT_TYPE),
            validators: Validators {
                etag: header(&headers, ETAG),
                last_modified: header(&headers, LAST_MODIFIED),
            },
            final_url,
            moved_to,
        })
    }

    /// The body, at most `max_body_bytes` of it.
    async fn read_capped(&self, response: &mut Response) -> Result<Vec<u8>, FetchError> {
        let limit = self.settings.max_body_bytes;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                // Dropping the response closes the connection: the rest is never read.
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// One call to an API that needs a login (a JSON POST to log in, a GET with a
    /// token): host limits, timeouts and the size cap as for any fetch, no redirect
    /// followed (an API answers where it is asked, and a token must not travel on).
    /// 2xx, 400 and 401 come back with their body, so the caller can tell an expired
    /// token from a refused login; other statuses are errors as for a plain GET.
    pub async fn call_api(&self, call: ApiCall<'_>) -> Result<(StatusCode, Vec<u8>), FetchError> {
        let _permit = self.hosts.acquire(&call.url).await;
        let mut request = self.client.request(call.method, call.url);
        if let Some(json) = call.json {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(json.to_string());
        }
        if let Some(token) = call.bearer {
            request = request.bearer_auth(token);
        }
        let mut response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        if status.is_success() || matches!(status.as_u16(), 400 | 401) {
            let bytes = self.read_capped(&mut response).await?;
            return Ok((status, bytes));
        }
        Err(self.status_error(response).await)
    }

    /// The error for a non-2xx, non-3xx answer. A bot wall may only show in its page,
    /// so the first few KiB of a 403/429/503 body are read to tell it from a plain error.
    async fn status_error(&self, mut response: Response) -> FetchError {
        let status = response.status();
        let headers = response.headers().clone();
        let url = response.url().to_string();
        let retry_after = server_wait(&headers).filter(|_| matches!(status.as_u16(), 429 | 503));
        let walled_status = matches!(status.as_u16(), 403 | 429 | 503);
        let mut prefix = Vec::new();
        while walled_status && prefix.len() < SNIFF_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => prefix.extend_from_slice(&chunk),
                _ => break,
            }
        }
        if walled_status && is_bot_wall(&headers, &prefix) {
            return FetchError::Blocked {
                status,
                retry_after,
            };
        }
        if status == StatusCode::GONE {
            return FetchError::Gone { url };
        }
        FetchError::Status {
            status,
            hint: status_hint(status),
            retry_after,
        }
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

fn redirect_target(response: &Response, from: &url::Url) -> Result<url::Url, FetchError> {
    let bad = || FetchError::BadRedirect {
        status: response.status(),
    };
    let location = header(response.headers(), LOCATION).ok_or_else(bad)?;
    from.join(&location).map_err(|_| bad())
}

/// How much of an error page is read to recognise a bot wall.
const SNIFF_BYTES: usize = 16 * 1024;

/// Marks of the common bot walls (Cloudflare, DataDome, Imperva, AWS WAF, DDoS-Guard) in
/// the headers or the first bytes of the page.
fn is_bot_wall(headers: &HeaderMap, body: &[u8]) -> bool {
    let has = |name: &'static str| headers.contains_key(HeaderName::from_static(name));
    let value = |name: &'static str| header(headers, HeaderName::from_static(name));
    let challenged = value("cf-mitigated")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("challenge"))
        || value("x-amzn-waf-action").is_some_and(|v| matches!(v.trim(), "challenge" | "captcha"))
        || has("x-datadome")
        || value("server").is_some_and(|v| v.eq_ignore_ascii_case("ddos-guard"));
    challenged || {
        let page = String::from_utf8_lossy(body).to_ascii_lowercase();
        const MARKS: [&str; 6] = [
            "challenge-platform",
            "cf-chl-",
            "<title>just a moment...</title>",
            "captcha-delivery.com",
            "_incapsula_resource",
            "attention required! | cloudflare",
        ];
        MARKS.iter().any(|mark| page.contains(mark))
    }
}

/// The wait a server asks for: `Retry-After`, else (Reddit's way) `X-Ratelimit-Reset`,
/// the seconds until its rate window resets.
fn server_wait(headers: &HeaderMap) -> Option<std::time::Duration> {
    if let Some(value) = header(headers, RETRY_AFTER) {
        return parse_retry_after(&value, chrono::Utc::now());
    }
    let reset = header(headers, HeaderName::from_static("x-ratelimit-reset"))?;
    // Mastodon writes a date here: only plain seconds (Reddit's "544", "544.0") count.
    let seconds = reset.trim().parse::<f64>().ok()?;
    parse_retry_after(
        &format!("{}", seconds.ceil().max(0.0) as u64),
        chrono::Utc::now(),
    )
}

fn header(headers: &HeaderMap, name: HeaderName) -> Option<String> {
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
        429 => " (too many requests: Earshot will back off)",
        500..=599 => " (the site has a problem; Earshot will retry)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_ring_with_http1_only() {
        let config = tls_config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(
            config.crypto_provider().cipher_suites.len(),
            ring.cipher_suites.len()
        );
        assert!(webpki_roots::TLS_SERVER_ROOTS.len() > 100);
    }

    #[test]
    fn reddit_rate_limit_resets_count_as_a_wait() {
        let mut headers = HeaderMap::new();
        assert_eq!(server_wait(&headers), None);
        headers.insert("x-ratelimit-reset", "544.0".parse().unwrap());
        assert_eq!(
            server_wait(&headers),
            Some(std::time::Duration::from_secs(544))
        );
        headers.insert(
            "x-ratelimit-reset",
            "2025-07-17T20:05:00.725062Z".parse().unwrap(),
        );
        assert_eq!(server_wait(&headers), None);
        // Retry-After, when sent, is what counts.
        headers.insert(RETRY_AFTER, "60".parse().unwrap());
        assert_eq!(
            server_wait(&headers),
            Some(std::time::Duration::from_secs(60))
        );
    }

    #[test]
    fn bot_walls_are_recognised_by_header_or_page() {
        let mut headers = HeaderMap::new();
        assert!(!is_bot_wall(&headers, b"<h1>Forbidden</h1>"));
        assert!(is_bot_wall(
            &headers,
            b"<html><head><title>Just a moment...</title>"
        ));
        headers.insert("cf-mitigated", "challenge".parse().unwrap());
        assert!(is_bot_wall(&headers, b""));
    }

    #[test]
    fn only_an_unbroken_chain_of_permanent_hops_moves_the_source() {
        let u = |p: &str| url::Url::parse(&format!("https://x.test{p}")).unwrap();
        let mut hops = Hops {
            visited: vec![u("/a")],
            moved_to: None,
            all_permanent: true,
        };
        hops.follow(StatusCode::MOVED_PERMANENTLY, u("/b")).unwrap();
        hops.follow(StatusCode::FOUND, u("/c")).unwrap();
        hops.follow(StatusCode::PERMANENT_REDIRECT, u("/d"))
            .unwrap();
        assert_eq!(hops.moved_to, Some(u("/b")));
        assert!(matches!(
            hops.follow(StatusCode::FOUND, u("/a")),
            Err(FetchError::RedirectLoop { .. })
        ));
    }
}
