//! GET /sources: the health of each configured source, as `earshot sources` shows it;
//! under `earshot run`, a form to add a source by URL (POST /sources/add, as
//! `earshot sources add`), and why the last config reload was refused, if it was.

use axum::extract::State;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::given;
use crate::onboard;
use crate::web::csrf::{Visitor, CSRF_FIELD};
use crate::web::layout::{shell, time, Nav};
use crate::web::{AppState, WebError};

/// GET /sources.
pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, WebError> {
    let health = state.read(|s| Ok(s.source_health()?)).await?;
    let config = state.current_config();
    let reload_error = state.live.as_ref().and_then(|live| live.error());
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(time).unwrap_or_else(|| "-".into());
    // Several workers may share a PostgreSQL database: say which polled each source.
    let workers = config.database_url.is_some();
    let body = html! {
        h1 { "Sources" }
        @if let Some(error) = &reload_error {
            p.error { (error) }
        }
        div.table-wrap { table {
            thead { tr {
                th { "Source" } th { "State" } th { "Last fetch" } th { "Last success" }
                th { "Next due" } th.num { "Mentions" }
                @if workers { th { "Polled by" } }
                th { "Last error" }
            } }
            tbody { @for source in &config.sources {
                @let h = health.iter().find(|h| h.name == source.name);
                tr {
                    td { strong { (source.name) } br; span.muted { (h.map(|h| h.url.as_str()).unwrap_or("")) } }
                    td { @match h {
                        None => span.badge { "never fetched" },
                        Some(h) if h.last_error.is_some() => span.badge.p-urgent {
                            "failing" @if h.consecutive_failures > 1 { " ×" (h.consecutive_failures) }
                        },
                        Some(_) => span.badge.s-resolved { "ok" },
                    } }
                    td { (when(h.and_then(|h| h.last_fetch_at))) }
                    td { (when(h.and_then(|h| h.last_success_at))) }
                    td { (when(h.and_then(|h| h.next_due_at))) }
                    td.num { (h.map(|h| h.mentions_seen).unwrap_or(0)) }
                    @if workers { td { (h.and_then(|h| h.polled_by.as_deref()).unwrap_or("-")) } }
                    td.error { (h.and_then(|h| h.last_error.as_deref()).unwrap_or("")) }
                }
            } }
        } }
        (add_form(&state, &visitor))
    };
    Ok(shell("Sources", Nav::Sources, &visitor, body))
}

/// The add-by-URL form, where the config can be written and reloaded (`earshot run`).
fn add_form(state: &AppState, visitor: &Visitor) -> Markup {
    let writable = state
        .live
        .as_ref()
        .is_some_and(|live| live.path().is_some());
    html! {
        h2 { "Add a source" }
        @if !visitor.is_owner() {
            p.muted { "Only an owner can add sources." }
        } @else if writable {
            form method="post" action="/sources/add" {
                input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                label { "Address (a feed, a page that links one, or a review page) "
                    input type="url" name="url" required placeholder="https://…"; }
                " "
                label { "Name (optional) " input type="text" name="name"; }
                " "
                button type="submit" { "Add" }
            }
        } @else {
            p.muted { "Add one with " code { "earshot sources add URL" } "; `earshot run` picks it up on SIGHUP." }
        }
    }
}

/// The add form's fields.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    url: Option<String>,
    name: Option<String>,
}

/// POST /sources/add: what `earshot sources add` does, then the config is reloaded so
/// the running service polls the new source.
pub async fn add(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<AddForm>,
) -> Result<Markup, WebError> {
    if !visitor.is_owner() {
        return Err(WebError::OwnerOnly("add sources"));
    }
    let Some((live, path)) = state
        .live
        .as_ref()
        .and_then(|live| Some((live.clone(), live.path()?.to_owned())))
    else {
        return Err(WebError::BadRequest(
            "sources can be added here only while `earshot run` serves this page; use `earshot sources add URL`".into(),
        ));
    };
    let url = given(&form.url)
        .ok_or_else(|| {
            WebError::BadRequest("give the source's address, starting with https://".into())
        })?
        .to_owned();
    let _writing = live.writing.lock().await;
    let pipeline = live.pipeline();
    let added = onboard::add(&path, &pipeline, &url, given(&form.name))
        .await
        .map_err(|e| WebError::BadRequest(format!("{e:#}")))?;
    let reloaded = live.reload();
    let body = html! {
        h1 { "Source added" }
        p { "Added " strong { (added.name) } " to " code { (path.display()) } "." }
        @if let Err(error) = &reloaded { p.error { (error) } }
        pre { (added.preview.to_string()) }
        p { a href="/sources" { "Back to the sources" } }
    };
    Ok(shell("Source added", Nav::Sources, &visitor, body))
}
