//! Learning keyword weights from labelled text: the base model
//! (`earshot train`) and a business's own delta (`earshot learn`).
//!
//! The fit is on top of the model beneath it, not from scratch: each text's
//! score is what the lexicon and rules (and any lower learned layer) already
//! say, plus a weight per learned term times what the rules make of that term
//! where it stands (a negated term counts against, a term after "but" counts
//! more). So the weights learn what the rules get wrong, and at run time they
//! enter the engine as term weights, exactly as fitted.
//!
//! The loss is two logistic losses on the score, one at the negative
//! threshold ("is it a complaint?") and one at the positive threshold ("is it
//! praise?"), with an L2 penalty that keeps terms seen a few times small. The
//! optimiser is full-batch Adam over a fixed number of epochs in a fixed order:
//! the same labels give the same weights, bit for bit.

use std::collections::HashMap;

use super::engine::Model;
use super::learned::{LearnedIndex, LearnedTerms};
use super::tokenize::{tokenize, Kind, Tokens};
use super::words::NEGATOR;
use super::{Analyzer, Label, Options};

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The text as a customer wrote it.
    pub text: String,
    /// Its label (from a person, or from a star rating).
    pub label: Label,
}

/// How a fit is made.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// L2 penalty per term (larger: smaller weights).
    pub l2: f32,
    /// How sharply the loss separates at the thresholds (per unit of score).
    pub temperature: f32,
    /// A term must appear in at least this many texts to be learned.
    pub min_docs: usize,
    /// Full passes of the optimiser.
    pub epochs: usize,
    /// Weights smaller than this are dropped from the result.
    pub prune_below: f32,
    /// Weight of the "is it praise?" loss against the "is it a complaint?" one.
    pub praise_share: f32,
    /// Weight of a complaint in the "is it a complaint?" loss (a text that is
    /// not one weighs 1): below 1, a missed complaint costs less than a false
    /// alarm, which keeps precision up.
    pub complaint_weight: f32,
}

impl FitOptions {
    /// The base model's settings (`earshot train`).
    pub fn base() -> FitOptions {
        // Chosen by 5-fold cross-validation on the review sets: the largest
        // negative-F1 gain that keeps negative precision at or above .85. No
        // praise loss: learned from two-class review sets, it taught ordinary
        // words ("available", "Sundays") to read as praise, so neutral posts
        // turned positive.
        FitOptions {
            l2: 0.0015,
            temperature: 1.0,
            min_docs: 3,
            epochs: 300,
            prune_below: 0.05,
            praise_share: 0.0,
            complaint_weight: 0.8,
        }
    }

    /// A business's delta (`earshot learn`): few labels, so a stronger pull to zero.
    pub fn business() -> FitOptions {
        FitOptions {
            l2: 0.02,
            min_docs: 2,
            ..FitOptions::base()
        }
    }

    /// The settings as one line (written into a model file's header).
    pub fn describe(&self) -> String {
        format!(
            "l2={} temperature={} min_docs={} epochs={} prune_below={} praise_share={} complaint_weight={}",
            self.l2,
            self.temperature,
            self.min_docs,
            self.epochs,
            self.prune_below,
            self.praise_share,
            self.complaint_weight
        )
    }
}

/// Function words: they mean nothing alone, so they are never learned as a word, nor
/// as a pair of two of them ("for the"). Fitted, they only soak up each training set's
/// label balance and tip neutral posts ("can someone tell me…") to one side. Words that
/// carry a complaint's shape stay learnable: negators, "again", "still", "only",
/// "even", "after", "back". Negators alone are not learned either: the rules already
/// turn around what they negate, and a weight of its own on "not" would count a
/// negated problem ("the static was not present") as a complaint.
const STOP_WORDS: &[&str] = &[
    "a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "being", "both", "but", "by", "can", "could", "did", "do", "does", "each", "few", "for",
    "from", "had", "has", "have", "he", "her", "here", "hers", "him", "his", "how", "i", "i'm",
    "i've", "if", "in", "into", "is", "it", "it's", "its", "just", "me", "might", "more", "most",
    "my", "now", "of", "on", "one", "or", "other", "our", "ours", "out", "over", "own", "s",
    "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "through", "to", "too", "up", "us", "very", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your", "yours",
];

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

fn is_negator(model: &Model, word: &str) -> bool {
    word.ends_with("n't") || model.words.get(word).is_some_and(|i| i.is(NEGATOR))
}

/// One text made ready for fitting.
#[derive(Debug, Clone)]
struct Doc {
    /// The score without any candidate term: rules, lexicon, lower layers, emphasis.
    offset: f32,
    /// `(term id, multiplier)`: what the rules make of a weight of 1 there.
    features: Vec<(u32, f32)>,
    label: Label,
}

/// Labelled texts turned into features under a model, fitted many times
/// (cross-validation folds) without scoring the texts again.
#[derive(Debug, Clone)]
pub struct Prepared {
    docs: Vec<Doc>,
    vocab: Vec<String>,
    /// The score thresholds of the labels, on the engine's raw scale.
    negative_at: f32,
    positive_at: f32,
}

/// What a fit learned: the terms and how many labelled texts support each.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The learned terms, sorted by term.
    pub terms: LearnedTerms,
    /// For each term of [`Fitted::terms`] (same order), the texts it appears in.
    pub support: Vec<u32>,
}

/// The raw score at which the compound score equals `c` (VADER's
/// normalisation s / sqrt(s² + 15), inverted).
fn raw_threshold(c: f32) -> f32 {
    let c = c.clamp(-0.99, 0.99);
    c * (15.0 / (1.0 - c * c)).sqrt()
}

/// Features of `examples` under `options` (its learned layers are the ones
/// beneath the fit: none for the base model, the base model for a business).
pub fn prepare(options: &Options, examples: &[Example], min_docs: usize) -> Prepared {
    let analyzer = Analyzer::new(options.clone());
    let candidates = candidate_terms(&analyzer.model, examples, min_docs);
    let mut model = analyzer.model.clone();
    model.probe_terms = LearnedIndex::new([&LearnedTerms {
        terms: candidates.iter().map(|t| (t.clone(), 1.0)).collect(),
    }]);
    let ids: HashMap<&str, u32> = candidates
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i as u32))
        .collect();
    let docs = examples
        .iter()
        .map(|e| {
            let probe = model.probe(&e.text);
            let mut features: Vec<(u32, f32)> = Vec::new();
            for (term, m) in probe.features {
                let Some(&id) = ids.get(term.as_str()) else {
                    continue;
                };
                match features.iter_mut().find(|f| f.0 == id) {
                    Some(f) => f.1 += m,
                    None => features.push((id, m)),
                }
            }
            let offset = probe.base_sum + probe.base_sum.signum() * probe.emphasis;
            Doc {
                offset,
                features,
                label: e.label,
            }
        })
        .collect();
    Prepared {
        docs,
        vocab: candidates,
        negative_at: raw_threshold(options.negative_below),
        positive_at: raw_threshold(options.positive_above),
    }
}

/// Words and adjacent pairs of words found in at least `min_docs` texts,
/// sorted (so ids, and with them the fit, do not depend on hash order).
fn candidate_terms(model: &Model, examples: &[Example], min_docs: usize) -> Vec<String> {
    let mut docs_with: HashMap<String, usize> = HashMap::new();
    let mut toks = Tokens::default();
    let mut seen: Vec<String> = Vec::new();
    for e in examples {
        tokenize(&e.text, &mut toks, &|c| {
            model.words.get(c).is_some_and(|i| i.valence.is_some())
        });
        seen.clear();
        for i in 0..toks.len() {
            if toks.kind(i) != Kind::Word {
                continue;
            }
            let stop = is_stop_word(toks.text(i));
            if !stop && !is_negator(model, toks.text(i)) {
                seen.push(toks.text(i).to_owned());
            }
            if i + 1 < toks.len()
                && toks.kind(i + 1) == Kind::Word
                && !(stop && is_stop_word(toks.text(i + 1)))
            {
                seen.push(toks.span(i, i + 2).to_owned());
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for term in &seen {
            *docs_with.entry(term.clone()).or_default() += 1;
        }
    }
    let mut terms: Vec<String> = docs_with
        .into_iter()
        .filter(|(_, n)| *n >= min_docs)
        .map(|(t, _)| t)
        .collect();
    terms.sort_unstable();
    terms
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Prepared {
    /// Number of texts.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// No texts.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Fits the weights on all texts.
    pub fn fit(&self, opts: &FitOptions) -> Fitted {
        let all: Vec<usize> = (0..self.docs.len()).collect();
        self.fit_on(&all, opts)
    }

    /// Fits the weights on the texts `rows` only (a cross-validation fold's training part).
    pub fn fit_on(&self, rows: &[usize], opts: &FitOptions) -> Fitted {
        let weights = self.optimise(rows, opts);
        let mut support = vec![0u32; self.vocab.len()];
        for &r in rows {
            for &(id, _) in &self.docs[r].features {
                support[id as usize] += 1;
            }
        }
        let mut terms = Vec::new();
        let mut kept_support = Vec::new();
        for (id, w) in weights.into_iter().enumerate() {
            let w = (w * 1000.0).round() / 1000.0;
            if w.abs() >= opts.prune_below && support[id] > 0 {
                terms.push((self.vocab[id].clone(), w));
                kept_support.push(support[id]);
            }
        }
        Fitted {
            terms: LearnedTerms { terms },
            support: kept_support,
        }
    }

    /// Full-batch Adam on the two threshold losses plus L2.
    fn optimise(&self, rows: &[usize], opts: &FitOptions) -> Vec<f32> {
        const RATE: f32 = 0.05;
        const BETA1: f32 = 0.9;
        const BETA2: f32 = 0.999;
        const EPSILON: f32 = 1e-8;
        let n = self.vocab.len();
        let (mut w, mut m, mut v) = (vec![0f32; n], vec![0f32; n], vec![0f32; n]);
        let mut grad = vec![0f32; n];
        let k = opts.temperature;
        let scale = 1.0 / rows.len().max(1) as f32;
        for epoch in 1..=opts.epochs {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for &r in rows {
                let doc = &self.docs[r];
                let s = doc.offset
                    + doc
                        .features
                        .iter()
                        .map(|&(id, x)| w[id as usize] * x)
                        .sum::<f32>();
                // d loss / d score of "is it a complaint?" and "is it praise?".
                let is_negative = f32::from(u8::from(doc.label == Label::Negative));
                let is_positive = f32::from(u8::from(doc.label == Label::Positive));
                let d_negative = -k
                    * (sigmoid(k * (self.negative_at - s)) - is_negative)
                    * (1.0 + (opts.complaint_weight - 1.0) * is_negative);
                let d_positive = k * (sigmoid(k * (s - self.positive_at)) - is_positive);
                let d = (d_negative + opts.praise_share * d_positive) * scale;
                for &(id, x) in &doc.features {
                    grad[id as usize] += d * x;
                }
            }
            let (c1, c2) = (
                1.0 - BETA1.powi(epoch as i32),
                1.0 - BETA2.powi(epoch as i32),
            );
            for j in 0..n {
                let g = grad[j] + 2.0 * opts.l2 * w[j];
                m[j] = BETA1 * m[j] + (1.0 - BETA1) * g;
                v[j] = BETA2 * v[j] + (1.0 - BETA2) * g * g;
                w[j] -= RATE * (m[j] / c1) / ((v[j] / c2).sqrt() + EPSILON);
            }
        }
        w
    }
}

/// `options` with one more learned layer on top.
pub fn with_layer(options: &Options, layer: LearnedTerms) -> Options {
    let mut options = options.clone();
    options.learned.push(std::sync::Arc::new(layer));
    options
}

/// Cross-validated labels of the texts `scored` (indices into `prepared`),
/// each predicted by a model fitted without its own fold: `folds` folds by
/// position (text i is in fold i mod folds), every fit also trained on the
/// texts `always` (other files' lines). `options` is the model beneath.
pub fn cross_validate(
    options: &Options,
    examples: &[Example],
    prepared: &Prepared,
    scored: &[usize],
    always: &[usize],
    folds: usize,
    opts: &FitOptions,
) -> Vec<Label> {
    let folds = folds.max(2);
    let mut labels = vec![Label::Neutral; scored.len()];
    for fold in 0..folds {
        let mut train: Vec<usize> = always.to_vec();
        train.extend(
            scored
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds != fold)
                .map(|(_, &r)| r),
        );
        train.sort_unstable();
        let fitted = prepared.fit_on(&train, opts);
        let analyzer = Analyzer::new(with_layer(options, fitted.terms));
        for (i, &r) in scored.iter().enumerate().filter(|(i, _)| i % folds == fold) {
            labels[i] = analyzer.score(&examples[r].text).label;
        }
    }
    labels
}

/// A labelled file a model was trained on, as its header records it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedOn {
    /// The file's name (no directory).
    pub name: String,
    /// Its labelled rows.
    pub rows: usize,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// Header prefix of a training-file line.
const TRAINED_ON: &str = "trained on: ";

impl TrainedOn {
    /// Describes `bytes` read from the file `name`.
    pub fn new(name: &str, bytes: &[u8], rows: usize) -> TrainedOn {
        TrainedOn {
            name: name.to_owned(),
            rows,
            sha256: sha256_hex(bytes),
        }
    }

    fn header_line(&self) -> String {
        format!(
            "{TRAINED_ON}{} rows={} sha256={}",
            self.name, self.rows, self.sha256
        )
    }

    /// The training files a learned-terms file's header lists.
    pub fn listed_in(model_file: &str) -> Vec<TrainedOn> {
        model_file
            .lines()
            .take_while(|l| l.starts_with('#'))
            .filter_map(|l| l.trim_start_matches('#').trim().strip_prefix(TRAINED_ON))
            .filter_map(|rest| {
                let mut parts = rest.split(' ');
                let name = parts.next()?.to_owned();
                let rows = parts.next()?.strip_prefix("rows=")?.parse().ok()?;
                let sha256 = parts.next()?.strip_prefix("sha256=")?.to_owned();
                Some(TrainedOn { name, rows, sha256 })
            })
            .collect()
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hashes::sha256_hex(bytes)
}

/// Labelled files read for training: the examples of all files in order, and
/// where each file's rows are.
#[derive(Debug, Clone, Default)]
pub struct LabelledFiles {
    /// Every file's rows, one file after the other.
    pub examples: Vec<Example>,
    /// Per file: what it is and the range of its rows in [`LabelledFiles::examples`].
    pub files: Vec<(TrainedOn, std::ops::Range<usize>)>,
}

impl LabelledFiles {
    /// Reads `label<TAB>text` files (the format of `earshot eval`).
    pub fn read(paths: &[std::path::PathBuf]) -> Result<LabelledFiles, super::eval::EvalError> {
        let mut out = LabelledFiles::default();
        for path in paths {
            let shown = path.display().to_string();
            let unreadable = |source| super::eval::EvalError::Unreadable {
                path: shown.clone(),
                source,
            };
            let bytes = std::fs::read(path).map_err(unreadable)?;
            let data = std::str::from_utf8(&bytes)
                .map_err(|e| unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
            let rows = super::eval::parse(data, &shown)?;
            let start = out.examples.len();
            out.examples
                .extend(rows.iter().map(|(label, text)| Example {
                    text: (*text).to_owned(),
                    label: *label,
                }));
            let name = path
                .file_name()
                .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
            out.files.push((
                TrainedOn::new(&name, &bytes, rows.len()),
                start..out.examples.len(),
            ));
        }
        Ok(out)
    }
}

/// Trains the base model on `paths` and returns the model file's text
/// (header with the settings and each file's name, rows and SHA-256).
pub fn train_base(
    paths: &[std::path::PathBuf],
    options: &Options,
) -> Result<(String, usize), super::eval::EvalError> {
    let files = LabelledFiles::read(paths)?;
    let opts = FitOptions::base();
    let beneath = Options {
        learned: Vec::new(),
        ..options.clone()
    };
    let fitted = prepare(&beneath, &files.examples, opts.min_docs).fit(&opts);
    let mut header = vec![
        "Earshot learned keyword weights: base model, format 1".to_owned(),
        "Each line: term<TAB>weight on the lexicon's -4..+4 scale, added to the rules' score."
            .to_owned(),
        "Remake it: earshot train --out src/sentiment/data/learned_base.tsv (the files below, in this order)"
            .to_owned(),
        format!("fit: {}", opts.describe()),
    ];
    header.extend(files.files.iter().map(|(f, _)| f.header_line()));
    let count = fitted.terms.len();
    Ok((format_terms(&header, &fitted.terms), count))
}

/// Writes a learned-terms file: `header` lines as `#` comments, then one
/// `term<TAB>weight` line per term, sorted by term.
pub fn format_terms(header: &[String], terms: &LearnedTerms) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    let mut sorted: Vec<&(String, f32)> = terms.terms.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (term, w) in sorted {
        out.push_str(term);
        out.push('\t');
        out.push_str(&format!("{w}"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str, label: Label) -> Example {
        Example {
            text: text.to_owned(),
            label,
        }
    }

    fn plain() -> Options {
        Options {
            learned: Vec::new(),
            ..Options::default()
        }
    }

    /// A plumber's complaints told as facts, and neutral or happy posts.
    fn plumber() -> Vec<Example> {
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(ex(
                &format!("Day {i}: the fitter returned for the same drip."),
                Label::Negative,
            ));
            v.push(ex(
                &format!("Job {i} finished and the kitchen tap works."),
                Label::Positive,
            ));
            v.push(ex(
                &format!("Booked visit {i} for Tuesday morning."),
                Label::Neutral,
            ));
        }
        v
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("the") && !is_stop_word("again"));
    }

    #[test]
    fn thresholds_invert_the_normalisation() {
        let s = raw_threshold(-0.05);
        assert!((s / (s * s + 15.0).sqrt() + 0.05).abs() < 1e-6, "{s}");
        assert!(raw_threshold(0.05) > 0.0);
    }

    #[test]
    fn learns_a_complaint_told_as_a_fact() {
        let examples = plumber();
        let before = Analyzer::new(plain());
        let text = "The fitter came round for the same drip";
        assert_ne!(
            before.score(text).label,
            Label::Negative,
            "the rules alone miss it"
        );
        let prepared = prepare(&plain(), &examples, 2);
        let fitted = prepared.fit(&FitOptions::business());
        let drip = fitted.terms.get("same drip").expect("learned 'same drip'");
        assert!(drip < 0.0, "{fitted:?}");
        let after = Analyzer::new(with_layer(&plain(), fitted.terms.clone()));
        let score = after.score(text);
        assert_eq!(score.label, Label::Negative, "{score:?}");
        assert!(
            score
                .terms
                .iter()
                .any(|t| t.term == "same drip (learned)" && t.weight < 0.0),
            "the explanation names the learned term: {score:?}"
        );
        let i = fitted
            .terms
            .terms
            .iter()
            .position(|t| t.0 == "same drip")
            .expect("term");
        assert_eq!(fitted.support[i], 6, "six texts support it");
    }

    #[test]
    fn negation_applies_to_learned_terms() {
        let terms = LearnedTerms::parse("leak\t-2\n").expect("terms");
        let a = Analyzer::new(with_layer(&plain(), terms));
        let plain_leak = a.score("There was a leak under the sink");
        let no_leak = a.score("There was not a leak under the sink");
        let w = |s: &super::super::Score| {
            s.terms
                .iter()
                .find(|t| t.term == "leak (learned)")
                .map(|t| t.weight)
        };
        assert_eq!(w(&plain_leak), Some(-2.0));
        assert!(w(&no_leak).is_some_and(|w| w > 0.0), "{no_leak:?}");
    }

    #[test]
    fn the_same_labels_give_the_same_weights() {
        let examples = plumber();
        let a = prepare(&plain(), &examples, 2).fit(&FitOptions::business());
        let b = prepare(&plain(), &examples, 2).fit(&FitOptions::business());
        assert_eq!(format_terms(&[], &a.terms), format_terms(&[], &b.terms));
        assert!(!a.terms.is_empty());
    }

    #[test]
    fn cross_validation_never_scores_a_text_with_its_own_fit() {
        // Each complaint's telling word appears in that text only: a fit that saw
        // the text learns it; a fit made without the text's fold cannot.
        let words = [
            "grommet", "flange", "sprocket", "gasket", "trowel", "spigot",
        ];
        let examples: Vec<Example> = words
            .iter()
            .map(|w| ex(&format!("the {w}"), Label::Negative))
            .collect();
        let prepared = prepare(&plain(), &examples, 1);
        let seen_all = Analyzer::new(with_layer(
            &plain(),
            prepared.fit(&FitOptions::business()).terms,
        ));
        for e in &examples {
            assert_eq!(seen_all.score(&e.text).label, Label::Negative, "{}", e.text);
        }
        let all: Vec<usize> = (0..examples.len()).collect();
        let cv = cross_validate(
            &plain(),
            &examples,
            &prepared,
            &all,
            &[],
            3,
            &FitOptions::business(),
        );
        assert!(cv.iter().all(|l| *l != Label::Negative), "{cv:?}");
    }

    #[test]
    fn files_round_trip() {
        let terms = LearnedTerms::parse("b\t-0.5\na c\t1.25\n").expect("terms");
        let text = format_terms(&["made by a test".to_owned()], &terms);
        assert_eq!(text, "# made by a test\na c\t1.25\nb\t-0.5\n");
        let back = LearnedTerms::parse(&text).expect("parse");
        assert_eq!(back.get("a c"), Some(1.25));
    }
}
