//! Sessions and CSRF protection.
//!
//! Every browser gets a random session cookie (HttpOnly, SameSite=Lax). A form's CSRF
//! token is the HMAC of that session under a random secret kept in the database, so it cannot be
//! guessed from another site and needs no server-side storage. Every POST is checked here,
//! before any handler runs, so no action can forget it.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};

use maud::{html, Markup};

use super::auth::SignedIn;
use crate::hashes::{hex, random_hex, unhex};
use crate::staff::Actor;
use crate::store::StaffMember;
use sha2::Sha256;

use super::{AppState, WebError};

/// Cookie holding the session id.
pub const SESSION_COOKIE: &str = "earshot_session";
/// Cookie remembering the name staff act under.
pub const NAME_COOKIE: &str = "earshot_name";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// Largest form body accepted (a note is short).
const MAX_FORM_BYTES: usize = 64 * 1024;
/// How long a browser keeps its session (and so its login): 30 days.
pub const SESSION_MAX_AGE_SECS: u64 = 30 * 24 * 3600;
/// Random bytes in a session id.
const SESSION_BYTES: usize = 16;

/// The per-process secret that signs CSRF tokens and login cookies.
pub struct Keys {
    secret: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    /// A fresh random secret from the OS.
    pub fn random() -> Keys {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the OS random source is available");
        Keys { secret }
    }

    /// The secret kept in the database (64 hex digits), so logins and forms stay valid
    /// across restarts: a phone opening an alert's link is not sent to log in again.
    /// None or damaged: a fresh one for this process.
    pub fn kept(secret: Option<&str>) -> Keys {
        match secret.and_then(unhex) {
            Some(bytes) if bytes.len() == 32 => {
                let mut secret = [0u8; 32];
                secret.copy_from_slice(&bytes);
                Keys { secret }
            }
            _ => Keys::random(),
        }
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac
    }

    /// Hex HMAC of `value` for `purpose` ("csrf", "auth", …).
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        hex(&self.mac(purpose, value).finalize().into_bytes())
    }

    /// Whether `tag` is `sign(purpose, value)`, compared in constant time.
    pub fn verify(&self, purpose: &str, value: &str, tag: &str) -> bool {
        match unhex(tag) {
            Some(bytes) => self.mac(purpose, value).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }
}

/// The browser's session id (set by [`session_and_csrf`]).
#[derive(Debug, Clone)]
pub struct Session(pub String);

/// What every page needs to know about the visitor: their form token and who they are.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// CSRF token for forms on this page.
    pub csrf: String,
    /// The name status changes are recorded under: the signed-in person's, else the one
    /// typed last time (no team yet).
    pub name: String,
    /// Whether a sign-out button makes sense.
    pub logged_in: bool,
    /// The person signed in, when there is a team.
    pub staff: Option<StaffMember>,
    /// Whether anyone is on the team.
    pub team: bool,
}

impl Visitor {
    /// Who acts: the signed-in person, else a name with no account (no team yet).
    pub fn actor(&self) -> Actor {
        match &self.staff {
            Some(member) => Actor::member(member.clone()),
            None => Actor::named(self.name.clone()),
        }
    }

    /// The location a signed-in location manager is bound to: they see only its mentions.
    pub fn location(&self) -> Option<&str> {
        self.staff.as_ref().and_then(|m| m.location.as_deref())
    }

    /// Whether they may manage the team, sources and settings: a signed-in owner, or
    /// whoever may open the log while there is no team.
    pub fn is_owner(&self) -> bool {
        self.actor().is_owner()
    }

    /// The name an action is recorded under: the signed-in person's, whatever the form
    /// says; without a sign-in, the form's `by` (clipped), else the remembered name.
    pub fn acting_name(&self, typed: Option<&str>) -> String {
        if let Some(member) = &self.staff {
            return member.name.clone();
        }
        typed
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(crate::staff::MAX_NAME_CHARS).collect())
            .unwrap_or_else(|| self.name.clone())
    }

    /// The hidden `by` field of a case form: only without a sign-in (the server records
    /// the signed-in person, whatever a form says).
    pub fn by_field(&self) -> Markup {
        html! {
            @if self.staff.is_none() {
                input type="hidden" name="by" value=(self.name);
            }
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| WebError::Internal("session layer missing".into()))?;
        let signed_in = parts
            .extensions
            .get::<SignedIn>()
            .cloned()
            .unwrap_or_default();
        let staff = signed_in.member;
        Ok(Visitor {
            csrf: state.keys.sign("csrf", &session.0),
            name: staff
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_else(|| remembered_name(&parts.headers)),
            logged_in: staff.is_some() || (state.token.is_some() && !signed_in.team),
            staff,
            team: signed_in.team,
        })
    }
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site. Lax, so a link from a webmail
/// app opens the log logged in; every POST still needs its CSRF token.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<u64>) -> HeaderValue {
    let age = max_age_secs
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{age}"
    ))
    .expect("cookie names and hex/percent-encoded values are valid header text")
}

/// The name staff last acted under (cookie), else "staff".
pub fn remembered_name(headers: &HeaderMap) -> String {
    cookie(headers, NAME_COOKIE)
        .and_then(|v| {
            url::form_urlencoded::parse(format!("n={v}").as_bytes())
                .next()
                .map(|(_, n)| n.trim().to_owned())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "staff".to_owned())
}

/// Give every browser a session, and refuse any POST whose form lacks the session's token.
pub async fn session_and_csrf(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let existing = cookie(request.headers(), SESSION_COOKIE)
        .filter(|s| s.len() == SESSION_BYTES * 2 && unhex(s).is_some());
    let fresh = existing.is_none();
    let session = existing.unwrap_or_else(new_session_id);
    request.extensions_mut().insert(Session(session.clone()));
    if request.method() == Method::POST {
        request = match check_form_token(&state, &session, request).await {
            Ok(request) => request,
            Err(error) => return error.into_response(),
        };
    }
    let mut response = next.run(request).await;
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, &session, Some(SESSION_MAX_AGE_SECS)),
        );
    }
    response
}

async fn check_form_token(
    state: &AppState,
    session: &str,
    request: Request,
) -> Result<Request, WebError> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| WebError::BadRequest("the form is too large".into()))?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    match token {
        Some(token) if state.keys.verify("csrf", session, &token) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => {
            tracing::warn!(path = %parts.uri.path(), "POST refused: missing or wrong CSRF token");
            Err(WebError::Forbidden)
        }
    }
}

fn new_session_id() -> String {
    random_hex(SESSION_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_session_and_purpose() {
        let keys = Keys::random();
        let token = keys.sign("csrf", "abc");
        assert!(keys.verify("csrf", "abc", &token));
        assert!(!keys.verify("csrf", "abd", &token));
        assert!(!keys.verify("auth", "abc", &token));
        assert!(!keys.verify("csrf", "abc", "zz"));
        assert!(!Keys::random().verify("csrf", "abc", &token));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("x_earshot_name=a; earshot_name=Priya%20K"),
        );
        assert_eq!(remembered_name(&headers), "Priya K");
        assert_eq!(remembered_name(&HeaderMap::new()), "staff");
    }
}
