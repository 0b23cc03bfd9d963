//! GET /team: the people on the team, for owners: add one (a welcome email with a sign-in
//! link goes out when `[web] public_url` is set) or remove one (their sign-ins end at
//! once; a confirm step first), as `earshot staff add|remove` do.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::given;
use crate::model::Role;
use crate::signin::Purpose;
use crate::staff;
use crate::store::StaffMember;
use crate::web::csrf::{Visitor, CSRF_FIELD};
use crate::web::layout::{shell, time, Nav};
use crate::web::{AppState, WebError};

/// Owners only; staff get 403 with words.
fn owner(visitor: &Visitor) -> Result<(), WebError> {
    if visitor.is_owner() {
        Ok(())
    } else {
        Err(WebError::OwnerOnly("manage the team"))
    }
}

/// GET /team.
pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    owner(&visitor)?;
    Ok(render(&state, &visitor, None).await?.into_response())
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    notice: Option<Markup>,
) -> Result<Markup, WebError> {
    let team = state.read(|s| Ok(s.staff(false)?)).await?;
    let links = state.current_config().web_public_url.is_some();
    let body = html! {
        h1 { "Team" }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        p.muted { "Owners manage the team, sources and settings; staff work cases. Everyone signs in as themselves, and the case history records who did what." }
        @if team.is_empty() {
            p { "Nobody is on the team yet. Start it from the command line, with a password for yourself: "
                code { "earshot staff add \"YOUR NAME\" --email YOU@EXAMPLE.COM --password" }
                ". The first person added is an owner; from then on everyone signs in." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Password" } th { "Added" } th {} } }
                tbody { @for m in &team { tr {
                    td { strong { (m.name) } }
                    td { (m.email) }
                    td { (m.role) }
                    td { @if m.has_password { "set" } @else { "not set" } }
                    td { (time(m.created_at)) }
                    td {
                        form.inline method="post" action={"/team/" (m.id) "/remove"} {
                            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                            button.secondary type="submit" { "Remove…" }
                        }
                    }
                } } }
            } }
        }
        @if visitor.staff.is_some() {
            h2 { "Add someone" }
            form.card method="post" action="/team/add" {
                input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                label { "Name (as the case history shows it)" input type="text" name="name" required maxlength=(staff::MAX_NAME_CHARS); }
                label { "Email (sign-in links and their cases' alerts)" input type="email" name="email" required; }
                label { "Role"
                    select name="role" {
                        option value="staff" selected { "staff: works cases" }
                        option value="owner" { "owner: also manages the team, sources and settings" }
                    }
                }
                button type="submit" { "Add" }
            }
            @if links {
                p.muted { "They get a welcome email with a sign-in link (it works once, within 24 hours)." }
            } @else {
                p.muted { "Set " code { "[web] public_url" } " in the config so Earshot can email them a sign-in link; until then, set their password with "
                    code { "earshot staff password NAME" } "." }
            }
        }
    };
    Ok(shell("Team", Nav::Team, visitor, body))
}

/// The add form's fields.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    name: Option<String>,
    email: Option<String>,
    role: Option<String>,
}

/// POST /team/add: add a person (a signed-in owner only) and send them a welcome link.
pub async fn add(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<AddForm>,
) -> Result<Response, WebError> {
    owner(&visitor)?;
    if visitor.staff.is_none() {
        return Err(WebError::BadRequest(
            "start the team from the command line (`earshot staff add NAME --email EMAIL --password`), then sign in to add others here".into(),
        ));
    }
    let name = given(&form.name).unwrap_or_default().to_owned();
    let email = given(&form.email).unwrap_or_default().to_owned();
    let role: Role = given(&form.role)
        .unwrap_or("staff")
        .parse()
        .map_err(WebError::BadRequest)?;
    let actor = visitor.actor();
    let now = Utc::now();
    let member = state
        .write(move |s| Ok(staff::add(s, &actor, &name, &email, role, now)?))
        .await?;
    tracing::info!(name = %member.name, role = %member.role, by = %visitor.name, "added to the team from the web");
    let welcomed = state.current_config().web_public_url.is_some();
    if welcomed {
        super::super::signin::queue_link(&state, member.clone(), Purpose::Welcome).await?;
    }
    let notice = html! {
        "Added " strong { (member.name) } " <" (member.email) "> as " (member.role) ". "
        @if welcomed {
            "A welcome email with a sign-in link is on its way to them."
        } @else {
            "Set [web] public_url so Earshot can email them a sign-in link; until then set their password with "
            code { "earshot staff password \"" (member.name) "\"" } "."
        }
    };
    Ok(render(&state, &visitor, Some(notice))
        .await?
        .into_response())
}

/// The remove form's field: `yes` after the confirm step.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    confirm: Option<String>,
}

/// POST /team/{id}/remove: first a confirm page, then (with `confirm=yes`) the removal.
pub async fn remove(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, WebError> {
    owner(&visitor)?;
    let member = state
        .read(move |s| Ok(s.staff_by_id(id)?))
        .await?
        .filter(|m| m.removed_at.is_none())
        .ok_or_else(|| WebError::NotFound("nobody on the team has that number".into()))?;
    if given(&form.confirm) != Some("yes") {
        return Ok(confirm(&visitor, &member).into_response());
    }
    let actor = visitor.actor();
    let now = Utc::now();
    let name = member.name.clone();
    let (member, removal) = state
        .write(move |s| Ok(staff::remove(s, &actor, &name, now)?))
        .await?;
    tracing::info!(name = %member.name, by = %visitor.name, "removed from the team from the web");
    let notice = html! {
        "Removed " strong { (member.name) } " from the team: " (removal.sessions_ended)
        " sign-in(s) ended, " (removal.cases_unassigned)
        " open case(s) now assigned to nobody. Their name stays in the case history."
    };
    // Removing yourself ends your own sign-in: the next page asks you to sign in.
    let page = render(&state, &visitor, Some(notice)).await?;
    Ok(page.into_response())
}

fn confirm(visitor: &Visitor, member: &StaffMember) -> (StatusCode, Markup) {
    let body = html! {
        h1 { "Remove " (member.name) "?" }
        p { (member.name) " <" (member.email) ">, " (member.role) ". Their sign-ins end at once and their open cases go back to nobody; their name stays in the case history. You can add them again later." }
        form.card method="post" action={"/team/" (member.id) "/remove"} {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            input type="hidden" name="confirm" value="yes";
            button type="submit" { "Remove " (member.name) }
            " "
            a href="/team" { "Cancel" }
        }
    };
    (StatusCode::OK, shell("Remove", Nav::Team, visitor, body))
}
