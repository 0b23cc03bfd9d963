//! Value: what the customer got against what they paid or feared.
//! - Unmet expectations against the price: "for what we paid we expected
//!   more", "for the price you'd expect real cream" (the praise in the
//!   expectation is what was not got).
//! - Costs not charged are praise: "they didn't even charge me for the
//!   extra part", "the coffee was on the house".
//! - Negated bad experiences are praise: "I have never been disappointed
//!   here", "never had a bad meal", "has yet to disappoint"; but "never
//!   been so disappointed" and "never had a worse meal" are complaints.

use super::engine::Hit;
use super::families::{at, is_trigger, mute_noted, phrase_around, phrase_at, sentences, triggers};
use super::patterns::push;
use super::tokenize::{Kind, Tokens};
use super::words::NEGATOR;

/// Phrases that set the price as the yardstick ("for what we paid").
const PRICE_FRAMES: &[&[&str]] = &[
    &["for", "the", "price"],
    &["for", "that", "price"],
    &["for", "this", "price"],
    &["for", "these", "prices"],
    &["for", "those", "prices"],
    &["at", "that", "price"],
    &["at", "this", "price"],
    &["at", "these", "prices"],
    &["at", "those", "prices"],
    &["for", "the", "money"],
    &["for", "that", "money"],
    &["for", "what", "we", "paid"],
    &["for", "what", "i", "paid"],
    &["for", "what", "you", "pay"],
    &["for", "what", "you", "paid"],
    &["for", "what", "they", "charge"],
    &["for", "what", "it", "costs"],
    &["considering", "the", "price"],
    &["given", "the", "price"],
];
/// Currency words after a number ("for 40 dollars").
const CURRENCY_WORDS: &[&str] = &["dollars", "bucks", "pounds", "quid", "euros", "euro"];
/// Verbs of an expectation ("expected", "you'd expect", "should").
const EXPECTING: &[&str] = &[
    "expect",
    "expected",
    "expecting",
    "hoped",
    "hoping",
    "deserve",
    "deserved",
    "should",
    "think",
    "thought",
    "anticipated",
];
/// Words before an expectation that say it was met or beaten ("better
/// than expected", "exceeded what we expected", "as expected").
const BEATEN: &[&str] = &["than", "exceeded", "exceeds", "beyond", "surpassed", "as"];
/// Words after an expectation that set it low ("expected worse").
const LOW: &[&str] = &["worse", "less", "little"];
/// Weight of an unmet expectation against the price.
const PRICE_LETDOWN_WEIGHT: f32 = -1.6;
/// Note of the price frame's term.
const PRICE_LETDOWN: &str = " (expected more for the price)";
/// Note of praise that names what was expected but not got.
pub(crate) const EXPECTED_NOT_GOT: &str = " (expected, not got)";

/// Verbs of charging whose negation is a gift ("didn't charge me").
const CHARGING: &[&str] = &["charge", "charged", "charging", "bill", "billed"];
/// Objects after a charging verb that make it a gift, not a battery
/// ("didn't charge us", "won't charge for refills"; not "didn't charge my phone").
const CHARGED_WHOM: &[&str] = &[
    "me", "us", "him", "her", "them", "you", "anything", "extra", "for", "a",
];
/// Subjects of charging that are a device ("it didn't charge").
const DEVICE_SUBJECTS: &[&str] = &[
    "it", "this", "that", "which", "battery", "phone", "charger", "device", "unit", "one",
];
/// Subjects of charging that are people ("they didn't charge for it").
const PERSON_SUBJECTS: &[&str] = &[
    "they", "he", "she", "staff", "mechanic", "shop", "owner", "guy", "lady", "plumber",
];
/// Phrases of something given free.
const FREE_PHRASES: &[&[&str]] = &[
    &["on", "the", "house"],
    &["at", "no", "charge"],
    &["at", "no", "cost"],
    &["at", "no", "extra", "cost"],
    &["at", "no", "extra", "charge"],
    &["no", "charge", "for"],
    &["without", "charging"],
    &["didn't", "have", "to", "pay"],
    &["did", "not", "have", "to", "pay"],
    &["wouldn't", "let", "us", "pay"],
    &["wouldn't", "let", "me", "pay"],
    &["refused", "to", "let", "us", "pay"],
    &["waived", "the"],
    &["didn't", "make", "us", "pay"],
    &["didn't", "make", "me", "pay"],
];
/// The words [`not_charged`] looks at: its phrases' rarest words and the charging verbs.
const FREE_KEYS: &[&str] = &[
    "house", "cost", "pay", "waived", "charge", "charged", "charging", "bill", "billed",
];
/// How far back a negator reaches a charging verb ("didn't even charge").
const CHARGE_SCOPE_WORDS: usize = 3;
/// Weight of a cost not charged.
const NOT_CHARGED_WEIGHT: f32 = 1.6;
/// Note of a cost not charged.
const NOT_CHARGED: &str = " (not charged)";

/// Negators of an experience ("never been disappointed", "not once").
const EXPERIENCE_NEGATORS: &[&str] = &["never", "haven't", "havent", "hasn't", "hasnt"];
/// Words before "never" that make it a hope or an instruction ("hope you never lose it").
const NOT_EXPERIENCE: &[&str] = &["you", "u", "to", "please"];
/// Words that may stand between the negator and the bad word ("never had a single bad").
const EXPERIENCE_LINKS: &[&str] = &[
    "been",
    "had",
    "have",
    "felt",
    "got",
    "gotten",
    "received",
    "left",
    "once",
    "a",
    "an",
    "any",
    "single",
    "ever",
    "yet",
    "even",
    "one",
    "experienced",
    "eaten",
    "tasted",
    "seen",
];
/// Words that make a negated bad experience the worst one ("never been so disappointed").
const EMPHATIC: &[&str] = &["so", "such", "this", "as", "that", "quite"];
/// Phrases of a negated bad experience without a bad word ("never let us down").
const NEVER_BAD_PHRASES: &[&[&str]] = &[
    &["never", "let", "me", "down"],
    &["never", "let", "us", "down"],
    &["never", "lets", "me", "down"],
    &["never", "lets", "us", "down"],
    &["never", "lets", "you", "down"],
    &["never", "failed", "me"],
    &["never", "failed", "us"],
    &["not", "once", "let", "us", "down"],
    &["not", "once", "let", "me", "down"],
];
/// Weight of a negated bad experience.
const NEVER_BAD_WEIGHT: f32 = 1.8;
/// A negated bad experience made emphatic weighs this much of the bad word, negative.
const NEVER_SO_BAD_SCALAR: f32 = 1.25;
/// Note of a negated bad experience.
const NEVER_BAD: &str = " (never a bad experience)";
/// Note of an emphatic one.
const NEVER_SO_BAD: &str = " (never this bad)";

/// Words that start a rule of this file: the expectations (a price frame
/// is looked for only beside one), the charging verbs, and the rarest word
/// of each phrase.
pub(crate) const TRIGGERS: &[&str] = &[
    "expect",
    "expected",
    "expecting",
    "hoped",
    "hoping",
    "deserve",
    "deserved",
    "should",
    "think",
    "thought",
    "anticipated",
    "charge",
    "charged",
    "charging",
    "bill",
    "billed",
    "house",
    "cost",
    "pay",
    "waived",
    "down",
    "failed",
];

/// Applies the rules of this file.
/// (`never_a_bad_experience` reads the hits, not trigger words: the
/// caller runs it on every text.)
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>) {
    never_let_down(t, hits);
    not_charged(t, hits);
    price_letdown(t, hits);
}

/// A price frame at `k`: its length ("for the price" = 3, "for $40" = 2).
fn price_frame(t: &Tokens, k: usize) -> Option<usize> {
    if let Some(p) = phrase_at(t, k, PRICE_FRAMES) {
        return Some(p.len());
    }
    if t.text(k) != "for" && t.text(k) != "at" || k + 1 >= t.len() {
        return None;
    }
    let number = t.kind(k + 1) == Kind::Number;
    if number && t.toks[k + 1].currency {
        return Some(2);
    }
    (number && CURRENCY_WORDS.contains(&t.get(k + 2))).then_some(3)
}

/// A price frame and an unmet expectation in one sentence: "for what we
/// paid we expected more", "for $40 a head you'd expect real cream". Praise
/// after the expectation is what was expected. Not "for the price it's
/// excellent" (no expectation) or "better than we expected for the price".
fn price_letdown(t: &Tokens, hits: &mut Vec<Hit>) {
    for (s, end) in sentences(t) {
        let expect = (s..end).find(|&k| {
            if !is_trigger(t, k) {
                return false;
            }
            let w = t.text(k);
            EXPECTING.contains(&w)
                && (!matches!(w, "think" | "thought") || modal_before(t, k))
                && !(w == "should" && t.get(k + 1) == "have" && t.get(k + 2) == "come")
        });
        let Some(expect) = expect else {
            continue;
        };
        let Some((frame, len)) = (s..end).find_map(|k| price_frame(t, k).map(|n| (k, n))) else {
            continue;
        };
        // "better than we expected", "exceeded what we expected"; "expected worse".
        let beaten = (expect.saturating_sub(3)..expect).any(|k| BEATEN.contains(&t.text(k)));
        let low = (expect + 1..(expect + 4).min(end)).any(|k| LOW.contains(&t.text(k)));
        let met = beaten || low;
        if met || (s..end).any(|k| t.toks[k].info.is(NEGATOR) && k < expect && k + 3 >= expect) {
            continue;
        }
        mute_noted(hits, expect..end, |w| w > 0.0, EXPECTED_NOT_GOT);
        push(
            hits,
            frame,
            frame + len,
            PRICE_LETDOWN_WEIGHT,
            PRICE_LETDOWN,
        );
    }
}

/// "you'd think", "would have thought": an expectation, not an opinion.
fn modal_before(t: &Tokens, k: usize) -> bool {
    (k.saturating_sub(2)..k).any(|j| {
        let w = t.text(j);
        w == "would" || w.ends_with("'d")
    })
}

/// Costs not charged: "they didn't even charge me for the extra part",
/// "won't charge you for refills", "the dessert was on the house".
fn not_charged(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !triggers(t, k, FREE_KEYS) {
            continue;
        }
        if let Some((start, p)) = phrase_around(t, k, FREE_PHRASES) {
            let (k, end) = (start, start + p.len());
            // "holds no charge" is a battery; "no charge for" follows no such verb.
            for h in hits.iter_mut().filter(|h| (k..end).contains(&h.anchor)) {
                h.weight = 0.0;
            }
            push(hits, k, end, NOT_CHARGED_WEIGHT, NOT_CHARGED);
            continue;
        }
        if !CHARGING.contains(&t.text(k)) {
            continue;
        }
        let whom = t.get(k + 1);
        if !CHARGED_WHOM.contains(&whom) || (whom == "a" && t.get(k + 2) != "penny") {
            continue;
        }
        let negator = (k.saturating_sub(CHARGE_SCOPE_WORDS)..k)
            .rev()
            .take_while(|&j| t.kind(j) != Kind::Punct)
            .find(|&j| t.toks[j].info.is(NEGATOR) && t.text(j) != "no");
        let Some(neg) = negator else {
            continue;
        };
        // "It didn't charge for me" is a battery; "they didn't charge for it" a gift.
        let mut subject = neg.checked_sub(1).map_or("", |j| t.text(j));
        if matches!(subject, "did" | "does" | "do" | "would" | "will") {
            subject = neg.checked_sub(2).map_or("", |j| t.text(j));
        }
        let thing = DEVICE_SUBJECTS.contains(&subject);
        let person = PERSON_SUBJECTS.contains(&subject);
        if thing || matches!(whom, "for" | "extra") && !person {
            continue;
        }
        for h in hits
            .iter_mut()
            .filter(|h| h.weight < 0.0 && h.start <= k && k < h.end.max(h.anchor + 1))
        {
            h.weight = 0.0;
        }
        let end = k + 2;
        push(hits, neg, end.min(t.len()), NOT_CHARGED_WEIGHT, NOT_CHARGED);
    }
}

/// "I have never been disappointed", "never had a bad meal", "haven't had
/// a single bad coffee": a negated bad experience is praise, stronger than
/// plain negation makes it (and not a warning, as "Never go there" is).
/// With "so", "such" or a comparative it is the worst one ("never been so
/// disappointed", "never had a worse meal"). "has yet to disappoint" is
/// praise too.
pub(crate) fn never_a_bad_experience(t: &Tokens, hits: &mut [Hit]) {
    for h in hits.iter_mut() {
        // The bad word ends the hit: "disappointed", or "bad" of the phrase "had a bad".
        let bad = h.end - 1;
        let Some(valence) = t.toks[bad].info.valence.filter(|&v| v < 0.0) else {
            continue;
        };
        if t.toks[bad].quoted {
            continue; // someone else's words: "never \"lazy ironworkers\""
        }
        if let Some(yet) = h.start.checked_sub(2) {
            if at(t, yet, &["yet", "to"]) && h.weight < 0.0 && h.start == bad {
                h.weight = NEVER_BAD_WEIGHT;
                h.start = yet;
                h.note = NEVER_BAD;
                continue;
            }
        }
        let Some(neg) = experience_negator(t, bad) else {
            continue;
        };
        let between = neg + 1..bad;
        // "never been more disappointed", but "hasn't been any more problems".
        let more = bad >= 2 && t.text(bad - 1) == "more" && t.text(bad - 2) != "any";
        let emphatic = more
            || between.clone().any(|k| EMPHATIC.contains(&t.text(k)))
            || matches!(t.text(bad), "worse" | "worst");
        h.start = neg;
        if emphatic {
            h.weight = -(valence.abs().max(h.weight.abs())) * NEVER_SO_BAD_SCALAR;
            h.note = NEVER_SO_BAD;
        } else {
            h.weight = NEVER_BAD_WEIGHT;
            h.note = NEVER_BAD;
        }
    }
}

/// "it has never let me down", "never failed us": praise with no bad word to negate.
fn never_let_down(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !is_trigger(t, k) || !matches!(t.text(k), "down" | "failed") {
            continue;
        }
        if let Some((start, p)) = phrase_around(t, k, NEVER_BAD_PHRASES) {
            let (k, end) = (start, start + p.len());
            for h in hits.iter_mut().filter(|h| (k..end).contains(&h.anchor)) {
                h.weight = 0.0;
            }
            push(hits, k, end, NEVER_BAD_WEIGHT, NEVER_BAD);
        }
    }
}

/// How far back from the bad word an experience negator may stand
/// ("haven't had a single bad").
const EXPERIENCE_SCOPE_WORDS: usize = 5;

/// The experience negator before the bad word at `bad`, with only
/// experience words between ("never been", "haven't had a single").
fn experience_negator(t: &Tokens, bad: usize) -> Option<usize> {
    let link = |k: usize| {
        let w = t.text(k);
        EXPERIENCE_LINKS.contains(&w) || EMPHATIC.contains(&w) || w == "more"
    };
    let mut k = bad;
    for _ in 0..=EXPERIENCE_SCOPE_WORDS {
        k = k.checked_sub(1)?;
        let w = t.text(k);
        if EXPERIENCE_NEGATORS.contains(&w) || at(t, k, &["not", "once"]) {
            if k > 0 && NOT_EXPERIENCE.contains(&t.text(k - 1)) {
                return None;
            }
            // "never been" needs its verb; "never disappointed" is enough on its own.
            let bare = k + 1 == bad && w != "never";
            return (!bare).then_some(k);
        }
        if !link(k) {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::sentiment::Label;
    use crate::sentiment::{has_term_for_tests as has_term, score_for_tests as score};

    fn label(text: &str) -> Label {
        score(text).label
    }

    #[test]
    fn an_expectation_unmet_for_the_price_is_a_complaint() {
        for text in [
            "For what we paid we expected more.",
            "For the price I expected better.",
            "Not worth the money.",
            "For the price, you'd expect real cream.",
            "For $40 a head I'd have hoped for a proper dessert.",
            "For £12 a cocktail I'd expect more than a splash of gin.",
            "At these prices you would think they could afford napkins.",
            "For 30 dollars the steak should be tender and juicy.",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "For the price, you'd expect real cream.",
            "for the price (expected more for the price)"
        ));
    }

    #[test]
    fn a_price_met_or_beaten_is_no_complaint() {
        for text in [
            "For the price it's excellent.",
            "Better than we expected for the price.",
            "For the price I expected much worse, lovely surprise.",
            "Great value for the money.",
            "For what we paid it exceeded what we expected, great.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        assert_ne!(
            label("We paid for the parking and expected to walk."),
            Label::Negative
        );
    }

    #[test]
    fn costs_not_charged_are_praise() {
        for text in [
            "They didn't even charge me for the extra part.",
            "The mechanic did not charge us for the second visit.",
            "Dessert was on the house.",
            "They fixed the strap at no charge.",
            "They wouldn't let us pay for the coffees.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "They didn't even charge me for the extra part.",
            "didn't even charge me (not charged)"
        ));
        for text in [
            "The charger didn't charge my phone.",
            "It won't charge at all.",
            "We were overcharged.",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
    }

    #[test]
    fn a_negated_bad_experience_is_praise() {
        for text in [
            "I have never been disappointed here.",
            "Never had a bad meal.",
            "Haven't had a single bad coffee in years.",
            "Has yet to disappoint.",
            "Not once been let down.",
            "I've been coming here for years and it's never let me down.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "Never had a bad meal.",
            "never had a bad (never a bad experience)"
        ));
        for text in [
            "I have never been so disappointed.",
            "Never had a worse meal.",
            "I've never had such bad service.",
            "Never been more disappointed in my life.",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
    }

    #[test]
    fn a_negated_bad_experience_outweighs_plain_negation() {
        let plain = score("It's not bad.").value;
        let experience = score("I have never had a bad meal.").value;
        assert!(experience > plain, "{experience} {plain}");
    }
}
