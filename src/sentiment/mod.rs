//! Sentiment: scores a mention's text in [-1, 1] and explains the score.
//!
//! The model is a lexicon-and-rules scorer in the style of VADER (Hutto &
//! Gilbert, ICWSM 2014), built on VADER's MIT-licensed lexicon
//! (`data/vader_lexicon.txt`), plus a review- and service-domain layer of
//! our own: phrases and review vocabulary (`data/domain_lexicon.tsv`),
//! complaint patterns with no emotional words (waiting times, broken
//! promises, repeats, failed functions such as "didn't work"), sarcasm,
//! ratings written in the text, and per-sentence contrast. Service
//! complaints without a verb ("coffee cold", "cold fries", "order wrong"),
//! waits written as two clock times, bare prices ("$6 for a bun"), short
//! product lives ("worked for two weeks"), praise that did not last
//! ("great until it broke"), products sent back, and repeat markers on
//! their own ("it happened again"). Praise idioms ("not too sweet", "worth
//! the wait"), removed problems ("solved the problem"), conditional
//! clauses (half weight), quoted words (×0.3) and "please" in a question
//! are handled so that they do not read as complaints.
//!
//! [`Analyzer`] is built once (it compiles the lexicon) and shared; scoring
//! reuses per-thread buffers and allocates nothing per word.
//!
//! `Options::domain_layer = false` gives the plain VADER-like baseline, used
//! by [`eval`] for comparison.
//!
//! Pipeline and files: `tokenize` + `scan` (text to lowercase tokens in one
//! reused buffer) → `wordmap` (one look-up per token: valence, phrase start,
//! word class) → `engine` (lexicon and phrase matches, capitals,
//! intensifiers, negation) → `patterns` + `quantities` + `complaints` +
//! `shortfalls` (praise words that make a complaint: "better than this",
//! "wish it had", "only works", "has no wifi") + `superlatives` (negations
//! that praise: "couldn't be easier", "can't recommend enough") (domain
//! rules) →
//! `scope` (negation reach, contrast) → questions, conditionals and quotes
//! (in `engine`) → normalisation to [-1, 1]. Data:
//! `lexicon` loads `data/vader_lexicon.txt` and `data/domain_lexicon.tsv`
//! (`term<TAB>weight`, phrases allowed); `words` holds the word classes.

mod complaints;
mod engine;
pub mod eval;
mod inquiry;
pub mod language;
mod lexicon;
mod patterns;
mod quantities;
mod rating;
mod scan;
mod scope;
mod shortfalls;
mod superlatives;
mod tokenize;
mod wordmap;
mod words;

use std::fmt;

use engine::Model;

pub use crate::model::{Label, ParseLabelError};
pub use language::{foreign_language, Language};

/// Default threshold: a value below this is [`Label::Negative`].
pub const DEFAULT_NEGATIVE_BELOW: f32 = -0.05;
/// Default threshold: a value above this is [`Label::Positive`].
pub const DEFAULT_POSITIVE_ABOVE: f32 = 0.05;

/// Decimals a score or weight has in JSON and CSV (people see two, see [`rounded`]).
pub const EXPORT_DECIMALS: u8 = 3;

/// `value` rounded to `places` decimals, half away from zero. Every export rounds through
/// this one function, so JSON and CSV print the same number for the same score (and
/// `-0.70238101` never leaks the f32's noise into a spreadsheet).
pub fn rounded(value: f32, places: u8) -> f64 {
    let scale = 10f64.powi(i32::from(places));
    let value = (f64::from(value) * scale).round() / scale;
    // No "-0" in exports: a tiny negative score rounds to plain zero.
    if value == 0.0 {
        0.0
    } else {
        value
    }
}

/// Serialize a score or weight with [`EXPORT_DECIMALS`] decimals.
pub fn serialize_rounded<S: serde::Serializer>(value: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(rounded(*value, EXPORT_DECIMALS))
}

/// Serialize an optional score with [`EXPORT_DECIMALS`] decimals, None as null.
pub fn serialize_rounded_option<S: serde::Serializer>(
    value: &Option<f32>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serialize_rounded(value, s),
        None => s.serialize_none(),
    }
}

/// Whether the model gave a stored mention a score: a text not in English is scored only
/// when it came with stars (see [`Analyzer::score_with_rating`]).
pub fn was_scored(language: Option<Language>, rating: Option<f32>) -> bool {
    language.is_none() || rating.is_some_and(f32::is_finite)
}

/// One thing that moved a score, with its valence on the -4..+4 lexicon scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    /// The words (lowercase) or marker, e.g. "not good", "waited 45 minutes", "★2/5".
    pub term: String,
    /// Its contribution on VADER's -4..+4 scale after negation, emphasis and contrast.
    #[serde(serialize_with = "serialize_rounded")]
    pub weight: f32,
}

/// A scored text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    /// Compound score in [-1, 1].
    #[serde(serialize_with = "serialize_rounded")]
    pub value: f32,
    /// The label from the thresholds in [`Options`].
    pub label: Label,
    /// What moved the score, largest |weight| first.
    pub terms: Vec<Term>,
    /// The language of a text not in English (then the lexicon did not score it: the
    /// label is [`Label::Unscored`], or the stars' verdict for a rated review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

/// How an [`Analyzer`] scores.
#[derive(Debug, Clone)]
pub struct Options {
    /// A value below this is Negative (default -0.05).
    pub negative_below: f32,
    /// A value above this is Positive (default 0.05).
    pub positive_above: f32,
    /// The owner's `[sentiment.terms]`: words or phrases added or overridden,
    /// weight on VADER's -4..+4 scale.
    pub extra_terms: Vec<(String, f32)>,
    /// true = full model; false = plain lexicon baseline (for comparison).
    pub domain_layer: bool,
    /// true = a text confidently not in English is left unscored
    /// ([`language::foreign_language`]); false = every text is scored as English.
    pub detect_language: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            negative_below: DEFAULT_NEGATIVE_BELOW,
            positive_above: DEFAULT_POSITIVE_ABOVE,
            extra_terms: Vec::new(),
            domain_layer: true,
            detect_language: true,
        }
    }
}

/// The sentiment scorer: build once, share across threads (it is Send + Sync).
#[derive(Clone)]
pub struct Analyzer {
    model: Model,
    options: Options,
}

impl fmt::Debug for Analyzer {
    // The lexicon has thousands of entries: show the options only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Analyzer")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// Compiles the lexicon (VADER, the domain layer if enabled, then the
    /// extra terms, which override both).
    pub fn new(options: Options) -> Analyzer {
        let model = Model::new(options.domain_layer, &options.extra_terms);
        Analyzer { model, options }
    }

    /// The options this analyzer was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Scores `text`: value in [-1, 1], label and the terms that moved it. A text
    /// confidently not in English is [`Label::Unscored`], with its language and no terms.
    pub fn score(&self, text: &str) -> Score {
        self.score_with_rating(text, None)
    }

    /// The language of `text` when it is not English and detection is on.
    fn foreign(&self, text: &str) -> Option<Language> {
        self.options
            .detect_language
            .then(|| foreign_language(text))
            .flatten()
    }

    /// The text's value and terms, after the domain rules that look at the whole text.
    fn text_value(&self, text: &str) -> (f32, Vec<(String, f32)>) {
        let raw = self.model.run(text);
        let (value, mut terms) = (raw.value, raw.terms);
        if !self.options.domain_layer {
            return (value, terms);
        }
        match inquiry::damp(text, value, &terms) {
            Some(damped) => {
                terms.push(("asks for information".to_owned(), 0.0));
                (damped, terms)
            }
            None => (value, terms),
        }
    }

    /// Combines a source's star rating with the text.
    ///
    /// Rule: stars (clamped to 1..=5) map linearly to r in [-1, 1]
    /// (1 → -1, 3 → 0, 5 → +1), and value = share × r + (1 - share) × text
    /// value, where:
    /// - 1–2 and 4–5 stars: share = `0.7 - 0.4 × |text value|` (70 % when
    ///   the text says nothing, 30 % when it is as strong as it gets);
    /// - a middle rating (above 2, below 4 stars) leans on the text: share = 0.3.
    ///
    /// Then the rating is the author's own verdict, so two guarantees hold
    /// for any thresholds in [`Options`]:
    /// - 1–2 stars never give [`Label::Positive`] (the value is capped at
    ///   `min(0, positive_above)`; a glowing text with 1 star is Neutral);
    /// - 4–5 stars never give [`Label::Negative`] unless the text alone
    ///   scores below -0.5 (otherwise the value is at least
    ///   `max(0, negative_below)`).
    ///
    /// A term "★s/5" is added with weight r × 4 (the rating on the lexicon
    /// scale). `None` or a non-finite rating scores the text alone.
    ///
    /// A text not in English is not read by the English lexicon: with stars, the stars
    /// alone give the verdict (as for an empty text); without, it is [`Label::Unscored`].
    pub fn score_with_rating(&self, text: &str, stars: Option<f32>) -> Score {
        let stars = stars.filter(|s| s.is_finite());
        if let Some(language) = self.foreign(text) {
            let mut score = match stars {
                None => Score::unscored(),
                Some(_) => self.blend(0.0, Vec::new(), stars),
            };
            score.language = Some(language);
            return score;
        }
        let (text_value, terms) = self.text_value(text);
        self.blend(text_value, terms, stars)
    }

    fn blend(&self, text_value: f32, terms: Vec<(String, f32)>, stars: Option<f32>) -> Score {
        match stars {
            None => self.finish(text_value, terms),
            Some(stars) => {
                let (value, term) = rating::blend(
                    text_value,
                    stars,
                    self.options.negative_below,
                    self.options.positive_above,
                );
                let mut terms = terms;
                terms.push(term);
                self.finish(value, terms)
            }
        }
    }

    fn label(&self, value: f32) -> Label {
        if value < self.options.negative_below {
            Label::Negative
        } else if value > self.options.positive_above {
            Label::Positive
        } else {
            Label::Neutral
        }
    }

    fn finish(&self, value: f32, terms: Vec<(String, f32)>) -> Score {
        let value = if value.is_finite() {
            value.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let mut terms: Vec<Term> = terms
            .into_iter()
            .map(|(term, w)| Term {
                term,
                weight: (w * 1000.0).round() / 1000.0,
            })
            .collect();
        terms.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Score {
            value,
            label: self.label(value),
            terms,
            language: None,
        }
    }
}

impl Score {
    /// A text the model did not read: no value (0 in the store), no terms.
    fn unscored() -> Score {
        Score {
            value: 0.0,
            label: Label::Unscored,
            terms: Vec::new(),
            language: None,
        }
    }

    /// The value, None for an unscored text (it has no score, not a neutral one).
    pub fn shown_value(&self) -> Option<f32> {
        (self.label != Label::Unscored).then_some(self.value)
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Options::default())
    }
}

/// The full model's score of `text` (unit tests of the rules).
#[cfg(test)]
pub(crate) fn score_for_tests(text: &str) -> Score {
    shared_for_tests(true).score(text)
}

/// Whether the full model explains `text` with `term` (unit tests of the rules).
#[cfg(test)]
pub(crate) fn has_term_for_tests(text: &str, term: &str) -> bool {
    score_for_tests(text).terms.iter().any(|t| t.term == term)
}

/// One model and one baseline analyzer shared by all unit tests (building
/// one takes a while in a debug build).
#[cfg(test)]
pub(crate) fn shared_for_tests(domain_layer: bool) -> &'static Analyzer {
    static MODEL: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    static BASELINE: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    let cell = if domain_layer { &MODEL } else { &BASELINE };
    cell.get_or_init(|| {
        Analyzer::new(Options {
            domain_layer,
            ..Options::default()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> &'static Analyzer {
        shared_for_tests(true)
    }

    #[test]
    fn waiting_for_a_booked_table_is_negative_and_explained() {
        let s = analyzer().score("Waited 45 minutes for a table we had booked. Nobody apologized.");
        assert_eq!(s.label, Label::Negative, "{s:?}");
        let terms: Vec<&str> = s.terms.iter().map(|t| t.term.as_str()).collect();
        assert!(terms.contains(&"waited 45 minutes"), "{terms:?}");
        assert!(terms.contains(&"nobody apologized"), "{terms:?}");
        assert!(s.terms.iter().all(|t| t.weight < 0.0));
    }

    #[test]
    fn terms_are_sorted_by_size() {
        let s = analyzer().score("Lovely staff but the worst pizza, a bit cold.");
        let w: Vec<f32> = s.terms.iter().map(|t| t.weight.abs()).collect();
        assert!(w.windows(2).all(|p| p[0] >= p[1]), "{w:?}");
    }

    #[test]
    fn extra_terms_add_and_override_words_and_phrases() {
        let text = "The croissants were flaky and the line was out the door";
        assert_eq!(analyzer().score(text).label, Label::Neutral);
        let a = Analyzer::new(Options {
            extra_terms: vec![("flaky".into(), 2.0), ("out the door".into(), 1.5)],
            ..Options::default()
        });
        let s = a.score(text);
        assert_eq!(s.label, Label::Positive);
        assert!(
            s.terms
                .iter()
                .any(|t| t.term == "out the door" && t.weight == 1.5),
            "{s:?}"
        );
        // Override a built-in word.
        let a = Analyzer::new(Options {
            extra_terms: vec![("rude".into(), 0.5)],
            ..Options::default()
        });
        assert_eq!(a.score("rude").label, Label::Positive);
    }

    #[test]
    fn thresholds_come_from_options() {
        let a = Analyzer::new(Options {
            negative_below: -0.9,
            positive_above: 0.9,
            ..Options::default()
        });
        assert_eq!(a.score("The food was good.").label, Label::Neutral);
    }

    #[test]
    fn star_rating_blends_with_text() {
        let a = analyzer();
        let s = a.score_with_rating("We had lunch.", Some(1.0));
        assert_eq!(s.label, Label::Negative);
        assert!(s.terms.iter().any(|t| t.term == "\u{2605}1/5"), "{s:?}");
        let glowing = "Absolutely wonderful, the best bakery in town!";
        for stars in [1.0, 2.0] {
            let s = a.score_with_rating(glowing, Some(stars));
            assert_ne!(s.label, Label::Positive, "low stars are never positive");
        }
        assert_eq!(
            a.score_with_rating(glowing, Some(3.0)).label,
            Label::Positive,
            "three stars lean on the text"
        );
        let grumble = "The coffee was a bit bland today.";
        assert_eq!(a.score(grumble).label, Label::Negative);
        assert_ne!(
            a.score_with_rating(grumble, Some(5.0)).label,
            Label::Negative,
            "high stars are never negative for a mild grumble"
        );
        let furious = "Worst service ever, rude staff, disgusting food. Never again!";
        assert_eq!(
            a.score_with_rating(furious, Some(5.0)).label,
            Label::Negative,
            "a strongly negative text still wins over 5 stars"
        );
        assert_eq!(a.score_with_rating("fine", None), a.score("fine"));
        assert_eq!(a.score_with_rating("fine", Some(f32::NAN)), a.score("fine"));
    }

    #[test]
    fn label_names_round_trip() {
        for l in [Label::Negative, Label::Neutral, Label::Positive] {
            assert_eq!(l.as_str().parse::<Label>(), Ok(l));
            assert_eq!(l.to_string(), l.as_str());
            assert_eq!(format!("{l:>9}"), format!("{:>9}", l.as_str()));
            let json = serde_json::to_string(&l).expect("serialize label");
            assert_eq!(json, format!("\"{}\"", l.as_str()));
            assert_eq!(
                serde_json::from_str::<Label>(&json).expect("deserialize label"),
                l
            );
        }
        assert_eq!("NEGATIVE".parse::<Label>(), Ok(Label::Negative));
        let err = "bad".parse::<Label>().expect_err("not a label").to_string();
        assert!(err.contains("negative, neutral, positive"), "{err}");
    }

    #[test]
    fn score_serializes_for_the_cli() {
        let s = analyzer().score("rude");
        let json = serde_json::to_value(&s).expect("serialize score");
        assert_eq!(json["label"], "negative");
        assert_eq!(json["terms"][0]["term"], "rude");
    }

    #[test]
    fn terms_round_trip_through_json() {
        let s = analyzer().score("rude staff");
        let json = serde_json::to_string(&s.terms).expect("serialize terms");
        let back: Vec<Term> = serde_json::from_str(&json).expect("deserialize terms");
        assert_eq!(back, s.terms);
        assert_eq!(format!("[{:<8}]", Label::Neutral), "[neutral ]");
    }

    #[test]
    fn debug_output_is_short() {
        assert!(format!("{:?}", analyzer()).len() < 300);
    }

    #[test]
    fn analyzer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
        let a = std::sync::Arc::new(Analyzer::new(Options::default()));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || a.score("Waited an hour. Rude staff.").value)
            })
            .collect();
        for h in handles {
            assert!(h.join().expect("scoring thread") < 0.0);
        }
    }
}
