//! `earshot show ID`: one mention in full, worded for the person handling the case.

use anyhow::Result;

use super::output::short_time;
use crate::casework::{customer_card, reply_for};
use crate::config::Config;
use crate::store::{Store, StoredDetail};

/// The text `show` prints.
pub fn render(store: &Store, config: &Config, id: i64) -> Result<String> {
    let case = store.case_file(id)?;
    let (detail, customer) = (&case.detail, &case.customer);
    let mut out = header(detail);
    out.push_str(&body(detail));
    match customer {
        Some(c) => out.push_str(&format!("\nCustomer:\n{}\n", indent(&customer_card(c)))),
        None => {
            let suggestions = store.link_suggestions(id)?;
            if !suggestions.is_empty() {
                out.push_str("\nPossibly a known customer (not linked; `earshot link MENTION CUSTOMER` to confirm):\n");
                for s in suggestions {
                    out.push_str(&format!(
                        "  #{} {} ({}, confidence {:.2})\n",
                        s.customer_id, s.name, s.why, s.confidence
                    ));
                }
            }
        }
    }
    if let Some(reply) = reply_for(&case, config) {
        out.push_str(&format!("\nSuggested reply:\n{}\n", indent(&reply)));
    }
    out.push_str(&history(detail));
    Ok(out)
}

fn header(detail: &StoredDetail) -> String {
    let m = &detail.mention;
    let mut out = format!(
        "Mention #{}  [{}]  {} ({})  status: {}\n",
        m.id,
        m.priority.as_str().to_uppercase(),
        m.sentiment(),
        m.score_shown(),
        m.status
    );
    if let Some(reason) = m.dismissed {
        out.push_str(&format!(
            "Dismissed:  {reason} (out of the log and the digest; `earshot dismiss {} --undo` brings it back)\n",
            m.id
        ));
    }
    if let Some(at) = m.removed_at {
        out.push_str(&format!(
            "Removed upstream on {}: the source no longer lists it (kept here).\n",
            crate::localtime::short_zoned(at)
        ));
    }
    if m.relabelled {
        out.push_str(&format!(
            "Label {} set by staff; the model's own reading is below.\n",
            m.label
        ));
    }
    if !detail.priority_reasons.is_empty() {
        out.push_str(&format!(
            "Why {}: {}\n",
            m.priority,
            detail.priority_reasons.join("; ")
        ));
    }
    if let Some(category) = crate::replies::complaint_category(m) {
        out.push_str(&format!("Problem:   {}\n", category.label()));
    }
    if let Some(assignee) = &m.assignee {
        out.push_str(&format!("Assigned:  {assignee}\n"));
    }
    if let Some(due) = m.promise_due_at {
        let overdue = if m.overdue { "  ** OVERDUE **" } else { "" };
        out.push_str(&format!(
            "Promise due: {}{overdue}\n",
            crate::localtime::short_zoned(due)
        ));
    }
    if let Some(location) = &m.location {
        out.push_str(&format!("Location:  {location}\n"));
    }
    out.push_str(&format!("Source:    {}\n", m.source));
    out.push_str(&format!(
        "Author:    {}\n",
        m.author.as_deref().unwrap_or("(unknown)")
    ));
    if let Some(published) = m.published_at {
        out.push_str(&format!(
            "Published: {}\n",
            crate::localtime::short_zoned(published)
        ));
    }
    if let Some(url) = &m.url {
        out.push_str(&format!("Link:      {url}\n"));
    }
    if let Some(rating) = m.rating {
        out.push_str(&format!("Rating:    {rating} of 5 stars\n"));
    }
    out
}

fn body(detail: &StoredDetail) -> String {
    let m = &detail.mention;
    let mut out = String::from("\n");
    if let Some(title) = &m.title {
        out.push_str(&format!("{title}\n\n"));
    }
    out.push_str(m.text.trim());
    out.push_str("\n\n");
    if m.terms.is_empty() {
        out.push_str("Why this score: no sentiment words found.\n");
    } else {
        let terms: Vec<String> = m
            .terms
            .iter()
            .map(|t| format!("{} ({:+.2})", t.term, t.weight))
            .collect();
        out.push_str(&format!("Why this score: {}\n", terms.join(", ")));
    }
    out
}

fn history(detail: &StoredDetail) -> String {
    let mut out = String::from("\nHistory:\n");
    for event in &detail.events {
        let mut line = format!("  {}  {}", short_time(event.at), event.kind);
        if let Some(due) = event.due_at {
            line.push_str(&format!(" (due {})", short_time(due)));
        }
        if let Some(by) = &event.by {
            line.push_str(&format!(" by {by}"));
        }
        if let Some(note) = &event.note {
            line.push_str(&format!(": {note}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
