//! Shortfalls: complaints that praise something else or wish for what is
//! missing, so their only sentiment words are positive. "You can find a much
//! better player than this", "I wish it had a longer cord", "it would only
//! play half my discs".

use super::engine::Hit;
use super::lists::{
    COMPARATIVES, DO_NEGATORS, EXPECTATIONS, LIMIT_MODALS, NOT_FEATURES, NOT_LIMITS,
    PERSON_SUBJECTS, THIS_WORDS, WISH_PRAISE, WISH_SUBJECTS, WISH_VERBS,
};
use super::patterns::{covered, mute_complaints, mute_praise, push};
use super::scope::{clause_before, negator_within};
use super::tokenize::{Kind, Tokens};
use super::words::{FUNCTIONAL, NEGATOR, RULE_HAVE, RULE_ONLY, RULE_THAN, RULE_WISH};

/// How many words may stand between a comparative and "than" ("better dvd player than").
const MAX_GAP_TO_THAN: usize = 4;
/// Weight of "better ... than this".
const WORSE_THAN_THIS_WEIGHT: f32 = -1.5;

/// How many words after "wish" its verb may come ("wish the camera had").
const WISH_VERB_WINDOW: usize = 4;
/// Weight of "wish I had bought it sooner".
const WISH_SOONER_WEIGHT: f32 = 1.5;
/// Weight of a wish for something missing.
const WISH_WEIGHT: f32 = -1.2;

/// Weight of a limitation ("only works with", "would only play").
const LIMIT_WEIGHT: f32 = -1.0;

/// Weight of a missing feature.
const MISSING_FEATURE_WEIGHT: f32 = -1.5;

/// "fair at best", "OK at best": the praise before "at best" is faint, so
/// only the verdict counts. Runs on the hits, so it costs nothing without
/// an "at best".
pub(crate) fn faint_praise(t: &Tokens, hits: &mut [Hit]) {
    for i in 0..hits.len() {
        let h = hits[i];
        let at_best =
            h.end == h.start + 2 && t.text(h.start) == "at" && t.text(h.start + 1) == "best";
        if !at_best {
            continue;
        }
        mute_praise(hits, h.start.saturating_sub(3)..h.start);
    }
}

/// Zeroes the valence of an expectation verb used as a yardstick ("not as
/// good as I had hoped"): the comparison carries the verdict. Runs on the
/// hits, so it costs nothing without one.
pub(crate) fn expectation_yardstick(t: &Tokens, hits: &mut [Hit]) {
    for h in hits.iter_mut() {
        if h.weight <= 0.0 || h.end != h.anchor + 1 || !EXPECTATIONS.contains(&t.text(h.anchor)) {
            continue;
        }
        if clause_before(t, h.anchor, 3).any(|k| matches!(t.text(k), "as" | "than")) {
            h.weight = 0.0;
        }
    }
}

/// Applies the shortfall rules; the caller checks that some word starts one.
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        let info = t.toks[k].info;
        if info.starts(RULE_THAN) {
            worse_than_this(t, k, hits);
        } else if info.starts(RULE_ONLY) {
            limitation(t, k, hits);
        } else if info.starts(RULE_HAVE) {
            missing_feature(t, k, hits);
        } else if info.starts(RULE_WISH) {
            wish_for_missing(t, k, hits);
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
    let Some(this) = next_in_clause(t, than).filter(|&k| THIS_WORDS.contains(&t.text(k))) else {
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
    mute_praise(hits, cmp..this + 1);
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
    let has_verb = (wish + 1..end)
        .take(WISH_VERB_WINDOW)
        .any(|k| WISH_VERBS.contains(&t.text(k)));
    if !has_verb {
        return;
    }
    if negator_within(t, wish, 3).is_some() {
        return;
    }
    mute_praise(hits, wish..end);
    push(hits, wish, wish + 1, WISH_WEIGHT, "");
}

/// The do-support negator right before `verb` ("doesn't have", "did not
/// come with"); "couldn't have been" is a tense, not a lack.
fn do_negator(t: &Tokens, verb: usize) -> Option<usize> {
    let before = verb.checked_sub(1)?;
    match t.text(before) {
        w if DO_NEGATORS.contains(&w) => Some(before),
        "not" if before >= 1 && matches!(t.text(before - 1), "does" | "did") => Some(before),
        _ => None,
    }
}

/// "it doesn't have a remote", "the zen has no stop button", "didn't
/// come with a cable": a missing feature. Not the reviewer's own lack
/// ("I don't have a DVD+R"), nor "has no problems" or "doesn't have to".
fn missing_feature(t: &Tokens, verb: usize, hits: &mut Vec<Hit>) {
    let has_no = t.get(verb + 1) == "no" && matches!(t.text(verb), "has" | "have" | "had");
    let object_at = match t.get(verb + 1) {
        "no" | "with" => verb + 2,
        _ => verb + 1,
    };
    if t.text(verb) == "come" && t.get(verb + 1) != "with" {
        return;
    }
    let negator = match (has_no, do_negator(t, verb)) {
        (true, _) => None,
        (false, Some(n)) => Some(n),
        (false, None) => return,
    };
    let from = negator.unwrap_or(verb);
    let subject = match negator {
        Some(n) if t.text(n) == "not" => n.checked_sub(2),
        Some(n) => n.checked_sub(1),
        None => verb.checked_sub(1),
    };
    let Some(subject) = subject else {
        return;
    };
    if PERSON_SUBJECTS.contains(&t.text(subject)) || t.kind(subject) == Kind::Punct {
        return;
    }
    let object = (object_at..t.len())
        .take_while(|&k| t.kind(k) == Kind::Word || t.kind(k) == Kind::Number)
        .find(|&k| !matches!(t.text(k), "a" | "an" | "any" | "the" | "with"));
    let Some(object) = object else {
        return;
    };
    if NOT_FEATURES.contains(&t.text(object)) || covered(hits, object) || covered(hits, verb) {
        return;
    }
    // A word with a valence of its own is scored by the lexicon ("has no
    // flavor" stays as it is), unless a neutral phrase took it ("stop button").
    if t.toks[object].info.valence.is_some() && !t.toks[object].in_phrase {
        return;
    }
    if has_no {
        // "has no wifi" replaces the bare "no" of the lexicon.
        for h in hits.iter_mut() {
            if h.anchor == verb + 1 && h.end == verb + 2 {
                h.weight = 0.0;
            }
        }
    }
    push(hits, from, object + 1, MISSING_FEATURE_WEIGHT, "");
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
    mute_complaints(hits, wish..end);
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
    let not_only = only > 0 && t.text(only - 1) == "not";
    if not_only || NOT_LIMITS.contains(&t.text(verb)) {
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
    fn a_missing_feature_is_a_complaint() {
        for text in [
            "The zen does not have a stop button!",
            "This camera has no viewfinder.",
            "It didn't come with a cable.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
        assert!(has_term("the cafe has no wifi", "has no wifi"));
        // The reviewer's own lack, no problems, or no obligation.
        for text in [
            "I don't have a DVD+R to try.",
            "It has no problems at all.",
            "You don't have to tip.",
            "Setup couldn't have been simpler.",
            "I did not have a backup battery, and had no need for one.",
        ] {
            assert_ne!(score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn an_expectation_is_a_yardstick_not_praise() {
        assert_eq!(score("Not as good as I had hoped.").label, Label::Negative);
        assert_eq!(score("I hoped for the best.").label, Label::Positive);
    }

    #[test]
    fn praise_at_best_is_faint() {
        assert_eq!(
            score("The service here is fair at best.").label,
            Label::Negative
        );
        assert_eq!(score("Good food, fair prices.").label, Label::Positive);
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
