//! Shortfalls: complaints that praise something else or wish for what is
//! missing, so their only sentiment words are positive. "You can find a much
//! better player than this", "I wish it had a longer cord", "it would only
//! play half my discs".

use super::engine::Hit;
use super::patterns::{covered, push};
use super::scope::{clause_before, negator_within};
use super::tokenize::{Kind, Tokens};
use super::words::{FUNCTIONAL, MISC, NEGATOR};

/// Comparatives that, before "than this", say the reviewed thing is worse.
const COMPARATIVES: &[&str] = &[
    "better", "nicer", "superior", "cheaper", "faster", "quieter", "easier", "sharper",
];
/// Words after "than" that name the thing under review.
const THIS: &[&str] = &["this", "these"];
/// How many words may stand between a comparative and "than" ("better dvd player than").
const MAX_GAP_TO_THAN: usize = 4;
/// Weight of "better ... than this".
const WORSE_THAN_THIS_WEIGHT: f32 = -1.5;

/// "wish" and its past: the wish words of [`wish_for_missing`].
pub(crate) const WISH_WORDS: &[&str] = &["wish", "wished", "wishing"];
/// Verbs and modals that make a wish about how things are ("wish it had").
const WISH_VERBS: &[&str] = &[
    "had",
    "would",
    "could",
    "were",
    "was",
    "did",
    "came",
    "offered",
    "made",
    "included",
    "worked",
    "lasted",
    "gave",
    "allowed",
    "let",
    "provided",
    "showed",
    "supported",
    "wasn't",
    "weren't",
    "didn't",
    "hadn't",
    "wouldn't",
    "couldn't",
];
/// Subjects of a wish about a thing ("wish it had", "wish the camera
/// were"); a wish about a person ("wish I was there") is longing, not a complaint.
const WISH_SUBJECTS: &[&str] = &[
    "it", "its", "the", "this", "these", "they", "their", "there", "you", "that",
];
/// Words in a wish about oneself that make it praise ("wish I had bought it sooner").
const WISH_PRAISE: &[&str] = &[
    "sooner", "earlier", "ago", "more", "another", "two", "second",
];
/// How many words after "wish" its verb may come ("wish the camera had").
const WISH_VERB_WINDOW: usize = 4;
/// Weight of "wish I had bought it sooner".
const WISH_SOONER_WEIGHT: f32 = 1.5;
/// Weight of a wish for something missing.
const WISH_WEIGHT: f32 = -1.2;

/// Modals before "only" that make a limitation ("it would only play ...").
const LIMIT_MODALS: &[&str] = &[
    "can", "could", "would", "will", "does", "did", "do", "seems",
];
/// Verbs after "can only" that praise rather than limit ("I can only recommend it").
const NOT_LIMITS: &[&str] = &[
    "imagine",
    "hope",
    "say",
    "recommend",
    "praise",
    "thank",
    "assume",
    "guess",
    "speak",
    "rave",
    "improve",
    "get",
];
/// Weight of a limitation ("only works with", "would only play").
const LIMIT_WEIGHT: f32 = -1.0;

/// Applies the shortfall rules; the caller checks that some word is [`MISC`].
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !t.toks[k].info.is(MISC) {
            continue;
        }
        match t.text(k) {
            "than" => worse_than_this(t, k, hits),
            "only" => limitation(t, k, hits),
            w if WISH_WORDS.contains(&w) => wish_for_missing(t, k, hits),
            _ => {}
        }
    }
}

/// The token index after `k` in its clause, if any.
fn next_in_clause(t: &Tokens, k: usize) -> Option<usize> {
    (k + 1 < t.len() && t.kind(k + 1) != Kind::Punct).then_some(k + 1)
}

/// "a much better player than this": praise of the alternative is a
/// complaint about this one. Not when negated ("nothing better than this").
fn worse_than_this(t: &Tokens, than: usize, hits: &mut Vec<Hit>) {
    let Some(this) = next_in_clause(t, than).filter(|&k| THIS.contains(&t.text(k))) else {
        return;
    };
    let Some(cmp) =
        clause_before(t, than, MAX_GAP_TO_THAN + 1).find(|&k| COMPARATIVES.contains(&t.text(k)))
    else {
        return;
    };
    // "better than this" itself is a lexicon phrase, negated or not.
    if covered(hits, than) {
        return;
    }
    if negator_within(t, cmp, 4).is_some() || t.get(cmp.wrapping_sub(1)) == "no" {
        return;
    }
    for h in hits.iter_mut() {
        if h.anchor >= cmp && h.anchor <= this && h.weight > 0.0 {
            h.weight = 0.0;
        }
    }
    push(hits, cmp, this + 1, WORSE_THAN_THIS_WEIGHT, "");
}

/// "I wish it had a remote", "wish the battery lasted longer": a wish for
/// how the product should be names what is missing. Positive words in the
/// wish are not real ("wish it were better"). Not a wish to have bought it
/// sooner, or a second one.
fn wish_for_missing(t: &Tokens, wish: usize, hits: &mut Vec<Hit>) {
    let end = (wish + 1..t.len())
        .find(|&k| t.kind(k) == Kind::Punct)
        .unwrap_or(t.len());
    let subject = if t.get(wish + 1) == "that" {
        wish + 2
    } else {
        wish + 1
    };
    if subject >= end {
        return;
    }
    if matches!(t.text(subject), "i" | "we") {
        wish_to_have_bought_sooner(t, wish, end, hits);
        return;
    }
    if !WISH_SUBJECTS.contains(&t.text(subject)) {
        return;
    }
    let verb_window = (wish + 1..end).take(WISH_VERB_WINDOW);
    if !verb_window
        .into_iter()
        .any(|k| WISH_VERBS.contains(&t.text(k)))
    {
        return;
    }
    if negator_within(t, wish, 3).is_some() {
        return;
    }
    for h in hits.iter_mut() {
        if h.anchor >= wish && h.anchor < end && h.weight > 0.0 {
            h.weight = 0.0;
        }
    }
    push(hits, wish, wish + 1, WISH_WEIGHT, "");
}

/// "I wish I had bought it sooner", "wish we could give it more stars":
/// regret at not having had it earlier is praise, not the regret of "I
/// wish I had never bought it".
fn wish_to_have_bought_sooner(t: &Tokens, wish: usize, end: usize, hits: &mut Vec<Hit>) {
    if !(wish + 1..end).any(|k| WISH_PRAISE.contains(&t.text(k))) {
        return;
    }
    if (wish + 1..end).any(|k| t.toks[k].info.is(NEGATOR)) {
        return;
    }
    for h in hits.iter_mut() {
        if h.anchor >= wish && h.anchor < end && h.weight < 0.0 {
            h.weight = 0.0;
        }
    }
    push(hits, wish, end, WISH_SOONER_WEIGHT, "");
}

/// "would only play half my discs", "it only works on Windows", "can only
/// hear the sound": a limitation. Not "not only", nor "can only recommend".
fn limitation(t: &Tokens, only: usize, hits: &mut Vec<Hit>) {
    let Some(verb) = next_in_clause(t, only) else {
        return;
    };
    let after_modal = only > 0 && LIMIT_MODALS.contains(&t.text(only - 1));
    let functional = t.toks[verb].info.is(FUNCTIONAL);
    // "can only fully be evaluated": an adverb, not the limited verb.
    let adverb = t.text(verb).ends_with("ly");
    if !(after_modal || functional) || t.kind(verb) != Kind::Word || adverb {
        return;
    }
    if only > 0 && t.text(only - 1) == "not" || NOT_LIMITS.contains(&t.text(verb)) {
        return;
    }
    // "can only say great things": praise follows.
    let praise_after = hits
        .iter()
        .any(|h| h.anchor > only && h.weight > 0.0 && h.anchor <= verb + 3);
    if praise_after && !functional {
        return;
    }
    let start = if after_modal { only - 1 } else { only };
    push(hits, start, verb + 1, LIMIT_WEIGHT, "");
}

#[cfg(test)]
mod tests {
    use crate::sentiment::score_for_tests as score;
    use crate::sentiment::Label;

    fn has_term(text: &str, term: &str) -> bool {
        score(text).terms.iter().any(|t| t.term == term)
    }

    #[test]
    fn praise_of_an_alternative_over_this_is_a_complaint() {
        let s = "You can find a much better DVD player than this one.";
        assert_eq!(score(s).label, Label::Negative);
        assert!(has_term(s, "better dvd player than this"));
        assert_eq!(
            score("The old model was nicer than this.").label,
            Label::Negative
        );
        // The reviewed thing is the better one, or the comparison is negated.
        assert_eq!(
            score("This is better than my old one.").label,
            Label::Positive
        );
        assert_ne!(
            score("It doesn't get any better than this!").label,
            Label::Negative
        );
        assert_ne!(
            score("Not as good as before but much better than it was :)").label,
            Label::Negative
        );
        assert_ne!(
            score("Nothing better than this on a cold day.").label,
            Label::Negative
        );
    }

    #[test]
    fn a_wish_for_a_missing_feature_is_a_complaint() {
        assert_eq!(
            score("I wish the camera had a higher optical zoom.").label,
            Label::Negative
        );
        assert_eq!(score("Wish it were better built.").label, Label::Negative);
        assert!(has_term("I wish it came with a case.", "wish"));
        // Wishing to have bought it sooner, or good wishes, are praise.
        assert_eq!(
            score("I wish I had bought this sooner!").label,
            Label::Positive
        );
        assert_eq!(
            score("Wish I could give it more stars, love it").label,
            Label::Positive
        );
        assert_ne!(score("I wish you all the best").label, Label::Negative);
        assert_ne!(score("I wish I was there with you!").label, Label::Negative);
        assert_eq!(
            score("I wish I had never bought it.").label,
            Label::Negative
        );
    }

    #[test]
    fn a_limitation_is_a_complaint() {
        assert_eq!(
            score("It would only play half of my DVDs.").label,
            Label::Negative
        );
        assert_eq!(
            score("The remote only works from five feet away.").label,
            Label::Negative
        );
        assert!(has_term("i can only hear the sound", "can only hear"));
        // "Not only", and "can only recommend" are praise.
        assert_eq!(
            score("Not only works great but looks great too.").label,
            Label::Positive
        );
        assert_eq!(
            score("I can only recommend this shop.").label,
            Label::Positive
        );
        assert_ne!(
            score("It only took five minutes to set up.").label,
            Label::Negative
        );
    }
}
