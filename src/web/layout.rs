//! The page shell (navigation, stylesheet, the copy button's script) and small view helpers
//! shared by the pages. Stylesheet and script are constants served from fixed routes: there
//! are no static files, so no path can reach the disk.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

use super::csrf::{Visitor, CSRF_FIELD};
use crate::model::{CaseStatus, Label, Mention, Priority};

/// Which navigation item is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// No navigation (login, errors).
    None,
    /// The mention log.
    Log,
    /// The signed-in person's open cases.
    Mine,
    /// Customers.
    Customers,
    /// Source health.
    Sources,
    /// The chart.
    Chart,
    /// The team (owners).
    Team,
    /// The signed-in person's account.
    Account,
}

/// A whole page around `body`.
pub fn shell(title: &str, nav: Nav, visitor: &Visitor, body: Markup) -> Markup {
    let item = |target: Nav, href: &str, text: &str| {
        html! { a href=(href) aria-current=[(nav == target).then_some("page")] { (text) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Earshot" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/copy.js" defer {}
            }
            body {
                @if nav != Nav::None {
                    header.top {
                        a.brand href="/" { "Earshot" }
                        nav {
                            (item(Nav::Log, "/", "Mentions"))
                            @if visitor.staff.is_some() {
                                (item(Nav::Mine, "/?assigned=me&status=open", "My cases"))
                            }
                            (item(Nav::Customers, "/customers", "Customers"))
                            (item(Nav::Sources, "/sources", "Sources"))
                            (item(Nav::Chart, "/chart", "Chart"))
                            @if visitor.staff.is_some() && visitor.is_owner() {
                                (item(Nav::Team, "/team", "Team"))
                            }
                        }
                        @if let Some(me) = &visitor.staff {
                            span.who-am-i {
                                "Signed in as "
                                a href="/account" aria-current=[(nav == Nav::Account).then_some("page")] { (me.name) }
                                " (" (me.role) ")"
                            }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                                button.link type="submit" { "Sign out" }
                            }
                        } @else if visitor.logged_in {
                            form.inline method="post" action="/logout" {
                                input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// An error page with the status and what to do.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (status.as_u16()) " · Earshot" }
                link rel="stylesheet" href="/static/style.css";
            }
            body { main {
                h1 { (status.canonical_reason().unwrap_or("Error")) }
                p.error { (message) }
                p { a href="/" { "Back to the mention log" } }
            } }
        }
    }
}

/// A link to `url` only when it is http(s); anything else (`javascript:`, `data:`) is text.
pub fn external_link(url: &str) -> Markup {
    match safe_href(url) {
        Some(href) => {
            html! { a href=(href) rel="noopener noreferrer nofollow" target="_blank" { (url) } }
        }
        None => html! { span.unsafe-url title="not a web link; not clickable" { (url) } },
    }
}

/// `url` if it is an absolute http or https URL.
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// "Mon 23 Nov 14:05 GMT": in the business's zone, with the zone named.
pub fn time(t: DateTime<Utc>) -> String {
    crate::localtime::short_zoned(t)
}

/// Priority, sentiment and status as coloured badges.
pub fn badges(m: &Mention) -> Markup {
    html! {
        span class={"badge p-" (m.priority.as_str())} { (priority_text(m.priority)) }
        span class={"badge l-" (m.label.as_str())} title=[m.language.map(|l| l.code())] {
            (m.sentiment()) " " (m.score_shown())
        }
        @if m.overdue {
            span.badge.overdue { "overdue" }
        } @else {
            span class={"badge s-" (m.status.as_str())} { (m.status) }
        }
        @if let Some(at) = m.removed_at {
            span.badge.removed { "removed upstream on " (time(at)) }
        }
    }
}

fn priority_text(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => "URGENT",
        Priority::High => "high",
        Priority::Normal => "normal",
        Priority::Low => "low",
    }
}

/// One mention as a card in a list (the log, a customer's history).
pub fn mention_card(m: &Mention) -> Markup {
    let urgent = m.status.is_open() && (m.priority == Priority::Urgent || m.overdue);
    html! {
        article class={"mention" @if urgent {" needs-you"} @if m.label == Label::Negative {" negative"}} {
            div.meta {
                (badges(m))
                @if let Some(location) = &m.location {
                    span.badge.location title="Location" { (location) }
                }
                @if let Some(category) = crate::replies::complaint_category(m) {
                    span.badge.category title="Problem" { (category.label()) }
                }
                @match &m.customer {
                    // A linked author is named once: as the customer, with the name they
                    // posted under only when it differs ("as @lucia.cooks").
                    Some(c) => {
                        a.who href={"/customers/" (c.id)} { (c.name) }
                        @if let Some(tier) = &c.tier { " (tier " (tier) ")" }
                        @if let Some(author) = m.author.as_deref().filter(|a| !same_name(a, &c.name)) {
                            span.muted { " as " (author) }
                        }
                    }
                    None => span.who { (m.author.as_deref().unwrap_or("(unknown)")) },
                }
                span.muted { " · " (m.source) " · " (time(m.when())) }
                @if let Some(assignee) = &m.assignee {
                    span.badge.assignee title="Assigned to" { (assignee) }
                }
            }
            a.open href={"/mentions/" (m.id)} {
                @if let Some(title) = &m.title { strong { (clip(title, 120)) } " — " }
                (clip(&m.text, 280))
            }
            @if let Some(due) = m.promise_due_at.filter(|_| m.status == CaseStatus::Promised) {
                div.muted { "Promise due " (time(due)) }
            }
        }
    }
}

/// Two spellings of one name ("lucia  ferrante" and "Lucia Ferrante").
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_lowercase).collect() };
    words(a) == words(b)
}

/// At most `width` characters, with an ellipsis when cut.
pub fn clip(text: &str, width: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= width {
        return text;
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// GET /static/style.css.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("style.css"),
    )
}

/// GET /static/copy.js: the copy button, the only script.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        COPY_JS,
    )
}

/// Copy the text of `data-copy`'s target; falls back to selecting it where the clipboard
/// API is unavailable (plain http on the LAN is not a secure context).
const COPY_JS: &str = r#"document.addEventListener('click', function (e) {
  var b = e.target.closest('[data-copy]');
  if (!b) return;
  var t = document.getElementById(b.getAttribute('data-copy'));
  if (!t) return;
  var say = function (text) {
    b.textContent = text;
    setTimeout(function () { b.textContent = 'Copy reply'; }, 2500);
  };
  var fallback = function () {
    t.focus(); t.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (err) {}
    say(ok ? 'Copied' : 'Selected: press Ctrl+C or long-press to copy');
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(t.value).then(function () { say('Copied'); }, fallback);
  } else {
    fallback();
  }
});
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Label;

    #[test]
    fn a_review_removed_upstream_says_so_with_the_day_it_went() {
        let mut mention = crate::test_support::mention(Label::Negative);
        assert!(!badges(&mention).into_string().contains("removed upstream"));
        mention.removed_at = chrono::DateTime::from_timestamp(1_764_000_000, 0);
        let html = badges(&mention).into_string();
        assert!(html.contains("class=\"badge removed\""), "{html}");
        assert!(html.contains("removed upstream on "), "{html}");
    }
}
