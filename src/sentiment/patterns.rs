//! Domain patterns of reviews and service complaints that carry no
//! emotional word: not coming back, "too X", repeats and sarcasm (waiting
//! times and ratings written in the text are in `quantities`). Each adds or changes [`Hit`]s after
//! the lexical pass. Every pattern starts only at tokens whose [`Info`]
//! flags say it could (one bit test per token).
//!
//! [`Info`]: super::words::Info

use std::ops::Range;

use super::complaints;
use super::engine::{Hit, Model};
use super::lists::{
    GONE_LINKS, NOT_EXCESS, REPEAT_MARKERS, RETURN_VERBS, SARCASM_EMOJI, SARCASTIC_AFTER_OH,
    SEND_VERBS, UNREALISED,
};
use super::quantities;
use super::scope::{clause_before, is_sentence_end, negator_before, negator_within};
use super::shortfalls;
use super::superlatives;
use super::tokenize::{Kind, Tokens};
use super::words::{
    EXCESS_OK, NEGATOR, NUMBER_WORD, OH, ORDINAL, REPEAT, RETURN, RULE_DECLINE, RULE_GONE,
    RULE_HAVE, RULE_LET, RULE_LIFE, RULE_NOT_RETURN, RULE_ONLY, RULE_PRESENCE, RULE_REMEDY,
    RULE_THAN, RULE_WISH, SARCASM, STAR, TOO, TOOK, UNIT, WAIT,
};

/// Weight of a sarcasm marker itself.
const SARCASM_MARKER_WEIGHT: f32 = -1.0;
/// Praise under a sarcasm marker keeps this share of its size, with the sign flipped.
const SARCASM_FLIP: f32 = -0.9;
/// Weight of a repeat marker itself.
const REPEAT_MARKER_WEIGHT: f32 = -0.8;
/// Weight of a marker that reports a recurring problem on its own ("it happened again").
const STRONG_REPEAT_WEIGHT: f32 = -1.4;
/// Negative hits in a text with a repeat marker are raised by this factor.
const REPEAT_AMPLIFY: f32 = 1.25;
/// Weight of "too" + a neutral word ("too salty", "too small").
const EXCESS_WEIGHT: f32 = -1.2;
/// Weight of "not too X" ("not too sweet"): mild praise.
const NOT_TOO_WEIGHT: f32 = 1.0;
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
    complaints::apply(t, hits);
    shortfalls::faint_praise(t, hits);
    shortfalls::expectation_yardstick(t, hits);
    if any & TOO != 0 {
        excess(t, hits);
    }
    if any & REPEAT != 0 || t.class_any & ORDINAL != 0 {
        repeats(t, hits);
    }
    if any & (SARCASM | OH) != 0 {
        sarcasm(t, hits);
    }
    let rules = t.rules_any;
    if rules & RULE_LIFE != 0 {
        quantities::product_life(t, hits);
    }
    if rules & RULE_DECLINE != 0 {
        quantities::decline(t, hits);
    }
    if rules & RULE_REMEDY != 0 {
        remedies(t, hits);
    }
    if rules & (RULE_GONE | RULE_PRESENCE) != 0 {
        problem_went_away(t, hits);
    }
    if rules & (RULE_THAN | RULE_ONLY | RULE_HAVE | RULE_WISH) != 0 {
        shortfalls::apply(t, hits);
    }
    if any & RETURN != 0 {
        sent_back(t, hits);
    }
    superlatives::cannot_praise_enough(t, hits);
    if rules & RULE_LET != 0 {
        superlatives::dont_be_put_off(t, hits);
    }
}

/// Not coming back: a negator before "back", "again" or "return" in the
/// same clause ("would not go back", "never eating here again").
fn no_return(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !t.toks[k].info.is(RETURN) || t.toks[k].in_phrase || covered(hits, k) {
            continue;
        }
        if k > 0 && t.toks[k - 1].info.starts(RULE_NOT_RETURN) {
            continue;
        }
        if let Some(neg) =
            negator_within(t, k, RETURN_SCOPE_WORDS).or_else(|| never_comma_ever(t, k))
        {
            let sending = (neg..k).any(|j| SEND_VERBS.contains(&t.text(j)));
            if !sending && !covered(hits, neg) {
                push(hits, neg, k + 1, NO_RETURN_WEIGHT, "");
            }
        }
    }
}

/// "never, ever go back": the comma after "never" does not end its reach.
fn never_comma_ever(t: &Tokens, k: usize) -> Option<usize> {
    let ever = clause_before(t, k, RETURN_SCOPE_WORDS).last()?;
    let never = ever.checked_sub(2)?;
    (t.text(ever) == "ever" && t.text(ever - 1) == "," && t.text(never) == "never").then_some(never)
}

/// Weight of sending a product back.
const SENT_BACK_WEIGHT: f32 = -1.8;

/// A product sent back: "sent mine back", "took the player back to the
/// store", "ended up shipping the unit back". Not negated ("didn't have to
/// send it back").
fn sent_back(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 1..t.len() {
        if t.text(k) != "back" || t.toks[k].in_phrase || covered(hits, k) {
            continue;
        }
        let verb = clause_before(t, k, 4).find(|&j| SEND_VERBS.contains(&t.text(j)));
        if let Some(v) = verb {
            let person = matches!(t.get(v + 1), "us" | "me" | "him" | "her" | "you");
            // "paid for the shipping back": a noun, not a sending.
            let noun = v > 0 && matches!(t.text(v - 1), "the" | "for" | "free" | "paid" | "of");
            if !person && !noun && negator_before(t, v).is_none() && !covered(hits, v) {
                push(hits, v, k + 1, SENT_BACK_WEIGHT, "");
            }
        }
    }
}

#[cfg(test)]
mod send_back_tests {
    use crate::sentiment::score_for_tests as score;
    use crate::sentiment::Label;

    #[test]
    fn sending_a_product_back_is_a_complaint() {
        assert_eq!(score("Boxed the kettle back up.").label, Label::Negative);
        assert_eq!(
            score("I took the mixer back to the shop.").label,
            Label::Negative
        );
        assert_eq!(score("Ended up shipping both back.").label, Label::Negative);
        assert_ne!(
            score("They paid for the shipping back, quick and kind.").label,
            Label::Negative
        );
        assert_ne!(
            score("Never had to send anything back.").label,
            Label::Negative
        );
        assert_eq!(
            score("The waiter took us back to our table.").label,
            Label::Neutral
        );
    }
}

/// How many words after a remedy verb its problem may come ("solved our
/// annoying problem").
const REMEDY_SCOPE_WORDS: usize = 4;

/// A problem that is removed is no complaint: "solved the problem",
/// "eliminates the glare", "protects against damage". The remedy must not
/// be negated ("never fixed the problem" stays a complaint).
fn remedies(t: &Tokens, hits: &mut [Hit]) {
    for r in 0..t.len() {
        if !t.toks[r].info.starts(RULE_REMEDY) {
            continue;
        }
        if negator_before(t, r).is_some() || covered_by_negative(hits, r) && is_failure(t, r) {
            continue;
        }
        // "hope they fix the problem", "tried to solve it": not solved yet.
        if clause_before(t, r, 3).any(|k| UNREALISED.contains(&t.text(k))) {
            continue;
        }
        let end = (r + 1..t.len())
            .take_while(|&k| t.kind(k) != Kind::Punct)
            .take(REMEDY_SCOPE_WORDS)
            .last()
            .map_or(r + 1, |k| k + 1);
        for h in hits.iter_mut() {
            let problem = !t.toks[h.anchor].info.is(NEGATOR);
            if problem && h.weight < 0.0 && h.anchor > r && h.anchor < end && h.start > r {
                h.weight = 0.0;
            }
        }
    }
}

/// How many words may stand between a problem and its going away ("the
/// noise has finally gone").
const GONE_SCOPE_WORDS: usize = 4;

/// A problem named before the words that say it went away is no complaint:
/// "the static disappeared", "the issue was resolved", "the noise went
/// away". Not when negated ("the problem never went away"), and only for a
/// problem word: "the picture disappeared" stays a complaint.
fn problem_went_away(t: &Tokens, hits: &mut [Hit]) {
    for g in 0..t.len() {
        if !t.toks[g].info.starts(RULE_GONE | RULE_PRESENCE) {
            continue;
        }
        if t.text(g) == "away" && !matches!(t.get(g.wrapping_sub(1)), "went" | "go" | "goes") {
            continue;
        }
        // "gone" must not be negated; "present" must be ("was not present").
        let presence = t.toks[g].info.starts(RULE_PRESENCE);
        if negator_before(t, g).is_some() != presence {
            continue;
        }
        let problem = clause_before(t, g, GONE_SCOPE_WORDS)
            .find(|&k| t.toks[k].info.valence.is_some_and(|v| v < 0.0))
            .filter(|&k| (k + 1..g).all(|j| GONE_LINKS.contains(&t.text(j))));
        let Some(problem) = problem else {
            continue;
        };
        for h in hits.iter_mut() {
            let on_problem = h.anchor == problem && h.end == problem + 1;
            if h.weight < 0.0 && (on_problem || h.anchor == g) {
                h.weight = 0.0;
            }
        }
    }
}

/// A remedy word inside a failure phrase of its own ("gone wrong").
fn is_failure(t: &Tokens, r: usize) -> bool {
    t.toks[r].in_phrase
}

fn covered_by_negative(hits: &[Hit], k: usize) -> bool {
    hits.iter()
        .any(|h| h.weight < 0.0 && h.start <= k && k < h.end)
}

/// Zeroes the praise anchored in `anchors`: a rule has read those words
/// as part of something else ("better ... than this", "wish it were nicer").
pub(crate) fn mute_praise(hits: &mut [Hit], anchors: Range<usize>) {
    mute(hits, anchors, |w| w > 0.0);
}

/// Zeroes the complaints anchored in `anchors` ("wish I had bought it sooner").
pub(crate) fn mute_complaints(hits: &mut [Hit], anchors: Range<usize>) {
    mute(hits, anchors, |w| w < 0.0);
}

fn mute(hits: &mut [Hit], anchors: Range<usize>, muted: impl Fn(f32) -> bool) {
    for h in hits.iter_mut() {
        if anchors.contains(&h.anchor) && muted(h.weight) {
            h.weight = 0.0;
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

/// "too" + a word without valence ("too salty", "too small") or a taste
/// word the lexicon rates positive ("too sweet"): a complaint. Negated
/// right before "too" ("not too sweet", "wasn't too loud") it is mild
/// praise instead, whatever the lexicon says of the word; "not too good"
/// (a praise word outside the taste words) stays a complaint.
fn excess(t: &Tokens, hits: &mut Vec<Hit>) {
    for i in 0..t.len().saturating_sub(1) {
        let j = i + 1;
        if !t.toks[i].info.is(TOO) || t.kind(j) != Kind::Word || NOT_EXCESS.contains(&t.text(j)) {
            continue;
        }
        let x = t.toks[j].info;
        let taste = x.class & EXCESS_OK != 0;
        let excess_sense = taste || x.valence.is_none_or(|w| w <= 0.0);
        let negated_here = i > 0 && t.toks[i - 1].info.is(NEGATOR) && !t.toks[i - 1].in_phrase;
        if negated_here && excess_sense {
            for h in hits.iter_mut() {
                if h.start < j + 1 && i - 1 < h.end {
                    h.weight = 0.0;
                }
            }
            push(hits, i - 1, j + 1, NOT_TOO_WEIGHT, "");
            continue;
        }
        if negator_before(t, i).is_some() || covered(hits, i) {
            continue;
        }
        if taste && x.valence.is_some_and(|w| w > 0.0) {
            // "too sweet": the word's praise becomes the complaint.
            for h in hits.iter_mut().filter(|h| h.anchor == j) {
                h.weight = 0.0;
            }
            push(hits, i, j + 1, EXCESS_WEIGHT, "");
        } else if x.valence.is_none() && !covered(hits, j) {
            push(hits, i, j + 1, EXCESS_WEIGHT, "");
        }
    }
}

/// Repeat markers in a complaint: the marker counts too and the negatives of
/// the text are raised. A text with no complaint is left alone ("once again
/// a great meal"), except that a marker that only ever reports a recurring
/// problem ("it happened again", "same as last month", "for the second
/// time", "yet again") is a complaint on its own when nothing is praised.
/// "Again" after a return verb ("will come again", "see you again") is no
/// repeat.
fn repeats(t: &Tokens, hits: &mut Vec<Hit>) {
    let negative = hits.iter().any(|h| h.weight < 0.0);
    if negative {
        let Some((i, n)) = find_repeat(t).or_else(|| find_strong_repeat(t)) else {
            return;
        };
        for h in hits.iter_mut().filter(|h| h.weight < 0.0) {
            h.weight *= REPEAT_AMPLIFY;
        }
        if !covered(hits, i) {
            push(hits, i, i + n, REPEAT_MARKER_WEIGHT, "");
        }
    } else if !hits.iter().any(|h| h.weight > 0.0) {
        if let Some((i, n)) = find_strong_repeat(t) {
            push(hits, i, i + n, STRONG_REPEAT_WEIGHT, "");
        }
    }
}

/// A marker that reports a recurring problem by itself: "yet again",
/// "happened again", "same as last (time|week|month|year|visit)", "for the
/// second time", "third time this week", "keeps happening", "not again".
fn find_strong_repeat(t: &Tokens) -> Option<(usize, usize)> {
    for i in 0..t.len() {
        if t.kind(i) != Kind::Word {
            continue;
        }
        let w = t.text(i);
        let prev = if i > 0 { t.text(i - 1) } else { "" };
        match w {
            "again" if matches!(prev, "yet" | "happened" | "happening" | "happens" | "not") => {
                return Some((i - 1, 2));
            }
            "same" if t.get(i + 1) == "as" && t.get(i + 2) == "last" => {
                return Some((i, 4.min(t.len() - i)));
            }
            "keeps" | "kept" if t.get(i + 1) == "happening" => return Some((i, 2)),
            _ if t.toks[i].info.class & ORDINAL != 0 && t.get(i + 1) == "time" => {
                let for_the = i >= 2 && t.text(i - 2) == "for" && prev == "the";
                let this_period =
                    t.get(i + 2) == "this" && matches!(t.get(i + 3), "week" | "month" | "year");
                if for_the {
                    return Some((i - 2, 4));
                }
                if this_period {
                    return Some((i, 4));
                }
            }
            _ => {}
        }
    }
    None
}

/// A repeat marker of [`REPEAT_MARKERS`], or "again" not after a return verb.
fn find_repeat(t: &Tokens) -> Option<(usize, usize)> {
    (0..t.len())
        .filter(|&i| t.toks[i].info.is(REPEAT))
        .find_map(|i| {
            let marker = REPEAT_MARKERS
                .iter()
                .find(|s| s.iter().enumerate().all(|(d, w)| t.get(i + d) == *w))
                .map(|s| (i, s.len()));
            marker.or_else(|| {
                let again = t.text(i) == "again"
                    && i > 0
                    && t.kind(i - 1) == Kind::Word
                    && !RETURN_VERBS.contains(&t.text(i - 1));
                again.then_some((i, 1))
            })
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
    use crate::sentiment::{has_term_for_tests as has_term, score_for_tests as score};

    #[test]
    fn a_problem_that_went_away_is_no_complaint() {
        for text in [
            "When I turned EAX off the static disappeared.",
            "The noise went away after a week.",
            "The issue was resolved the same day.",
            "When I turned it back on the static was also not present.",
        ] {
            assert_ne!(score(text).label, Label::Negative, "{text}");
        }
        for text in [
            "The problem never went away.",
            "After a month the picture disappeared.",
            "Every bad idea that's ever gone into one film.",
            "The static was still audible.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
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
    fn repeat_markers_alone_are_complaints() {
        assert_eq!(
            score("The app logged me out yet again.").label,
            Label::Negative
        );
        assert_eq!(
            score("Card declined. Happened again today.").label,
            Label::Negative
        );
        assert_eq!(
            score("Same as last week, nobody at the desk").label,
            Label::Negative
        );
        assert_eq!(score("Charged for the third time").label, Label::Negative);
        assert_eq!(score("Fourth time this month.").label, Label::Negative);
        // Returns and praise are no repeat complaint.
        assert_ne!(score("We will visit again.").label, Label::Negative);
        assert_ne!(score("Hope to see you again!").label, Label::Negative);
        assert_eq!(
            score("Bought it again and again, love it").label,
            Label::Positive
        );
        assert_eq!(
            score("Our second time here, lovely as ever").label,
            Label::Positive
        );
        assert_eq!(
            score("Sorry again for the mix-up, you were great").label,
            Label::Positive
        );
    }

    #[test]
    fn again_raises_a_complaint() {
        let once = score("The latte was bitter.").value;
        let again = score("The latte was bitter again.").value;
        assert!(again < once, "{again} {once}");
    }

    #[test]
    fn not_too_much_is_mild_praise() {
        assert_eq!(score("Frosting not too sugary.").label, Label::Positive);
        assert_eq!(
            score("The curry wasn't too hot for the kids").label,
            Label::Positive
        );
        assert_eq!(score("Music not too loud, nice").label, Label::Positive);
        assert_eq!(
            score("The buns were too sweet for me").label,
            Label::Negative
        );
        assert_eq!(score("The soup was not too good.").label, Label::Negative);
        // A negator further back is no "not too".
        assert_ne!(score("Don't pack the bag too tight").label, Label::Positive);
    }

    #[test]
    fn a_removed_problem_is_no_complaint() {
        assert_ne!(
            score("A firmware update solved the freezing problem.").label,
            Label::Negative
        );
        assert_ne!(
            score("The case protects against scratches.").label,
            Label::Negative
        );
        assert_eq!(
            score("They never fixed the leaking problem.").label,
            Label::Negative
        );
        assert_eq!(
            score("Hoping a patch will fix the crashing problem.").label,
            Label::Negative
        );
    }

    #[test]
    fn slang_praise_is_not_a_complaint() {
        assert_eq!(score("These tacos are wicked good.").label, Label::Positive);
        assert_eq!(score("Crazy delicious brisket").label, Label::Positive);
        // Before no praise word the slang keeps its own sense.
        assert_eq!(score("The noise was crazy.").label, Label::Negative);
    }

    #[test]
    fn bringing_back_is_no_return() {
        assert_ne!(
            score("Pressing reset doesn't bring back the menu.").label,
            Label::Negative
        );
        assert_eq!(score("We won't go back.").label, Label::Negative);
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
        assert_eq!(score("Will never, ever go back.").label, Label::Negative);
        assert_eq!(
            score("Ryan's Bar is one place I won't be revisiting.").label,
            Label::Negative
        );
        assert_eq!(
            score("Probably not in a hurry to go back.").label,
            Label::Negative
        );
    }
}
