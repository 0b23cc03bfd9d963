//! Turns: a text that changes its mind, where the later part wins.
//! - Decline over time: "once excellent, now mediocre", "used to be my
//!   favourite, not anymore", "has gone downhill": the earlier praise does
//!   not count, the decline is a complaint.
//! - Concession: "although the food was good, the wait was ridiculous",
//!   "the service was slow though": the conceded part weighs half, the
//!   main part half as much again ("but" and "however" are in `scope`).

use super::engine::Hit;
use super::families::{
    is_trigger, mute_noted, phrase_around, phrase_at, sentences, skip_fillers, triggers, weight_in,
};
use super::patterns::{covered, push};
use super::scope::is_sentence_end;
use super::tokenize::{Kind, Tokens};

/// Phrases that say something got worse over time.
const DECLINE_PHRASES: &[&[&str]] = &[
    &["gone", "downhill"],
    &["going", "downhill"],
    &["went", "downhill"],
    &["goes", "downhill"],
    &["headed", "downhill"],
    &["heading", "downhill"],
    &["gone", "down", "hill"],
    &["went", "down", "hill"],
    &["gone", "to", "pot"],
    &["gone", "to", "the", "dogs"],
    &["gone", "down", "the", "drain"],
    &["not", "what", "it", "used", "to", "be"],
    &["not", "what", "they", "used", "to", "be"],
    &["isn't", "what", "it", "used", "to", "be"],
    &["aren't", "what", "they", "used", "to", "be"],
    &["not", "as", "good", "as", "it", "used", "to", "be"],
    &["not", "as", "good", "as", "they", "used", "to", "be"],
    &["not", "the", "same", "anymore"],
    &["not", "the", "same", "since"],
    &["isn't", "the", "same", "anymore"],
    &["shadow", "of", "its", "former", "self"],
    &["lost", "its", "touch"],
    &["lost", "their", "touch"],
    &["lost", "its", "charm"],
    &["lost", "its", "way"],
    &["lost", "its", "magic"],
    &["standards", "have", "slipped"],
    &["standards", "have", "dropped"],
    &["quality", "has", "dropped"],
    &["quality", "has", "declined"],
    &["quality", "has", "slipped"],
    &["quality", "has", "gone", "down"],
];
/// Markers of the later state ("now", "not anymore").
const LATER: &[&[&str]] = &[
    &["now"],
    &["nowadays"],
    &["anymore"],
    &["lately"],
    &["these", "days"],
    &["no", "longer"],
    &["any", "more"],
];
/// Words before "used to" that make it "accustomed" or "utilised" ("I'm used to it").
const NOT_HABIT: &[&str] = &[
    "am", "i'm", "im", "is", "are", "was", "were", "be", "been", "being", "get", "got", "gets",
    "getting", "become", "we're", "you're", "they're", "he's", "she's", "it's",
];
/// Verbs after "used to" of a past habit or state ("used to be", "used to
/// love"); "those used to 35mm cameras" is no past state.
const HABIT_VERBS: &[&str] = &[
    "be",
    "love",
    "like",
    "enjoy",
    "adore",
    "go",
    "come",
    "eat",
    "get",
    "order",
    "have",
    "make",
    "serve",
    "rave",
    "recommend",
    "visit",
    "frequent",
    "buy",
    "shop",
    "drink",
    "stop",
    "pop",
    "bring",
    "take",
    "call",
    "give",
    "do",
    "offer",
    "sell",
    "taste",
    "look",
    "feel",
    "care",
];
/// Words before a past state that make it a comparison or a memory, not a
/// decline ("just like my nan used to make", "better than it used to be").
const NOSTALGIA: &[&str] = &[
    "like", "reminds", "remind", "reminded", "as", "than", "same", "how", "what",
];
/// Words after "once" that make it a conjunction or a count ("once we sat", "once again").
const NOT_ONCE_STATE: &[&str] = &[
    "again", "more", "i", "we", "you", "they", "he", "she", "it", "a", "or", "in", "every",
    "inside", "there", "seated", "served",
];
/// Words of the earlier state that praise without a lexicon valence ("my favourite").
const FAVOURITES: &[&str] = &[
    "favourite",
    "favourites",
    "fave",
    "fav",
    "favorite",
    "go-to",
];
/// How many words after "once" its praise may come ("once truly excellent").
const ONCE_PRAISE_WORDS: usize = 3;
/// Praise of the earlier state this strong (lexicon scale) makes a decline.
const EARLIER_PRAISE: f32 = 1.0;
/// Weight of a decline over time.
const DECLINE_WEIGHT: f32 = -1.8;
/// Note of a decline's term.
const DECLINE: &str = " (decline over time)";
/// Note of a word of the earlier state that no longer counts.
pub(crate) const EARLIER_STATE: &str = " (earlier state)";

/// Subordinators that open the conceded part ("although", "though").
const CONCEDING: &[&str] = &["although", "though", "tho", "while", "whilst", "albeit"];
/// Sentence openers that concede the previous sentence ("That said, ...").
const CONCEDED_BEFORE: &[&[&str]] = &[
    &["that", "said"],
    &["having", "said", "that"],
    &["nonetheless"],
    &["nevertheless"],
    &["still", ","],
    &["then", "again"],
];
/// Conceded part: this share of its weight.
const CONCEDED_SCALAR: f32 = 0.5;
/// Main part after a concession: this share of its weight.
const MAIN_SCALAR: f32 = 1.5;

/// Words that start a rule of this file: the rarest word of each phrase,
/// the earlier-state markers and the concession words.
pub(crate) const TRIGGERS: &[&str] = &[
    "downhill",
    "hill",
    "pot",
    "dogs",
    "drain",
    "used",
    "use",
    "same",
    "shadow",
    "lost",
    "standards",
    "quality",
    "once",
    "formerly",
    "previously",
    "although",
    "though",
    "tho",
    "while",
    "whilst",
    "albeit",
    "said",
    "nonetheless",
    "nevertheless",
    "still",
    "again",
];

/// Decline over time: the phrases, then an earlier state ("used to",
/// "once", "formerly") against a later one ("now", "not anymore").
pub(crate) fn decline(t: &Tokens, hits: &mut Vec<Hit>) {
    for k in 0..t.len() {
        if !triggers(t, k, TRIGGERS) {
            continue;
        }
        if let Some((start, p)) = phrase_around(t, k, DECLINE_PHRASES) {
            let end = start + p.len();
            let complained = hits
                .iter()
                .any(|h| h.start <= start && start < h.end && h.weight < 0.0);
            if !complained {
                for h in hits.iter_mut().filter(|h| (start..end).contains(&h.anchor)) {
                    h.weight = 0.0;
                }
                push(hits, start, end, DECLINE_WEIGHT, DECLINE);
            }
            continue;
        }
        if let Some((len, needs_later)) = earlier_state(t, k, hits) {
            earlier_against_later(t, k, len, needs_later, hits);
        }
    }
}

/// An earlier-state marker at `k`: its length and whether a later-state
/// marker must follow ("once" must: "once great, now ..."; "used to" need not).
fn earlier_state(t: &Tokens, k: usize, hits: &[Hit]) -> Option<(usize, bool)> {
    let prev = k.checked_sub(1).map(|p| t.text(p));
    match t.text(k) {
        "used" | "use" if t.get(k + 1) == "to" && HABIT_VERBS.contains(&t.get(k + 2)) => {
            (!prev.is_some_and(|p| NOT_HABIT.contains(&p))).then_some((2, false))
        }
        "once" | "formerly" | "previously" => {
            if matches!(prev, Some("at" | "for" | "than" | "all")) {
                return None;
            }
            if NOT_ONCE_STATE.contains(&t.get(k + 1)) && t.get(k + 1) != "a" {
                return None;
            }
            let praised = hits
                .iter()
                .any(|h| h.weight > 0.0 && h.anchor > k && h.anchor <= k + ONCE_PRAISE_WORDS)
                || (k + 1..k + 1 + ONCE_PRAISE_WORDS).any(|j| FAVOURITES.contains(&t.get(j)));
            let was = matches!(prev, Some("was" | "were" | "it's" | "had"));
            praised.then_some((1, !was))
        }
        _ => None,
    }
}

/// The earlier state at `e` (marker of `len` words) against what follows:
/// earlier praise with no praise after it is a decline ("used to be great",
/// "once excellent, now mediocre"); an earlier complaint followed by
/// praise is an improvement ("used to be slow, now it's quick").
fn earlier_against_later(t: &Tokens, e: usize, len: usize, needs_later: bool, hits: &mut Vec<Hit>) {
    let sentence_start = (0..e)
        .rev()
        .find(|&k| is_sentence_end(t, k))
        .map_or(0, |k| k + 1);
    let nostalgic = (sentence_start..e)
        .rev()
        .take(4)
        .take_while(|&k| t.kind(k) != Kind::Punct)
        .any(|k| NOSTALGIA.contains(&t.text(k)));
    let sentence_end = sentence_end_after(t, e);
    if nostalgic || (e..sentence_end).any(|k| t.text(k) == "still") || covered(hits, e) {
        return;
    }
    // The later state may follow in the next sentence ("It used to be great. Now ...").
    let search_end = sentence_end_after(t, sentence_end + 1).min(t.len());
    let later = (e + len..search_end).find_map(|k| phrase_at(t, k, LATER).map(|m| (k, m.len())));
    if later.is_none() && needs_later {
        return;
    }
    let earlier_end = match later {
        Some((l, _)) => l,
        None => (e + len..sentence_end)
            .find(|&k| t.kind(k) == Kind::Punct)
            .unwrap_or(sentence_end),
    };
    let later_range = match later {
        Some((l, n)) => l + n..sentence_end_after(t, l),
        None => earlier_end..earlier_end,
    };
    let earlier = e + len..earlier_end;
    let favourite = earlier.clone().any(|k| FAVOURITES.contains(&t.text(k)));
    let earlier_praise = weight_in(hits, earlier.clone(), true);
    let later_praise = weight_in(hits, later_range.clone(), true);
    let later_complaint = weight_in(hits, later_range, false);
    if earlier_praise >= EARLIER_PRAISE || favourite {
        if later_praise > 0.0 && later_complaint == 0.0 {
            return; // "used to be good, now it's even better"
        }
        mute_noted(hits, earlier, |w| w > 0.0, EARLIER_STATE);
        push(hits, e, e + len, DECLINE_WEIGHT, DECLINE);
    } else if weight_in(hits, earlier.clone(), false) < 0.0 && later_praise > 0.0 {
        mute_noted(hits, earlier, |w| w < 0.0, EARLIER_STATE);
    }
}

/// The index of the sentence end at or after `k` (or the text's length).
fn sentence_end_after(t: &Tokens, k: usize) -> usize {
    (k..t.len())
        .find(|&j| is_sentence_end(t, j))
        .unwrap_or(t.len())
}

/// Concessions besides "but" and "however": "although A, B" and "B,
/// although A" weigh A half and B half as much again; "A. That said, B"
/// and "B though." concede the previous sentence.
pub(crate) fn concession(t: &Tokens, hits: &mut [Hit]) {
    if hits.is_empty() {
        return;
    }
    let mut previous: Option<(usize, usize)> = None;
    for (s, end) in sentences(t) {
        let first = skip_fillers(t, s, end, &["and", "but", "so"]);
        let opener = (first..end)
            .take(3)
            .any(|k| is_trigger(t, k))
            .then(|| phrase_at(t, first, CONCEDED_BEFORE))
            .flatten();
        let trailing_though = end >= 2
            && end - 1 > first
            && is_trigger(t, end - 1)
            && matches!(t.text(end - 1), "though" | "tho");
        if opener.is_some() || trailing_though {
            if let Some((ps, pe)) = previous {
                scale(hits, ps..pe, CONCEDED_SCALAR);
                scale(hits, s..end, MAIN_SCALAR);
            }
        } else if let Some(c) =
            (first..end).find(|&k| is_trigger(t, k) && CONCEDING.contains(&t.text(k)))
        {
            conceding_clause(t, first, c, end, hits);
        }
        previous = Some((s, end));
    }
}

/// "Although A, B" (the subordinator opens the sentence: A ends at the
/// first comma) or "B, although A" (A runs to the sentence's end).
fn conceding_clause(t: &Tokens, first: usize, c: usize, end: usize, hits: &mut [Hit]) {
    // "while" is a concession only at the start ("while the food was good, ...").
    let opens = c == first || t.text(c) == "though" && c == first + 1 && t.text(first) == "even";
    if matches!(t.text(c), "while" | "whilst") && !opens {
        return;
    }
    if opens {
        let Some(comma) = (c + 1..end).find(|&k| t.text(k) == ",") else {
            return;
        };
        scale(hits, c..comma, CONCEDED_SCALAR);
        scale(hits, comma + 1..end, MAIN_SCALAR);
    } else if c + 1 < end {
        scale(hits, first..c, MAIN_SCALAR);
        scale(hits, c + 1..end, CONCEDED_SCALAR);
    }
}

fn scale(hits: &mut [Hit], range: std::ops::Range<usize>, factor: f32) {
    for h in hits.iter_mut().filter(|h| range.contains(&h.anchor)) {
        h.weight *= factor;
    }
}

#[cfg(test)]
mod tests {
    use crate::sentiment::Label;
    use crate::sentiment::{has_term_for_tests as has_term, score_for_tests as score};

    fn label(text: &str) -> Label {
        score(text).label
    }

    #[test]
    fn a_decline_over_time_is_a_complaint() {
        for text in [
            "Once excellent, now mediocre.",
            "Used to be my favourite, not anymore.",
            "This place has really gone downhill since the new owners.",
            "It used to be great. Now the portions are tiny.",
            "I used to love this place.",
            "Once a lovely little gem, now just another chain.",
            "The bakery is not what it used to be.",
            "Sadly the kitchen has lost its touch.",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "Once excellent, now mediocre.",
            "once (decline over time)"
        ));
        assert!(has_term(
            "Once excellent, now mediocre.",
            "excellent (earlier state)"
        ));
    }

    #[test]
    fn the_later_state_wins_either_way() {
        for text in [
            "It used to be slow, now it's quick and friendly.",
            "Used to be good, now it's even better!",
            "Used to be great and still is.",
            "Just like the bread my nan used to make, delicious.",
            "Once seated, the service was excellent.",
            "For once the service was great.",
            "Once again a great meal.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        // Accustomed or utilised is no earlier state.
        assert_ne!(
            label("I'm used to great coffee and this was great too."),
            Label::Negative
        );
        assert_ne!(label("Downhill skiing nearby, lovely."), Label::Negative);
    }

    #[test]
    fn a_concession_leans_on_the_main_part() {
        for (text, expected) in [
            (
                "Although the food was good, the wait was ridiculous.",
                Label::Negative,
            ),
            (
                "The wait was ridiculous, although the food was good.",
                Label::Negative,
            ),
            (
                "Even though the room was a bit noisy, the staff were wonderful.",
                Label::Positive,
            ),
            (
                "Great food. Service was terribly slow though.",
                Label::Negative,
            ),
            (
                "The waiter was a bit rude. That said, the food was superb.",
                Label::Positive,
            ),
            (
                "The wait was long, but the food was worth it.",
                Label::Positive,
            ),
            (
                "The food was good but the wait was ridiculous.",
                Label::Negative,
            ),
        ] {
            assert_eq!(label(text), expected, "{text}: {:?}", score(text));
        }
        // "while" mid-sentence is time, not a concession.
        let plain = score("The staff were friendly and the food was cold.").value;
        let with_while = score("The staff were friendly while the food was cold.").value;
        assert_eq!(plain, with_while);
    }
}
