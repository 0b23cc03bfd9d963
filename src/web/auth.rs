//! Who may open the web log.
//!
//! On loopback (the default) anyone at the machine may. Any other address is reachable from
//! the shop's network, so Earshot refuses to listen there without `$EARSHOT_WEB_TOKEN`; with
//! a token, staff log in once with it and get a login cookie (HttpOnly, SameSite=Lax) bound
//! to their session, kept 30 days. Wrong tokens are limited per client address
//! ([`LoginLimiter`]), so the token cannot be guessed at machine speed.
//!
//! Once anyone is on the team (`earshot staff add`), everyone signs in as themselves, on
//! loopback too ([`super::signin`]): the browser holds a random session token, the
//! database its SHA-256, and every request checks it there ([`require_login`]).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf::{cookie, Session};
use super::AppState;
use crate::store::StaffMember;

/// The environment variable holding the login token.
pub const TOKEN_ENV: &str = "EARSHOT_WEB_TOKEN";
/// Cookie proving the session logged in.
pub const AUTH_COOKIE: &str = "earshot_auth";

/// Wrong tokens one client address may send within [`LOGIN_WINDOW`].
pub const MAX_WRONG_LOGINS: usize = 5;
/// The window wrong tokens are counted in.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(60);
/// Client addresses whose wrong tokens are remembered at most; past it, the oldest
/// address is forgotten (a flood of addresses cannot fill memory).
const MAX_TRACKED_CLIENTS: usize = 4096;

/// Recent wrong tokens per client address: after [`MAX_WRONG_LOGINS`] within
/// [`LOGIN_WINDOW`], that address must wait until the oldest one is a window old.
pub type LoginLimiter = Limiter<Option<IpAddr>>;

impl Default for LoginLimiter {
    fn default() -> Self {
        Limiter::new(MAX_WRONG_LOGINS, LOGIN_WINDOW)
    }
}

/// Recent events (wrong passwords, link requests) per key (a client address, an
/// account): after `max` within `window`, that key must wait until the oldest one is a
/// window old.
#[derive(Debug)]
pub struct Limiter<K> {
    max: usize,
    window: Duration,
    wrong: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    /// At most `max` events per key within `window`.
    pub fn new(max: usize, window: Duration) -> Limiter<K> {
        Limiter {
            max: max.max(1),
            window,
            wrong: Mutex::default(),
        }
    }

    /// How many events a key may have within [`Limiter::window`].
    pub fn max(&self) -> usize {
        self.max
    }

    /// The window events are counted in.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// `Err(wait)` while `client` has used up its events.
    pub fn check(&self, client: K, now: Instant) -> Result<(), Duration> {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = wrong.get_mut(&client) else {
            return Ok(());
        };
        forget_old(times, now, self.window);
        match times.front() {
            Some(oldest) if times.len() >= self.max => Err(self
                .window
                .saturating_sub(now.saturating_duration_since(*oldest))),
            _ => Ok(()),
        }
    }

    /// Count an event (a wrong token) from `client`.
    pub fn record_wrong(&self, client: K, now: Instant) {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        if wrong.len() >= MAX_TRACKED_CLIENTS && !wrong.contains_key(&client) {
            wrong.retain(|_, times| {
                forget_old(times, now, self.window);
                !times.is_empty()
            });
            if wrong.len() >= MAX_TRACKED_CLIENTS {
                let stalest = wrong
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(client, _)| client.clone());
                if let Some(stalest) = stalest {
                    wrong.remove(&stalest);
                }
            }
        }
        let times = wrong.entry(client).or_default();
        forget_old(times, now, self.window);
        times.push_back(now);
        while times.len() > self.max {
            times.pop_front();
        }
    }

    /// A right token clears the client's count.
    pub fn forget(&self, client: &K) {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        wrong.remove(client);
    }
}

fn forget_old(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

/// The address the request came from, when the server recorded it (`serve` does;
/// a router driven without a socket, as in tests, has none: all such requests share
/// one count).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// The web problem that stops Earshot from starting.
#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    /// A non-loopback address without a token.
    #[error("[web] listen = \"{0}\" is reachable from other machines, so the web log needs a way to sign in: add the team (`earshot staff add NAME --email EMAIL`, then `earshot staff password NAME`), or set ${TOKEN_ENV} to a long random secret (staff type it once per browser), or listen on 127.0.0.1")]
    TokenRequired(String),
}

/// `$EARSHOT_WEB_TOKEN`, if set and not blank.
pub fn token_from_env() -> Option<String> {
    std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Refuse to listen beyond this machine when nobody would have to sign in: no token and
/// nobody on the team.
pub fn check_exposure(
    listen: &str,
    addrs: &[SocketAddr],
    token: Option<&str>,
    team: bool,
) -> Result<(), ExposureError> {
    let exposed = addrs.iter().any(|a| !a.ip().is_loopback());
    if exposed && !team && token.is_none_or(|t| t.trim().is_empty()) {
        return Err(ExposureError::TokenRequired(listen.to_owned()));
    }
    Ok(())
}

/// Whether this request's session has logged in (always true without a token).
pub fn logged_in(state: &AppState, headers: &HeaderMap, session: &Session) -> bool {
    if state.token.is_none() {
        return true;
    }
    cookie(headers, AUTH_COOKIE).is_some_and(|tag| state.keys.verify("auth", &session.0, &tag))
}

/// Whether the request names this machine: without a token, a page asked for under any
/// other host name is a DNS-rebinding attempt by a web site the staff member is visiting.
pub fn host_is_local(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return true;
    };
    let host = host.to_str().unwrap_or("").trim().to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name),
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Cookie holding a signed-in person's session token (its SHA-256 is in the database).
pub const STAFF_COOKIE: &str = "earshot_staff";
/// How long a sign-in lasts: 30 days, like the session.
pub const SIGN_IN_DAYS: i64 = 30;

/// What the sign-in check found, for the pages ([`super::csrf::Visitor`]).
#[derive(Debug, Clone, Default)]
pub struct SignedIn {
    /// Whether anyone is on the team (then everyone signs in).
    pub team: bool,
    /// The person this browser is signed in as.
    pub member: Option<StaffMember>,
    /// The hash of their session token (to end or renew it).
    pub token_hash: Option<String>,
}

/// Whether the web log asks for a sign-in: when a token is set, or anyone is on the team
/// (also on loopback). With neither, it is open as before.
pub fn sign_in_required(token_set: bool, team: bool) -> bool {
    token_set || team
}

/// Pages anyone may open: the ways in, and the stylesheet.
pub fn is_open_path(path: &str) -> bool {
    matches!(path, "/login" | "/login/link")
        || path.starts_with("/sign-in/")
        || path.starts_with("/static/")
}

/// Send visitors who have not signed in to the sign-in page; without a token, serve only
/// requests addressed to this machine by a loopback name. Every request reads its session
/// from the database, so a person removed from the team (`earshot staff remove`, from any
/// process) is signed out on their very next request.
pub async fn require_login(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token_hash = cookie(request.headers(), STAFF_COOKIE)
        .filter(|t| !t.is_empty())
        .map(|t| crate::staff::token_hash(&t));
    let now = chrono::Utc::now();
    let looked_up = token_hash.clone();
    let found = state
        .read(move |s| {
            let team = s.has_staff()?;
            let member = match &looked_up {
                Some(hash) if team => s.web_session_staff(hash, now)?,
                _ => None,
            };
            Ok((team, member))
        })
        .await;
    let (team, member) = match found {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    // Without a token or a team nobody signs in, so only loopback host names are served
    // (a web site pointing its own name at this machine, DNS rebinding, gets nothing).
    if !sign_in_required(state.token.is_some(), team) && !host_is_local(request.headers()) {
        tracing::warn!(host = ?request.headers().get(header::HOST), "refused: not a loopback host name");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "open the web log as http://127.0.0.1:PORT/ or http://localhost:PORT/",
        )
            .into_response();
    }
    let signed_in = member.is_some();
    request.extensions_mut().insert(SignedIn {
        team,
        member,
        token_hash: token_hash.filter(|_| signed_in),
    });
    let path = request.uri().path();
    let session = request.extensions().get::<Session>().cloned();
    // Without a team, the token's login cookie works as it always did; with one, a person
    // signs in (the token then signs in as the first owner).
    let token_login = !team
        && session
            .as_ref()
            .is_some_and(|s| logged_in(&state, request.headers(), s));
    let ok = signed_in
        || !sign_in_required(state.token.is_some(), team)
        || is_open_path(path)
        || token_login;
    if ok {
        return next.run(request).await;
    }
    if request.method() == axum::http::Method::GET {
        Redirect::to("/login").into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "sign in first: open /login (if you were signed in, your session ended)",
        )
            .into_response()
    }
}

/// 429 with the wait in `Retry-After`, around `page`.
pub fn too_many(mut response: Response, wait: Duration) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs(wait)));
    response
}

/// A wait in whole seconds, at least one.
pub fn wait_secs(wait: Duration) -> u64 {
    wait.as_secs().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> Vec<SocketAddr> {
        vec![text.parse().unwrap()]
    }

    #[test]
    fn only_loopback_host_names_are_local() {
        let host = |h: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, h.parse().unwrap());
            host_is_local(&headers)
        };
        for local in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "127.0.0.2",
        ] {
            assert!(host(local), "{local}");
        }
        for remote in [
            "evil.example:8080",
            "192.168.1.5:8080",
            "localhost.evil.example",
            "[fe80::1]:80",
        ] {
            assert!(!host(remote), "{remote}");
        }
        assert!(host_is_local(&HeaderMap::new()));
    }

    #[test]
    fn wrong_logins_are_limited_per_address_for_a_window() {
        let limiter = LoginLimiter::default();
        let a = Some("192.168.1.5".parse().unwrap());
        let b = Some("192.168.1.6".parse().unwrap());
        let start = Instant::now();
        for i in 0..MAX_WRONG_LOGINS {
            assert!(limiter.check(a, start).is_ok(), "attempt {i}");
            limiter.record_wrong(a, start + Duration::from_secs(i as u64));
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(
            limiter.check(a, later),
            Err(LOGIN_WINDOW - Duration::from_secs(10))
        );
        assert!(
            limiter.check(b, later).is_ok(),
            "another address is not limited"
        );
        assert!(
            limiter.check(a, start + LOGIN_WINDOW).is_ok(),
            "the oldest expired"
        );
        limiter.forget(&a);
        assert!(limiter.check(a, later).is_ok());
    }

    #[test]
    fn the_limiter_forgets_addresses_rather_than_grow() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..(MAX_TRACKED_CLIENTS as u32 + 100) {
            limiter.record_wrong(Some(IpAddr::from(i.to_be_bytes())), now);
        }
        assert!(limiter.wrong.lock().unwrap().len() <= MAX_TRACKED_CLIENTS);
    }

    #[test]
    fn loopback_needs_no_token_but_the_lan_does() {
        assert!(check_exposure("l", &addr("127.0.0.1:8080"), None, false).is_ok());
        assert!(check_exposure("l", &addr("[::1]:8080"), None, false).is_ok());
        let err = check_exposure("0.0.0.0:8080", &addr("0.0.0.0:8080"), None, false).unwrap_err();
        assert!(err.to_string().contains(TOKEN_ENV), "{err}");
        assert!(check_exposure("l", &addr("192.168.1.5:8080"), Some("  "), false).is_err());
        assert!(
            check_exposure("l", &addr("192.168.1.5:8080"), Some("s3cret-token"), false).is_ok()
        );
        // A team signs in with passwords: no token needed on the LAN.
        assert!(check_exposure("l", &addr("192.168.1.5:8080"), None, true).is_ok());
    }
}
