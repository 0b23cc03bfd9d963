//! The learned keyword layer: word and two-word terms whose weights were
//! learned from labelled text (see [`super::train`]), added to the lexicon's
//! score as hits of their own.
//!
//! A learned term is scored like a lexicon word: a negator before it turns it
//! around, an intensifier strengthens it, and contrast, conditionals and
//! quotes scale it afterwards (they run on every hit). So the learned layer
//! is still a keyword model: the score is a sum of term weights, and each
//! learned term shows in the explanation with " (learned)" and its weight.
//!
//! Two layers add up: the base model shipped with Earshot
//! (`data/learned_base.tsv`, made by `earshot train`) and a business's own
//! delta (made by `earshot learn`, kept in the database).

use std::sync::{Arc, OnceLock};

use super::engine::Hit;
use super::lexicon::FnvMap;
use super::scope::{negator_before, words_before};
use super::tokenize::{Kind, Tokens};
use super::words::NEGATION_SCALAR;

/// The base model shipped with Earshot (`earshot train --out` writes it).
pub(crate) const BASE_MODEL: &str = include_str!("data/learned_base.tsv");

/// Appended to a learned term in the explanation.
pub const LEARNED_NOTE: &str = " (learned)";
/// Marks the unit-weight hits of candidate terms while training (never shown).
pub(crate) const PROBE_NOTE: &str = " (probe)";

/// How much an intensifier before a learned term strengthens it (a dampener
/// weakens it by the same share). Multiplicative, so training stays linear.
const LEARNED_BOOST: f32 = 0.3;

/// Learned terms with their weights on the lexicon's -4..+4 scale.
#[derive(Clone, Default, PartialEq)]
pub struct LearnedTerms {
    /// `(term, weight)`, a term being one word or two joined by a space, as
    /// the tokenizer writes them (lowercase).
    pub terms: Vec<(String, f32)>,
}

impl std::fmt::Debug for LearnedTerms {
    // Hundreds of terms: say how many (tests compare them with `==`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LearnedTerms({} terms)", self.terms.len())
    }
}

/// A line of a learned-terms file that is not `term<TAB>weight`.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: expected `term<TAB>weight` (a word or two and a number), found {found:?}")]
pub struct LearnedParseError {
    /// 1-based line number.
    pub line: usize,
    /// The start of the line.
    pub found: String,
}

impl LearnedTerms {
    /// The base model shipped with Earshot, parsed once.
    pub fn base() -> Arc<LearnedTerms> {
        static BASE: OnceLock<Arc<LearnedTerms>> = OnceLock::new();
        BASE.get_or_init(|| {
            // The file is ours and checked by a unit test, so a bad line is a build bug.
            Arc::new(LearnedTerms::parse(BASE_MODEL).unwrap_or_default())
        })
        .clone()
    }

    /// Parses `term<TAB>weight` lines; `#` lines and blank lines are skipped.
    pub fn parse(text: &str) -> Result<LearnedTerms, LearnedParseError> {
        let mut terms = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let parsed = line
                .split_once('\t')
                .and_then(|(term, w)| Some((term.trim(), w.trim().parse::<f32>().ok()?)))
                .filter(|(term, w)| !term.is_empty() && w.is_finite());
            match parsed {
                Some((term, w)) => terms.push((term.to_owned(), w)),
                None => {
                    return Err(LearnedParseError {
                        line: n + 1,
                        found: line.chars().take(60).collect(),
                    })
                }
            }
        }
        Ok(LearnedTerms { terms })
    }

    /// The weight of `term`, if learned.
    pub fn get(&self, term: &str) -> Option<f32> {
        self.terms.iter().find(|(t, _)| t == term).map(|&(_, w)| w)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// No terms at all.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The learned terms compiled for scoring: one hash look-up per word, and a
/// second only after a word that starts a learned pair.
#[derive(Debug, Clone, Default)]
pub(crate) struct LearnedIndex {
    /// Word → (weight, starts a learned pair).
    words: FnvMap<Box<str>, (f32, bool)>,
    /// "word word" → weight.
    pairs: FnvMap<Box<str>, f32>,
}

impl LearnedIndex {
    /// Adds up the layers (base, then a business's delta).
    pub fn new<'a>(layers: impl IntoIterator<Item = &'a LearnedTerms>) -> LearnedIndex {
        let mut index = LearnedIndex::default();
        for layer in layers {
            for (term, w) in &layer.terms {
                index.add(term, *w);
            }
        }
        index
    }

    fn add(&mut self, term: &str, weight: f32) {
        match term.split_once(' ') {
            None => self.words.entry(term.into()).or_default().0 += weight,
            Some((first, _)) => {
                self.words.entry(first.into()).or_default().1 = true;
                *self.pairs.entry(term.into()).or_default() += weight;
            }
        }
    }

    /// Nothing learned: the pass is skipped.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Pushes one hit per learned word or pair in `t`, after negation and
    /// intensity. Words inside a multi-word lexicon phrase still count: the
    /// learned weight was fitted on top of whatever the lexicon says.
    /// `note` is [`LEARNED_NOTE`], or [`PROBE_NOTE`] for training's candidates.
    pub fn push_hits(&self, t: &Tokens, hits: &mut Vec<Hit>, note: &'static str) {
        if self.is_empty() {
            return;
        }
        for i in 0..t.len() {
            if t.kind(i) != Kind::Word {
                continue;
            }
            let Some(&(weight, starts_pair)) = self.words.get(t.text(i)) else {
                continue;
            };
            if weight != 0.0 {
                hits.push(learned_hit(t, i, i + 1, weight, note));
            }
            if starts_pair && i + 1 < t.len() && t.kind(i + 1) == Kind::Word {
                if let Some(&w) = self.pairs.get(t.span(i, i + 2)) {
                    hits.push(learned_hit(t, i, i + 2, w, note));
                }
            }
        }
    }
}

/// The hit of a learned term over tokens `start..end` with `weight`.
fn learned_hit(t: &Tokens, start: usize, end: usize, weight: f32, note: &'static str) -> Hit {
    let anchor = end - 1;
    Hit {
        start,
        end,
        anchor,
        weight: weight * learned_multiplier(t, start),
        note,
    }
}

/// What negation and intensity do to a learned term starting at `i`: a
/// negator in the three words before turns it around (VADER's scalar), an
/// intensifier or dampener scales it by [`LEARNED_BOOST`].
pub(crate) fn learned_multiplier(t: &Tokens, i: usize) -> f32 {
    let mut m = 1.0;
    if let Some(boost) = words_before(t, i)
        .map(|k| t.toks[k].info.boost)
        .find(|b| *b != 0.0)
    {
        m *= 1.0 + LEARNED_BOOST * boost.signum();
    }
    if negator_before(t, i).is_some() {
        m *= NEGATION_SCALAR;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_and_names_a_bad_line() {
        let t = LearnedTerms::parse("# comment\nrude\t-1.5\ncame back\t-0.8\n\n").expect("parse");
        assert_eq!(t.get("rude"), Some(-1.5));
        assert_eq!(t.get("came back"), Some(-0.8));
        assert_eq!(t.len(), 2);
        let err = LearnedTerms::parse("rude\t-1.5\nbroken line\n").expect_err("bad line");
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("term<TAB>weight"), "{err}");
        assert!(LearnedTerms::parse("x\tNaN\n").is_err(), "NaN is no weight");
    }

    #[test]
    fn the_shipped_base_model_parses() {
        let parsed = LearnedTerms::parse(BASE_MODEL).expect("data/learned_base.tsv parses");
        assert_eq!(*LearnedTerms::base(), parsed);
    }

    #[test]
    fn layers_add_up() {
        let base = LearnedTerms::parse("slow\t-0.5\nsame leak\t-0.4\n").expect("base");
        let delta = LearnedTerms::parse("slow\t-0.25\nsame leak\t-1\n").expect("delta");
        let index = LearnedIndex::new([&base, &delta]);
        assert_eq!(index.words.get("slow").map(|w| w.0), Some(-0.75));
        assert_eq!(index.words.get("same").map(|w| w.1), Some(true));
        assert_eq!(index.pairs.get("same leak").copied(), Some(-1.4));
    }
}
