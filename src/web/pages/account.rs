//! GET /account: the signed-in person's own account: who they are, and a form to set
//! their password.
//!
//! Setting a password asks for the current one, so a browser left signed in cannot be
//! used to take the account over, except within 15 minutes of signing in by an emailed
//! link: that link already proved the person reads their email, which is all a "forgot my
//! password" flow can prove, so someone who forgot theirs sets a new one right there.
//! A new password ends their other sign-ins (it is often set because the old one leaked);
//! this browser stays signed in with a fresh token.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;

use crate::staff::{self, StaffError};
use crate::store::StaffMember;
use crate::web::auth::{too_many, wait_secs, SignedIn};
use crate::web::csrf::{set_cookie, Visitor, CSRF_FIELD};
use crate::web::layout::{shell, Nav};
use crate::web::signin::{self, password_matches, start_session, RESET_COOKIE};
use crate::web::{AppState, WebError};

/// The signed-in person, or why this page has nothing to show.
fn me(visitor: &Visitor) -> Result<&StaffMember, WebError> {
    visitor.staff.as_ref().ok_or_else(|| {
        WebError::BadRequest(
            "accounts begin when the owner adds people with `earshot staff add NAME --email EMAIL`; until then there is nothing to set here".into(),
        )
    })
}

/// `?done=password` after a password was set.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// GET /account.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Extension(signed): Extension<SignedIn>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let member = me(&visitor)?;
    let notice = (done.done.as_deref() == Some("password"))
        .then_some("Password set. Your other sign-ins were ended; this one stays.");
    let by_link = signin::signed_in_by_link(&state, &headers, &signed);
    Ok(account_form(
        &visitor,
        member,
        by_link,
        notice,
        None,
        StatusCode::OK,
    ))
}

fn account_form(
    visitor: &Visitor,
    member: &StaffMember,
    by_link: bool,
    notice: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let asks_current = member.has_password && !by_link;
    let body = html! {
        h1 { "Your account" }
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        p { strong { (member.name) } " <" (member.email) ">, " (member.role) "." }
        h2 { @if member.has_password { "Change your password" } @else { "Set a password" } }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        @if !member.has_password {
            p.muted { "You signed in with a link. With a password you can sign in without waiting for an email." }
        } @else if by_link {
            p.muted { "You signed in with a link, so you can set a new password without the old one for the next few minutes." }
        }
        form.card method="post" action="/account/password" {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            input type="text" name="username" value=(member.name) autocomplete="username" hidden;
            @if asks_current {
                label { "Current password" input type="password" name="current" autocomplete="current-password" required; }
            }
            label { "New password (" (staff::MIN_PASSWORD_CHARS) " characters or more; a few words in a row make a good one)"
                input type="password" name="new" autocomplete="new-password" required minlength=(staff::MIN_PASSWORD_CHARS); }
            label { "The new password again" input type="password" name="again" autocomplete="new-password" required; }
            button type="submit" { "Set password" }
        }
    };
    (status, shell("Your account", Nav::Account, visitor, body)).into_response()
}

/// The password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: Option<String>,
    new: Option<String>,
    again: Option<String>,
}

/// POST /account/password.
pub async fn set_password(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Extension(signed): Extension<SignedIn>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let member = me(&visitor)?.clone();
    let by_link = signin::signed_in_by_link(&state, &headers, &signed);
    let refuse =
        |error: &str, status| account_form(&visitor, &member, by_link, None, Some(error), status);
    let new = form.new.clone().unwrap_or_default();
    if new != form.again.clone().unwrap_or_default() {
        return Ok(refuse(
            "The two new passwords differ; type the same one twice.",
            StatusCode::BAD_REQUEST,
        ));
    }
    if member.has_password && !by_link {
        let key = signin::account_key(Some(&member), &member.name);
        let now = std::time::Instant::now();
        if let Err(wait) = state.limits.accounts.check(key.clone(), now) {
            let message = format!(
                "Too many wrong passwords for this account. Try again in {} seconds.",
                wait_secs(wait)
            );
            return Ok(too_many(refuse(&message, StatusCode::OK), wait));
        }
        let id = member.id;
        let hash = state.read(move |s| Ok(s.password_hash(id)?)).await?;
        if !password_matches(hash, form.current.clone().unwrap_or_default()).await {
            state.limits.accounts.record_wrong(key, now);
            return Ok(refuse(
                "That is not your current password. Forgot it? Sign out and ask for a sign-in link.",
                StatusCode::UNAUTHORIZED,
            ));
        }
    }
    let hash = match tokio::task::spawn_blocking(move || staff::hash_password(&new)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(error @ StaffError::BadPassword)) => {
            return Ok(refuse(&error.to_string(), StatusCode::BAD_REQUEST))
        }
        Ok(Err(other)) => return Err(other.into()),
        Err(panic) => return Err(WebError::Internal(panic.to_string())),
    };
    let id = member.id;
    // Ends every sign-in of theirs, this one too; this browser then signs in afresh.
    state
        .write(move |s| Ok(s.set_password_hash(id, &hash)?))
        .await?;
    tracing::info!(name = %member.name, "password set from the web");
    let mut response = start_session(&state, &member, "/account?done=password").await?;
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(RESET_COOKIE, "", Some(0)));
    Ok(response)
}
