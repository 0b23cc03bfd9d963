//! `earshot customers import|list|show|eval-links`.

use std::path::Path;

use anyhow::{Context, Result};

use super::output::mentions_table;
use crate::casework::customer_card;
use crate::config::Config;
use crate::customers::read_customers;
use crate::pipeline::ImportProgress;
use crate::progress::Progress;
use crate::store::{CustomerSummary, Store};
use crate::triage::thousands;

/// Import a CSV, all or nothing, and say what changed.
pub fn import(store: &mut Store, config: &Config, file: &Path) -> Result<String> {
    let bytes = std::fs::read(file)
        .with_context(|| format!("cannot read {}; check the path", file.display()))?;
    let read = read_customers(
        &bytes,
        &file.display().to_string(),
        &config.customer_columns,
    )?;
    let records = read.records.as_slice();
    let progress = Progress::bar(0, "linking mentions");
    let mut observe = |event: ImportProgress| match event {
        ImportProgress::Linking { done, total } => {
            progress.set_total(total as u64);
            progress.set_done(done as u64);
        }
        ImportProgress::Redeciding => progress.say("re-deciding priorities"),
    };
    let summary = crate::pipeline::import_customers_observed(
        store,
        records,
        &config.triage,
        crate::clock::now(),
        &mut observe,
    )?;
    progress.finish();
    let notice = read.notice().map(|n| n + "\n").unwrap_or_default();
    Ok(format!(
        "{notice}Imported {} customers from {}: {} new, {} updated; {} mentions linked to a customer.\n",
        records.len(),
        file.display(),
        summary.added,
        summary.updated,
        summary.mentions_linked
    ))
}

/// Evaluate linking on a labelled file against the stored customers.
pub fn eval_links(store: &mut Store, file: &Path) -> Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| {
        format!(
            "cannot read {} as UTF-8 text; check the path and save it as UTF-8",
            file.display()
        )
    })?;
    let index = store.customer_index()?;
    if index.is_empty() {
        anyhow::bail!(
            "no customers to link to; import them first with `earshot customers import FILE`"
        );
    }
    let eval = crate::customers::eval::evaluate(&index, &text, &file.display().to_string())?;
    Ok(crate::customers::eval::report(&eval))
}

/// The customer list as a table.
pub fn list(customers: &[CustomerSummary]) -> String {
    if customers.is_empty() {
        return "No customers yet. Import your list with `earshot customers import config/customers.csv`.\n".into();
    }
    let mut text = format!(
        "{:>5}  {:<24}  {:<4}  {:>10}  {:>8}  {:>4}  {}\n",
        "ID", "NAME", "TIER", "VALUE", "MENTIONS", "OPEN", "EMAIL / HANDLES"
    );
    for c in customers {
        let contact = [c.email.clone().unwrap_or_default(), c.handles.join(" ")].join(" ");
        text.push_str(&format!(
            "{:>5}  {:<24}  {:<4}  {:>10}  {:>8}  {:>4}  {}\n",
            c.id,
            c.name,
            c.tier.as_deref().unwrap_or("-"),
            c.lifetime_value
                .map(thousands)
                .unwrap_or_else(|| "-".into()),
            c.mentions,
            c.open_cases,
            contact.trim()
        ));
    }
    text
}

/// One customer: card, sentiment history, mentions.
pub fn show(store: &Store, id: i64) -> Result<String> {
    let detail = store.customer_detail(id)?;
    let mut text = customer_card(&detail.summary);
    text.push_str("\n\n");
    if detail.mentions.is_empty() {
        text.push_str("No mentions linked yet.\n");
        return Ok(text);
    }
    text.push_str("Sentiment history (oldest first): ");
    let history: Vec<String> = detail
        .mentions
        .iter()
        .rev()
        .map(|m| {
            format!(
                "{} {}",
                crate::localtime::zone().date_of(m.when()),
                m.sentiment()
            )
        })
        .collect();
    text.push_str(&history.join(" → "));
    text.push_str("\n\n");
    text.push_str(&mentions_table(&detail.mentions));
    Ok(text)
}
