//! Rule families that are structure, not vocabulary (issue 17): rhetorical
//! questions that complain, decline over time, unmet expectations against
//! the price, sarcastic openers, negated bad experiences and costs not
//! charged, concessions, and questions and plans that are no verdict.
//!
//! Each family lives in its own file with its word lists as constants at
//! the top: `rhetoric` (rhetorical questions, sarcastic openers, questions
//! and plans), `turns` (decline over time, concession), `value` (price
//! expectations, costs not charged, never a bad experience).
//!
//! They run after the domain patterns and before contrast. A text with no
//! "?" none of whose words starts a family ([`RULE_FAMILY`]) costs one bit
//! test (and a look at its negated bad words); each family keys its phrases
//! on their rarest word ("on the house" at "house"), so common words do not
//! wake it.

use super::engine::Hit;
use super::rhetoric;
use super::scope::is_sentence_end;
use super::tokenize::Tokens;
use super::turns;
use super::value;
use super::words::RULE_FAMILY;

/// Words that start some family: every one gets the [`RULE_FAMILY`] bit.
pub(crate) const TRIGGER_LISTS: &[&[&str]] = &[
    rhetoric::TRIGGERS,
    rhetoric::OPENER_PRAISE,
    turns::TRIGGERS,
    value::TRIGGERS,
];

/// Notes of hits a family set to zero: the explanation still shows them
/// (weight 0), so the owner sees why a word did not count.
const MUTED_NOTES: &[&str] = &[
    rhetoric::IN_QUESTION,
    rhetoric::IN_PLAN,
    turns::EARLIER_STATE,
    rhetoric::MISSING_IN_QUESTION,
    value::EXPECTED_NOT_GOT,
];

/// Applies every family, in an order where each reads the others' results:
/// value and decline first (they fix what words mean), then the question
/// and opener rules (which read the clause's net sentiment), concession last
/// (it only scales).
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>) {
    // Keyed on the hits' negated bad words, not on trigger words.
    value::never_a_bad_experience(t, hits);
    let triggered = t.rules_any & RULE_FAMILY != 0;
    if !triggered && t.questions == 0 {
        return;
    }
    if triggered {
        value::apply(t, hits);
        turns::decline(t, hits);
    }
    rhetoric::apply(t, hits, triggered);
    if triggered {
        turns::concession(t, hits);
    }
}

/// Whether a hit of weight zero is still shown in the explanation.
pub(crate) fn shown_when_muted(h: &Hit) -> bool {
    MUTED_NOTES.contains(&h.note)
}

/// The text's sentences as `(first token, end)`, `end` being the index of
/// the closing punctuation (or the text's length); empty ones are skipped.
pub(crate) fn sentences(t: &Tokens) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    (0..=t.len()).filter_map(move |k| {
        if k < t.len() && !is_sentence_end(t, k) {
            return None;
        }
        let s = start;
        start = k + 1;
        (k > s).then_some((s, k))
    })
}

/// Whether token `k` starts some family (one bit test): every loop over
/// the tokens asks this before comparing any text.
pub(crate) fn is_trigger(t: &Tokens, k: usize) -> bool {
    t.toks[k].info.starts(RULE_FAMILY)
}

/// The first of `phrases` whose words stand at `k`. The token's text is
/// read once and compared with each phrase's first word before the rest.
pub(crate) fn phrase_at<'p>(
    t: &Tokens,
    k: usize,
    phrases: &'p [&'p [&'p str]],
) -> Option<&'p [&'p str]> {
    let first = t.get(k);
    phrases
        .iter()
        .find(|p| p.first() == Some(&first) && at(t, k + 1, &p[1..]))
        .copied()
}

/// The phrase of `phrases` that token `k` is part of, with its first token:
/// a rule keyed on its rarest word ("on the house" is found at "house").
pub(crate) fn phrase_around<'p>(
    t: &Tokens,
    k: usize,
    phrases: &'p [&'p [&'p str]],
) -> Option<(usize, &'p [&'p str])> {
    let word = t.get(k);
    phrases.iter().find_map(|p| {
        let i = p.iter().position(|w| *w == word)?;
        let start = k.checked_sub(i)?;
        at(t, start, p).then_some((start, *p))
    })
}

/// Whether token `k` is one of `words` (its family's triggers), testing the
/// shared trigger bit first.
pub(crate) fn triggers(t: &Tokens, k: usize, words: &[&str]) -> bool {
    is_trigger(t, k) && words.contains(&t.text(k))
}

/// Whether the words at `k` are `words`, one token each.
pub(crate) fn at(t: &Tokens, k: usize, words: &[&str]) -> bool {
    words.iter().enumerate().all(|(d, w)| t.get(k + d) == *w)
}

/// Sum of the weights of hits anchored in `range` with the sign `positive`.
pub(crate) fn weight_in(hits: &[Hit], range: std::ops::Range<usize>, positive: bool) -> f32 {
    hits.iter()
        .filter(|h| range.contains(&h.anchor) && (h.weight > 0.0) == positive)
        .map(|h| h.weight)
        .sum()
}

/// Zeroes the hits anchored in `range` that `muted` selects and marks them
/// with `note` (shown with weight 0 in the explanation).
pub(crate) fn mute_noted(
    hits: &mut [Hit],
    range: std::ops::Range<usize>,
    muted: impl Fn(f32) -> bool,
    note: &'static str,
) {
    for h in hits.iter_mut() {
        if range.contains(&h.anchor) && h.weight != 0.0 && muted(h.weight) {
            h.weight = 0.0;
            h.note = note;
        }
    }
}

/// The first token of the clause at or after `k` that is not a filler
/// ("so", "honestly", ",").
pub(crate) fn skip_fillers(t: &Tokens, mut k: usize, end: usize, fillers: &[&str]) -> usize {
    while k < end && (fillers.contains(&t.text(k)) || t.text(k) == ",") {
        k += 1;
    }
    k
}
