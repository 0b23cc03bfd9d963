//! POST handlers that move a case along: acknowledge, promise, resolve, link, unlink.
//!
//! The CSRF token was already checked (see `csrf`). Each change is recorded under the
//! signed-in person's name (never a name from the form); without a team, under the name
//! staff typed (remembered in a cookie), else the remembered one, else "staff". Then the
//! browser is sent back to the mention's page (POST/redirect/GET).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use serde::Deserialize;

use super::given;
use super::mention::Typed;
use crate::localtime::Zone;
use crate::model::{DismissReason, Label};
use crate::pipeline::Correction;
use crate::store::CaseAction;
use crate::web::csrf::{set_cookie, Visitor, NAME_COOKIE};
use crate::web::{AppState, WebError};

/// Longest note kept.
const MAX_NOTE_CHARS: usize = 2000;
/// How long the name cookie lasts (a year).
const NAME_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The fields of the case forms (each form sends the ones it has).
#[derive(Debug, Default, Deserialize)]
pub struct CaseForm {
    by: Option<String>,
    note: Option<String>,
    due: Option<String>,
    customer: Option<String>,
    label: Option<String>,
    priority: Option<String>,
    reason: Option<String>,
    assignee: Option<String>,
}

impl CaseForm {
    fn note(&self) -> Option<String> {
        given(&self.note).map(|n| n.chars().take(MAX_NOTE_CHARS).collect())
    }
}

/// POST /mentions/{id}/ack.
pub async fn acknowledge(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    case(state, visitor, id, form, |_| Ok(CaseAction::Acknowledge)).await
}

/// POST /mentions/{id}/promise: `due` is `2d` or a date, like `earshot promise --due`.
/// A promise that cannot be taken shows the page again with what was typed and why.
pub async fn promise(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let zone = state.config.business.timezone.clone();
    let due = match promise_due(&form, &zone) {
        Ok(due) => due,
        Err(problem) => {
            let typed = Typed {
                problem,
                note: form.note.clone().unwrap_or_default(),
                due: form.due.clone().unwrap_or_default(),
            };
            let page = super::mention::render(&state.0, &visitor, id, None, Some(typed)).await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    case(state, visitor, id, form, |_| {
        Ok(CaseAction::Promise { due })
    })
    .await
}

/// The due date of a promise, or what is wrong with the form.
fn promise_due(form: &CaseForm, zone: &Zone) -> Result<chrono::DateTime<Utc>, String> {
    if form.note().is_none() {
        return Err("Say what was promised, e.g. \"replacement cake Saturday\".".into());
    }
    let due = given(&form.due).ok_or("Give a due date: 2d, 36h or 2026-11-30.")?;
    crate::cli::parse_due(due, Utc::now(), zone)
        .map_err(|e| format!("{e:#}").replace("--due", "Due"))
}

/// POST /mentions/{id}/resolve.
pub async fn resolve(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    case(state, visitor, id, form, |_| Ok(CaseAction::Resolve)).await
}

async fn case(
    State(state): State<AppState>,
    visitor: Visitor,
    id: i64,
    form: CaseForm,
    action: impl FnOnce(&CaseForm) -> Result<CaseAction, WebError>,
) -> Result<Response, WebError> {
    let action = action(&form)?;
    let by = visitor.acting_name(given(&form.by));
    let note = form.note();
    let who = by.clone();
    let status = state
        .write(move |s| {
            let note = note.as_deref();
            Ok(crate::pipeline::update_case(
                s,
                id,
                action,
                note,
                &who,
                Utc::now(),
            )?)
        })
        .await?;
    tracing::info!(mention = id, %status, by = %by, "case updated from the web");
    Ok(back(id, status.as_str(), &by, &visitor))
}

/// POST /mentions/{id}/link: `customer` is the customer id.
pub async fn link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let customer: i64 = given(&form.customer)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| WebError::BadRequest("choose a customer to link".into()))?;
    set_link(state, visitor, id, Some(customer), &form).await
}

/// POST /mentions/{id}/unlink.
pub async fn unlink(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    set_link(state, visitor, id, None, &form).await
}

async fn set_link(
    state: AppState,
    visitor: Visitor,
    id: i64,
    customer: Option<i64>,
    form: &CaseForm,
) -> Result<Response, WebError> {
    let by = visitor.acting_name(given(&form.by));
    let who = by.clone();
    let rules = state.config.triage.clone();
    state
        .write(move |s| {
            Ok(crate::pipeline::set_link(
                s,
                id,
                customer,
                &who,
                &rules,
                Utc::now(),
            )?)
        })
        .await?;
    tracing::info!(mention = id, ?customer, by = %by, "link set from the web");
    let done = if customer.is_some() {
        "linked"
    } else {
        "unlinked"
    };
    Ok(back(id, done, &by, &visitor))
}

/// POST /mentions/{id}/relabel: `label` is negative, neutral or positive.
pub async fn relabel(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let label: Label = given(&form.label)
        .ok_or_else(|| WebError::BadRequest("choose negative, neutral or positive".into()))?
        .parse()
        .map_err(|e: crate::model::ParseLabelError| WebError::BadRequest(e.to_string()))?;
    if !Label::VERDICTS.contains(&label) {
        return Err(WebError::BadRequest(
            "choose negative, neutral or positive".into(),
        ));
    }
    correct(
        state,
        visitor,
        id,
        Correction::Label(label),
        &form,
        "relabelled",
    )
    .await
}

/// POST /mentions/{id}/priority: `priority` is urgent, high, normal, low or auto.
pub async fn priority(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let choice =
        given(&form.priority).ok_or_else(|| WebError::BadRequest("choose a priority".into()))?;
    let priority = if choice.eq_ignore_ascii_case("auto") {
        None
    } else {
        Some(choice.parse().map_err(WebError::BadRequest)?)
    };
    let correction = Correction::Priority(priority);
    correct(state, visitor, id, correction, &form, "prioritised").await
}

/// POST /mentions/{id}/dismiss: `reason` is not-about-us, spam, duplicate, or `undo`.
pub async fn dismiss(
    state: State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let reason = given(&form.reason)
        .ok_or_else(|| WebError::BadRequest("say why: not about us, spam or duplicate".into()))?;
    let (reason, done) = if reason == "undo" {
        (None, "undismissed")
    } else {
        let reason: DismissReason = reason.parse().map_err(WebError::BadRequest)?;
        (Some(reason), "dismissed")
    };
    correct(state, visitor, id, Correction::Dismiss(reason), &form, done).await
}

async fn correct(
    State(state): State<AppState>,
    visitor: Visitor,
    id: i64,
    correction: Correction,
    form: &CaseForm,
    done: &str,
) -> Result<Response, WebError> {
    let by = visitor.acting_name(given(&form.by));
    let who = by.clone();
    let note = form.note();
    let rules = state.config.triage.clone();
    state
        .write(move |s| {
            Ok(crate::pipeline::correct(
                s,
                id,
                correction,
                note.as_deref(),
                &who,
                &rules,
                Utc::now(),
            )?)
        })
        .await?;
    tracing::info!(mention = id, ?correction, by = %by, "correction from the web");
    Ok(back(id, done, &by, &visitor))
}

/// POST /mentions/{id}/assign: `assignee` is a team member's id, or `nobody`.
pub async fn assign(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<CaseForm>,
) -> Result<Response, WebError> {
    let assignee = match given(&form.assignee) {
        None | Some("nobody") => None,
        Some(value) => Some(value.parse::<i64>().map_err(|_| {
            WebError::BadRequest("choose a person from the list, or nobody".into())
        })?),
    };
    let who = visitor.actor();
    let by = who.name.clone();
    state
        .write(move |s| {
            let member = match assignee {
                Some(staff_id) => Some(
                    s.staff_by_id(staff_id)?
                        .filter(|m| m.removed_at.is_none())
                        .ok_or_else(|| {
                            WebError::BadRequest(
                                "that person is no longer on the team; reload the page".into(),
                            )
                        })?,
                ),
                None => None,
            };
            Ok(crate::pipeline::assign(
                s,
                id,
                member.as_ref(),
                &who,
                Utc::now(),
            )?)
        })
        .await?;
    tracing::info!(mention = id, ?assignee, by = %by, "case assigned from the web");
    Ok(back(id, "assigned", &by, &visitor))
}

/// Back to the mention's page, remembering a typed name for next time (a signed-in
/// person's name comes from their sign-in).
fn back(id: i64, done: &str, by: &str, visitor: &Visitor) -> Response {
    let mut response = Redirect::to(&format!("/mentions/{id}?done={done}")).into_response();
    if visitor.staff.is_some() {
        return response;
    }
    let encoded: String = url::form_urlencoded::byte_serialize(by.as_bytes()).collect();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(NAME_COOKIE, &encoded, Some(NAME_MAX_AGE_SECS)),
    );
    response
}
