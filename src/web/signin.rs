//! Signing in to the web log: with a name (or email) and password, with a one-time link
//! emailed through the outbox, or with `$EARSHOT_WEB_TOKEN` (the owner's way in).
//!
//! A sign-in is a new random token in its own cookie (HttpOnly, SameSite=Lax, 30 days);
//! the database keeps its SHA-256 ([`crate::store::Store::start_web_session`]), so
//! removing a person or setting a new password ends it for every worker at once.
//!
//! Guessing is slowed three ways: wrong passwords and tokens per client address (the
//! [`super::auth::LoginLimiter`]), wrong passwords per account (a guesser spreading out
//! over many addresses), and link requests per address and per person. An unknown name
//! and a wrong password get the same answer, and link requests always get the same
//! answer, so the pages never tell who is on the team.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::auth::{
    too_many, wait_secs, ClientAddr, Limiter, SignedIn, AUTH_COOKIE, LOGIN_WINDOW,
    MAX_WRONG_LOGINS, SIGN_IN_DAYS, STAFF_COOKIE, TOKEN_ENV,
};
use super::csrf::{
    cookie, set_cookie, Session, Visitor, CSRF_FIELD, SESSION_COOKIE, SESSION_MAX_AGE_SECS,
};
use super::layout::{shell, Nav};
use super::pages::given;
use super::{AppState, WebError};
use crate::signin::{LinkError, Purpose};
use crate::staff;
use crate::store::StaffMember;

/// Wrong passwords one account may get within [`ACCOUNT_WINDOW`], from any addresses.
pub const MAX_WRONG_PER_ACCOUNT: usize = 10;
/// The window wrong passwords per account are counted in.
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Sign-in links one address may ask for within [`LINK_REQUEST_WINDOW`].
pub const MAX_LINK_REQUESTS: usize = 5;
/// The window link requests per address are counted in.
pub const LINK_REQUEST_WINDOW: Duration = Duration::from_secs(10 * 60);
/// At most one link per person within this (the rest are quietly not sent).
pub const LINK_PER_PERSON: Duration = Duration::from_secs(60);
/// Cookie proving this browser signed in by a link moments ago: it may then set a new
/// password without the current one (someone who forgot theirs).
pub const RESET_COOKIE: &str = "earshot_reset";
/// How long after a link sign-in the current password is not asked for.
pub const RESET_SECS: i64 = 15 * 60;

/// The limits beyond the per-address one on wrong tokens and passwords.
#[derive(Debug)]
pub struct Limits {
    /// Wrong passwords per account (keyed by the account, or the typed name when it is
    /// nobody's: an unknown name is limited just the same, so the limit tells nothing).
    pub accounts: Limiter<String>,
    /// Sign-in link requests per client address.
    pub link_requests: Limiter<Option<IpAddr>>,
    /// Sign-in links sent per person.
    pub links_sent: Limiter<i64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            accounts: Limiter::new(MAX_WRONG_PER_ACCOUNT, ACCOUNT_WINDOW),
            link_requests: Limiter::new(MAX_LINK_REQUESTS, LINK_REQUEST_WINDOW),
            links_sent: Limiter::new(1, LINK_PER_PERSON),
        }
    }
}

/// The same words whether the person exists or not.
pub const LINK_ON_ITS_WAY: &str = "If that is someone on the team, a link is on its way to \
    their email. It works once, within 15 minutes.";
/// The same words for an unknown name and a wrong password.
pub const WRONG_PASSWORD: &str =
    "That name (or email) and password do not match anyone on the team.";

/// GET /login: the sign-in page (straight to the log when nobody needs to sign in).
pub async fn login_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.staff.is_some() || (!visitor.team && state.token.is_none()) {
        return Redirect::to("/").into_response();
    }
    login_form(&state, &visitor, Message::None, StatusCode::OK)
}

/// What the sign-in page says above its forms.
enum Message<'a> {
    None,
    Error(&'a str),
    Notice(&'a str),
}

fn login_form(
    state: &AppState,
    visitor: &Visitor,
    message: Message,
    status: StatusCode,
) -> Response {
    let said = match message {
        Message::None => html! {},
        Message::Error(text) => html! { p.error role="alert" { (text) } },
        Message::Notice(text) => html! { p.notice role="status" { (text) } },
    };
    if !visitor.team {
        // No team: the token login, as it always was.
        let body = html! {
            h1 { "Log in" }
            (said)
            form.card method="post" action="/login" {
                input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                label { "Access token" input type="password" name="token" autocomplete="current-password" autofocus; }
                button type="submit" { "Log in" }
            }
            p.muted { "The token is the value of $" (TOKEN_ENV) " where Earshot runs. Ask the owner." }
        };
        return (status, shell("Log in", Nav::None, visitor, body)).into_response();
    }
    let links = state.current_config().web_public_url.is_some();
    let body = html! {
        h1 { "Sign in" }
        (said)
        form.card method="post" action="/login" {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            label { "Name or email" input type="text" name="who" autocomplete="username" required autofocus; }
            label { "Password" input type="password" name="password" autocomplete="current-password" required; }
            button type="submit" { "Sign in" }
        }
        h2 { "No password yet, or forgot it?" }
        (link_request_form(state, visitor))
        @if !links {
            p.muted { "Or ask an owner to set your password with "
                code { "earshot staff password NAME" } "." }
        }
        @if state.token.is_some() {
            details {
                summary { "Owner: sign in with the access token" }
                form.card method="post" action="/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                    label { "Access token" input type="password" name="token" autocomplete="off"; }
                    button.secondary type="submit" { "Sign in as the owner" }
                }
                p.muted { "The token is the value of $" (TOKEN_ENV) " where Earshot runs; it signs in as the team's first owner." }
            }
        }
    };
    (status, shell("Sign in", Nav::None, visitor, body)).into_response()
}

/// "Email me a sign-in link", or why there are no links here.
fn link_request_form(state: &AppState, visitor: &Visitor) -> Markup {
    if state.current_config().web_public_url.is_none() {
        return html! {
            p.muted { "Sign-in links are off: they need " code { "[web] public_url" }
                " in the config (the address staff open this page at), so a link always points here." }
        };
    }
    html! {
        form.card method="post" action="/login/link" {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            label { "Name or email" input type="text" name="who" autocomplete="username" required; }
            button.secondary type="submit" { "Email me a sign-in link" }
        }
        p.muted { "The link works once, within 15 minutes." }
    }
}

/// The sign-in form's fields (the password form sends `who` and `password`, the owner's
/// form `token`).
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: Option<String>,
    who: Option<String>,
    password: Option<String>,
}

/// POST /login. After [`MAX_WRONG_LOGINS`] wrong tokens or passwords within
/// [`LOGIN_WINDOW`], the client's address gets 429 (with `Retry-After`) until the window
/// has passed, whatever it sends; an account gets the same after
/// [`MAX_WRONG_PER_ACCOUNT`] wrong passwords within [`ACCOUNT_WINDOW`].
pub async fn login(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    ClientAddr(client): ClientAddr,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    if !visitor.team && state.token.is_none() {
        return Ok(Redirect::to("/").into_response());
    }
    let now = Instant::now();
    if let Err(wait) = state.logins.check(client, now) {
        tracing::warn!(?client, "web sign-in refused: too many wrong tries");
        let message = if visitor.team {
            format!(
                "Too many wrong sign-ins from your address ({MAX_WRONG_LOGINS} within {} seconds). \
                 Try again in {} seconds.",
                LOGIN_WINDOW.as_secs(),
                wait_secs(wait)
            )
        } else {
            format!(
                "Too many wrong tokens from your address ({MAX_WRONG_LOGINS} within {} seconds). \
                 Try again in {} seconds.",
                LOGIN_WINDOW.as_secs(),
                wait_secs(wait)
            )
        };
        let page = login_form(&state, &visitor, Message::Error(&message), StatusCode::OK);
        return Ok(too_many(page, wait));
    }
    match given(&form.token) {
        Some(token) => token_login(&state, &session, client, &visitor, token).await,
        None if visitor.team => password_login(&state, client, &visitor, &form).await,
        None => Ok(login_form(
            &state,
            &visitor,
            Message::Error("That token is not right."),
            StatusCode::UNAUTHORIZED,
        )),
    }
}

/// The owner's token: without a team, the login cookie as it always was; with one, a
/// sign-in as the first owner.
async fn token_login(
    state: &AppState,
    session: &Session,
    client: Option<IpAddr>,
    visitor: &Visitor,
    typed: &str,
) -> Result<Response, WebError> {
    let Some(token) = state.token.as_deref() else {
        return Ok(login_form(
            state,
            visitor,
            Message::Error("No access token is set here; sign in with your name and password."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    // Compare MACs, not the strings, so timing says nothing about the token.
    let expected = state.keys.sign("token", token);
    if !state.keys.verify("token", typed.trim(), &expected) {
        tracing::warn!(?client, "web login refused: wrong token");
        state.logins.record_wrong(client, Instant::now());
        return Ok(login_form(
            state,
            visitor,
            Message::Error("That token is not right."),
            StatusCode::UNAUTHORIZED,
        ));
    }
    state.logins.forget(&client);
    if !visitor.team {
        let tag = state.keys.sign("auth", &session.0);
        let mut response = Redirect::to("/").into_response();
        // The login is bound to the session, so the session cookie lives as long as it.
        for (name, value) in [(SESSION_COOKIE, session.0.as_str()), (AUTH_COOKIE, &tag)] {
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(name, value, Some(SESSION_MAX_AGE_SECS)),
            );
        }
        return Ok(response);
    }
    let Some(owner) = state.read(|s| Ok(s.first_owner()?)).await? else {
        return Ok(login_form(
            state,
            visitor,
            Message::Error(
                "The token signs in as the team's first owner, and nobody on the team is an \
                 owner: add one with `earshot staff add NAME --email EMAIL --role owner`.",
            ),
            StatusCode::CONFLICT,
        ));
    };
    tracing::info!(name = %owner.name, "signed in with the access token");
    start_session(state, &owner, "/").await
}

/// A name (or email) and password, checked with Argon2 on a blocking thread.
async fn password_login(
    state: &AppState,
    client: Option<IpAddr>,
    visitor: &Visitor,
    form: &LoginForm,
) -> Result<Response, WebError> {
    let Some(who) = given(&form.who).map(str::to_owned) else {
        return Ok(login_form(
            state,
            visitor,
            Message::Error("Type your name (or email) and your password."),
            StatusCode::BAD_REQUEST,
        ));
    };
    let password = form.password.clone().unwrap_or_default();
    let lookup = who.clone();
    let (member, hash) = state
        .read(move |s| {
            let member = s.find_staff(&lookup)?;
            let hash = match &member {
                Some(m) => s.password_hash(m.id)?,
                None => None,
            };
            Ok((member, hash))
        })
        .await?;
    let key = account_key(member.as_ref(), &who);
    let now = Instant::now();
    if let Err(wait) = state.limits.accounts.check(key.clone(), now) {
        tracing::warn!(
            ?client,
            "web sign-in refused: too many wrong passwords for one account"
        );
        let message = format!(
            "Too many wrong passwords for this account ({MAX_WRONG_PER_ACCOUNT} within {} \
             minutes). Try again in {} seconds, or email yourself a sign-in link below.",
            ACCOUNT_WINDOW.as_secs() / 60,
            wait_secs(wait)
        );
        let page = login_form(state, visitor, Message::Error(&message), StatusCode::OK);
        return Ok(too_many(page, wait));
    }
    if !password_matches(hash, password).await {
        tracing::warn!(?client, "web sign-in refused: wrong name or password");
        state.logins.record_wrong(client, now);
        state.limits.accounts.record_wrong(key, now);
        return Ok(login_form(
            state,
            visitor,
            Message::Error(WRONG_PASSWORD),
            StatusCode::UNAUTHORIZED,
        ));
    }
    let member = member.expect("a password matched, so the person exists");
    state.logins.forget(&client);
    state.limits.accounts.forget(&key);
    tracing::info!(name = %member.name, "signed in with a password");
    start_session(state, &member, "/").await
}

/// Whom wrong passwords are counted against: the account, else what was typed (folded
/// like a name), so an unknown name is limited exactly like a known one.
pub fn account_key(member: Option<&StaffMember>, typed: &str) -> String {
    match member {
        Some(m) => format!("#{}", m.id),
        None => format!("?{}", crate::store::name_key(typed)),
    }
}

/// Whether `password` matches `hash`, on a blocking thread (Argon2 is slow on purpose).
/// Without a hash (nobody by that name, or no password set) a dummy hash is checked, so
/// the answer takes as long either way.
pub async fn password_matches(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => staff::verify_password(&hash, &password),
        None => {
            staff::verify_password(dummy_hash(), &password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password nobody knows, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        staff::hash_password(&crate::hashes::random_hex(16)).unwrap_or_else(|_| String::new())
    })
}

/// Sign this browser in as `member`: a new random token in its own cookie, its hash in
/// the database for [`SIGN_IN_DAYS`]; then go to `to`.
pub async fn start_session(
    state: &AppState,
    member: &StaffMember,
    to: &str,
) -> Result<Response, WebError> {
    let token = staff::new_token();
    let hash = staff::token_hash(&token);
    let id = member.id;
    let now = Utc::now();
    let expires = now + crate::clock::DAY * SIGN_IN_DAYS as i32;
    state
        .write(move |s| Ok(s.start_web_session(&hash, id, now, expires)?))
        .await?;
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(STAFF_COOKIE, &token, Some(SESSION_MAX_AGE_SECS)),
    );
    Ok(response)
}

/// The link request's field.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    who: Option<String>,
}

/// POST /login/link: email a sign-in link to the person with that name or email, if
/// there is one; the answer is the same either way.
pub async fn request_link(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    visitor: Visitor,
    Form(form): Form<LinkForm>,
) -> Result<Response, WebError> {
    if !visitor.team {
        return Ok(Redirect::to("/login").into_response());
    }
    let config = state.current_config();
    if config.web_public_url.is_none() {
        return Ok(login_form(
            &state,
            &visitor,
            Message::Error(&LinkError::NoPublicUrl.to_string()),
            StatusCode::SERVICE_UNAVAILABLE,
        ));
    }
    let Some(who) = given(&form.who).map(str::to_owned) else {
        return Ok(login_form(
            &state,
            &visitor,
            Message::Error("Type your name or email to get a sign-in link."),
            StatusCode::BAD_REQUEST,
        ));
    };
    let now = Instant::now();
    if let Err(wait) = state.limits.link_requests.check(client, now) {
        let message = format!(
            "Too many sign-in links asked for from your address ({MAX_LINK_REQUESTS} within {} \
             minutes). Try again in {} seconds.",
            LINK_REQUEST_WINDOW.as_secs() / 60,
            wait_secs(wait)
        );
        let page = login_form(&state, &visitor, Message::Error(&message), StatusCode::OK);
        return Ok(too_many(page, wait));
    }
    state.limits.link_requests.record_wrong(client, now);
    let member = state.read(move |s| Ok(s.find_staff(&who)?)).await?;
    if let Some(member) = member {
        // One link a minute per person; more are quietly not sent (the answer must not
        // differ, or it would tell who is on the team).
        if state.limits.links_sent.check(member.id, now).is_ok() {
            state.limits.links_sent.record_wrong(member.id, now);
            queue_link(&state, member, Purpose::SignIn).await?;
        }
    }
    Ok(login_form(
        &state,
        &visitor,
        Message::Notice(LINK_ON_ITS_WAY),
        StatusCode::OK,
    ))
}

/// Queue a sign-in link for `member` and wake `earshot run`'s dispatcher to send it now.
pub async fn queue_link(
    state: &AppState,
    member: StaffMember,
    purpose: Purpose,
) -> Result<(), WebError> {
    let config = state.current_config();
    let now = Utc::now();
    let name = member.name.clone();
    state
        .write(move |s| {
            crate::signin::queue_link(s, &config, &member, purpose, now)
                .map_err(|e| WebError::Internal(e.to_string()))
        })
        .await?;
    tracing::info!(%name, ?purpose, "sign-in link queued");
    if let Some(live) = &state.live {
        live.outbox.notify_one();
    }
    Ok(())
}

/// GET /sign-in/{token}: who the link signs in, and a button. Opening the link does not
/// use it: mail scanners open links too.
pub async fn link_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let hash = staff::token_hash(token.trim());
    let now = Utc::now();
    let member = state
        .read(move |s| Ok(s.sign_in_link_staff(&hash, now)?))
        .await?;
    let Some(member) = member else {
        return Ok(link_spent(&state, &visitor));
    };
    let body = html! {
        h1 { "Sign in" }
        form.card method="post" action={"/sign-in/" (token.trim())} {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            p { "This link signs you in once. Not " (member.name) "? Close this page." }
            button type="submit" { "Sign in as " (member.name) }
        }
    };
    Ok(shell("Sign in", Nav::None, &visitor, body).into_response())
}

/// POST /sign-in/{token}: use the link (once) and sign in. A person without a password
/// goes to their account page to set one.
pub async fn use_link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let hash = staff::token_hash(token.trim());
    let now = Utc::now();
    let member = state
        .write(move |s| Ok(s.use_sign_in_link(&hash, now)?))
        .await?;
    let Some(member) = member else {
        return Ok(link_spent(&state, &visitor));
    };
    tracing::info!(name = %member.name, "signed in with a link");
    let to = if member.has_password { "/" } else { "/account" };
    let mut response = start_session(&state, &member, to).await?;
    if let Some(token) = staff_cookie(&response) {
        let proof = reset_proof(
            &state,
            &staff::token_hash(&token),
            now.timestamp() + RESET_SECS,
        );
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(RESET_COOKIE, &proof, Some(RESET_SECS as u64)),
        );
    }
    Ok(response)
}

/// The sign-in token a response sets.
fn staff_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{STAFF_COOKIE}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// `{until}.{mac}`: this session signed in by a link, good until `until` (unix seconds).
pub fn reset_proof(state: &AppState, session_hash: &str, until: i64) -> String {
    let tag = state.keys.sign("reset", &format!("{session_hash}.{until}"));
    format!("{until}.{tag}")
}

/// Whether the request carries a live proof that its session signed in by a link.
pub fn signed_in_by_link(state: &AppState, headers: &HeaderMap, signed: &SignedIn) -> bool {
    let (Some(proof), Some(hash)) = (cookie(headers, RESET_COOKIE), signed.token_hash.as_ref())
    else {
        return false;
    };
    let Some((until, tag)) = proof.split_once('.') else {
        return false;
    };
    let fresh = until
        .parse::<i64>()
        .is_ok_and(|until| until > Utc::now().timestamp());
    fresh && state.keys.verify("reset", &format!("{hash}.{until}"), tag)
}

/// An unknown, used or expired link: say so, and offer a new one.
fn link_spent(state: &AppState, visitor: &Visitor) -> Response {
    let body = html! {
        h1 { "This sign-in link no longer works" }
        p.error { "It was used already or has expired: a link works once, within 15 minutes." }
        h2 { "Get a new one" }
        (link_request_form(state, visitor))
        p { a href="/login" { "Sign in with a password" } }
    };
    (
        StatusCode::GONE,
        shell("Sign-in link", Nav::None, visitor, body),
    )
        .into_response()
}

/// POST /logout: end this sign-in (in the database) and forget the cookies.
pub async fn logout(
    State(state): State<AppState>,
    Extension(signed): Extension<SignedIn>,
) -> Result<Response, WebError> {
    if let Some(hash) = signed.token_hash {
        state.write(move |s| Ok(s.end_web_session(&hash)?)).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    for name in [AUTH_COOKIE, STAFF_COOKIE, RESET_COOKIE] {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(name, "", Some(0)));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn wrong_passwords_count_against_the_account_whatever_name_was_typed() {
        let ana = StaffMember {
            id: 7,
            name: "Ana".into(),
            email: "ana@example.com".into(),
            role: Role::Staff,
            has_password: true,
            created_at: Utc::now(),
            removed_at: None,
            location: None,
        };
        assert_eq!(account_key(Some(&ana), "ana@example.com"), "#7");
        assert_eq!(account_key(Some(&ana), "ANA"), "#7");
        assert_eq!(
            account_key(None, "  Bo   Diaz "),
            account_key(None, "bo diaz")
        );
        assert_ne!(account_key(None, "7"), "#7");
    }

    #[tokio::test]
    async fn a_password_is_checked_and_nobody_matches_without_a_hash() {
        let hash = staff::hash_password("right horse battery").unwrap();
        assert!(password_matches(Some(hash.clone()), "right horse battery".into()).await);
        assert!(!password_matches(Some(hash), "wrong horse battery".into()).await);
        assert!(!password_matches(None, "right horse battery".into()).await);
        assert!(!password_matches(None, String::new()).await);
    }

    #[test]
    fn limits_per_account_and_per_person_are_separate_counts() {
        let limits = Limits::default();
        let now = Instant::now();
        for _ in 0..MAX_WRONG_PER_ACCOUNT {
            assert!(limits.accounts.check("#1".into(), now).is_ok());
            limits.accounts.record_wrong("#1".into(), now);
        }
        assert!(limits.accounts.check("#1".into(), now).is_err());
        assert!(limits.accounts.check("#2".into(), now).is_ok());
        limits.links_sent.record_wrong(1, now);
        assert!(limits.links_sent.check(1, now).is_err());
        assert!(limits.links_sent.check(1, now + LINK_PER_PERSON).is_ok());
    }
}
