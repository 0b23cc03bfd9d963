//! Scope rules: which words a negator or an intensifier reaches (up to a
//! few words back, never across clause punctuation or a contrast word), and
//! contrast ("fine but rude" leans on the part after "but").

use super::engine::Hit;
use super::lists::IMPERATIVE_OPENERS;
use super::tokenize::{Kind, Tokens};
use super::words::{CONTRAST_WORD, NEGATOR};

/// How many words back an intensifier or a negator reaches.
pub(crate) const SCOPE_WORDS: usize = 3;

/// Indices of up to three word tokens before `i`, nearest first, stopping
/// at punctuation and at contrast words (a clause boundary).
pub(crate) fn words_before(t: &Tokens, i: usize) -> impl Iterator<Item = usize> + '_ {
    clause_before(t, i, SCOPE_WORDS)
}

/// Indices of up to `n` tokens before `i` in its clause, nearest first.
pub(crate) fn clause_before(t: &Tokens, i: usize, n: usize) -> impl Iterator<Item = usize> + '_ {
    (0..i)
        .rev()
        .take_while(move |&k| t.kind(k) != Kind::Punct && !t.toks[k].info.is(CONTRAST_WORD))
        .take(n)
}

/// A negator used as a warning to others ("Don't waste your money", "do
/// not buy"): it opens its clause, so it does not turn the complaint around.
pub(crate) fn is_imperative(t: &Tokens, neg: usize) -> bool {
    let opens = |k: usize| {
        k == 0 || t.kind(k - 1) == Kind::Punct || IMPERATIVE_OPENERS.contains(&t.text(k - 1))
    };
    match t.text(neg) {
        "don't" | "never" => opens(neg),
        "not" => neg > 0 && t.text(neg - 1) == "do" && opens(neg - 1),
        _ => false,
    }
}

/// Indices of up to three word tokens after `i` within its clause.
pub(crate) fn words_after(t: &Tokens, i: usize) -> impl Iterator<Item = usize> + '_ {
    (i + 1..t.len())
        .take_while(move |&k| t.kind(k) != Kind::Punct && !t.toks[k].info.is(CONTRAST_WORD))
        .take(SCOPE_WORDS)
}

/// The nearest negator in scope before `i`, if an odd number of negators is
/// in scope (two negators cancel).
pub(crate) fn negator_before(t: &Tokens, i: usize) -> Option<usize> {
    negator_within(t, i, SCOPE_WORDS)
}

/// Like [`negator_before`] with a scope of `n` words. Negators inside a
/// multi-word phrase do not count.
pub(crate) fn negator_within(t: &Tokens, i: usize, n: usize) -> Option<usize> {
    let mut found = None;
    let mut count = 0;
    for k in clause_before(t, i, n) {
        if !t.toks[k].in_phrase && t.toks[k].info.is(NEGATOR) {
            count += 1;
            found.get_or_insert(k);
        }
    }
    if count % 2 == 1 {
        found
    } else {
        None
    }
}

/// VADER's rule: words before the first "but" count half, words after it 1.5×.
pub(crate) fn vader_contrast(t: &Tokens, hits: &mut [Hit]) {
    if hits.is_empty() {
        return;
    }
    let Some(b) = (0..t.len()).find(|&k| t.text(k) == "but") else {
        return;
    };
    for h in hits.iter_mut() {
        if h.anchor < b {
            h.weight *= 0.5;
        } else if h.anchor > b {
            h.weight *= 1.5;
        }
    }
}

/// Domain rule: a contrast word halves its own sentence's part before it and
/// raises the part after it by half; a sentence that opens with one
/// ("But ...", "However, ...") halves the previous sentence instead.
pub(crate) fn domain_contrast(t: &Tokens, hits: &mut [Hit]) {
    if hits.is_empty() || t.flags_any & CONTRAST_WORD == 0 {
        return;
    }
    let mut sentence_start = 0;
    let mut prev_sentence_start = 0;
    for k in 0..t.len() {
        if is_sentence_end(t, k) {
            prev_sentence_start = sentence_start;
            sentence_start = k + 1;
            continue;
        }
        if !t.toks[k].info.is(CONTRAST_WORD) {
            continue;
        }
        let end = (k..t.len())
            .find(|&e| is_sentence_end(t, e))
            .unwrap_or(t.len());
        let before = if k == sentence_start {
            prev_sentence_start
        } else {
            sentence_start
        };
        for h in hits.iter_mut() {
            if (before..k).contains(&h.anchor) {
                h.weight *= 0.5;
            } else if (k + 1..end).contains(&h.anchor) {
                h.weight *= 1.5;
            }
        }
    }
}

/// Whether token `k` ends a sentence.
pub(crate) fn is_sentence_end(t: &Tokens, k: usize) -> bool {
    t.kind(k) == Kind::Punct && matches!(t.text(k), "." | "!" | "?" | ";")
}

#[cfg(test)]
mod tests {
    use crate::sentiment::{Analyzer, Label};

    fn model() -> &'static Analyzer {
        crate::sentiment::shared_for_tests(true)
    }

    fn v(text: &str) -> f32 {
        model().score(text).value
    }

    #[test]
    fn negation_flips_praise() {
        assert!(v("The food was good.") > 0.3);
        assert_eq!(
            model().score("The food was not good.").label,
            Label::Negative
        );
        assert_eq!(
            model().score("The food wasn't very good.").label,
            Label::Negative
        );
    }

    #[test]
    fn negated_complaint_is_mild_praise() {
        let s = model().score("It never disappoints.");
        assert_eq!(s.label, Label::Positive);
        assert!(s.value < v("It is great."));
        assert_eq!(model().score("Not bad at all.").label, Label::Positive);
        assert_eq!(model().score("No complaints.").label, Label::Positive);
    }

    #[test]
    fn negation_stops_at_clause_punctuation() {
        assert_eq!(
            model().score("No, the food was great.").label,
            Label::Positive
        );
    }

    #[test]
    fn double_negation_cancels() {
        assert!(v("it is not not good") > 0.0);
    }

    #[test]
    fn warning_to_others_stays_negative() {
        assert_eq!(
            model().score("Don't waste your time here.").label,
            Label::Negative
        );
        assert_eq!(
            model().score("Do not be fooled by the photos.").label,
            Label::Negative
        );
    }

    #[test]
    fn negator_inside_a_phrase_negates_nothing_after_it() {
        assert_eq!(
            model().score("Can't wait to eat the excellent pie.").label,
            Label::Positive
        );
    }

    #[test]
    fn contrast_leans_on_the_part_after_but() {
        assert_eq!(
            model()
                .score("The food was fine but the waiter was rude.")
                .label,
            Label::Negative
        );
        assert_eq!(
            model()
                .score("The waiter was a bit slow but the food was amazing.")
                .label,
            Label::Positive
        );
    }

    #[test]
    fn contrast_at_sentence_start_discounts_the_previous_sentence() {
        let s = model().score("Nice decor. However, the food was bland and cold.");
        assert_eq!(s.label, Label::Negative);
    }
}
