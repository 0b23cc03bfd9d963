//! Rhetoric: the form of a sentence says more than its words.
//! - Rhetorical questions complain: "how hard is it to get an order
//!   right?", "is it too much to ask for a clean table?", "why does it
//!   always take an hour?".
//! - Sarcastic openers: "Great, another cold pizza", "Just perfect, they
//!   lost my booking": the opener's praise turns round when the rest complains.
//! - Questions and plans are no verdict: "is delivery free on weekends?",
//!   "going to try the new menu next week" (their words do not count).

use super::engine::Hit;
use super::families::{
    at, is_trigger, mute_noted, phrase_at, sentences, skip_fillers, triggers, weight_in,
};
use super::patterns::push;
use super::scope::is_sentence_end;
use super::tokenize::{Kind, Tokens};
use super::words::{NEGATION_SCALAR, NEGATOR, ORDER};

/// Words that may open a sentence before its real start ("Honestly, how hard ...").
const FILLERS: &[&str] = &[
    "so",
    "seriously",
    "honestly",
    "and",
    "but",
    "really",
    "ok",
    "okay",
    "well",
    "like",
    "um",
    "come",
    "on",
    "guys",
    "oh",
    "just",
    "now",
];
/// How many words into a sentence its rhetorical frame or opener starts
/// ("Oh well, just perfect, ...", "Honestly, how hard ...").
const OPENING_WORDS: usize = 6;
/// Adjectives of "how hard is it to ...".
const HARD: &[&str] = &["hard", "difficult", "tough", "complicated"];
/// Verbs between "how hard" and "it" ("how hard can it be").
const HARD_VERBS: &[&str] = &["is", "was", "can", "could", "would", "should", "will", "'s"];
/// Words that make a "why" question a complaint: a habit ("always") or disbelief ("even").
const WHY_MARKERS: &[&str] = &[
    "always",
    "never",
    "constantly",
    "forever",
    "still",
    "even",
    "everytime",
    "continually",
];
/// How many words after "why" its marker may come ("why does it always").
const WHY_MARKER_WORDS: usize = 5;
/// Contracted negators that make "why" a complaint ("why can't they ...").
const WHY_NEGATORS: &[&str] = &[
    "can't", "won't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "couldn't", "wouldn't",
    "haven't", "hasn't", "cant", "wont", "doesnt", "didnt", "isnt", "arent",
];
/// Verbs of "who trains these people?".
const WHO_VERBS: &[&str] = &[
    "trains", "trained", "hires", "hired", "thought", "approved", "designed", "taught",
];
/// Subjects of "do they even ...?".
const EVEN_SUBJECTS: &[&str] = &[
    "they", "you", "anyone", "anybody", "people", "staff", "someone", "it", "he", "she",
];
/// Auxiliaries that open "do they even ...?".
const EVEN_AUX: &[&str] = &["do", "does", "did", "is", "are", "can", "was", "were"];
/// Disbelief at what happened ("are you kidding me?").
const KIDDING: &[&[&str]] = &[
    &["are", "you", "kidding"],
    &["are", "you", "joking"],
    &["are", "you", "serious"],
    &["you", "kidding"],
    &["you", "joking"],
];
/// What "where is my ...?" asks after besides orders and food.
const AWAITED: &[&str] = &[
    "refund", "money", "reply", "callback", "answer", "table", "waiter", "food", "pizza",
];
/// Weight of a rhetorical question.
const RHETORICAL_WEIGHT: f32 = -1.8;
/// Note of a rhetorical question's term.
pub(crate) const RHETORICAL: &str = " (rhetorical question)";
/// Note of praise inside a rhetorical question: it names what was missing.
pub(crate) const MISSING_IN_QUESTION: &str = " (missing, rhetorical question)";

/// Praise words that open a sarcastic sentence ("Great, another cold pizza").
pub(crate) const OPENER_PRAISE: &[&str] = &[
    "great",
    "wonderful",
    "perfect",
    "lovely",
    "fantastic",
    "brilliant",
    "awesome",
    "terrific",
    "super",
    "marvellous",
    "marvelous",
    "fabulous",
    "excellent",
    "splendid",
    "nice",
    "amazing",
    "superb",
];
/// Words before the opener's praise ("Oh wonderful", "Just perfect").
const OPENER_LEADS: &[&str] = &["oh", "just", "well", "so", "gee", "wow", "how", "yay", "ah"];
/// Words that open a concession rather than sarcasm ("Lovely, but the wait ...").
const CONCESSIVE: &[&str] = &[
    "but", "however", "except", "although", "though", "if", "apart",
];
/// The rest of the sentence must complain at least this much (lexicon scale).
const OPENER_REST_COMPLAINT: f32 = -0.9;
/// Praise in a sarcastic opener keeps this share of its size, with the sign flipped.
const OPENER_FLIP: f32 = -0.9;
/// Note of a sarcastic opener's term.
const SARCASTIC_OPENER: &str = " (sarcastic opener)";

/// Words that open a question asking for information ("is", "when", "any").
const ASKING_OPENERS: &[&str] = &[
    "is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should",
    "shall", "has", "have", "had", "what", "what's", "whats", "when", "where", "which", "how",
    "any", "anyone", "anybody",
];
/// Subjects after the auxiliary that make a question the writer's own
/// verdict set up ("Would I recommend it? Absolutely.").
const SELF_SUBJECTS: &[&str] = &["i", "we"];
/// Openers that, before "I" or "we", set up the writer's own verdict
/// ("Would I go back?"), unlike "can I book ...?".
const SELF_VERDICT_OPENERS: &[&str] = &["would", "will", "did", "was", "were"];
/// Negated copulas of a question that praises ("isn't it lovely?").
const PRAISING_OPENERS: &[&str] = &["isn't", "wasn't", "aren't", "weren't", "isnt", "wasnt"];
/// Negators of "who doesn't love ...?".
const WHO_NEGATORS: &[&str] = &[
    "doesn't", "wouldn't", "couldn't", "can't", "won't", "doesnt",
];
/// How many words after the subject the praise of "isn't it ...?" may come.
const PRAISING_WORDS: usize = 3;
/// Note of praise a negated question affirms.
const RHETORICAL_PRAISE: &str = " (rhetorical praise)";
/// Answers that make the question before them a verdict ("Was it worth it? Yes!").
const ANSWERS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "absolutely",
    "definitely",
    "totally",
    "no",
    "nope",
    "hell",
    "of",
    "sure",
    "heck",
    "100",
];
/// Note of a word that does not count inside a question.
pub(crate) const IN_QUESTION: &str = " (in a question)";

/// Markers of a plan at a clause's start, after its subject.
const PLAN_MARKERS: &[&[&str]] = &[
    &["will"],
    &["shall"],
    &["going", "to"],
    &["gonna"],
    &["planning", "to"],
    &["planning", "on"],
    &["plan", "to"],
    &["plans", "to"],
    &["intend", "to"],
];
/// Subjects of a plan ("I'll", "we are going to").
const PLAN_SUBJECTS: &[&str] = &[
    "i",
    "we",
    "i'll",
    "we'll",
    "i'm",
    "we're",
    "am",
    "are",
    "im",
    "ill",
    "will",
    "also",
    "then",
    "probably",
    "definitely",
    "maybe",
    "next",
    "week",
    "time",
];
/// Verbs of a plan that give no verdict ("will post", "going to try").
const PLAN_VERBS: &[&str] = &[
    "post", "update", "report", "try", "book", "test", "check", "write", "call", "order", "edit",
    "add", "share", "ask", "decide",
];
/// Words after a plan verb that make it a verdict ("will try somewhere
/// else") or a return, which is praise ("will order again").
const PLAN_VERDICTS: &[&str] = &[
    "elsewhere",
    "else",
    "another",
    "somewhere",
    "different",
    "again",
    "back",
];
/// How many words into its clause a plan's marker may come.
const PLAN_MARKER_WORDS: usize = 5;
/// Note of a word that does not count inside a plan.
pub(crate) const IN_PLAN: &str = " (in a plan)";

/// Words that start a rule of this file (besides [`OPENER_PRAISE`]).
pub(crate) const TRIGGERS: &[&str] = &[
    "how", "too", "would", "will", "shall", "going", "gonna", "planning", "plan", "plans",
    "intend", "i'll", "we'll",
];

/// Applies the rules of this file; `triggered` says some word starts one
/// (questions are checked whenever the text has a "?").
pub(crate) fn apply(t: &Tokens, hits: &mut Vec<Hit>, triggered: bool) {
    for (s, end) in sentences(t) {
        let question = t.get(end) == "?";
        // Outside a question every rule here opens with a trigger word in
        // the sentence's first few words: bit tests first, text after.
        let opens = (s..end)
            .take(OPENING_WORDS)
            .any(|k| triggers(t, k, TRIGGERS) || triggers(t, k, OPENER_PRAISE));
        if !question && !opens {
            continue;
        }
        let first = skip_fillers(t, s, end, FILLERS);
        if first >= end {
            continue;
        }
        let rhetorical = rhetorical_question(t, s, first, end, hits);
        if question && !rhetorical && !praising_question(t, first, end, hits) {
            not_a_verdict(t, s, first, end, hits);
        }
        if opens {
            sarcastic_opener(t, s, end, hits);
        }
    }
    if triggered {
        plans(t, hits);
    }
}

/// A rhetorical question: where it starts and ends, and whether praise in
/// it names what was missing ("how hard is it to get a decent coffee?").
struct Frame {
    start: usize,
    end: usize,
    praise_missing: bool,
}

/// Finds a rhetorical question in the sentence `first..end` and scores it.
/// Strong frames ("how hard is it", "too much to ask", "how many times")
/// need no "?"; the others ("why does it always", "who trains") do, and do
/// not fire when the question praises ("why is it always so good?").
fn rhetorical_question(
    t: &Tokens,
    s: usize,
    first: usize,
    end: usize,
    hits: &mut Vec<Hit>,
) -> bool {
    let question = t.get(end) == "?";
    let frame = strong_frame(t, first, end)
        .or_else(|| question.then(|| weak_frame(t, first, end)).flatten());
    let Some(frame) = frame else {
        return false;
    };
    let praise = weight_in(hits, first..frame.start, true) + weight_in(hits, frame.end..end, true);
    if !frame.praise_missing && praise > 0.0 {
        return false;
    }
    if frame.praise_missing {
        mute_noted(hits, frame.end..end, |w| w > 0.0, MISSING_IN_QUESTION);
    }
    // The frame's own words ("hard", "too much", "kidding") are the
    // question, and an opener before it ("Honestly, ...") is emphasis.
    for h in hits.iter_mut() {
        if (frame.start..frame.end).contains(&h.anchor) || (s..first).contains(&h.anchor) {
            h.weight = 0.0;
        }
    }
    push(hits, frame.start, frame.end, RHETORICAL_WEIGHT, RHETORICAL);
    true
}

/// "how hard is it (to)", "how hard can it be", "is it (really) that hard",
/// "is it too much to ask", "would it kill them", "how many times".
fn strong_frame(t: &Tokens, first: usize, end: usize) -> Option<Frame> {
    let f = first;
    let frame = |start: usize, len: usize| {
        Some(Frame {
            start,
            end: (start + len).min(end),
            praise_missing: true,
        })
    };
    if t.text(f) == "how" && HARD.contains(&t.get(f + 1)) && HARD_VERBS.contains(&t.get(f + 2)) {
        let it = (f + 3..(f + 6).min(end)).find(|&k| t.text(k) == "it")?;
        let len = if t.get(it + 1) == "be" {
            it + 2 - f
        } else {
            it + 1 - f
        };
        return frame(f, len);
    }
    if matches!(t.text(f), "is" | "was") && t.get(f + 1) == "it" {
        let mut k = f + 2;
        if t.get(k) == "really" {
            k += 1;
        }
        if matches!(t.get(k), "that" | "so") && HARD.contains(&t.get(k + 1)) {
            return frame(f, k + 2 - f);
        }
    }
    if t.text(f) == "would" && t.get(f + 1) == "it" && matches!(t.get(f + 2), "kill" | "hurt") {
        return frame(f, 3);
    }
    if at(t, f, &["how", "many", "times"]) || at(t, f, &["how", "many", "more", "times"]) {
        return frame(f, if t.get(f + 2) == "more" { 4 } else { 3 });
    }
    // "Is it too much to ask" may stand without its "?" and after other words.
    let ask = (f..end).find(|&k| is_trigger(t, k) && at(t, k, &["too", "much", "to", "ask"]))?;
    if (f..ask).any(|k| t.toks[k].info.is(NEGATOR)) {
        return None;
    }
    let asked = ask >= f + 2
        && matches!(t.text(ask - 2), "is" | "was" | "'s")
        && matches!(t.text(ask - 1), "it" | "that" | "this");
    let start = if asked { ask - 2 } else { ask };
    (asked || t.get(end) == "?").then(|| Frame {
        start,
        end: ask + 4,
        praise_missing: true,
    })
}

/// "why does it always ...?", "why can't they ...?", "who trains these
/// people?", "what happened to ...?", "do they even ...?", "where is my
/// order?". Only in a question.
fn weak_frame(t: &Tokens, f: usize, end: usize) -> Option<Frame> {
    let frame = |len: usize, praise_missing: bool| {
        Some(Frame {
            start: f,
            end: (f + len).min(end),
            praise_missing,
        })
    };
    match t.text(f) {
        "why" => {
            let next = t.get(f + 1);
            if next == "bother" || at(t, f + 1, &["do", "i", "bother"]) {
                return frame(if next == "bother" { 2 } else { 4 }, false);
            }
            let suggestion =
                matches!(next, "don't" | "dont") && matches!(t.get(f + 2), "you" | "we");
            if WHY_NEGATORS.contains(&next) && !suggestion {
                return frame(2, false);
            }
            let marker = (f + 1..end)
                .take(WHY_MARKER_WORDS)
                .find(|&k| WHY_MARKERS.contains(&t.text(k)) || at(t, k, &["every", "time"]))?;
            frame(marker + 1 - f, false)
        }
        "are" | "you" if phrase_at(t, f, KIDDING).is_some() => {
            let len = phrase_at(t, f, KIDDING).map_or(0, |k| k.len());
            frame(len, false)
        }
        "who" if WHO_VERBS.contains(&t.get(f + 1)) => frame(2, true),
        "what" if at(t, f + 1, &["happened", "to"]) => frame(3, true),
        "what's" | "whats" if at(t, f + 1, &["the", "point"]) => frame(3, false),
        "what" if at(t, f + 1, &["is", "the", "point"]) => frame(4, false),
        "where" | "where's" | "wheres" => {
            let verb = matches!(t.get(f + 1), "is" | "are" | "'s");
            (verb || t.text(f) != "where").then_some(())?;
            let (own, thing) = if verb {
                (t.get(f + 2), f + 3)
            } else {
                (t.get(f + 1), f + 2)
            };
            let awaited = thing < end
                && (t.toks[thing].info.class & ORDER != 0 || AWAITED.contains(&t.text(thing)));
            (matches!(own, "my" | "our") && awaited).then_some(())?;
            frame(thing + 1 - f, false)
        }
        aux if EVEN_AUX.contains(&aux) => {
            let subject = EVEN_SUBJECTS.contains(&t.get(f + 1))
                || t.get(f + 1) == "the" && t.get(f + 3) == "even";
            let even = (f + 2..(f + 4).min(end)).find(|&k| t.text(k) == "even")?;
            subject.then_some(())?;
            frame(even + 1 - f, false)
        }
        _ => None,
    }
}

/// A question that asks for information is no verdict: its praise words do
/// not count ("is delivery free on weekends?", "is the pizza any good?").
/// Not a question that exclaims ("isn't it lovely?", "how good is that?",
/// "who doesn't love ...?"), compares ("is there anything better?"), or is
/// answered at once ("Would I go back? Absolutely!").
fn not_a_verdict(t: &Tokens, s: usize, first: usize, end: usize, hits: &mut [Hit]) {
    let opener = t.text(first);
    if !ASKING_OPENERS.contains(&opener) {
        return;
    }
    if (first..end).any(|k| t.toks[k].info.is(NEGATOR)) {
        return;
    }
    if SELF_SUBJECTS.contains(&t.get(first + 1)) && SELF_VERDICT_OPENERS.contains(&opener) {
        return;
    }
    // "Have you tried their amazing croissants?": a recommendation, not a query.
    if matches!(opener, "have" | "did" | "has") && t.get(first + 1) == "you" {
        return;
    }
    let exclaims = opener == "how" && hits.iter().any(|h| h.anchor == first + 1 && h.weight > 0.0);
    let compares = (first..end).any(|k| matches!(t.text(k), "better" | "best" | "ever" | "than"));
    // "Where has this place been all my life?!": a question that exclaims.
    let exclaims = exclaims || t.get(end + 1) == "!";
    // A question with a complaint in it keeps its praise too (the words weigh each other).
    let complains = weight_in(hits, s..end, false) < 0.0;
    if exclaims || compares || complains || answered(t, end) {
        return;
    }
    mute_noted(hits, s..end, |w| w > 0.0, IN_QUESTION);
}

/// "Isn't it lovely?", "who doesn't love fresh bread?": the negation asks for
/// agreement, so the praise it negated counts as praise. Returns whether it applied.
fn praising_question(t: &Tokens, first: usize, end: usize, hits: &mut [Hit]) -> bool {
    let neg = if PRAISING_OPENERS.contains(&t.text(first)) {
        first
    } else if t.text(first) == "who" && WHO_NEGATORS.contains(&t.get(first + 1)) {
        first + 1
    } else {
        return false;
    };
    let praise = neg + 1..(neg + 2 + PRAISING_WORDS).min(end);
    let mut applied = false;
    for h in hits.iter_mut() {
        let negated_praise = h.start == neg && h.weight < 0.0;
        let own_valence = t.toks[h.anchor].info.valence.is_some_and(|v| v > 0.0);
        if praise.contains(&h.anchor) && negated_praise && own_valence {
            h.weight /= NEGATION_SCALAR;
            h.note = RHETORICAL_PRAISE;
            applied = true;
        }
    }
    applied
}

/// Whether the sentence after the "?" at `end` opens with an answer ("Yes!").
fn answered(t: &Tokens, end: usize) -> bool {
    let next = (end + 1..t.len()).find(|&k| t.kind(k) != Kind::Punct);
    next.is_some_and(|k| ANSWERS.contains(&t.text(k)))
}

/// A sentence opened by a praise word and a comma ("Great, the delivery is
/// late again", "Just perfect. They lost my booking.") whose rest only
/// complains: the praise is sarcasm. "Great, another ..." is sarcasm by itself.
fn sarcastic_opener(t: &Tokens, s: usize, end: usize, hits: &mut [Hit]) {
    let mut p = s;
    while p < end && OPENER_LEADS.contains(&t.text(p)) {
        p += 1;
    }
    if p >= end || !OPENER_PRAISE.contains(&t.text(p)) {
        return;
    }
    let after = p + 1;
    let another = t.get(after) == "another" || is_punct(t, after) && t.get(after + 1) == "another";
    let clause_break = after >= end || t.kind(after) == Kind::Punct || another;
    if !clause_break {
        return;
    }
    // The rest: this sentence after the opener, or the next one ("Perfect. They lost it.").
    let rest_start = if after < end && t.kind(after) == Kind::Punct {
        after + 1
    } else {
        after
    };
    let rest = if rest_start < end {
        rest_start..end
    } else {
        let next_end = (end + 1..t.len())
            .find(|&k| is_sentence_end(t, k))
            .unwrap_or(t.len());
        end + 1..next_end
    };
    if rest.is_empty() || CONCESSIVE.contains(&t.get(rest.start)) {
        return;
    }
    let praise = weight_in(hits, rest.clone(), true);
    let complaint = weight_in(hits, rest, false);
    let sarcastic = praise == 0.0 && (complaint <= OPENER_REST_COMPLAINT || another);
    if !sarcastic {
        return;
    }
    for h in hits.iter_mut() {
        if h.anchor == p && h.weight > 0.0 {
            h.weight *= OPENER_FLIP;
            h.start = s;
            h.note = SARCASTIC_OPENER;
        }
    }
}

/// A plan is no verdict: "will post again after the second appointment",
/// "going to try the famous burger next week". The praise after a plan verb
/// at a clause's start does not count (a complaint does: "I'll call the
/// manager about the rude waiter"). Not a plan that is a verdict ("will try
/// somewhere else", "will order again").
fn plans(t: &Tokens, hits: &mut [Hit]) {
    let mut clause_start = 0;
    for k in 0..=t.len() {
        if k < t.len() && t.kind(k) != Kind::Punct {
            continue;
        }
        if k > clause_start {
            plan_clause(t, clause_start, k, hits);
        }
        clause_start = k + 1;
    }
}

/// One clause `start..end` of [`plans`].
fn plan_clause(t: &Tokens, start: usize, end: usize, hits: &mut [Hit]) {
    // A plan's marker comes in its first few words ("we are going to").
    if !(start..end)
        .take(PLAN_MARKER_WORDS)
        .any(|k| is_trigger(t, k))
    {
        return;
    }
    let mut k = skip_fillers(t, start, end, FILLERS);
    let mut planned = false;
    while k < end {
        if let Some(m) = phrase_at(t, k, PLAN_MARKERS) {
            planned = true;
            k += m.len();
        } else if PLAN_SUBJECTS.contains(&t.text(k)) {
            planned |= matches!(t.text(k), "i'll" | "we'll" | "ill");
            k += 1;
        } else {
            break;
        }
    }
    if !planned || k >= end || !PLAN_VERBS.contains(&t.text(k)) {
        return;
    }
    if (k..end).any(|j| PLAN_VERDICTS.contains(&t.text(j)) || t.toks[j].info.is(NEGATOR)) {
        return;
    }
    mute_noted(hits, k..end, |w| w > 0.0, IN_PLAN);
}

/// Whether token `k` exists and is punctuation.
fn is_punct(t: &Tokens, k: usize) -> bool {
    k < t.len() && t.kind(k) == Kind::Punct
}

#[cfg(test)]
mod tests {
    use crate::sentiment::Label;
    use crate::sentiment::{has_term_for_tests as has_term, score_for_tests as score};

    fn label(text: &str) -> Label {
        score(text).label
    }

    #[test]
    fn rhetorical_questions_complain() {
        for text in [
            "How hard is it to get an order right?",
            "how hard can it be to serve a hot coffee",
            "Is it too much to ask for a clean table?",
            "Is it really that difficult to answer the phone?",
            "Why does it always take an hour?",
            "Why can't they get a simple booking right?",
            "Who trains these people?",
            "What happened to the decent portions?",
            "Do they even read their emails?",
            "Does anyone there even check the voicemail?",
            "Where is my refund?",
            "Where's my order? It's been an hour.",
            "How many times do I have to call before someone picks up?",
            "Honestly, would it kill them to say hello?",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "how hard is it to get an order right?",
            "how hard is it (rhetorical question)"
        ));
        assert!(has_term(
            "Why does it always take an hour?",
            "why does it always (rhetorical question)"
        ));
    }

    #[test]
    fn praise_in_a_rhetorical_question_is_what_was_missing() {
        let text = "How hard is it to make a decent, good coffee?";
        assert_eq!(label(text), Label::Negative, "{:?}", score(text));
        assert!(has_term(text, "good (missing, rhetorical question)"));
    }

    #[test]
    fn genuine_questions_are_not_rhetorical() {
        for text in [
            "How hard is the climbing wall for kids?",
            "Is it too spicy for children?",
            "Why does sourdough need to rise overnight?",
            "Why don't you try the lasagne next time?",
            "Where is the nearest branch?",
            "Do they deliver on Sundays?",
            "What time do they open?",
            "Nothing was too much to ask, they did it all.",
        ] {
            let s = score(text);
            assert!(
                !s.terms.iter().any(|t| t.term.contains("rhetorical")),
                "{text}: {s:?}"
            );
        }
        for text in [
            "Why does sourdough need to rise overnight?",
            "Why don't you try the lasagne next time?",
            "Where is the nearest branch?",
            "Do they deliver on Sundays?",
        ] {
            assert_eq!(label(text), Label::Neutral, "{text}: {:?}", score(text));
        }
        // A "why" that marvels is praise.
        assert_eq!(label("Why is their bread always so good?"), Label::Positive);
    }

    #[test]
    fn sarcastic_openers_complain() {
        for text in [
            "Oh wonderful, the delivery is late again",
            "Great, another cold pizza",
            "Just perfect, they lost my booking",
            "Perfect. They lost my booking.",
            "Brilliant, two hours on hold and then cut off.",
            "Great, another price rise.",
        ] {
            let s = score(text);
            assert_eq!(s.label, Label::Negative, "{text}: {s:?}");
            // Learned leanings ("price" is a little positive in reviews) may stay.
            let rules = s
                .terms
                .iter()
                .filter(|t| !t.term.ends_with(super::super::LEARNED_NOTE));
            assert!(rules.clone().all(|t| t.weight <= 0.0), "{text}: {s:?}");
        }
        assert!(has_term(
            "Just perfect, they lost my booking",
            "just perfect (sarcastic opener)"
        ));
    }

    #[test]
    fn sincere_openers_stay_praise() {
        for text in [
            "Great, thanks for your help!",
            "Perfect, that's exactly what I needed.",
            "Great food, friendly staff.",
            "Lovely, the room was ready early.",
            "Wonderful, the stain is gone.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        // A concession after the opener is no sarcasm: the contrast rule weighs it.
        let s = score("Lovely, but the wait was long and the soup cold.");
        assert!(
            !s.terms.iter().any(|t| t.term.contains("sarcastic")),
            "{s:?}"
        );
    }

    #[test]
    fn questions_asking_for_information_are_no_verdict() {
        for text in [
            "Is delivery free on weekends?",
            "Is the pizza any good?",
            "Do you have gluten free options?",
            "When is the happy hour?",
            "Can I book a table for a birthday party?",
            "Do we need to book for the lovely garden room?",
        ] {
            assert_eq!(label(text), Label::Neutral, "{text}: {:?}", score(text));
        }
        assert!(has_term(
            "Is delivery free on weekends?",
            "free (in a question)"
        ));
        // Praise outside the question still counts.
        assert_eq!(
            label("Lovely bakery. Is delivery free on weekends?"),
            Label::Positive
        );
    }

    #[test]
    fn questions_that_exclaim_or_are_answered_stay_verdicts() {
        assert!(has_term(
            "Isn't it lovely?",
            "isn't it lovely (rhetorical praise)"
        ));
        for text in [
            "Isn't it lovely?",
            "Wasn't the cake amazing?",
            "Where has this bakery been all my life?!",
            "How good is that view?",
            "Who doesn't love fresh bread?",
            "Is there any better pizza in town?",
            "Would I recommend it? Absolutely!",
            "Was it worth the trip? Yes, wonderful food.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
        assert_eq!(
            label("Is it just me or is the coffee terrible?"),
            Label::Negative
        );
    }

    #[test]
    fn plans_are_no_verdict() {
        for text in [
            "Will post again after the second appointment",
            "Going to try the new menu next week.",
            "We're planning to book the big room for a party, will update.",
            "I'll report back after the next visit.",
        ] {
            assert_eq!(label(text), Label::Neutral, "{text}: {:?}", score(text));
        }
        let text = "Going to try the popular brunch next week.";
        assert_eq!(label(text), Label::Neutral, "{:?}", score(text));
        assert!(has_term(text, "popular (in a plan)"), "{:?}", score(text));
        // A plan that is a verdict, and verdicts beside a plan, still count.
        for text in [
            "I'll call the manager about the rude waiter.",
            "I'm going to complain to the manager.",
            "Awful service. Will post photos of the mould later.",
        ] {
            assert_eq!(label(text), Label::Negative, "{text}: {:?}", score(text));
        }
        for text in [
            "Loved it, will definitely be back!",
            "Will order again, lovely cakes.",
        ] {
            assert_eq!(label(text), Label::Positive, "{text}: {:?}", score(text));
        }
    }
}
