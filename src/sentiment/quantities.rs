//! Quantities in text: waiting times and delays ("waited 45 minutes",
//! "took three weeks", "an hour wait") and ratings written in the text
//! ("1 star", "2/5", "10/10", "4 out of 5").

use super::engine::Hit;
use super::lists::{LIFE_FILLERS, LIFE_PRAISE, WAIT_FILLERS};
use super::patterns::covered;
use super::patterns::push;
use super::scope::is_sentence_end;
use super::scope::negator_before;
use super::tokenize::{Kind, Tokens};
use super::words::{ARTICLE, NUMBER_WORD, RULE_DECLINE, RULE_LIFE, TOOK, WAIT};

/// Minutes per time unit word, if `w` is one.
fn unit_minutes(w: &str) -> Option<f32> {
    Some(match w {
        "minute" | "minutes" | "min" | "mins" => 1.0,
        "hour" | "hours" | "hr" | "hrs" => 60.0,
        "day" | "days" => 1440.0,
        "week" | "weeks" => 10080.0,
        "month" | "months" => 43200.0,
        "year" | "years" | "yr" | "yrs" => 525_600.0,
        _ => return None,
    })
}

/// Value of a number word, if `w` is one.
fn number_word(w: &str) -> Option<f32> {
    Some(match w {
        "zero" => 0.0,
        "a" | "an" | "one" => 1.0,
        "two" => 2.0,
        "three" | "couple" | "few" | "several" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "half" => 0.5,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "ninety" => 90.0,
        _ => return None,
    })
}

/// A number at token `i` (digits or words, "forty five", "a couple of"):
/// its value and token count.
fn number_at(t: &Tokens, i: usize) -> Option<(f32, usize)> {
    if i >= t.len() {
        return None;
    }
    if t.kind(i) == Kind::Number {
        return t.text(i).parse().ok().map(|v| (v, 1));
    }
    if !t.toks[i].info.is(NUMBER_WORD | ARTICLE) {
        return None;
    }
    let v = number_word(t.text(i))?;
    let mut n = 1;
    let mut value = v;
    if v >= 20.0 && i + 1 < t.len() {
        if let Some(u) = number_word(t.text(i + 1)).filter(|u| *u < 10.0 && *u >= 1.0) {
            value += u;
            n += 1;
        }
    }
    while matches!(t.get(i + n), "couple" | "few" | "of" | "and" | "half") {
        if t.text(i + n) == "half" {
            value += 0.5;
        }
        n += 1;
    }
    Some((value, n))
}

/// A duration at token `i`: minutes and token count ("45 minutes", "an
/// hour", "hours").
fn duration_at(t: &Tokens, i: usize) -> Option<(f32, usize)> {
    if let Some((v, n)) = number_at(t, i) {
        let minutes = unit_minutes(t.get(i + n))?;
        return Some((v * minutes, n + 1));
    }
    let w = t.get(i);
    if w.ends_with('s') {
        // "waited hours", "took weeks": at least two of the unit.
        return unit_minutes(w).map(|m| (2.0 * m, 1));
    }
    None
}

/// Complaint weight of waiting `minutes`: nothing under a quarter hour,
/// nor over a year (years between purchases are no service wait).
pub(crate) fn wait_weight(minutes: f32) -> f32 {
    match minutes {
        m if !(15.0..=525_600.0).contains(&m) => 0.0,
        m if m < 30.0 => -1.5,
        m if m < 60.0 => -2.0,
        _ => -2.5,
    }
}

/// Waiting times: "waited 45 minutes", "a 40 minute wait", "took 3 weeks",
/// "three weeks later". Not when negated ("didn't have to wait").
pub(crate) fn waiting(t: &Tokens, hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < t.len() {
        let info = t.toks[i].info;
        if info.is(WAIT | TOOK) && negator_before(t, i).is_none() && !played_down(t, i) {
            let mut k = i + 1;
            while k < t.len() && k <= i + 3 && WAIT_FILLERS.contains(&t.text(k)) {
                k += 1;
            }
            if let Some((minutes, n)) = duration_at(t, k) {
                let weight = if info.is(TOOK) {
                    took_weight(minutes)
                } else {
                    wait_weight(minutes)
                };
                push(hits, i, k + n, weight, "");
                i = k + n;
                continue;
            }
        }
        if t.kind(i) == Kind::Number || info.is(NUMBER_WORD | ARTICLE) {
            if let Some((minutes, n)) = duration_at(t, i) {
                match t.get(i + n) {
                    "wait" | "waiting" if worth_it(t, i) => {}
                    "wait" | "waiting" | "delay" => {
                        push(hits, i, i + n + 1, wait_weight(minutes), "")
                    }
                    "later" | "passed" => push(hits, i, i + n + 1, later_weight(minutes), ""),
                    _ => {}
                }
                i += n;
                continue;
            }
        }
        i += 1;
    }
}

/// Longest life that is still a complaint for "worked", "lasted", "used".
const SHORT_LIFE_MINUTES: f32 = 6.0 * 43_200.0;
/// Longest life that is still a complaint for "died", "broke", "quit".
const FAILURE_LIFE_MINUTES: f32 = 2.0 * 525_600.0;
/// Weight of a short product life.
const SHORT_LIFE_WEIGHT: f32 = -1.8;

/// A product that lasted a short time: "worked for two weeks", "quit in
/// 10 days", "worked great for a month" (the praise is turned round),
/// "only used it for 3 months". Not while it still works ("has worked
/// fine for 2 months now", "lasted 5 years").
pub(crate) fn product_life(t: &Tokens, hits: &mut Vec<Hit>) {
    for i in 0..t.len() {
        let verb = t.text(i);
        if !t.toks[i].info.starts(RULE_LIFE) {
            continue;
        }
        let prev = if i > 0 { t.text(i - 1) } else { "" };
        if matches!(
            prev,
            "has" | "have" | "had" | "been" | "it's" | "i've" | "we've"
        ) || (verb == "used" && prev != "only")
            || negator_before(t, i).is_some()
        {
            continue;
        }
        let mut k = i + 1;
        let praise = LIFE_PRAISE.contains(&t.get(k)).then_some(k);
        if praise.is_some() {
            k += 1;
        }
        if matches!(t.get(k), "it" | "them" | "mine") {
            k += 1;
        }
        let first = k;
        while k < t.len() && k < first + 3 && LIFE_FILLERS.contains(&t.text(k)) {
            k += 1;
        }
        if k == first && verb != "lasted" {
            continue;
        }
        let Some((minutes, n)) = duration_at(t, k) else {
            continue;
        };
        let limit = match verb {
            "worked" | "lasted" | "used" => SHORT_LIFE_MINUTES,
            _ => FAILURE_LIFE_MINUTES,
        };
        let end = k + n;
        let still = matches!(t.get(end), "now" | "straight" | "and" | "without" | "so")
            && matches!(
                t.get(end + 1),
                "" | "far" | "counting" | "a" | "any" | "no" | "problem" | "problems"
            );
        if minutes > limit || still || matches!(t.get(end), "now") {
            continue;
        }
        for h in hits.iter_mut() {
            let on_praise = praise.is_some_and(|p| h.start <= p && p < h.end);
            if (on_praise || h.start == i) && h.weight > 0.0 {
                h.weight = 0.0;
            }
        }
        if let Some(h) = hits.iter_mut().find(|h| h.anchor == i && h.weight < 0.0) {
            h.weight = h.weight.min(SHORT_LIFE_WEIGHT);
            h.end = h.end.max(end);
        } else {
            push(hits, i, end, SHORT_LIFE_WEIGHT, "");
        }
    }
}

/// Least praise that a decline marker turns round.
const DECLINE_PRAISE: f32 = 1.0;
/// Weight of praise that did not last ("great for the first week").
const DECLINE_WEIGHT: f32 = -1.6;

/// Praise that did not last: "nice while it lasted", "worked fine for the
/// first month", "loved it until it broke". The praise before the marker in
/// its sentence no longer counts, and the marker is a complaint.
pub(crate) fn decline(t: &Tokens, hits: &mut Vec<Hit>) {
    for m in 0..t.len() {
        if !t.toks[m].info.starts(RULE_DECLINE) {
            continue;
        }
        let end = match t.text(m) {
            "while" if t.get(m + 1) == "it" && t.get(m + 2) == "lasted" => m + 3,
            "first" | "1st" if m >= 2 && t.text(m - 2) == "for" && t.text(m - 1) == "the" => {
                match duration_at(t, m + 1).or_else(|| unit_minutes(t.get(m + 1)).map(|v| (v, 1))) {
                    Some((_, n)) => m + 1 + n,
                    None => continue,
                }
            }
            "until" | "till" | "before" => {
                let sentence_end = (m + 1..t.len())
                    .find(|&k| is_sentence_end(t, k))
                    .unwrap_or(t.len());
                let failure = hits.iter().any(|h| {
                    h.weight <= -DECLINE_PRAISE && h.anchor > m && h.anchor < sentence_end
                });
                if !failure {
                    continue;
                }
                m + 1
            }
            _ => continue,
        };
        let start = (0..m)
            .rev()
            .find(|&k| is_sentence_end(t, k))
            .map_or(0, |k| k + 1);
        // Only clear praise ("great", "loved") turns round; "wish" or "ok" do not.
        let praised = hits
            .iter()
            .any(|h| h.weight >= DECLINE_PRAISE && h.anchor >= start && h.anchor < m);
        if !praised {
            continue;
        }
        for h in hits.iter_mut() {
            if h.weight > 0.0 && h.anchor >= start && h.anchor < m {
                h.weight = 0.0;
            }
        }
        if praised && !covered(hits, m) {
            let from = if t.text(m) == "first" || t.text(m) == "1st" {
                m - 2
            } else {
                m
            };
            push(hits, from, end, DECLINE_WEIGHT, "");
        }
    }
}

/// "only took", "just waited": the writer plays the time down (praise, not a complaint).
fn played_down(t: &Tokens, i: usize) -> bool {
    i > 0 && matches!(t.text(i - 1), "only" | "just" | "barely")
}

/// "worth the 20 minute wait": a wait the writer found worth it.
fn worth_it(t: &Tokens, i: usize) -> bool {
    (i.saturating_sub(3)..i).any(|k| t.text(k) == "worth")
}

/// "took an hour" is a mild complaint; short tasks are not.
fn took_weight(minutes: f32) -> f32 {
    if minutes >= 20.0 {
        -1.2
    } else {
        0.0
    }
}

/// "three weeks later": time passing without the thing happening.
fn later_weight(minutes: f32) -> f32 {
    if minutes >= 15.0 {
        -1.2
    } else {
        0.0
    }
}

/// Ratings in the text: "1 star", "zero stars", "2/5", "10/10", "4 out of 5".
pub(crate) fn ratings(t: &Tokens, hits: &mut Vec<Hit>) {
    let mut i = 0;
    while i < t.len() {
        let candidate = t.kind(i) == Kind::Number || t.toks[i].info.is(NUMBER_WORD | ARTICLE);
        if let Some((end, ratio)) = rating_at(t, i).filter(|_| candidate) {
            push(hits, i, end, rating_weight(ratio), "");
            i = end;
        } else {
            i += 1;
        }
    }
}

/// A rating at `i`: token end and the rating as a share of the maximum.
fn rating_at(t: &Tokens, i: usize) -> Option<(usize, f32)> {
    // "4 1/2 stars", "1/10 of a second": a fraction, not a rating.
    if i > 0 && t.text(i - 1) == "/" {
        return None;
    }
    let (v, n) = if t.text(i) == "no" {
        (0.0, 1)
    } else {
        number_at(t, i)?
    };
    let j = i + n;
    if matches!(t.get(j), "star" | "stars") && v <= 5.0 {
        return Some((j + 1, v / 5.0));
    }
    let max_at = match (t.get(j), t.get(j + 1)) {
        ("/", _) if t.kind(i) == Kind::Number => j + 1,
        ("out", "of") => j + 2,
        _ => return None,
    };
    let max: f32 = t.get(max_at).parse().ok()?;
    if !(max == 5.0 || max == 10.0) || v > max {
        return None;
    }
    if matches!(t.get(max_at + 1), "of" | "th" | "ths") {
        return None;
    }
    Some((max_at + 1, v / max))
}

/// Valence of a rating given as a share of the maximum: 1/5 is strongly
/// negative, 3/5 slightly negative, 5/5 strongly positive.
fn rating_weight(ratio: f32) -> f32 {
    ((ratio * 5.0 - 3.2) * 1.5).clamp(-3.5, 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentiment::Label;
    use crate::sentiment::{has_term_for_tests as has_term, score_for_tests as score};

    #[test]
    fn wait_weights_grow_with_time() {
        assert_eq!(wait_weight(5.0), 0.0);
        assert_eq!(wait_weight(3.0 * 525_600.0), 0.0);
        assert!(wait_weight(45.0) < wait_weight(20.0));
        assert!(wait_weight(120.0) < wait_weight(45.0));
    }

    #[test]
    fn waiting_time_is_a_complaint() {
        assert_eq!(
            score("We waited 45 minutes for our food.").label,
            Label::Negative
        );
        assert!(has_term(
            "We waited 45 minutes for our food.",
            "waited 45 minutes"
        ));
        assert!(has_term("Waited over an hour.", "waited over an hour"));
        assert!(has_term(
            "Sat there for forty five minutes.",
            "sat there for forty five minutes"
        ));
        assert!(has_term("A 40min wait for coffee.", "40 min wait"));
        assert_eq!(
            score("We waited 5 minutes and were seated.").label,
            Label::Neutral
        );
        assert_eq!(
            score("We didn't have to wait 20 minutes.").label,
            Label::Neutral
        );
    }

    #[test]
    fn a_short_product_life_is_a_complaint() {
        for text in [
            "The kettle worked for nine days.",
            "Blender quit in 3 weeks.",
            "Toaster worked fine for a month, then nothing.",
            "Only used it for two months before the hinge snapped.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
        assert!(has_term(
            "Worked great for 2 weeks",
            "worked great for 2 weeks"
        ));
        assert_ne!(
            score("It has worked fine for 2 months now.").label,
            Label::Negative
        );
        assert_ne!(score("My old one lasted 9 years.").label, Label::Negative);
    }

    #[test]
    fn praise_that_did_not_last_is_a_complaint() {
        for text in [
            "The grinder was lovely while it lasted.",
            "Great blender for the first week.",
            "Loved this kettle until the handle snapped off and burned me.",
        ] {
            assert_eq!(score(text).label, Label::Negative, "{text}");
        }
        assert_eq!(score("Lovely cafe, open until 6.").label, Label::Positive);
        assert_eq!(
            score("Great visit, for the first time we sat outside.").label,
            Label::Positive
        );
    }

    #[test]
    fn a_wait_worth_it_is_no_complaint() {
        assert_eq!(
            score("The brunch was worth the 30 minute wait.").label,
            Label::Positive
        );
        assert_eq!(score("A 30 minute wait for brunch.").label, Label::Negative);
    }

    #[test]
    fn delays_are_complaints() {
        assert_eq!(score("Three weeks later, nothing.").label, Label::Negative);
        assert_eq!(
            score("It took two hours to get a table.").label,
            Label::Negative
        );
        assert_eq!(score("Still waiting for my order.").label, Label::Negative);
        assert_eq!(
            score("It only took 30 minutes to copy my songs.").label,
            Label::Neutral
        );
    }

    #[test]
    fn rating_weights_are_ordered() {
        let w: Vec<f32> = (0..=5).map(|s| rating_weight(s as f32 / 5.0)).collect();
        assert!(w.windows(2).all(|p| p[0] < p[1]));
        assert!(w[1] < -2.0 && w[3] < 0.0 && w[5] > 2.0);
    }

    #[test]
    fn ratings_in_text() {
        assert_eq!(score("1 star.").label, Label::Negative);
        assert_eq!(score("I'd give it zero stars").label, Label::Negative);
        assert_eq!(score("Lunch: 2/5").label, Label::Negative);
        assert!(has_term("Lunch: 2/5", "2/5"));
        assert_eq!(score("Dinner 10/10").label, Label::Positive);
        assert_eq!(score("Five stars.").label, Label::Positive);
        assert_eq!(score("Open 24/7").label, Label::Neutral);
        assert_eq!(score("4 out of 5").label, Label::Positive);
        assert_eq!(
            score("About 1/10 of the songs are from CDs").label,
            Label::Neutral
        );
        assert!(!has_term("I'd give it 4 1/2 stars", "2 stars"));
    }
}
