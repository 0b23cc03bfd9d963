//! GET /customers (search) and GET /customers/{id} (card and history).

use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;

use super::given;
use crate::casework::customer_card;
use crate::triage::thousands;
use crate::web::csrf::Visitor;
use crate::web::layout::{mention_card, shell, Nav};
use crate::web::{AppState, WebError};

/// `?search=`.
#[derive(Debug, Deserialize)]
pub struct Search {
    search: Option<String>,
}

/// GET /customers.
pub async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<Search>,
) -> Result<Markup, WebError> {
    let search = given(&query.search).map(str::to_owned);
    let term = search.clone();
    let customers = state
        .read(move |s| Ok(s.customers(term.as_deref())?))
        .await?;
    let body = html! {
        h1 { "Customers" }
        form.filters.card method="get" action="/customers" {
            label.wide { "Search" input type="search" name="search" value=[search.as_deref()] placeholder="name, email or handle"; }
            div { button type="submit" { "Search" } }
        }
        @if customers.is_empty() {
            p.card { "No customers match. Import your list with "
                code { "earshot customers import config/customers.csv" } "." }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th { "Name" } th { "Tier" } th.num { "Lifetime value" } th.num { "Mentions" }
                    th.num { "Negative" } th.num { "Open cases" } th.num.hide-phone { "Recovered" }
                } }
                tbody { @for c in &customers { tr {
                    td { a href={"/customers/" (c.id)} { (c.name) } }
                    td { (c.tier.as_deref().unwrap_or("")) }
                    td.num { (c.lifetime_value.map(thousands).unwrap_or_default()) }
                    td.num { (c.mentions) }
                    td.num { (c.negative) }
                    td.num { (c.open_cases) }
                    td.num.hide-phone { (c.recovered) }
                } } }
            } }
        }
    };
    Ok(shell("Customers", Nav::Customers, &visitor, body))
}

/// GET /customers/{id}.
pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Markup, WebError> {
    let mut detail = state.read(move |s| Ok(s.customer_detail(id)?)).await?;
    // Customers are shared across locations; a location manager sees only their
    // location's part of the history.
    if let Some(mine) = visitor.location() {
        detail
            .mentions
            .retain(|m| m.location.as_deref() == Some(mine));
    }
    let c = &detail.summary;
    let body = html! {
        h1 { (c.name) }
        div.card { p.pre { (customer_card(c)) } }
        h2 { "History (" (detail.mentions.len()) " mentions, newest first)" }
        @if detail.mentions.is_empty() { p.muted { "No mentions linked yet." } }
        @for m in &detail.mentions { (mention_card(m)) }
    };
    Ok(shell(&c.name, Nav::Customers, &visitor, body))
}
