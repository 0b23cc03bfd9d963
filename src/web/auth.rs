//! Who may open the web log.
//!
//! On loopback (the default) anyone at the machine may. Any other address is reachable from
//! the shop's network, so Earshot refuses to listen there without `$EARSHOT_WEB_TOKEN`; with
//! a token, staff log in once with it and get a login cookie (HttpOnly, SameSite=Lax) bound
//! to their session, kept 30 days. Wrong tokens are limited per client address
//! ([`LoginLimiter`]), so the token cannot be guessed at machine speed.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

use super::csrf::{
    cookie, set_cookie, Session, Visitor, CSRF_FIELD, SESSION_COOKIE, SESSION_MAX_AGE_SECS,
};
use super::layout::{shell, Nav};
use super::AppState;

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
#[derive(Debug, Default)]
pub struct LoginLimiter {
    wrong: Mutex<HashMap<Option<IpAddr>, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `Err(wait)` while `client` has used up its wrong tokens.
    pub fn check(&self, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = wrong.get_mut(&client) else {
            return Ok(());
        };
        forget_old(times, now);
        match times.front() {
            Some(oldest) if times.len() >= MAX_WRONG_LOGINS => {
                Err(LOGIN_WINDOW.saturating_sub(now.saturating_duration_since(*oldest)))
            }
            _ => Ok(()),
        }
    }

    /// Count a wrong token from `client`.
    pub fn record_wrong(&self, client: Option<IpAddr>, now: Instant) {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        if wrong.len() >= MAX_TRACKED_CLIENTS && !wrong.contains_key(&client) {
            wrong.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
            if wrong.len() >= MAX_TRACKED_CLIENTS {
                let stalest = wrong
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(client, _)| *client);
                if let Some(stalest) = stalest {
                    wrong.remove(&stalest);
                }
            }
        }
        let times = wrong.entry(client).or_default();
        forget_old(times, now);
        times.push_back(now);
        while times.len() > MAX_WRONG_LOGINS {
            times.pop_front();
        }
    }

    /// A right token clears the client's count.
    pub fn forget(&self, client: Option<IpAddr>) {
        let mut wrong = self.wrong.lock().unwrap_or_else(|p| p.into_inner());
        wrong.remove(&client);
    }
}

fn forget_old(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= LOGIN_WINDOW)
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
    #[error("[web] listen = \"{0}\" is reachable from other machines, so the web log needs a login token: set ${TOKEN_ENV} to a long random secret (staff type it once per browser), or listen on 127.0.0.1")]
    TokenRequired(String),
}

/// `$EARSHOT_WEB_TOKEN`, if set and not blank.
pub fn token_from_env() -> Option<String> {
    std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Refuse to listen beyond this machine without a token.
pub fn check_exposure(
    listen: &str,
    addrs: &[SocketAddr],
    token: Option<&str>,
) -> Result<(), ExposureError> {
    let exposed = addrs.iter().any(|a| !a.ip().is_loopback());
    if exposed && token.is_none_or(|t| t.trim().is_empty()) {
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

/// Send visitors who have not logged in to the login page; without a token, serve only
/// requests addressed to this machine by a loopback name.
pub async fn require_login(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.token.is_none() && !host_is_local(request.headers()) {
        tracing::warn!(host = ?request.headers().get(header::HOST), "refused: not a loopback host name");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "open the web log as http://127.0.0.1:PORT/ or http://localhost:PORT/",
        )
            .into_response();
    }
    let path = request.uri().path();
    let open = path == "/login" || path.starts_with("/static/");
    let session = request.extensions().get::<Session>().cloned();
    let ok = open
        || session
            .as_ref()
            .is_some_and(|s| logged_in(&state, request.headers(), s));
    if ok {
        return next.run(request).await;
    }
    if request.method() == axum::http::Method::GET {
        Redirect::to("/login").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "log in first: open /login").into_response()
    }
}

/// The login form (straight to the log when no token is set).
pub async fn login_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if state.token.is_none() {
        return Redirect::to("/").into_response();
    }
    login_form(&visitor, None, StatusCode::OK)
}

fn login_form(visitor: &Visitor, error: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        h1 { "Log in" }
        @if let Some(error) = error { p.error { (error) } }
        form.card method="post" action="/login" {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            label { "Access token" input type="password" name="token" autocomplete="current-password" autofocus; }
            button type="submit" { "Log in" }
        }
        p.muted { "The token is the value of $" (TOKEN_ENV) " where Earshot runs. Ask the owner." }
    };
    (status, shell("Log in", Nav::None, visitor, body)).into_response()
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
}

/// Check the token; on success set the login cookie and go to the log. After
/// [`MAX_WRONG_LOGINS`] wrong tokens within [`LOGIN_WINDOW`], the client's address gets
/// 429 (with `Retry-After`) until the window has passed, whatever it sends.
pub async fn login(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    ClientAddr(client): ClientAddr,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(token) = state.token.as_deref() else {
        return Redirect::to("/").into_response();
    };
    let now = Instant::now();
    if let Err(wait) = state.logins.check(client, now) {
        return too_many_logins(&visitor, client, wait);
    }
    // Compare MACs, not the strings, so timing says nothing about the token.
    let expected = state.keys.sign("token", token);
    if !state.keys.verify("token", form.token.trim(), &expected) {
        tracing::warn!(?client, "web login refused: wrong token");
        state.logins.record_wrong(client, now);
        return login_form(
            &visitor,
            Some("That token is not right."),
            StatusCode::UNAUTHORIZED,
        );
    }
    state.logins.forget(client);
    let tag = state.keys.sign("auth", &session.0);
    let mut response = Redirect::to("/").into_response();
    // The login is bound to the session, so the session cookie lives as long as it.
    for (name, value) in [(SESSION_COOKIE, session.0.as_str()), (AUTH_COOKIE, &tag)] {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(name, value, Some(SESSION_MAX_AGE_SECS)),
        );
    }
    response
}

/// 429 with the wait in words and in `Retry-After`.
fn too_many_logins(visitor: &Visitor, client: Option<IpAddr>, wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    tracing::warn!(?client, "web login refused: too many wrong tokens");
    let message = format!(
        "Too many wrong tokens from your address ({MAX_WRONG_LOGINS} within {} seconds). \
         Try again in {seconds} seconds.",
        LOGIN_WINDOW.as_secs()
    );
    let mut response = login_form(visitor, Some(&message), StatusCode::TOO_MANY_REQUESTS);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Forget the login cookie.
pub async fn logout() -> Response {
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(AUTH_COOKIE, "", Some(0)));
    response
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
        limiter.forget(a);
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
        assert!(check_exposure("l", &addr("127.0.0.1:8080"), None).is_ok());
        assert!(check_exposure("l", &addr("[::1]:8080"), None).is_ok());
        let err = check_exposure("0.0.0.0:8080", &addr("0.0.0.0:8080"), None).unwrap_err();
        assert!(err.to_string().contains(TOKEN_ENV), "{err}");
        assert!(check_exposure("l", &addr("192.168.1.5:8080"), Some("  ")).is_err());
        assert!(check_exposure("l", &addr("192.168.1.5:8080"), Some("s3cret-token")).is_ok());
    }
}
