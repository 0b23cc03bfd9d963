//! GET /sources: the health of each configured source, as `earshot sources` shows it.

use axum::extract::State;
use maud::{html, Markup};

use crate::web::csrf::Visitor;
use crate::web::layout::{shell, time, Nav};
use crate::web::{AppState, WebError};

/// GET /sources.
pub async fn page(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, WebError> {
    let health = state.read(|s| Ok(s.source_health()?)).await?;
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(time).unwrap_or_else(|| "-".into());
    let body = html! {
        h1 { "Sources" }
        div.table-wrap { table {
            thead { tr {
                th { "Source" } th { "State" } th { "Last fetch" } th { "Last success" }
                th { "Next due" } th.num { "Mentions" } th { "Last error" }
            } }
            tbody { @for source in &state.config.sources {
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
                    td.error { (h.and_then(|h| h.last_error.as_deref()).unwrap_or("")) }
                }
            } }
        } }
    };
    Ok(shell("Sources", Nav::Sources, &visitor, body))
}
