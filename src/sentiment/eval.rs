//! Evaluation on labelled files (`label<TAB>text`, label -1, 0 or 1):
//! accuracy, macro-F1 and the negative class's precision, recall and F1,
//! for the model and a baseline side by side (`earshot eval`).
//!
//! Definitions (as in the shared eval README): accuracy counts a neutral
//! prediction on a binary (-1/1) set as wrong; negative precision, recall
//! and F1 treat "negative" against the rest; macro-F1 averages the F1 of
//! each class present in the gold labels.

use std::fmt::Write as _;
use std::path::Path;

use super::train::{cross_validate, prepare, FitOptions, LabelledFiles, TrainedOn};
use super::{Analyzer, Label, LearnedTerms, Options};

/// Figures for one model on one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Rows scored.
    pub n: usize,
    /// Share of rows whose predicted label equals the gold label.
    pub accuracy: f64,
    /// Mean F1 over the classes present in the gold labels.
    pub macro_f1: f64,
    /// Negative class: precision.
    pub neg_precision: f64,
    /// Negative class: recall.
    pub neg_recall: f64,
    /// Negative class: F1.
    pub neg_f1: f64,
}

/// The model and the baseline on one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The file as given.
    pub path: String,
    /// Number of labelled rows.
    pub rows: usize,
    /// The full model's figures.
    pub model: Metrics,
    /// The model without its learned layers (lexicon and rules only), when measured.
    pub rules: Option<Metrics>,
    /// The baseline's figures.
    pub baseline: Metrics,
    /// The base model was trained on this file, so the model's figures are
    /// cross-validated: each line scored by a model trained without it.
    pub cross_validated: bool,
}

/// Folds of the cross-validation of the base model on its own training files.
pub const CV_FOLDS: usize = 5;

/// Why a labelled file could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The file could not be read.
    #[error("cannot read labelled file {path}: {source}; check the path and that it is a readable UTF-8 text file")]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The base model's own training file could not be cross-validated.
    #[error("cannot cross-validate the base model on {path}: {why}")]
    CrossValidation {
        /// The file evaluated.
        path: String,
        /// What is missing and what to do.
        why: String,
    },
    /// A line is not `label<TAB>text`.
    #[error("{path}:{line}: expected `label<TAB>text` with label -1, 0 or 1, found {found:?}")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The start of the offending line.
        found: String,
    },
}

/// Scores every row of `path` with `model` and `baseline`.
pub fn evaluate_file(
    path: &Path,
    model: &Analyzer,
    baseline: &Analyzer,
) -> Result<FileReport, EvalError> {
    let files = LabelledFiles::read(&[path.to_owned()])?;
    let rows: Vec<(Label, String, Option<f32>)> = files
        .examples
        .into_iter()
        .map(|e| (e.label, e.text, None))
        .collect();
    Ok(evaluate_labelled(
        &path.display().to_string(),
        &rows,
        model,
        baseline,
    ))
}

/// Scores labelled texts held in memory (`earshot eval --corrections`: the business's own
/// mentions, with the labels staff gave them, and their stars where the source has them).
pub fn evaluate_labelled(
    name: &str,
    rows: &[(Label, String, Option<f32>)],
    model: &Analyzer,
    baseline: &Analyzer,
) -> FileReport {
    let gold: Vec<Label> = rows.iter().map(|r| r.0).collect();
    let predict = |a: &Analyzer| -> Vec<Label> {
        rows.iter()
            .map(|(_, text, rating)| a.score_with_rating(text, *rating).label)
            .collect()
    };
    FileReport {
        path: name.to_owned(),
        rows: rows.len(),
        model: metrics(&gold, &predict(model)),
        rules: None,
        baseline: metrics(&gold, &predict(baseline)),
        cross_validated: false,
    }
}

/// `earshot eval FILES`: the model, the model without learned terms, and the
/// baseline on each file. Where the shipped base model was trained on a file
/// (same bytes), the model's figures are cross-validated in [`CV_FOLDS`]
/// folds: every line is scored by a base model retrained without its fold
/// (and with all the other training files, which must sit beside it).
pub fn evaluate_files(
    paths: &[std::path::PathBuf],
    options: &Options,
    scored: &dyn Fn(u64),
) -> Result<Vec<FileReport>, EvalError> {
    let files = LabelledFiles::read(paths)?;
    let rules_options = Options {
        learned: Vec::new(),
        ..options.clone()
    };
    let model = Analyzer::new(options.clone());
    let rules = Analyzer::new(rules_options.clone());
    let baseline = Analyzer::new(Options {
        domain_layer: false,
        ..rules_options.clone()
    });
    let uses_base = options
        .learned
        .first()
        .is_some_and(|l| std::sync::Arc::ptr_eq(l, &LearnedTerms::base()));
    let trained_on = if uses_base {
        TrainedOn::listed_in(super::learned::BASE_MODEL)
    } else {
        Vec::new()
    };
    let mut reports = Vec::new();
    for ((file, range), path) in files.files.iter().zip(paths) {
        let rows = &files.examples[range.clone()];
        let gold: Vec<Label> = rows.iter().map(|e| e.label).collect();
        let predict = |a: &Analyzer| -> Vec<Label> {
            rows.iter()
                .map(|e| {
                    scored(1);
                    a.score(&e.text).label
                })
                .collect()
        };
        let trained = trained_on.iter().any(|t| t.sha256 == file.sha256);
        let model_labels = if trained {
            cross_validated_labels(path, file, &trained_on, &rules_options)?
        } else {
            predict(&model)
        };
        reports.push(FileReport {
            path: path.display().to_string(),
            rows: rows.len(),
            model: metrics(&gold, &model_labels),
            rules: Some(metrics(&gold, &predict(&rules))),
            baseline: metrics(&gold, &predict(&baseline)),
            cross_validated: trained,
        });
    }
    Ok(reports)
}

/// The base model's cross-validated labels of `file` (one of its training
/// files): the other training files are read from the same directory.
fn cross_validated_labels(
    path: &Path,
    file: &TrainedOn,
    trained_on: &[TrainedOn],
    rules_options: &Options,
) -> Result<Vec<Label>, EvalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let paths: Vec<std::path::PathBuf> = trained_on.iter().map(|t| dir.join(&t.name)).collect();
    let training = LabelledFiles::read(&paths).map_err(|e| EvalError::CrossValidation {
        path: path.display().to_string(),
        why: format!(
            "{e}. The shipped model was trained on {}; put them beside {} (or evaluate a file it was not trained on)",
            trained_on.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
            path.display()
        ),
    })?;
    for ((found, _), wanted) in training.files.iter().zip(trained_on) {
        if found.sha256 != wanted.sha256 {
            return Err(EvalError::CrossValidation {
                path: path.display().to_string(),
                why: format!(
                    "{} beside it is not the file the model was trained on (its contents differ);                      put the original beside it, or retrain with `earshot train`",
                    wanted.name
                ),
            });
        }
    }
    let Some((_, range)) = training.files.iter().find(|(t, _)| t.sha256 == file.sha256) else {
        return Ok(Vec::new());
    };
    let opts = FitOptions::base();
    let prepared = prepare(rules_options, &training.examples, opts.min_docs);
    let scored: Vec<usize> = range.clone().collect();
    let always: Vec<usize> = (0..training.examples.len())
        .filter(|i| !range.contains(i))
        .collect();
    Ok(cross_validate(
        rules_options,
        &training.examples,
        &prepared,
        &scored,
        &always,
        CV_FOLDS,
        &opts,
    ))
}

/// Parses the rows; blank lines are skipped.
pub(crate) fn parse<'a>(data: &'a str, path: &str) -> Result<Vec<(Label, &'a str)>, EvalError> {
    let mut rows = Vec::new();
    for (n, line) in data.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = || EvalError::BadLine {
            path: path.to_string(),
            line: n + 1,
            found: line.chars().take(60).collect(),
        };
        let (label, text) = line.split_once('\t').ok_or_else(bad)?;
        let label = match label.trim() {
            "-1" => Label::Negative,
            "0" => Label::Neutral,
            "1" => Label::Positive,
            _ => return Err(bad()),
        };
        rows.push((label, text));
    }
    Ok(rows)
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Precision, recall and F1 of class `c`.
fn class_prf(gold: &[Label], pred: &[Label], c: Label) -> (f64, f64, f64) {
    let tp = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| **g == c && **p == c)
        .count();
    let predicted = pred.iter().filter(|p| **p == c).count();
    let actual = gold.iter().filter(|g| **g == c).count();
    let (p, r) = (ratio(tp, predicted), ratio(tp, actual));
    (p, r, f1(p, r))
}

/// The figures for predictions `pred` against `gold`.
pub fn metrics(gold: &[Label], pred: &[Label]) -> Metrics {
    let correct = gold.iter().zip(pred).filter(|(g, p)| g == p).count();
    let present: Vec<Label> = [Label::Negative, Label::Neutral, Label::Positive]
        .into_iter()
        .filter(|c| gold.contains(c))
        .collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present
            .iter()
            .map(|&c| class_prf(gold, pred, c).2)
            .sum::<f64>()
            / present.len() as f64
    };
    let (neg_precision, neg_recall, neg_f1) = class_prf(gold, pred, Label::Negative);
    Metrics {
        n: gold.len(),
        accuracy: ratio(correct, gold.len()),
        macro_f1,
        neg_precision,
        neg_recall,
        neg_f1,
    }
}

/// A human-readable aligned table: per file, rows, then model and baseline
/// accuracy, macro-F1 and negative precision/recall/F1.
pub fn format_table(reports: &[FileReport]) -> String {
    let name = |r: &FileReport| {
        Path::new(&r.path)
            .file_name()
            .map_or_else(|| r.path.clone(), |f| f.to_string_lossy().into_owned())
    };
    let width = reports
        .iter()
        .map(|r| name(r).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:<8}  {:>6}  {:>7}  {:>6}  {:>6}  {:>6}",
        "file", "rows", "model", "acc", "macroF1", "negP", "negR", "negF1"
    );
    for r in reports {
        let model_name = if r.cross_validated {
            "model·cv"
        } else {
            "model"
        };
        let mut rows = vec![(model_name, &r.model)];
        rows.extend(r.rules.as_ref().map(|m| ("rules", m)));
        rows.push(("baseline", &r.baseline));
        for (i, (which, m)) in rows.into_iter().enumerate() {
            let (file, rows) = if i == 0 {
                (name(r), r.rows.to_string())
            } else {
                (String::new(), String::new())
            };
            let _ = writeln!(
                out,
                "{file:<width$}  {rows:>6}  {which:<8}  {:>6.3}  {:>7.3}  {:>6.3}  {:>6.3}  {:>6.3}",
                m.accuracy, m.macro_f1, m.neg_precision, m.neg_recall, m.neg_f1
            );
        }
    }
    if reports.iter().any(|r| r.cross_validated) {
        let _ = writeln!(
            out,
            "model·cv: the shipped model was trained on this file, so each line is scored by a \
             model retrained without it ({CV_FOLDS}-fold cross-validation)."
        );
    }
    if reports.iter().any(|r| r.rules.is_some()) {
        let _ = writeln!(
            out,
            "rules: the lexicon and rules without the learned terms."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentiment::Options;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/sentiment/data/eval_fixture.tsv"
    );

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fixture_figures_are_exact() {
        let model = Analyzer::new(Options::default());
        let baseline = Analyzer::new(Options {
            domain_layer: false,
            ..Options::default()
        });
        let r = evaluate_file(Path::new(FIXTURE), &model, &baseline).expect("fixture is valid");
        assert_eq!(r.rows, 6);
        // Model predicts N, N, 0, 0, P, N against gold N, N, N, 0, P, 0.
        let m = &r.model;
        assert!(close(m.accuracy, 4.0 / 6.0), "{m:?}");
        assert!(close(m.neg_precision, 2.0 / 3.0) && close(m.neg_recall, 2.0 / 3.0));
        assert!(close(m.neg_f1, 2.0 / 3.0));
        assert!(close(m.macro_f1, (2.0 / 3.0 + 0.5 + 1.0) / 3.0), "{m:?}");
        // Baseline predicts N, 0, 0, 0, P, 0.
        let b = &r.baseline;
        assert!(close(b.accuracy, 4.0 / 6.0), "{b:?}");
        assert!(close(b.neg_precision, 1.0) && close(b.neg_recall, 1.0 / 3.0));
        assert!(close(b.neg_f1, 0.5));
        assert!(close(b.macro_f1, (0.5 + 2.0 / 3.0 + 1.0) / 3.0), "{b:?}");
        let table = format_table(&[r]);
        assert!(
            table.contains("eval_fixture.tsv") && table.contains("baseline"),
            "{table}"
        );
        assert!(table.contains("0.667"), "{table}");
    }

    #[test]
    fn binary_sets_count_neutral_as_wrong_and_not_negative() {
        use Label::*;
        let m = metrics(&[Negative, Positive], &[Neutral, Neutral]);
        assert_eq!(m.accuracy, 0.0);
        assert_eq!(m.neg_recall, 0.0);
        assert_eq!(m.neg_precision, 0.0);
        // Macro-F1 averages over the gold classes only (negative and positive).
        let m = metrics(&[Negative, Positive], &[Negative, Neutral]);
        assert!(close(m.macro_f1, 0.5));
    }

    #[test]
    fn bad_line_names_path_and_line() {
        let err = parse("1\tgood\n\n2\tweird label\n", "reviews.tsv").expect_err("bad label");
        let msg = err.to_string();
        assert!(msg.starts_with("reviews.tsv:3:"), "{msg}");
        assert!(
            msg.contains("label<TAB>text") && msg.contains("-1, 0 or 1"),
            "{msg}"
        );
        let err = parse("no tab here", "x.tsv").expect_err("no tab");
        assert!(err.to_string().starts_with("x.tsv:1:"));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_with_its_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.tsv");
        std::fs::write(&path, b"1\tcaf\xe9 au lait\n").expect("write");
        let a = Analyzer::new(Options::default());
        let msg = evaluate_file(&path, &a, &a)
            .expect_err("not UTF-8")
            .to_string();
        assert!(msg.contains("latin1.tsv") && msg.contains("UTF-8"), "{msg}");
    }

    #[test]
    fn unreadable_file_says_what_to_do() {
        let a = Analyzer::new(Options::default());
        let err = evaluate_file(Path::new("/nonexistent/eval.tsv"), &a, &a).expect_err("missing");
        let msg = err.to_string();
        assert!(
            msg.contains("/nonexistent/eval.tsv") && msg.contains("check the path"),
            "{msg}"
        );
    }
}
