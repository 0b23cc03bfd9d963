//! Service complaints written without an emotional word: a dish or an
//! order with a defect ("coffee cold", "cold fries", "order wrong"), a wait
//! written as two clock times ("ordered at 8:05, got it at 8:50") and a
//! bare price ("$6 for a bun").

use super::engine::Hit;
use super::lists::{DEFECTS, DEFECT_LINKS, VESSELS};
use super::patterns::{covered, push};
use super::quantities::wait_weight;
use super::scope::negator_before;
use super::tokenize::{Kind, Tokens};
use super::words::{CLOCK_CUE, DEFECT, FOOD, NEGATOR, ORDER, RULE_CONTAMINANT};

/// Weight of a defect of a dish or an order ("coffee cold").
const DEFECT_WEIGHT: f32 = -1.8;
/// Weight of a bare price at the start of a clause ("$6 for a bun").
const BARE_PRICE_WEIGHT: f32 = -1.2;
/// Most link words between a noun and its predicate defect.
const MAX_LINKS: usize = 3;

/// Weight of something foreign in the food ("a hair in my soup").
const CONTAMINANT_WEIGHT: f32 = -2.4;
/// Most words between the contaminant and "in" ("a fly was in", "a long hair baked into").
const CONTAMINANT_GAP: usize = 3;

/// Applies the rules whose words occur in the text.
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>) {
    if t.rules_any & RULE_CONTAMINANT != 0 {
        contaminants(t, hits);
    }
    if t.class_any & DEFECT != 0 && t.class_any & (FOOD | ORDER) != 0 {
        defects(t, hits);
    }
    if t.class_any & CLOCK_CUE != 0 && t.toks.iter().any(|k| k.kind == Kind::Number) {
        clock_wait(t, hits);
    }
    if t.has_currency {
        bare_price(t, hits);
    }
}

/// Something foreign in the food: "a fly was in my apple juice", "found a
/// piece of wire in my salsa", "hair in the soup". The contaminant comes
/// before "in"/"on"/"into", followed by "my", "our", "the" ... and a dish
/// or a container. Not "glass of wine", not "a fly in from New York".
fn contaminants(t: &Tokens, hits: &mut Vec<Hit>) {
    for c in 0..t.len() {
        if !t.toks[c].info.starts(RULE_CONTAMINANT) {
            continue;
        }
        let prep = (c + 1..t.len())
            .take_while(|&k| t.kind(k) == Kind::Word)
            .take(CONTAMINANT_GAP + 1)
            .find(|&k| matches!(t.text(k), "in" | "on" | "into"));
        let Some(prep) = prep else {
            continue;
        };
        if !matches!(
            t.get(prep + 1),
            "my" | "our" | "the" | "his" | "her" | "their" | "your"
        ) {
            continue;
        }
        let dish = (prep + 2..t.len())
            .take_while(|&k| t.kind(k) == Kind::Word)
            .take(3)
            .find(|&k| t.toks[k].info.class & (FOOD | ORDER) != 0 || VESSELS.contains(&t.text(k)));
        if let Some(dish) = dish.filter(|_| !covered(hits, c)) {
            push(hits, c, dish + 1, CONTAMINANT_WEIGHT, "");
        }
    }
}

/// The noun classes a defect adjective describes, and whether it can stand
/// before the noun.
fn defect_of(word: &str) -> Option<(u8, bool)> {
    DEFECTS
        .iter()
        .find(|(w, _, _)| *w == word)
        .map(|&(_, c, attr)| (c, attr))
}

/// A dish or an order with a defect: after the noun with no verb or a
/// copula ("coffee cold", "fries arrived cold"), or before it ("cold
/// fries"). The defect's own lexicon hit, if any, is raised to the defect
/// weight rather than counted twice. Not when negated ("food wasn't cold").
fn defects(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if t.toks[k].info.class & DEFECT == 0 || t.toks[k].in_phrase {
            continue;
        }
        let Some((classes, attributive)) = defect_of(t.text(k)) else {
            continue;
        };
        let is_noun = |j: usize| t.kind(j) == Kind::Word && t.toks[j].info.class & classes != 0;
        // Noun before: "coffee cold", "the fries came out cold".
        let mut noun = None;
        let mut j = k;
        while j > 0 && k - j <= MAX_LINKS {
            j -= 1;
            if is_noun(j) {
                noun = Some(j);
                break;
            }
            if t.kind(j) != Kind::Word || !DEFECT_LINKS.contains(&t.text(j)) {
                break;
            }
        }
        // Noun after: "cold coffee", "stale bread".
        let after = if attributive && k + 1 < t.len() && is_noun(k + 1) {
            Some(k + 1)
        } else {
            None
        };
        let (start, end) = match (noun, after) {
            (Some(n), _) => (n, k + 1),
            (None, Some(n)) => (k, n + 1),
            _ => continue,
        };
        if negator_before(t, k).is_some() || (start..end).any(|j| t.toks[j].info.is(NEGATOR)) {
            continue;
        }
        // "iced coffee cold": served cold on purpose.
        let noun = if start == k { end - 1 } else { start };
        if noun > 0 && matches!(t.text(noun - 1), "iced" | "ice" | "chilled" | "frozen") {
            continue;
        }
        if let Some(h) = hits.iter_mut().find(|h| h.anchor == k || h.start == k) {
            if h.weight < 0.0 {
                h.weight = h.weight.min(DEFECT_WEIGHT);
                h.start = h.start.min(start);
                h.end = h.end.max(end);
                continue;
            }
            // A word praised elsewhere ("warm") is a defect here.
            h.weight = 0.0;
        } else if covered(hits, k) {
            continue;
        }
        push(hits, start, end, DEFECT_WEIGHT, "");
    }
}

/// A clock time at `i` ("8:05", "8:05pm", "8pm"): minutes past 12 (12-hour
/// clock) and the token after it.
fn clock_at(t: &Tokens, i: usize) -> Option<(i32, usize)> {
    if t.kind(i) != Kind::Number || (i > 0 && t.text(i - 1) == ":") {
        return None;
    }
    let h: i32 = t.text(i).parse().ok()?;
    if !(0..=23).contains(&h) {
        return None;
    }
    let (m, mut end) = if t.get(i + 1) == ":" && i + 2 < t.len() && t.kind(i + 2) == Kind::Number {
        let mm = t.text(i + 2);
        let m: i32 = mm.parse().ok()?;
        if mm.len() != 2 || m > 59 {
            return None;
        }
        (m, i + 3)
    } else if matches!(t.get(i + 1), "am" | "pm") {
        (0, i + 1)
    } else {
        return None;
    };
    if matches!(t.get(end), "am" | "pm") {
        end += 1;
    }
    Some(((h % 12) * 60 + m, end))
}

/// Two clock times in a text about ordering or arriving: the gap between
/// them is a wait ("ordered at 8:05, food came at 8:50"). Gaps over three
/// hours are opening hours or schedules, not waits.
fn clock_wait(t: &Tokens, hits: &mut Vec<Hit>) {
    let mut prev: Option<(i32, usize)> = None;
    let mut i = 0;
    while i < t.len() {
        let Some((minutes, end)) = clock_at(t, i) else {
            i += 1;
            continue;
        };
        if let Some((before, start)) = prev {
            let gap = (minutes - before).rem_euclid(720);
            let cue = (start.saturating_sub(4)..end).any(|k| t.toks[k].info.class & CLOCK_CUE != 0);
            if (15..=180).contains(&gap) && cue {
                push(hits, start, end, wait_weight(gap as f32), "");
                return;
            }
        }
        prev = Some((minutes, i));
        i = end;
    }
}

/// A price alone at the start of a clause, then "for a ..." ("$6 for a
/// bun."): the writer holds the price up as too much.
fn bare_price(t: &Tokens, hits: &mut Vec<Hit>) {
    for i in 0..t.len() {
        if !t.toks[i].currency || (i > 0 && t.kind(i - 1) != Kind::Punct) {
            continue;
        }
        let opens = matches!(
            t.get(i + 2),
            "a" | "an" | "one" | "1" | "the" | "this" | "that" | "two" | "2" | "tiny" | "small"
        );
        if t.get(i + 1) == "for" && opens && !covered(hits, i + 3) {
            push(hits, i, (i + 4).min(t.len()), BARE_PRICE_WEIGHT, "");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sentiment::score_for_tests as score;
    use crate::sentiment::Label;

    #[test]
    fn something_foreign_in_the_food_is_a_complaint() {
        for text in [
            "A FLY was in my apple juice.. A FLY!!!!!!!!",
            "I found a six inch long piece of wire in my salsa.",
            "There was a hair in the soup.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
        for text in [
            "We had a glass of wine on the patio.",
            "My brother could fly in from Denver for the party.",
        ] {
            assert_ne!(score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn food_that_is_barely_food_is_a_complaint() {
        for text in [
            "It was barely edible.",
            "The beef is like shoe leather.",
            "It was way over fried.",
            "There was hardly any meat.",
            "My order was not correct.",
            "Con: spotty service.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn verbless_defect_after_the_noun() {
        assert_eq!(score("Latte cold, muffin dry.").label, Label::Negative);
        assert_eq!(score("my soup cold AGAIN").label, Label::Negative);
        assert_eq!(
            score("Delivery late and the receipt wrong").label,
            Label::Negative
        );
        assert!(score("Tea lukewarm.")
            .terms
            .iter()
            .any(|t| t.term == "tea lukewarm"));
        assert_eq!(score("The burgers arrived cold.").label, Label::Negative);
    }

    #[test]
    fn attributive_defect_before_the_noun() {
        assert_eq!(
            score("Got cold pancakes and soggy toast").label,
            Label::Negative
        );
        assert!(score("cold pancakes")
            .terms
            .iter()
            .any(|t| t.term == "cold pancakes"));
        // Served cold on purpose, or not a defect of food.
        assert_eq!(score("Ice cold beer on tap").label, Label::Neutral);
        assert_eq!(score("Raw oysters and cold brew").label, Label::Neutral);
        assert_ne!(score("Iced latte cold and sweet").label, Label::Negative);
        assert_eq!(score("Cold morning, warm sun").label, Label::Positive);
    }

    #[test]
    fn warm_and_flat_are_defects_of_cold_drinks_only() {
        assert_eq!(score("Our sodas flat, beer warm").label, Label::Negative);
        assert_eq!(score("A warm welcome.").label, Label::Positive);
    }

    #[test]
    fn negated_defect_is_no_complaint() {
        assert_ne!(score("The pizza wasn't cold.").label, Label::Negative);
        assert_ne!(
            score("Nothing missing from the order.").label,
            Label::Negative
        );
    }

    #[test]
    fn two_clock_times_are_a_wait() {
        let s = score("Placed the order at 11:50 and it came at 12:35.");
        assert_eq!(s.label, Label::Negative, "{s:?}");
        assert!(s.terms.iter().any(|t| t.term.contains("11:50")), "{s:?}");
        assert_eq!(
            score("Ordered at 7pm, food at 7:10pm").label,
            Label::Neutral
        );
        // Opening hours are not a wait.
        assert_eq!(score("Open 7:00 to 3:00 on weekdays").label, Label::Neutral);
        assert_eq!(
            score("Bus at 9:00, then again at 9:45").label,
            Label::Neutral
        );
    }

    #[test]
    fn bare_price_is_a_complaint() {
        assert_eq!(score("$9 for a slice of toast.").label, Label::Negative);
        assert_eq!(
            score("Breakfast, \u{a3}7 for one egg?!").label,
            Label::Negative
        );
        assert_eq!(score("We paid $9 for a sandwich.").label, Label::Neutral);
        assert_eq!(
            score("$5 for a great big coffee, lovely").label,
            Label::Positive
        );
    }
}
