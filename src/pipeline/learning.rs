//! `earshot learn`: the business's own keyword weights, learned from its labelled
//! mentions (reviews with 1–2 or 4–5 stars, and staff corrections) on top of the base
//! model, then used to score everything, including the posts that came without stars.
//!
//! A fit is kept only when it helps on the business's own labels, measured with
//! cross-validation (every labelled mention scored by a fit made without it): negative
//! precision may not drop and negative F1 must rise. Review sets given with `--check`
//! must keep negative precision at [`CHECK_PRECISION`] or more. Re-scoring after a fit
//! changes labels and priorities of stored mentions but emails no one about old posts;
//! the next digest says how many changed.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::{redecide_with, scored_text, Emails, Touched};
use crate::config::TriageSettings;
use crate::sentiment::eval::{metrics, Metrics};
use crate::sentiment::train::{
    cross_validate, prepare, with_layer, Example, FitOptions, LabelledFiles,
};
use crate::sentiment::{Analyzer, Label, LearnedTerms, Options};
use crate::store::{BusinessTerm, Store, StoreError};

/// Fewer labelled mentions than this teach nothing worth keeping.
pub const MIN_LABELS: usize = 10;
/// `run` learns again, at most once a day, when this many new labels have arrived.
pub const NIGHTLY_NEW_LABELS: usize = 20;
/// Negative precision a `--check` review set must keep.
pub const CHECK_PRECISION: f64 = 0.85;
/// Folds of the cross-validation on the business's labels.
const FOLDS: usize = 5;
/// L2 penalties tried for a business's terms, strongest last (a few labels want a
/// strong pull to zero, a few thousand a weak one).
const BUSINESS_L2: [f32; 3] = [0.002, 0.005, 0.02];

/// What a fit did.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnOutcome {
    /// Labelled mentions learned from.
    pub labels: usize,
    /// Of which staff labelled (the rest by their stars).
    pub from_staff: usize,
    /// Cross-validated on the business's labels: the model without its own terms.
    pub before: Option<Metrics>,
    /// The same, with a fit made without each mention's fold.
    pub after: Option<Metrics>,
    /// Kept or not, and why.
    pub verdict: Verdict,
}

/// Whether a fit was kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Kept: how many terms, and how many stored mentions changed label.
    Kept {
        /// Learned terms kept.
        terms: usize,
        /// Stored mentions whose label changed.
        relabelled: usize,
    },
    /// Not kept, and why (in words for the owner).
    Rejected(String),
}

/// The options of the model beneath a business's layer, plus the kept layer if any.
pub fn options_with_business(base: &Options, store: &Store) -> Result<Options, StoreError> {
    Ok(match business_layer(store)? {
        Some(layer) => with_layer(base, layer),
        None => base.clone(),
    })
}

/// The business's kept terms as a learned layer (None: nothing learned yet).
pub fn business_layer(store: &Store) -> Result<Option<LearnedTerms>, StoreError> {
    let terms = store.business_terms()?;
    Ok((!terms.is_empty()).then(|| LearnedTerms {
        terms: terms.into_iter().map(|t| (t.term, t.weight)).collect(),
    }))
}

/// Labelled mentions waiting since the last kept fit (all of them when there was none).
pub fn new_labels(store: &Store) -> Result<usize, StoreError> {
    let labels = store.learning_text_count()?;
    let before = store.last_fit()?.map_or(0, |(n, _)| n);
    Ok(labels.saturating_sub(before))
}

/// Fits the business's terms on its labelled mentions and keeps them if they help;
/// `base` is the configured model without a business layer.
pub fn learn(
    store: &mut Store,
    base: &Options,
    rules: &TriageSettings,
    check: &[PathBuf],
    now: DateTime<Utc>,
) -> anyhow::Result<LearnOutcome> {
    let texts = store.learning_texts()?;
    let from_staff = texts.iter().filter(|t| t.by_staff).count();
    let examples: Vec<Example> = texts
        .iter()
        .map(|t| Example {
            text: scored_text(t.title.as_deref(), &t.text),
            label: t.label,
        })
        .collect();
    let mut outcome = LearnOutcome {
        labels: examples.len(),
        from_staff,
        before: None,
        after: None,
        verdict: Verdict::Rejected(String::new()),
    };
    if examples.len() < MIN_LABELS {
        outcome.verdict = Verdict::Rejected(format!(
            "only {} labelled mentions (reviews with 1-2 or 4-5 stars, and staff corrections); \
             at least {MIN_LABELS} are needed",
            examples.len()
        ));
        return Ok(outcome);
    }
    let prepared = prepare(base, &examples, FitOptions::business().min_docs);
    let gold: Vec<Label> = examples.iter().map(|e| e.label).collect();
    let plain = Analyzer::new(base.clone());
    let before = metrics(
        &gold,
        &examples
            .iter()
            .map(|e| plain.score(&e.text).label)
            .collect::<Vec<_>>(),
    );
    // The pull to zero that suits a business depends on how many labels it has: try
    // each, cross-validated, and keep the best that passes the guard.
    let all: Vec<usize> = (0..examples.len()).collect();
    let mut best: Option<(FitOptions, Metrics)> = None;
    let mut refused = None;
    for l2 in BUSINESS_L2 {
        let opts = FitOptions {
            l2,
            ..FitOptions::business()
        };
        let after = metrics(
            &gold,
            &cross_validate(base, &examples, &prepared, &all, &[], FOLDS, &opts),
        );
        match refusal(&before, &after) {
            Some(why) => {
                refused.get_or_insert((why, after));
            }
            None if best.as_ref().is_none_or(|(_, b)| after.neg_f1 > b.neg_f1) => {
                best = Some((opts, after));
            }
            None => {}
        }
    }
    outcome.before = Some(before.clone());
    let Some((opts, after)) = best else {
        if let Some((why, after)) = refused {
            outcome.after = Some(after);
            outcome.verdict = Verdict::Rejected(why);
        }
        return Ok(outcome);
    };
    outcome.after = Some(after);
    let fitted = prepared.fit(&opts);
    let options = with_layer(base, fitted.terms.clone());
    if let Some(why) = check_sets(&options, check)? {
        outcome.verdict = Verdict::Rejected(why);
        return Ok(outcome);
    }
    let terms: Vec<BusinessTerm> = fitted
        .terms
        .terms
        .iter()
        .zip(&fitted.support)
        .map(|((term, weight), &support)| BusinessTerm {
            term: term.clone(),
            weight: *weight,
            support,
        })
        .collect();
    let analyzer = Analyzer::new(options);
    let relabelled = store.transaction(|tx| {
        Store::save_business_terms(tx, &terms)?;
        let relabelled = rescore(tx, &analyzer, rules, now)?;
        Store::record_learn_run(tx, examples.len(), terms.len(), relabelled, now)?;
        Ok(relabelled)
    })?;
    outcome.verdict = Verdict::Kept {
        terms: terms.len(),
        relabelled,
    };
    Ok(outcome)
}

/// Why a fit is not kept, if it is not: precision dropped, or F1 did not rise.
fn refusal(before: &Metrics, after: &Metrics) -> Option<String> {
    if after.neg_precision + 1e-9 < before.neg_precision {
        return Some(format!(
            "it would raise more false alarms: complaint precision {:.2} instead of {:.2} on \
             this business's labelled mentions",
            after.neg_precision, before.neg_precision
        ));
    }
    if after.neg_f1 <= before.neg_f1 + 1e-9 {
        return Some(format!(
            "it finds no more complaints than the model already does (F1 {:.2} against {:.2} \
             on this business's labelled mentions); more labelled mentions may help",
            after.neg_f1, before.neg_f1
        ));
    }
    None
}

/// The first `--check` review set on which the new model's complaint precision falls
/// below [`CHECK_PRECISION`], said for the owner.
fn check_sets(options: &Options, check: &[PathBuf]) -> anyhow::Result<Option<String>> {
    if check.is_empty() {
        return Ok(None);
    }
    let analyzer = Analyzer::new(options.clone());
    let files = LabelledFiles::read(check)?;
    for (file, range) in &files.files {
        let rows = &files.examples[range.clone()];
        let gold: Vec<Label> = rows.iter().map(|e| e.label).collect();
        let predicted: Vec<Label> = rows.iter().map(|e| analyzer.score(&e.text).label).collect();
        let m = metrics(&gold, &predicted);
        if m.neg_precision < CHECK_PRECISION {
            return Ok(Some(format!(
                "on the review set {} complaint precision would be {:.2}, below {CHECK_PRECISION}",
                file.name, m.neg_precision
            )));
        }
    }
    Ok(None)
}

/// Scores every stored mention again with `analyzer` and re-decides priorities and open
/// cases, queuing no email; returns how many mentions changed label (staff labels stay).
pub fn rescore(
    tx: &crate::store::sql::Tx<'_>,
    analyzer: &Analyzer,
    rules: &TriageSettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut touched = Touched::default();
    let mut relabelled = 0;
    for m in Store::stored_texts(tx)? {
        let score = analyzer.score_with_rating(&scored_text(m.title.as_deref(), &m.text), m.rating);
        let label_changed = !m.corrected && score.label != m.label;
        if !label_changed && (score.value - m.score).abs() < 1e-4 {
            continue;
        }
        Store::save_rescore(tx, m.id, score.value, score.label, &score.terms)?;
        relabelled += usize::from(label_changed);
        touched.add(m.id, (m.customer_id, m.customer_id));
    }
    redecide_with(
        tx,
        &touched,
        rules,
        "the model learned from this business's labelled mentions",
        now,
        Emails::None,
    )?;
    Ok(relabelled)
}

/// The kept terms for `learn --show`: the strongest first, with their support.
pub fn show(store: &Store, limit: usize) -> Result<String, StoreError> {
    let terms = store.business_terms()?;
    let Some((labels, at)) = store.last_fit()? else {
        return Ok(format!(
            "Nothing learned yet. `earshot learn` learns from at least {MIN_LABELS} labelled \
             mentions (reviews with stars, or staff corrections) and keeps the terms only \
             when they help; it says why when it does not.\n"
        ));
    };
    let mut out = format!(
        "Learned from {labels} labelled mentions on {}: {} terms, strongest first.\n",
        crate::localtime::short(at),
        terms.len()
    );
    out.push_str(&format!("{:<28} {:>7}  {}\n", "term", "weight", "mentions"));
    for t in terms.iter().take(limit) {
        out.push_str(&format!(
            "{:<28} {:>+7.2}  {}\n",
            t.term, t.weight, t.support
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(precision: f64, f1: f64) -> Metrics {
        Metrics {
            n: 20,
            accuracy: 0.0,
            macro_f1: 0.0,
            neg_precision: precision,
            neg_recall: 0.0,
            neg_f1: f1,
        }
    }

    #[test]
    fn a_fit_is_kept_only_when_precision_holds_and_f1_rises() {
        assert_eq!(refusal(&m(0.90, 0.60), &m(0.92, 0.70)), None);
        assert_eq!(
            refusal(&m(0.90, 0.60), &m(0.90, 0.61)),
            None,
            "same precision is fine"
        );
        let dropped = refusal(&m(0.90, 0.60), &m(0.85, 0.80)).expect("precision dropped");
        assert!(dropped.contains("more false alarms"), "{dropped}");
        assert!(dropped.contains("0.85 instead of 0.90"), "{dropped}");
        let flat = refusal(&m(0.90, 0.60), &m(0.95, 0.60)).expect("F1 did not rise");
        assert!(flat.contains("finds no more complaints"), "{flat}");
    }
}
