//! `earshot show ID`: one mention in full, worded for the person handling the case.

use crate::store::StoredDetail;

use super::output::short_time;

/// The text `show` prints.
pub fn render(detail: &StoredDetail) -> String {
    let m = &detail.mention;
    let mut out = format!(
        "Mention #{}  [{}]  {} ({:+.2})  status: {}\n",
        m.id,
        m.priority.as_str().to_uppercase(),
        m.label,
        m.score,
        m.status
    );
    if !detail.priority_reasons.is_empty() {
        out.push_str(&format!(
            "Why {}: {}\n",
            m.priority,
            detail.priority_reasons.join("; ")
        ));
    }
    out.push_str(&format!("Source:    {}\n", m.source));
    out.push_str(&format!(
        "Author:    {}\n",
        m.author.as_deref().unwrap_or("(unknown)")
    ));
    if let Some(published) = m.published_at {
        out.push_str(&format!("Published: {} UTC\n", short_time(published)));
    }
    if let Some(url) = &m.url {
        out.push_str(&format!("Link:      {url}\n"));
    }
    if let Some(rating) = m.rating {
        out.push_str(&format!("Rating:    {rating} of 5 stars\n"));
    }
    if let Some(customer) = &m.customer {
        let tier = customer
            .tier
            .as_deref()
            .map(|t| format!(", tier {t}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "Customer:  {} (#{}{tier})\n",
            customer.name, customer.id
        ));
    }
    out.push('\n');
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
    out.push_str("\nHistory:\n");
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
