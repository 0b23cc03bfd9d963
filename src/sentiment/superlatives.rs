//! Negations that praise (or damn) most strongly: a negated comparative
//! ("couldn't be easier", "could not be more disappointed") and "can't ...
//! enough" ("I can't recommend them enough"). Plain negation would flip them.

use super::engine::Hit;
use super::scope::words_after;
use super::tokenize::{Kind, Tokens};
use super::words::NEGATOR;

/// Words that may stand between the negator and the comparative
/// ("couldn't possibly be any more helpful").
const COPULA_FILLERS: &[&str] = &[
    "be", "been", "have", "get", "any", "more", "much", "possibly",
];
/// Comparatives not spelled with -er.
const IRREGULAR_COMPARATIVES: &[&str] = &["worse", "less"];
/// Weight of a negated comparative relative to the word alone: a superlative.
pub(crate) const SUPERLATIVE_SCALAR: f32 = 1.25;
/// Verbs of praise whose "can't ... enough" is praise.
const PRAISE_VERBS: &[&str] = &[
    "recommend",
    "thank",
    "praise",
    "rave",
    "compliment",
    "commend",
    "applaud",
];

/// Whether the negator at `neg` and the word at `i` form a negated
/// comparative: "can't/couldn't" (or "can/could not") + "be" or "get" +
/// a comparative ("happier", "more pleased", "any better").
pub(crate) fn negated_comparative(t: &Tokens, neg: usize, i: usize) -> bool {
    let modal = match t.text(neg) {
        "can't" | "cannot" | "couldn't" | "cant" | "couldnt" => true,
        "not" => neg > 0 && matches!(t.text(neg - 1), "can" | "could"),
        _ => false,
    };
    if !modal || i <= neg + 1 {
        return false;
    }
    let between = neg + 1..i;
    let copula = between
        .clone()
        .any(|k| matches!(t.text(k), "be" | "been" | "get"));
    if !copula || !between.clone().all(|k| COPULA_FILLERS.contains(&t.text(k))) {
        return false;
    }
    let word = t.text(i);
    let more = between.clone().any(|k| t.text(k) == "more");
    more || word.ends_with("er") || IRREGULAR_COMPARATIVES.contains(&word)
}

/// "I can't recommend them enough", "cannot thank the staff enough": the
/// negated praise verb is the strongest praise. Flips those hits back.
pub(crate) fn cannot_praise_enough(t: &Tokens, hits: &mut [Hit]) {
    for h in hits.iter_mut() {
        if h.weight >= 0.0 {
            continue;
        }
        let span = h.start..h.end;
        let negated = span.clone().any(|k| t.toks[k].info.is(NEGATOR));
        let praise = span.clone().any(|k| PRAISE_VERBS.contains(&t.text(k)));
        if !negated || !praise || t.kind(h.end - 1) == Kind::Punct {
            continue;
        }
        let enough = words_after(t, h.end - 1).any(|k| t.text(k) == "enough");
        if enough {
            h.weight = -h.weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sentiment::score_for_tests as score;
    use crate::sentiment::Label;

    #[test]
    fn a_negated_comparative_keeps_its_sign() {
        for praise in [
            "The app couldn't be easier to use.",
            "Could not be more pleased.",
            "It couldn't get any better.",
        ] {
            assert_eq!(score(praise).label, Label::Positive, "{praise}");
        }
        for complaint in ["It couldn't be worse.", "I couldn't be more disappointed."] {
            assert_eq!(score(complaint).label, Label::Negative, "{complaint}");
        }
        // Other negations still flip.
        assert_eq!(score("It was not any better.").label, Label::Negative);
        assert_eq!(score("The staff were not helpful.").label, Label::Negative);
    }

    #[test]
    fn cannot_praise_enough_is_praise() {
        for praise in [
            "I cannot recommend it enough!",
            "Can't recommend them enough.",
            "We can't thank the staff enough",
        ] {
            assert_eq!(score(praise).label, Label::Positive, "{praise}");
        }
        assert_eq!(
            score("I can't recommend this place.").label,
            Label::Negative
        );
        assert_eq!(score("Not good enough.").label, Label::Negative);
    }
}
