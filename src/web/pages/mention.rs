//! GET /mentions/{id}: one mention in full, as `earshot show` has it, with the forms that
//! move the case along.

use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;

use crate::casework::{customer_card, reply_for};
use crate::customers::Candidate;
use crate::model::{CaseStatus, DismissReason, Label, Mention, Priority, Term};
use crate::store::{CaseFile, CustomerSummary, StaffMember};
use crate::web::csrf::{Visitor, CSRF_FIELD};
use crate::web::layout::{badges, external_link, shell, time, Nav};
use crate::web::{AppState, WebError};

/// What the page shows, read in one visit to the store.
struct View {
    case: CaseFile,
    suggestions: Vec<Candidate>,
    customers: Vec<CustomerSummary>,
    /// The same customer's complaints before this one, newest first.
    earlier: Vec<Mention>,
    /// The team, to assign the case to (empty without one).
    team: Vec<StaffMember>,
}

/// The steps `?done=` may confirm (anything else in the address is not echoed).
const STEPS: [&str; 10] = [
    "acknowledged",
    "promised",
    "resolved",
    "linked",
    "unlinked",
    "relabelled",
    "prioritised",
    "dismissed",
    "undismissed",
    "assigned",
];

/// `?done=…` after an action, to confirm it.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// What staff typed into the case form that could not be taken, to show again with why.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// What is wrong, in words.
    pub problem: String,
    /// The note as typed.
    pub note: String,
    /// The due date as typed.
    pub due: String,
}

/// GET /mentions/{id}.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<maud::Markup, WebError> {
    render(&state, &visitor, id, done.done.as_deref(), None).await
}

/// The page, confirming `done` or showing what was typed and why it was refused.
pub async fn render(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    done: Option<&str>,
    typed: Option<Typed>,
) -> Result<maud::Markup, WebError> {
    let visitor = visitor.clone();
    let view = state
        .read(move |s| {
            let case = s.case_file(id)?;
            let earlier = match &case.customer {
                Some(c) => earlier_complaints(s.mentions_of_customer(c.id)?, &case.detail.mention),
                None => Vec::new(),
            };
            Ok(View {
                case,
                suggestions: s.link_suggestions(id)?,
                customers: s.customers(None)?,
                earlier,
                team: s.staff(false)?,
            })
        })
        .await?;
    let mut view = view;
    // A location manager is shown only their location's earlier complaints (the others'
    // pages are not theirs to open).
    if let Some(mine) = visitor.location() {
        view.earlier.retain(|e| e.location.as_deref() == Some(mine));
    }
    let m = &view.case.detail.mention;
    let reply = reply_for(&view.case, &state.config);
    let body = html! {
        h1 { "Mention #" (m.id) }
        @if let Some(done) = done.filter(|d| STEPS.contains(d)) {
            p.notice { "Done: " (done) "." }
        }
        // Two taps from an alert on a phone: its link, then one of these.
        @if m.status.is_open() && m.dismissed.is_none() { (quick_actions(m.id, m.status, &visitor)) }
        @if let Some(reason) = m.dismissed {
            p.notice { "Dismissed (" (reason_words(reason)) "): it is out of the log, the counts and the digest." }
        }
        div.card {
            p { (badges(m)) }
            @if m.relabelled { p.muted { "Sentiment " (m.label) " set by staff." } }
            @if !view.case.detail.priority_reasons.is_empty() {
                p { "Why " (m.priority) ": " (view.case.detail.priority_reasons.join("; ")) }
            }
            @if !view.earlier.is_empty() {
                p { "Complained before: "
                    @for (i, e) in view.earlier.iter().take(3).enumerate() {
                        @if i > 0 { ", " }
                        a href={"/mentions/" (e.id)} { "#" (e.id) } " (" (time(e.when())) ", " (e.status) ")"
                    }
                }
            }
            @if let Some(due) = m.promise_due_at {
                p class=[m.overdue.then_some("error")] {
                    "Promise due " (time(due)) @if m.overdue { " — OVERDUE" }
                }
            }
            dl.facts {
                @if let Some(category) = crate::replies::complaint_category(m) {
                    dt { "Problem" } dd { (category.label()) }
                }
                @if let Some(location) = &m.location { dt { "Location" } dd { (location) } }
                dt { "Source" } dd { (m.source) }
                dt { "Author" } dd { (m.author.as_deref().unwrap_or("(unknown)")) }
                @if let Some(p) = m.published_at { dt { "Published" } dd { (time(p)) } }
                dt { "First seen" } dd { (time(m.fetched_at)) }
                @if let Some(url) = &m.url { dt { "Link" } dd { (external_link(url)) } }
                @if let Some(r) = m.rating { dt { "Rating" } dd { (r) " of 5 stars" } }
                @if !view.team.is_empty() {
                    dt { "Assigned to" } dd { (m.assignee.as_deref().unwrap_or("nobody")) }
                }
            }
            @if !view.team.is_empty() { (assignment(m, &view.team, &visitor)) }
        }
        div.card {
            @if let Some(title) = &m.title { h2 { (title) } }
            p.text { (highlight(&m.text, &m.terms)) }
            @if m.score.is_none() {
                p.muted { "Not scored: it is in " (m.language.map_or("another language", |l| l.name()))
                    ", and Earshot's sentiment words are English. Read it, then set its sentiment below." }
            } @else {
                p.muted { "Why this score (" (m.score_shown()) "): "
                    @if m.terms.is_empty() { "no sentiment words found." }
                    @for (i, t) in m.terms.iter().enumerate() {
                        @if i > 0 { ", " }
                        mark class=(if t.weight < 0.0 { "neg" } else { "pos" }) { (t.term) }
                        " " (format!("{:+.2}", t.weight))
                    }
                }
            }
        }
        // On a phone the case buttons come first: the alert's link, then one tap.
        @if m.status.is_open() && m.dismissed.is_none() { (actions(m.id, m.status, &visitor, typed.as_ref())) }
        @if let Some(reply) = reply {
            h2 { "Suggested reply" }
            div.card {
                textarea id="reply" readonly rows="9" { (reply) }
                p { button type="button" data-copy="reply" { "Copy reply" } }
            }
        }
        (customer_section(&view, &visitor))
        (corrections(m, &visitor))
        h2 { "History" }
        div.table-wrap { table {
            thead { tr { th { "When" } th { "What" } th { "By" } th { "Note" } } }
            tbody { @for e in &view.case.detail.events { tr {
                td { (time(e.at)) }
                td { (e.kind) @if let Some(due) = e.due_at { " (due " (time(due)) ")" } }
                td { (e.by.as_deref().unwrap_or("")) }
                td { (e.note.as_deref().unwrap_or("")) }
            } } }
        } }
    };
    Ok(shell(&format!("Mention #{id}"), Nav::Log, &visitor, body))
}

fn customer_section(view: &View, visitor: &Visitor) -> Markup {
    let id = view.case.detail.mention.id;
    html! {
        h2 { "Customer" }
        div.card {
            @if let Some(c) = &view.case.customer {
                p.pre { (customer_card(c)) }
                p { a href={"/customers/" (c.id)} { "All of " (c.name) "'s mentions" } }
                form.inline method="post" action={"/mentions/" (id) "/unlink"} {
                    input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                    (visitor.by_field())
                    button.secondary type="submit" { "Unlink: not this customer" }
                }
            } @else {
                p { "Not linked to a known customer." }
                @for s in &view.suggestions {
                    form method="post" action={"/mentions/" (id) "/link"} {
                        input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                        input type="hidden" name="customer" value=(s.customer_id);
                        (visitor.by_field())
                        "Possibly " strong { (s.name) }
                        " (" (told_apart(&view.customers, s.customer_id)) ", " (s.why) ", confidence "
                        (format!("{:.2}", s.confidence)) ") "
                        button.secondary type="submit" { "Link to " (s.name) }
                    }
                }
            }
            @if !view.customers.is_empty() {
                details {
                summary { @if view.case.customer.is_some() { "Link to a different customer" } @else { "Link to a customer" } }
                form method="post" action={"/mentions/" (id) "/link"} {
                    input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
                    (visitor.by_field())
                    label { "Link to customer"
                        select name="customer" {
                            @for c in &view.customers {
                                option value=(c.id) { (c.name) " (" (told_apart(&view.customers, c.id)) ")" }
                            }
                        }
                    }
                    button.secondary type="submit" { "Link" }
                }
                }
            }
        }
    }
}

/// Give the case to someone on the team (they get an email with it), or to nobody.
fn assignment(m: &Mention, team: &[StaffMember], visitor: &Visitor) -> Markup {
    let current = m.assignee.as_deref();
    html! {
        form.inline method="post" action={"/mentions/" (m.id) "/assign"} {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            (visitor.by_field())
            label { "Assign to "
                select name="assignee" {
                    option value="nobody" selected[current.is_none()] { "nobody" }
                    @for person in team {
                        option value=(person.id) selected[current == Some(person.name.as_str())] {
                            (person.name)
                        }
                    }
                }
            }
            " "
            button.secondary type="submit" { "Assign" }
        }
    }
}

/// A customer's negative mentions said before `this` one, newest first.
fn earlier_complaints(history: Vec<Mention>, this: &Mention) -> Vec<Mention> {
    history
        .into_iter()
        .filter(|e| e.id != this.id && e.label == Label::Negative && e.dismissed.is_none())
        .filter(|e| (e.when(), e.id) < (this.when(), this.id))
        .collect()
}

/// What tells a customer apart from another of the same name: the id, the email, the tier.
fn told_apart(customers: &[CustomerSummary], id: i64) -> String {
    let mut parts = vec![format!("#{id}")];
    if let Some(c) = customers.iter().find(|c| c.id == id) {
        parts.extend(c.email.clone());
        parts.extend(c.tier.as_ref().map(|t| format!("tier {t}")));
    }
    parts.join(", ")
}

/// Staff telling Earshot it got this mention wrong: the sentiment, the priority, or not a
/// mention of the business at all. Each button posts its own small form.
fn corrections(m: &Mention, visitor: &Visitor) -> Markup {
    let to = |what: &str| format!("/mentions/{}/{what}", m.id);
    let hidden = html! {
        input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
        (visitor.by_field())
    };
    html! {
        h2 { "Correct Earshot" }
        div.card.corrections {
            form.inline method="post" action=(to("relabel")) {
                (hidden)
                span.label { "Sentiment:" }
                @for label in Label::VERDICTS {
                    button.secondary type="submit" name="label" value=(label)
                        disabled[label == m.label] { (label) }
                }
            }
            form.inline method="post" action=(to("priority")) {
                (hidden)
                span.label { "Priority:" }
                @for p in [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low] {
                    button.secondary type="submit" name="priority" value=(p)
                        disabled[p == m.priority] { (p) }
                }
                button.secondary type="submit" name="priority" value="auto" { "let Earshot decide" }
            }
            form.inline method="post" action=(to("dismiss")) {
                (hidden)
                @if m.dismissed.is_some() {
                    button.secondary type="submit" name="reason" value="undo" { "Bring back to the log" }
                } @else {
                    span.label { "Dismiss:" }
                    @for reason in [DismissReason::NotAboutUs, DismissReason::Spam, DismissReason::Duplicate] {
                        button.secondary type="submit" name="reason" value=(reason) { (reason_words(reason)) }
                    }
                }
            }
        }
    }
}

/// A dismissal reason as a person says it.
fn reason_words(reason: DismissReason) -> &'static str {
    match reason {
        DismissReason::NotAboutUs => "not about us",
        DismissReason::Spam => "spam",
        DismissReason::Duplicate => "duplicate",
    }
}

/// The one-tap steps at the top of the page: acknowledge or resolve without a note (the
/// full form below takes notes and promises).
fn quick_actions(id: i64, status: CaseStatus, visitor: &Visitor) -> Markup {
    let to = |step: &str| format!("/mentions/{id}/{step}");
    html! {
        form.quick method="post" action=(to("ack")) {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            (visitor.by_field())
            @if status == CaseStatus::New {
                button type="submit" formaction=(to("ack")) name="step" value="ack" { "Acknowledge" }
            }
            button.secondary type="submit" formaction=(to("resolve")) name="step" value="resolve" { "Resolve" }
            a href="#work" { "Promise or add a note" }
        }
    }
}

/// One form, one button per step: the note (and due date) go with whichever is pressed.
fn actions(id: i64, status: CaseStatus, visitor: &Visitor, typed: Option<&Typed>) -> Markup {
    let to = |step: &str| format!("/mentions/{id}/{step}");
    let (note, due) = typed.map_or(("", ""), |t| (t.note.as_str(), t.due.as_str()));
    html! {
        h2 id="work" { "Work the case" }
        form.card.case method="post" action=(to("resolve")) {
            input type="hidden" name=(CSRF_FIELD) value=(visitor.csrf);
            @if let Some(typed) = typed { p.error role="alert" { (typed.problem) } }
            div.fields {
                @if visitor.staff.is_none() {
                    label { "Your name" input type="text" name="by" value=(visitor.name) maxlength="60"; }
                }
                label { "Due (for a promise)" input type="text" name="due" value=(due) placeholder="2d or 2026-11-30"; }
                label.wide { "Note: what you did or promised"
                    input type="text" name="note" value=(note) maxlength="2000" placeholder="called her back; replacement cake Saturday";
                }
            }
            div.buttons {
                @if status == CaseStatus::New {
                    button type="submit" formaction=(to("ack")) name="step" value="ack" { "Acknowledge" }
                }
                button type="submit" formaction=(to("promise")) name="step" value="promise" { "Record promise" }
                button type="submit" formaction=(to("resolve")) name="step" value="resolve" { "Resolve" }
            }
        }
    }
}

/// The text with each driving term marked (red for negative, green for positive). Terms
/// match case-insensitively at the start of a word, through to the end of that word.
pub fn highlight(text: &str, terms: &[Term]) -> Markup {
    // ASCII lowercasing keeps byte offsets, so spans found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize, bool)> = Vec::new();
    for term in terms {
        let needle = term.term.trim().to_ascii_lowercase();
        if needle.is_empty() {
            continue;
        }
        for (start, _) in lower.match_indices(&needle) {
            let after_word = lower[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            if after_word {
                continue;
            }
            let tail = start + needle.len();
            let end = tail
                + lower[tail..]
                    .find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(lower.len() - tail);
            if spans.iter().all(|&(s, e, _)| end <= s || start >= e) {
                spans.push((start, end, term.weight < 0.0));
            }
        }
    }
    spans.sort_unstable();
    let mut pieces: Vec<(&str, Option<bool>)> = Vec::new();
    let mut at = 0;
    for (start, end, negative) in spans {
        pieces.push((&text[at..start], None));
        pieces.push((&text[start..end], Some(negative)));
        at = end;
    }
    pieces.push((&text[at..], None));
    html! {
        @for (piece, mark) in pieces {
            @match mark {
                Some(negative) => mark class=(if negative { "neg" } else { "pos" }) { (piece) },
                None => (piece),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str, w: f32) -> Term {
        Term {
            term: t.into(),
            weight: w,
        }
    }

    #[test]
    fn marks_terms_at_word_starts_and_escapes_the_rest() {
        let html = highlight(
            "<b>Rude</b> staff, lovely bread; prudence",
            &[term("rude", -1.0), term("love", 1.0)],
        )
        .into_string();
        assert_eq!(
            html,
            "&lt;b&gt;<mark class=\"neg\">Rude</mark>&lt;/b&gt; staff, <mark class=\"pos\">lovely</mark> bread; prudence"
        );
    }
}
