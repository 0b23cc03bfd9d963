//! Negations that praise (or damn) most strongly: a negated comparative
//! ("couldn't be easier", "could not be more disappointed") and "can't ...
//! enough" ("I can't recommend them enough"). Plain negation would flip them.

use super::engine::Hit;
use super::lists::{COPULA_FILLERS, DETER_VERBS, IRREGULAR_COMPARATIVES, PRAISE_VERBS};
use super::scope::words_after;
use super::tokenize::{Kind, Tokens};
use super::words::NEGATOR;

/// Weight of a negated comparative relative to the word alone: a superlative.
pub(crate) const SUPERLATIVE_SCALAR: f32 = 1.25;

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

/// Whether token `j` is a verb of being put off; "put", "turn" and "keep"
/// only with their particle ("put you off", "turn you away").
fn is_deterring(t: &Tokens, j: usize) -> bool {
    let word = t.text(j);
    if !DETER_VERBS.contains(&word) {
        return false;
    }
    if matches!(word, "put" | "turn" | "keep") {
        return (j + 1..(j + 3).min(t.len())).any(|p| matches!(t.text(p), "off" | "away"));
    }
    true
}

/// How many words after "let" the deterring verb may come.
const DETER_SCOPE_WORDS: usize = 7;
/// Weight of "don't let X fool you": the writer vouches for the place.
const DONT_BE_PUT_OFF_WEIGHT: f32 = 1.5;

/// "Don't let the outside fool you", "don't let the bad reviews change
/// your mind": advice not to be put off is praise, and the off-putting
/// words in it are no complaint. The caller checks that "let" occurs.
pub(crate) fn dont_be_put_off(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 1..t.len() {
        if t.text(k) != "let" || !t.toks[k - 1].info.is(NEGATOR) {
            continue;
        }
        // The imperative only: "would not let me" is a refusal.
        let imperative = match t.text(k - 1) {
            "don't" | "dont" => true,
            "not" => k >= 2 && t.text(k - 2) == "do",
            _ => false,
        };
        if !imperative {
            continue;
        }
        let verb = (k + 1..t.len())
            .take_while(|&j| t.kind(j) != Kind::Punct)
            .take(DETER_SCOPE_WORDS)
            .find(|&j| is_deterring(t, j));
        let Some(verb) = verb else {
            continue;
        };
        for h in hits.iter_mut() {
            if h.weight < 0.0 && h.end > k - 1 && h.anchor <= verb {
                h.weight = 0.0;
            }
        }
        super::patterns::push(hits, k - 1, verb + 1, DONT_BE_PUT_OFF_WEIGHT, "");
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
    fn advice_not_to_be_put_off_is_praise() {
        for praise in [
            "Don't let the outside fool you, the food is great.",
            "Dont let the bad reviews of the software change your mind.",
            "Don't let the price scare you away.",
        ] {
            assert_eq!(score(praise).label, Label::Positive, "{praise}");
        }
        assert_eq!(
            score("Don't let them near your car, they scratched mine.").label,
            Label::Negative
        );
        assert_ne!(
            score("My office would not let me put the software on my computer.").label,
            Label::Positive
        );
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
