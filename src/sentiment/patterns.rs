//! Domain patterns of reviews and service complaints that carry no
//! emotional word: not coming back, "too X", repeats and sarcasm (waiting
//! times and ratings written in the text are in `quantities`). Each adds or changes [`Hit`]s after
//! the lexical pass. Every pattern starts only at tokens whose [`Info`]
//! flags say it could (one bit test per token).
//!
//! [`Info`]: super::words::Info

use super::engine::{Hit, Model};
use super::quantities;
use super::scope::{is_sentence_end, negator_before, negator_within};
use super::tokenize::{Kind, Tokens};
use super::words::{NUMBER_WORD, OH, REPEAT, RETURN, SARCASM, STAR, TOO, TOOK, UNIT, WAIT};

/// Eye-roll and similar emoji: sarcasm markers on their own.
const SARCASM_EMOJI: &[&str] = &["\u{1F644}", "\u{1F612}", "\u{1F643}", "\u{1F611}"];
/// Words that, right after "oh" at a clause start, are usually sarcastic ("oh great, ...").
const SARCASTIC_AFTER_OH: &[&str] = &[
    "great",
    "wonderful",
    "perfect",
    "lovely",
    "fantastic",
    "brilliant",
    "joy",
    "nice",
    "good",
    "awesome",
    "super",
    "terrific",
    "marvelous",
    "fabulous",
];
/// Weight of a sarcasm marker itself.
const SARCASM_MARKER_WEIGHT: f32 = -1.0;
/// Praise under a sarcasm marker keeps this share of its size, with the sign flipped.
const SARCASM_FLIP: f32 = -0.9;
/// Repeat markers ("third time", "yet again"): the complaint is recurring.
const REPEAT_MARKERS: &[&[&str]] = &[
    &["third", "time"],
    &["3rd", "time"],
    &["fourth", "time"],
    &["4th", "time"],
    &["fifth", "time"],
    &["5th", "time"],
    &["yet", "again"],
    &["once", "again"],
    &["again", "and", "again"],
    &["time", "and", "again"],
    &["keeps", "happening"],
    &["every", "single", "time"],
    &["same", "problem"],
    &["same", "issue"],
];
/// Weight of a repeat marker itself.
const REPEAT_MARKER_WEIGHT: f32 = -0.8;
/// Negative hits in a text with a repeat marker are raised by this factor.
const REPEAT_AMPLIFY: f32 = 1.25;
/// Weight of "too" + a neutral word ("too salty", "too small").
const EXCESS_WEIGHT: f32 = -1.2;
/// Words after "too" that do not make an excess complaint.
const NOT_EXCESS: &[&str] = &[
    "a", "an", "the", "and", "i", "it", "is", "was", "but", "so", "for", "to", "of", "in", "on",
    "at", "with", "we", "they", "you", "he", "she", "my", "this", "that", "as", "be", "are",
    "were", "had", "have", "will", "would", "can", "could", "or",
];
/// How far back a negator reaches a return word ("I don't think we'll be going back").
const RETURN_SCOPE_WORDS: usize = 5;
/// Weight of "won't be back" and its variants.
const NO_RETURN_WEIGHT: f32 = -2.2;

/// Applies every domain pattern.
pub(crate) fn apply(_m: &Model, t: &Tokens, hits: &mut Vec<Hit>) {
    let any = t.flags_any;
    let numbers = t.toks.iter().any(|k| k.kind == Kind::Number);
    if any & RETURN != 0 {
        no_return(t, hits);
    }
    if any & (WAIT | TOOK | NUMBER_WORD | UNIT | STAR) != 0 || numbers {
        quantities::waiting(t, hits);
        quantities::ratings(t, hits);
    }
    if any & TOO != 0 {
        excess(t, hits);
    }
    if any & REPEAT != 0 {
        repeats(t, hits);
    }
    if any & (SARCASM | OH) != 0 {
        sarcasm(t, hits);
    }
}

/// Not coming back: a negator before "back", "again" or "return" in the
/// same clause ("would not go back", "never eating here again").
fn no_return(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !t.toks[k].info.is(RETURN) || t.toks[k].in_phrase || covered(hits, k) {
            continue;
        }
        if let Some(neg) = negator_within(t, k, RETURN_SCOPE_WORDS) {
            if !covered(hits, neg) {
                push(hits, neg, k + 1, NO_RETURN_WEIGHT, "");
            }
        }
    }
}

/// Whether some hit's span covers token `k`.
pub(crate) fn covered(hits: &[Hit], k: usize) -> bool {
    hits.iter().any(|h| h.start <= k && k < h.end)
}

pub(crate) fn push(hits: &mut Vec<Hit>, start: usize, end: usize, weight: f32, note: &'static str) {
    if weight != 0.0 {
        hits.push(Hit {
            start,
            end,
            anchor: start,
            weight,
            note,
        });
    }
}

/// "too" + a word without valence ("too salty", "too small"): a complaint.
fn excess(t: &Tokens, hits: &mut Vec<Hit>) {
    for i in 0..t.len().saturating_sub(1) {
        if !t.toks[i].info.is(TOO) || t.kind(i + 1) != Kind::Word {
            continue;
        }
        if NOT_EXCESS.contains(&t.text(i + 1))
            || t.toks[i + 1].info.valence.is_some()
            || covered(hits, i)
            || covered(hits, i + 1)
            || negator_before(t, i).is_some()
        {
            continue;
        }
        push(hits, i, i + 2, EXCESS_WEIGHT, "");
    }
}

/// Repeat markers in a complaint: the marker counts too and the negatives of
/// the text are raised. A text with no complaint is left alone ("once again
/// a great meal").
fn repeats(t: &Tokens, hits: &mut Vec<Hit>) {
    if !hits.iter().any(|h| h.weight < 0.0) {
        return;
    }
    let Some((i, n)) = find_repeat(t) else {
        return;
    };
    for h in hits.iter_mut().filter(|h| h.weight < 0.0) {
        h.weight *= REPEAT_AMPLIFY;
    }
    push(hits, i, i + n, REPEAT_MARKER_WEIGHT, "");
}

fn find_repeat(t: &Tokens) -> Option<(usize, usize)> {
    (0..t.len())
        .filter(|&i| t.toks[i].info.is(REPEAT))
        .find_map(|i| {
            REPEAT_MARKERS
                .iter()
                .find(|s| s.iter().enumerate().all(|(d, w)| t.get(i + d) == *w))
                .map(|s| (i, s.len()))
        })
}

/// Sarcasm: an eye-roll emoji, a trailing "/s" or "yeah right" turns all the
/// praise of the text into complaint; "oh great," flips that one word.
fn sarcasm(t: &Tokens, hits: &mut Vec<Hit>) {
    let marker = (0..t.len())
        .filter(|&i| t.toks[i].info.is(SARCASM))
        .find(|&i| {
            SARCASM_EMOJI.contains(&t.text(i))
                || (t.text(i) == "/" && t.get(i + 1) == "s" && ends_clause(t, i + 2))
                || (t.text(i) == "yeah" && t.get(i + 1) == "right")
        });
    if let Some(m) = marker {
        for h in hits.iter_mut().filter(|h| h.weight > 0.0) {
            h.weight *= SARCASM_FLIP;
            h.note = " (sarcasm)";
        }
        let len = if SARCASM_EMOJI.contains(&t.text(m)) {
            1
        } else {
            2
        };
        push(hits, m, m + len, SARCASM_MARKER_WEIGHT, " (sarcasm)");
        return;
    }
    for h in hits.iter_mut() {
        let i = h.anchor;
        let after_oh =
            i > 0 && t.toks[i - 1].info.is(OH) && (i == 1 || t.kind(i - 2) == Kind::Punct);
        if after_oh
            && h.weight > 0.0
            && SARCASTIC_AFTER_OH.contains(&t.text(i))
            && ends_clause(t, h.end)
        {
            h.weight *= SARCASM_FLIP;
            h.start = i - 1;
            h.note = " (sarcasm)";
        }
    }
}

/// Whether token `k` is the end of the text or a clause boundary (or "another").
fn ends_clause(t: &Tokens, k: usize) -> bool {
    k >= t.len() || t.kind(k) == Kind::Punct || is_sentence_end(t, k) || t.text(k) == "another"
}

#[cfg(test)]
mod tests {
    use crate::sentiment::Label;

    fn score(text: &str) -> crate::sentiment::Score {
        crate::sentiment::shared_for_tests(true).score(text)
    }

    fn has_term(text: &str, term: &str) -> bool {
        score(text).terms.iter().any(|t| t.term == term)
    }

    #[test]
    fn broken_promises_are_complaints() {
        assert_eq!(
            score("They said they would call me.").label,
            Label::Negative
        );
        assert_eq!(
            score("I was promised a replacement.").label,
            Label::Negative
        );
        assert_eq!(score("No one called back.").label, Label::Negative);
    }

    #[test]
    fn sarcasm_turns_praise_around() {
        assert_eq!(score("Great job \u{1F644}").label, Label::Negative);
        assert!(has_term("Great job \u{1F644}", "great (sarcasm)"));
        assert_eq!(
            score("Oh wonderful, another cold pizza.").label,
            Label::Negative
        );
        assert_eq!(score("Thanks for nothing.").label, Label::Negative);
        assert_eq!(score("Loved the service /s").label, Label::Negative);
        assert_eq!(
            score("Oh wonderful food and staff, we loved it").label,
            Label::Positive
        );
    }

    #[test]
    fn repeats_amplify_the_complaint() {
        let once = score("The order was wrong.").value;
        let again = score("Third time the order was wrong.").value;
        assert!(again < once, "{again} {once}");
        assert_eq!(score("Late yet again.").label, Label::Negative);
        assert_eq!(score("Once again a great meal.").label, Label::Positive);
        assert_eq!(score("Ordered the soup once again.").label, Label::Neutral);
    }

    #[test]
    fn too_much_of_something() {
        assert_eq!(score("The soup was too salty.").label, Label::Negative);
        assert_eq!(score("The shoes are too small.").label, Label::Negative);
        assert_eq!(score("Me too.").label, Label::Neutral);
    }

    #[test]
    fn not_coming_back() {
        assert_eq!(score("We would not go back.").label, Label::Negative);
        assert_eq!(
            score("I don't think we'll be going back.").label,
            Label::Negative
        );
        assert_eq!(score("I will never eat here again.").label, Label::Negative);
        assert_eq!(score("Can't wait to go back!").label, Label::Positive);
    }
}
