//! `earshot customers import|list|show|eval-links|export|forget`.

use std::path::Path;

use anyhow::{Context, Result};

use super::output::mentions_table;
use crate::casework::customer_card;
use crate::config::Config;
use crate::customers::read_customers;
use crate::model::OutboxStatus;
use crate::pipeline::ImportProgress;
use crate::progress::Progress;
use crate::store::{CustomerSummary, Erasure, Store, ERASED};
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

/// What an export file is, for whoever reads it (the customer, perhaps).
const EXPORT_ABOUT: &str = "Everything this business's Earshot holds about the customer(s) with this email: \
the customer record as imported from the business's customer list; every public post (mention) linked to them, \
with its case history (what staff did and noted, and when); posts only suggested as possibly theirs (relation \
\"suggested\", not linked); and the alert emails sent or waiting about those posts (subject, recipients and \
times; not the messages themselves). Times are UTC.";

/// The export file, its explanation first.
#[derive(serde::Serialize)]
struct ExportFile<'a> {
    exported_at: String,
    about: &'static str,
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// The customer rows, then their mentions.
    #[serde(flatten)]
    held: crate::store::HeldData,
}

/// `customers export EMAIL`: everything held about the customer(s) with that email, as
/// pretty JSON, to `out` or returned for stdout.
pub fn export(store: &Store, email: &str, out: Option<&Path>) -> Result<String> {
    let ids = customers_by_email(store, email)?;
    let held = store.customer_data(&ids)?;
    let mentions = held.mentions.len();
    let file = ExportFile {
        exported_at: crate::store::ts(crate::clock::now()),
        about: EXPORT_ABOUT,
        email: email.trim(),
        note: (ids.len() > 1).then(|| format!("{}; all are included", shared_email(ids.len()))),
        held,
    };
    let json = serde_json::to_string_pretty(&file)? + "\n";
    let Some(out) = out else {
        return Ok(json);
    };
    std::fs::write(out, json).with_context(|| {
        format!(
            "cannot write {}; check the folder exists and is writable",
            out.display()
        )
    })?;
    let note = if ids.len() > 1 {
        format!(" ({}; all are included)", shared_email(ids.len()))
    } else {
        String::new()
    };
    Ok(format!(
        "Wrote {} customer record(s) and {mentions} mention(s) to {}{note}.\n",
        ids.len(),
        out.display()
    ))
}

/// `customers forget EMAIL`: erase the customer(s) with that email, after a confirmation
/// (or `--yes`), and say what changed and which emails had already left.
pub fn forget(
    store: &mut Store,
    config: &Config,
    email: &str,
    yes: bool,
    by: &str,
) -> Result<String> {
    let ids = customers_by_email(store, email)?;
    let names: Vec<String> = ids
        .iter()
        .map(|&id| {
            store
                .customer_detail(id)
                .map(|d| format!("{} (#{id})", d.summary.name))
        })
        .collect::<Result<_, _>>()?;
    if !yes {
        confirm(email, &names)?;
    }
    let erasure =
        crate::pipeline::forget_customers(store, &ids, by, &config.triage, crate::clock::now())?;
    // Without SMTP the "sent" alerts are files on this machine: the owner can delete them.
    let files = config
        .alerts
        .smtp_url
        .is_none()
        .then_some(config.alerts.outbox_dir.as_path());
    Ok(forget_summary(email, &names, &erasure, files))
}

/// Ask on a terminal; refuse when nobody can answer (a script must say `--yes`).
fn confirm(email: &str, names: &[String]) -> Result<()> {
    use std::io::{BufRead, IsTerminal, Write};
    let email = email.trim();
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "not erasing {email} without a confirmation, and there is no terminal to ask on; \
             run `earshot customers forget {email} --yes` to erase without asking"
        );
    }
    eprint!(
        "Erase {} for good? Their record goes, their posts are unlinked and their name, \
         email and case notes are erased; this cannot be undone. Type yes to erase: ",
        names.join(", ")
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        anyhow::bail!("nothing erased: the answer was not yes");
    }
    Ok(())
}

fn forget_summary(
    email: &str,
    names: &[String],
    erasure: &Erasure,
    files: Option<&Path>,
) -> String {
    let mut text = format!("Erased {}.\n", names.join(", "));
    if names.len() > 1 {
        text.push_str(&format!("  ({}: all erased.)\n", shared_email(names.len())));
    }
    text.push_str(&format!(
        "  {} mention(s) unlinked, author name and email replaced by \"{ERASED}\"; {} case note(s) erased; \
         removed from the suggestions of {} other mention(s).\n",
        erasure.mentions, erasure.notes, erasure.suggestions
    ));
    if erasure.rerender > 0 {
        text.push_str(&format!(
            "  {} email(s) not sent yet will be written again without them before they go.\n",
            erasure.rerender
        ));
    }
    text.push_str(
        "  The posts' own text stays: it is public, and may still carry their name if they wrote it.\n",
    );
    if erasure.sent.is_empty() {
        text.push_str("No email about them had been sent.\n");
    } else {
        text.push_str("Already sent (they cannot be recalled):\n");
        for sent in &erasure.sent {
            let when = match (sent.status, sent.sent_at) {
                (OutboxStatus::Sent, Some(at)) => crate::localtime::short_zoned(at),
                _ => "being sent at this moment".into(),
            };
            text.push_str(&format!(
                "  {when}  {}  to {}  {}\n",
                sent.kind,
                sent.recipients.join(", "),
                sent.subject.as_deref().unwrap_or("")
            ));
        }
    }
    if let Some(dir) = files.filter(|_| !erasure.sent.is_empty()) {
        text.push_str(&format!(
            "  These were written as .eml files in {}: delete them there too if asked.\n",
            dir.display()
        ));
    }
    if let Some(error) = &erasure.not_compacted {
        text.push_str(&format!(
            "Warning: the database file could not be rewritten just now ({error}), so old copies of \
             their details may stay in its unused space for a while; to clear them now, stop \
             `earshot run` and run `sqlite3 YOUR-DATABASE-FILE VACUUM`.\n"
        ));
    }
    text.push_str(&format!(
        "Remove {} from the customer list you import, or the next `earshot customers import` brings them back.\n",
        email.trim()
    ));
    text
}

/// The customers with this email, or an error that says how to find the right one.
fn customers_by_email(store: &Store, email: &str) -> Result<Vec<i64>> {
    let ids = store.customers_with_email(email)?;
    if ids.is_empty() {
        anyhow::bail!(
            "no customer has the email '{}'; look one up with `earshot customers list --search PART-OF-NAME-OR-EMAIL`",
            email.trim()
        );
    }
    Ok(ids)
}

fn shared_email(count: usize) -> String {
    format!("{count} customer records share this email")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OutboxKind;
    use crate::store::SentEmail;

    #[test]
    fn the_forget_summary_says_what_left_and_what_to_do_next() {
        let erasure = Erasure {
            customers: 2,
            mentions: 3,
            notes: 4,
            rerender: 1,
            sent: vec![SentEmail {
                sent_at: None,
                kind: OutboxKind::Alert,
                status: OutboxStatus::Sending,
                recipients: vec!["owner@x.example".into()],
                subject: Some("[Negative] Ann: \"cold\"".into()),
            }],
            not_compacted: Some("database is locked".into()),
            ..Default::default()
        };
        let names = ["Ann (#1)".to_owned(), "Ann (#7)".to_owned()];
        let text = forget_summary(
            " ann@x.example ",
            &names,
            &erasure,
            Some(Path::new("data/outbox")),
        );
        for expected in [
            "Erased Ann (#1), Ann (#7).",
            "2 customer records share this email: all erased.",
            "3 mention(s) unlinked",
            "4 case note(s) erased",
            "1 email(s) not sent yet will be written again",
            "being sent at this moment  alert  to owner@x.example  [Negative] Ann: \"cold\"",
            "could not be rewritten just now (database is locked)",
            "written as .eml files in data/outbox",
            "Remove ann@x.example from the customer list you import",
        ] {
            assert!(text.contains(expected), "{expected} missing:\n{text}");
        }
    }
}
