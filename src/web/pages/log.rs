//! GET /: the mention log with the CLI's filters as a GET form; open urgent cases and
//! overdue promises on top, then newest first; paged with limit/offset.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::given;
use crate::model::Mention;
use crate::store::{AssignedFilter, DismissedFilter, MentionFilter, Order, StaffMember};
use crate::web::csrf::Visitor;
use crate::web::layout::{mention_card, shell, Nav};
use crate::web::{AppState, WebError};

/// Mentions per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;
/// The most mentions one page shows.
pub const MAX_LIMIT: usize = 500;

/// The log's query string: the CLI's `mentions` filters, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogQuery {
    sentiment: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    customer: Option<String>,
    source: Option<String>,
    since: Option<String>,
    search: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    /// `only`: the mentions staff dismissed instead of the log.
    dismissed: Option<String>,
    /// Whose cases: a person's id on the team, or `nobody`.
    assigned: Option<String>,
    /// A `[[location]]` name.
    location: Option<String>,
}

impl LogQuery {
    /// The store filter these values mean, or what is wrong with one of them.
    pub fn filter(
        &self,
        now: DateTime<Utc>,
        zone: &crate::localtime::Zone,
    ) -> Result<MentionFilter, String> {
        let number = |value: &Option<String>, name: &str| -> Result<Option<usize>, String> {
            given(value)
                .map(|v| v.parse::<usize>())
                .transpose()
                .map_err(|_| format!("{name} must be a whole number"))
        };
        for (what, text) in [("Search", &self.search), ("Customer", &self.customer)] {
            if let Some(text) = given(text) {
                crate::store::check_search(what, text)?;
            }
        }
        Ok(MentionFilter {
            label: given(&self.sentiment)
                .map(str::parse)
                .transpose()
                .map_err(|e: crate::sentiment::ParseLabelError| e.to_string())?,
            status: given(&self.status).map(str::parse).transpose()?,
            priority: given(&self.priority).map(str::parse).transpose()?,
            customer: given(&self.customer).map(str::to_owned),
            source: given(&self.source).map(str::to_owned),
            since: given(&self.since)
                .map(|s| crate::cli::parse_since(s, now, zone))
                .transpose()
                .map_err(|e| format!("{e:#}").replace("--since", "Since"))?,
            search: given(&self.search).map(str::to_owned),
            limit: Some(
                number(&self.limit, "limit")?
                    .unwrap_or(DEFAULT_LIMIT)
                    .clamp(1, MAX_LIMIT),
            ),
            offset: number(&self.offset, "offset")?.unwrap_or(0),
            now: Some(now),
            order: Order::Triage,
            dismissed: match given(&self.dismissed) {
                None => DismissedFilter::Hide,
                Some("only") => DismissedFilter::Only,
                Some(other) => return Err(format!("dismissed={other}: use dismissed=only")),
            },
            assigned: match given(&self.assigned) {
                None => None,
                Some("nobody") => Some(AssignedFilter::Nobody),
                Some(id) => Some(AssignedFilter::To(id.parse().map_err(|_| {
                    format!("assigned={id}: choose a person from the list, or nobody")
                })?)),
            },
            ..MentionFilter::default()
        })
    }

    fn href(&self, offset: usize) -> String {
        let mut query = self.clone();
        query.offset = (offset > 0).then(|| offset.to_string());
        format!("/?{}", encode(&query))
    }
}

/// Only the non-blank values, so paging links stay short.
fn encode(query: &LogQuery) -> String {
    let fields = [
        ("sentiment", &query.sentiment),
        ("status", &query.status),
        ("priority", &query.priority),
        ("customer", &query.customer),
        ("source", &query.source),
        ("since", &query.since),
        ("search", &query.search),
        ("limit", &query.limit),
        ("offset", &query.offset),
        ("dismissed", &query.dismissed),
        ("assigned", &query.assigned),
        ("location", &query.location),
    ];
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        if let Some(value) = given(value) {
            out.append_pair(name, value);
        }
    }
    out.finish()
}

/// GET /.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<LogQuery>,
) -> Result<Response, WebError> {
    let sources: Vec<String> = state
        .config
        .sources
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let team = state.read(|s| Ok(s.staff(false)?)).await?;
    // A location manager's log is their location's; the others may pick one.
    let locations: Vec<String> = match visitor.location() {
        Some(_) => Vec::new(),
        None => state
            .config
            .locations
            .iter()
            .map(|l| l.name.clone())
            .collect(),
    };
    // "me" is whoever is signed in.
    let mine = given(&query.assigned) == Some("me");
    let mut query = query;
    if mine {
        query.assigned = visitor.staff.as_ref().map(|me| me.id.to_string());
    }
    let nav = if mine { Nav::Mine } else { Nav::Log };
    let filter = query
        .filter(Utc::now(), &state.config.business.timezone)
        .and_then(|filter| with_location(filter, &query, &state.config, &visitor));
    let filter = match filter {
        Ok(filter) => filter,
        Err(message) => {
            let body = html! { (form(&query, &sources, &team, &locations)) p.error { (message) } };
            let markup = shell("Mentions", nav, &visitor, body);
            return Ok((StatusCode::BAD_REQUEST, markup).into_response());
        }
    };
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = filter.offset;
    let mut probe = filter.clone();
    probe.limit = Some(limit + 1);
    let mut mentions = state.read(move |s| Ok(s.mentions(&probe)?)).await?;
    let more = mentions.len() > limit;
    mentions.truncate(limit);
    let body = html! {
        h1 { @if mine { "My cases" } @else { "Mention log" } }
        (form(&query, &sources, &team, &locations))
        (list(&mentions, offset))
        nav.paging {
            @if offset > 0 {
                a href=(query.href(offset.saturating_sub(limit))) { "← Newer" }
            } @else { span {} }
            @if more { a href=(query.href(offset + limit)) { "Older →" } }
        }
    };
    Ok(shell("Mentions", nav, &visitor, body).into_response())
}

/// The log's location: the one a location manager is bound to whatever the query says,
/// else the `location` picked (a name the config knows).
fn with_location(
    mut filter: MentionFilter,
    query: &LogQuery,
    config: &crate::config::Config,
    visitor: &Visitor,
) -> Result<MentionFilter, String> {
    filter.location = match (visitor.location(), given(&query.location)) {
        (Some(mine), _) => Some(mine.to_owned()),
        (None, Some(name)) => Some(config.find_location(name)?.name.clone()),
        (None, None) => None,
    };
    Ok(filter)
}

fn list(mentions: &[Mention], offset: usize) -> Markup {
    html! {
        @if mentions.is_empty() {
            p.card { "No mentions match. Loosen the filters, or wait for the next poll." }
        } @else {
            p.muted {
                "Showing " (offset + 1) "–" (offset + mentions.len())
                ". Open urgent cases and overdue promises first, then newest first."
            }
            @for m in mentions { (mention_card(m)) }
        }
    }
}

fn form(
    query: &LogQuery,
    sources: &[String],
    team: &[StaffMember],
    locations: &[String],
) -> Markup {
    let select = |name: &str, label: &str, current: &Option<String>, options: &[&str]| {
        let current = given(current).unwrap_or("");
        html! {
            label { (label)
                select name=(name) {
                    option value="" { "any" }
                    @for o in options { option value=(o) selected[current == *o] { (o) } }
                }
            }
        }
    };
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    let locations: Vec<&str> = locations.iter().map(String::as_str).collect();
    let text = |name: &str, label: &str, value: &Option<String>, hint: &str| {
        html! { label { (label) input type="text" name=(name) value=[given(value)] placeholder=(hint); } }
    };
    let more_open = [
        &query.priority,
        &query.source,
        &query.customer,
        &query.since,
        &query.limit,
        &query.dismissed,
        &query.assigned,
    ]
    .iter()
    .any(|v| given(v).is_some());
    let dismissed = given(&query.dismissed) == Some("only");
    html! {
        form.filters.card method="get" action="/" {
            label.wide { "Search"
                input type="search" name="search" value=[given(&query.search)] placeholder="words in the text, title or author";
            }
            @if !locations.is_empty() {
                (select("location", "Location", &query.location, &locations))
            }
            (select("sentiment", "Sentiment", &query.sentiment, &["negative", "neutral", "positive", "unscored"]))
            (select("status", "Status", &query.status, &["open", "new", "acknowledged", "promised", "resolved", "recovered"]))
            details.wide open[more_open] {
                summary { "More filters" }
                div.filters {
                    (select("priority", "Priority", &query.priority, &["urgent", "high", "normal", "low"]))
                    (select("source", "Source", &query.source, &sources))
                    (text("customer", "Customer", &query.customer, "name"))
                    (text("since", "Since", &query.since, "7d or 2026-11-01"))
                    (text("limit", "Per page", &query.limit, "50"))
                    label { "Dismissed"
                        select name="dismissed" {
                            option value="" { "hide" }
                            option value="only" selected[dismissed] { "show only those" }
                        }
                    }
                    @if !team.is_empty() {
                        @let assigned = given(&query.assigned).unwrap_or("");
                        label { "Assigned to"
                            select name="assigned" {
                                option value="" { "anyone" }
                                option value="nobody" selected[assigned == "nobody"] { "nobody" }
                                @for person in team {
                                    @let id = person.id.to_string();
                                    option value=(id) selected[assigned == id] { (person.name) }
                                }
                            }
                        }
                    }
                }
            }
            div.wide { button type="submit" { "Filter" } " " a href="/" { "clear" } }
        }
    }
}
