//! `relabel`, `priority`, `dismiss` and `eval --corrections`: staff telling Earshot where
//! it got a mention wrong, and how the model does on the business's own corrected posts.

use anyhow::{bail, Result};

use crate::config::Config;
use crate::model::{DismissReason, Label, Priority};
use crate::pipeline::{correct, Corrected, Correction};
use crate::sentiment::eval::{evaluate_labelled, format_table};
use crate::sentiment::{Analyzer, Options};
use crate::store::Store;

/// `earshot priority ID urgent|high|normal|low|auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityChoice {
    /// Pin this priority.
    Set(Priority),
    /// Let the rules decide again.
    Auto,
}

impl std::str::FromStr for PriorityChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(PriorityChoice::Auto);
        }
        s.trim()
            .parse()
            .map(PriorityChoice::Set)
            .map_err(|e: String| format!("{e}, or auto (let the rules decide again)"))
    }
}

/// Apply a correction and say what it did, in words.
pub fn apply(
    store: &mut Store,
    config: &Config,
    id: i64,
    correction: Correction,
    note: Option<&str>,
    by: &str,
) -> Result<String> {
    let before = store.mention_detail(id)?.mention;
    if let Correction::Dismiss(None) = correction {
        if before.dismissed.is_none() {
            bail!("mention #{id} is not dismissed; nothing to undo");
        }
    }
    let outcome = correct(
        store,
        id,
        correction,
        note,
        by,
        &config.triage,
        crate::clock::now(),
    )?;
    let after = store.mention_detail(id)?.mention;
    let mut text = match correction {
        Correction::Label(label) => format!(
            "Mention #{id} is now {label} (the model said {}); priority {}.\n",
            before.sentiment(),
            after.priority
        ),
        Correction::Priority(Some(p)) => format!("Mention #{id} is now {p} priority.\n"),
        Correction::Priority(None) => format!(
            "Mention #{id}'s priority is decided by the rules again: {}.\n",
            after.priority
        ),
        Correction::Dismiss(Some(reason)) => format!(
            "Mention #{id} is dismissed ({reason}): it leaves the log, the counts and the digest. \
             `earshot mentions --dismissed` lists it; `earshot dismiss {id} --undo` brings it back.\n"
        ),
        Correction::Dismiss(None) => format!("Mention #{id} is back in the log.\n"),
    };
    text.push_str(&consequences(outcome));
    Ok(text)
}

fn consequences(outcome: Corrected) -> String {
    let mut text = String::new();
    if outcome.queued > 0 {
        text.push_str("An alert email about it is queued for the owner.\n");
    }
    if outcome.withdrawn > 0 {
        text.push_str(&format!(
            "{} email(s) about it that had not gone out yet were taken back.\n",
            outcome.withdrawn
        ));
    }
    text
}

/// The correction `dismiss` asks for: a reason, or `--undo`.
pub fn dismissal(reason: Option<DismissReason>, undo: bool) -> Result<Correction> {
    match (reason, undo) {
        (_, true) => Ok(Correction::Dismiss(None)),
        (Some(reason), false) => Ok(Correction::Dismiss(Some(reason))),
        (None, false) => bail!(
            "say why with --reason not-about-us, spam or duplicate (or --undo to bring it back)"
        ),
    }
}

/// `relabel`'s correction: a person's verdict (unscored is the model's word, not one).
pub fn relabel(label: Label) -> Result<Correction> {
    if !Label::VERDICTS.contains(&label) {
        bail!(
            "'{label}' is what Earshot says of a post it could not read; \
             relabel it negative, neutral or positive"
        );
    }
    Ok(Correction::Label(label))
}

/// `priority`'s correction.
pub fn priority(choice: PriorityChoice) -> Correction {
    Correction::Priority(match choice {
        PriorityChoice::Set(p) => Some(p),
        PriorityChoice::Auto => None,
    })
}

/// `eval --corrections`: the model on this business's mentions whose label staff corrected.
pub fn eval(store: &Store, options: Options) -> Result<String> {
    let corrected = store.corrected_texts()?;
    if corrected.is_empty() {
        return Ok(
            "No corrected mentions yet. When the model gets a mention wrong, tell it with \
                   `earshot relabel ID negative|neutral|positive` (or the buttons on the mention's \
                   web page); `eval --corrections` then shows how the model does on them.\n"
                .to_owned(),
        );
    }
    let rows: Vec<(Label, String, Option<f32>)> = corrected
        .iter()
        .map(|c| {
            let text = crate::pipeline::scored_text(c.title.as_deref(), &c.text);
            (c.label, text, c.rating)
        })
        .collect();
    let model = Analyzer::new(options.clone());
    let baseline = Analyzer::new(Options {
        domain_layer: false,
        ..options
    });
    let name = format!("corrections ({} mentions)", rows.len());
    let report = evaluate_labelled(&name, &rows, &model, &baseline);
    Ok(format_table(&[report]))
}
