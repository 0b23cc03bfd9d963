//! The scoring engine: lexicon look-up with VADER's rules (intensifiers,
//! dampeners, capitals, negation, "but", "!!"), then, for the full model,
//! the domain patterns, then normalisation to [-1, 1].
//!
//! Everything here works on token indices and a reused lowercase buffer;
//! the only allocations per text are the reused scratch buffers (kept per
//! thread) and the explanation terms.

use std::cell::RefCell;

use super::families;
use super::learned::{LearnedIndex, LearnedTerms, LEARNED_NOTE, PROBE_NOTE};
use super::lexicon::{Lexicon, WordKey, DOMAIN_LEXICON, VADER_LEXICON, WORD_KEY_BYTES};
use super::lists::{OWN_ACTIVITY_VERBS, PROBLEM_NOUNS, QUESTION_FILLERS, SUPERIORITY_VERBS};
use super::patterns;
use super::scope::{
    clause_before, domain_contrast, is_imperative, is_sentence_end, negator_before, negator_within,
    vader_contrast, words_after, words_before, SCOPE_WORDS,
};
use super::superlatives;
use super::tokenize::{tokenize, Kind, Tokens};
use super::wordmap::{build_words, WordMap};
use super::words::{
    Info, CAPS_INCR, FUNCTIONAL, NEGATION_SCALAR, NEGATOR, RULE_CONDITIONAL, RULE_SLANG,
};

/// VADER's normalisation constant: compound = s / sqrt(s² + ALPHA).
const NORMALIZE_ALPHA: f32 = 15.0;
/// Appended to the token buffer while looking words up (one key's width).
const WINDOW_PADDING: &str = "                ";

/// Domain: how many words back a negator reaches a functional verb
/// ("couldn't get it to pair").
const FUNCTIONAL_SCOPE_WORDS: usize = 5;
/// Domain: how far back a negator reaches a problem word after "any"
/// ("it didn't come up with any errors").
const ANY_SCOPE_WORDS: usize = 7;
/// Decay of an intensifier's effect with distance (1, 2, 3 words back).
const BOOST_DECAY: [f32; SCOPE_WORDS] = [1.0, 0.95, 0.9];
/// Domain: a negated negative word is only mildly positive ("not bad" < "good").
const DOMAIN_NEGATED_NEGATIVE_SCALAR: f32 = -0.4;
/// Domain: a negated functional verb ("didn't work", "nobody called").
pub(crate) const FAILED_FUNCTION_WEIGHT: f32 = -1.8;
/// Weight per "!" (at most four count), as in VADER.
const EXCLAIM_EMPHASIS: f32 = 0.292;
/// Domain: weight of opinion words in a conditional clause ("if you have problems").
const CONDITIONAL_SCALAR: f32 = 0.5;
/// Domain: weight of quoted words relative to the author's own.
const QUOTED_SCALAR: f32 = 0.3;
/// Weight per "?" when there are two or three, as in VADER.
const QUESTION_EMPHASIS: f32 = 0.18;

/// One thing that moved the score: a span of tokens and its valence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    /// First token shown in the explanation.
    pub start: usize,
    /// One past the last token shown.
    pub end: usize,
    /// The token the valence belongs to (for contrast and sentence scope).
    pub anchor: usize,
    /// Valence on the -4..+4 scale, after all rules.
    pub weight: f32,
    /// Appended to the term in the explanation, e.g. " (sarcasm)".
    pub note: &'static str,
}

/// Compiled model: the lexicon (for phrases) and one [`Info`] per known word.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub lexicon: Lexicon,
    /// Everything known about single words: valence, phrase starts, classes.
    pub words: WordMap,
    /// Full model (true) or VADER-like baseline (false).
    pub domain: bool,
    /// Learned terms (base model plus a business's delta), full model only.
    pub learned: LearnedIndex,
    /// Training only: candidate terms, each weighing 1, whose hits [`Model::probe`] reports.
    pub probe_terms: LearnedIndex,
}

/// Per-thread scratch buffers so scoring does not allocate per word.
#[derive(Default)]
pub(crate) struct Scratch {
    pub toks: Tokens,
    pub hits: Vec<Hit>,
    /// The rule hits' weights before the rule families ran (see [`follow_families`]).
    pub before_families: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Result of the engine before labelling: compound value and hits.
pub(crate) struct Raw {
    pub value: f32,
    pub terms: Vec<(String, f32)>,
}

/// What training needs of one text: the sum of every hit that is not a
/// learned term, the "!"/"?" emphasis, and each learned term found with what
/// the rules made of a weight of 1 there (negation, intensity, contrast...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Probe {
    pub base_sum: f32,
    pub emphasis: f32,
    pub features: Vec<(String, f32)>,
}

impl Model {
    /// Builds the model; `extra` terms are added last so they override.
    /// `learned` layers add up (base model, then a business's delta); the
    /// baseline (`domain` false) ignores them.
    pub fn new(domain: bool, extra: &[(String, f32)], learned: &[&LearnedTerms]) -> Model {
        let mut lexicon = Lexicon::default();
        lexicon.add_tsv(VADER_LEXICON);
        if domain {
            lexicon.add_tsv(DOMAIN_LEXICON);
        }
        for (term, weight) in extra {
            lexicon.insert(term, *weight);
        }
        let words = build_words(&lexicon, domain);
        let learned = if domain {
            LearnedIndex::new(learned.iter().copied())
        } else {
            LearnedIndex::default()
        };
        Model {
            lexicon,
            words,
            domain,
            learned,
            probe_terms: LearnedIndex::default(),
        }
    }

    /// Fills in every token's [`Info`] with one look-up each.
    fn annotate(&self, t: &mut Tokens) {
        let Tokens { lower, toks, .. } = t;
        // Padding lets every word be read as a fixed-size window.
        let text_len = lower.len();
        lower.push_str(WINDOW_PADDING);
        let bytes = lower.as_bytes();
        for tok in toks.iter_mut() {
            let (start, end) = (tok.start as usize, tok.end as usize);
            if tok.kind == Kind::Punct && &bytes[start..end] != b"/" {
                continue;
            }
            let window = bytes[start..start + WORD_KEY_BYTES].try_into().ok();
            let found = match window {
                Some(w) if end - start <= WORD_KEY_BYTES => {
                    self.words.get_key(WordKey::from_window(w, end - start))
                }
                _ => self.words.get(&lower[start..end]),
            };
            tok.info = match found {
                Some(info) => info,
                None if bytes[start..end].ends_with(b"n't") => Info {
                    flags: NEGATOR,
                    ..Info::default()
                },
                None => Info::default(),
            };
        }
        lower.truncate(text_len);
        let (mut flags, mut class, mut rules) = (0, 0, 0);
        for k in &t.toks {
            flags |= k.info.flags;
            class |= k.info.class;
            rules |= k.info.rules;
        }
        t.flags_any = flags;
        t.rules_any = rules;
        t.class_any = class;
    }

    /// Whether a lowercase chunk is a known emoticon (or other whole-chunk term).
    fn is_emoticon(&self, chunk: &str) -> bool {
        self.words.get(chunk).is_some_and(|i| i.valence.is_some())
    }

    /// Scores one text.
    pub fn run(&self, text: &str) -> Raw {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => self.run_in(text, &mut s),
            Err(_) => self.run_in(text, &mut Scratch::default()),
        })
    }

    /// The training view of one text (see [`Probe`]), for the candidates in
    /// [`Model::probe_terms`].
    pub fn probe(&self, text: &str) -> Probe {
        let mut s = Scratch::default();
        self.hits_in(text, &mut s);
        let Scratch { toks, hits, .. } = &s;
        let candidate = |h: &&Hit| h.note == PROBE_NOTE;
        let features = hits
            .iter()
            .filter(candidate)
            .map(|h| (toks.span(h.start, h.end).to_owned(), h.weight))
            .collect();
        Probe {
            base_sum: hits
                .iter()
                .filter(|h| !candidate(h))
                .map(|h| h.weight)
                .sum(),
            emphasis: punctuation_emphasis(toks),
            features,
        }
    }

    /// Tokenizes `text` and fills `s.hits` with every rule's hits.
    fn hits_in(&self, text: &str, s: &mut Scratch) {
        let Scratch {
            toks,
            hits,
            before_families,
        } = s;
        hits.clear();
        tokenize(text, toks, &|c| self.is_emoticon(c));
        self.annotate(toks);
        self.lexical_pass(toks, hits);
        if self.domain {
            patterns::apply(self, toks, hits);
            before_families.clear();
            before_families.extend(hits.iter().map(|h| h.weight));
            families::apply(toks, hits);
            // After the rules, so that learned terms never change what a rule decides;
            // then what the families did to a word (flip a sarcastic "great", mute praise
            // in a question) is done to the learned terms on it too.
            let rule_hits = hits.len();
            self.learned.push_hits(toks, hits, LEARNED_NOTE);
            self.probe_terms.push_hits(toks, hits, PROBE_NOTE);
            follow_families(hits, before_families, rule_hits);
            domain_contrast(toks, hits);
            questions_and_quotes(toks, hits);
        } else {
            vader_contrast(toks, hits);
        }
    }

    fn run_in(&self, text: &str, s: &mut Scratch) -> Raw {
        self.hits_in(text, s);
        let Scratch { toks, hits, .. } = s;
        let sum = capped_sum(hits);
        let emphasis = punctuation_emphasis(toks);
        let total = if sum > 0.0 {
            sum + emphasis
        } else if sum < 0.0 {
            sum - emphasis
        } else {
            0.0
        };
        let value = normalize(total);
        let mut terms: Vec<(String, f32)> = hits
            .iter()
            .filter(|h| h.weight != 0.0 || families::shown_when_muted(h))
            .map(|h| (term_text(toks, h), h.weight))
            .collect();
        if sum != 0.0 && emphasis > 0.0 {
            terms.push((emphasis_text(toks), total - sum));
        }
        Raw { value, terms }
    }

    /// Looks every token up (longest phrase first) and applies capitals,
    /// intensifiers and negation to each match. Marks the tokens of
    /// multi-word matches, so that a negator inside a phrase ("can't wait")
    /// negates nothing after it (negation only looks back).
    fn lexical_pass(&self, t: &mut Tokens, hits: &mut Vec<Hit>) {
        let mut i = 0;
        while i < t.len() {
            if t.kind(i) == Kind::Punct {
                i += 1;
                continue;
            }
            let info = t.toks[i].info;
            let found = self.lexicon.longest_match(t, i);
            if let Some((n, _)) = found.filter(|&(n, _)| n > 1) {
                for tok in &mut t.toks[i..i + n] {
                    tok.in_phrase = true;
                }
            }
            let single = found.is_none_or(|(n, _)| n == 1);
            if self.domain && single && info.is(FUNCTIONAL) {
                // "won't play", "didn't work": failure outweighs the verb's own valence.
                let neg = negator_within(t, i, FUNCTIONAL_SCOPE_WORDS)
                    .filter(|&n| t.text(n) != "no" || matches!(t.get(n + 1), "one" | "longer"))
                    .filter(|&n| !own_inaction(t, n, i) && !without_verb(t, n));
                if let Some(neg) = neg {
                    hits.push(Hit {
                        start: neg,
                        end: i + 1,
                        anchor: i,
                        weight: FAILED_FUNCTION_WEIGHT,
                        note: "",
                    });
                    i += 1;
                    continue;
                }
            }
            match found {
                Some((n, 0.0)) => i += n,
                Some((n, w)) if n > 1 || !self.skip_own_valence(t, i, info) => {
                    hits.push(self.scored(t, i, n, w));
                    i += n;
                }
                _ => i += 1,
            }
        }
    }

    /// Intensifiers never score themselves. VADER's "no" does not score when
    /// a scored word follows it; the domain model extends that to any
    /// negator with something to negate in its clause.
    fn skip_own_valence(&self, t: &Tokens, i: usize, info: Info) -> bool {
        if info.boost != 0.0 {
            return true;
        }
        if self.domain
            && info.starts(RULE_SLANG)
            && t.toks
                .get(i + 1)
                .is_some_and(|n| n.info.valence.is_some_and(|w| w > 0.5))
        {
            // "wicked good", "crazy delicious": slang praise, not a complaint.
            return true;
        }
        if self.domain && t.text(i) == "no" && no_as_quantity_or_idiom(t, i) {
            return true;
        }
        if info.is(NEGATOR) && self.domain {
            return words_after(t, i).any(|k| {
                let c = t.toks[k].info;
                let functional = c.is(FUNCTIONAL) && t.text(i) != "no";
                !c.is(NEGATOR) && (c.valence.is_some_and(|w| w != 0.0) || functional)
            });
        }
        t.text(i) == "no" && i + 1 < t.len() && t.toks[i + 1].info.valence.is_some()
    }

    /// The hit for a lexicon match of `n` tokens at `i` with valence `w`.
    fn scored(&self, t: &Tokens, i: usize, n: usize, w: f32) -> Hit {
        let mut weight = w;
        if t.caps_emphasis() && (i..i + n).any(|k| t.toks[k].caps) {
            weight += CAPS_INCR * w.signum();
        }
        weight += self.boost_before(t, i, weight);
        let mut start = i;
        // The domain model does not negate a negator ("no and no").
        let own_negator = self.domain && n == 1 && t.toks[i].info.is(NEGATOR);
        let negator = negator_before(t, i).or_else(|| {
            // "didn't come up with any errors": "any" carries the negation further.
            let any = self.domain
                && w < 0.0
                && words_before(t, i).take(2).any(|k| {
                    t.text(k) == "any" || t.text(k) == "single" && is_problem_noun(t.text(i))
                });
            any.then(|| negator_within(t, i, ANY_SCOPE_WORDS)).flatten()
        });
        // "none of the tones is acceptable": "none of" reaches the clause's end.
        let negator = negator.or_else(|| self.domain.then(|| none_of_before(t, i)).flatten());
        if let Some(neg) = negator.filter(|_| !own_negator) {
            start = neg;
            if self.domain && superlatives::negated_comparative(t, neg, i) {
                weight *= superlatives::SUPERLATIVE_SCALAR;
            } else if !self.domain || weight > 0.0 {
                weight *= NEGATION_SCALAR;
            } else if !is_imperative(t, neg) {
                weight *= DOMAIN_NEGATED_NEGATIVE_SCALAR;
            }
        }
        Hit {
            start,
            end: i + n,
            anchor: i,
            weight,
            note: "",
        }
    }

    /// Sum of the intensifiers and dampeners up to three words before `i`.
    fn boost_before(&self, t: &Tokens, i: usize, valence: f32) -> f32 {
        let mut total = 0.0;
        for (d, k) in words_before(t, i).enumerate() {
            let b = t.toks[k].info.boost;
            if b == 0.0 {
                continue;
            }
            let mut s = if valence < 0.0 { -b } else { b };
            if t.caps_emphasis() && t.toks[k].caps {
                s += CAPS_INCR * valence.signum();
            }
            total += s * BOOST_DECAY[d];
        }
        total
    }
}

/// How far back "none of" reaches ("none of the three sizes would stay").
const NONE_OF_SCOPE_WORDS: usize = 6;

/// Domain: a "none of" earlier in the clause, which negates what it
/// quantifies ("none of the new ones ever worked properly").
fn none_of_before(t: &Tokens, i: usize) -> Option<usize> {
    clause_before(t, i, NONE_OF_SCOPE_WORDS).find(|&k| t.text(k) == "none" && t.get(k + 1) == "of")
}

fn is_problem_noun(word: &str) -> bool {
    PROBLEM_NOUNS.contains(&word)
}

/// Whether the negated functional verb at `verb` is the reviewer's own
/// inaction: "I"/"we" just before the negator ("I didn't read").
fn own_inaction(t: &Tokens, neg: usize, verb: usize) -> bool {
    let subject = neg.checked_sub(1).map(|k| t.text(k));
    matches!(subject, Some("i" | "we")) && OWN_ACTIVITY_VERBS.contains(&t.text(verb))
}

/// "without bother", "without playing a disc": no failure, unlike
/// "without a reply" or "without any refund".
fn without_verb(t: &Tokens, neg: usize) -> bool {
    t.text(neg) == "without" && !matches!(t.get(neg + 1), "a" | "an" | "any")
}

/// How many words after "no other" its verb may come ("no other color phone has").
const SUPERIORITY_SCOPE_WORDS: usize = 4;

/// Domain: "no" that is no complaint: a limit ("no more than two hours"),
/// an idiom ("no end to what it can do", "no biggie"), or superiority ("no
/// other phone has ...").
fn no_as_quantity_or_idiom(t: &Tokens, i: usize) -> bool {
    match (t.get(i + 1), t.get(i + 2)) {
        ("more" | "less", "than") | ("end", "to") | ("biggie", _) => true,
        ("other", _) => (i + 2..t.len())
            .take_while(|&k| t.kind(k) != Kind::Punct)
            .take(SUPERIORITY_SCOPE_WORDS)
            .any(|k| SUPERIORITY_VERBS.contains(&t.text(k))),
        _ => false,
    }
}

/// Domain: a question with no clear sentiment word stays neutral (a
/// "please" in it does not count, nor do its "???"), and words
/// inside a quotation of two words or more (a cake inscription, what
/// someone else said) weigh [`QUOTED_SCALAR`] of the author's own.
fn questions_and_quotes(t: &Tokens, hits: &mut [Hit]) {
    if hits.is_empty() {
        return;
    }
    if t.questions > 0 {
        let mut start = 0;
        for k in 0..t.len() {
            if !is_sentence_end(t, k) {
                continue;
            }
            if t.text(k) == "?" {
                for h in hits.iter_mut() {
                    if (start..k).contains(&h.anchor)
                        && h.end == h.anchor + 1
                        && QUESTION_FILLERS.contains(&t.text(h.anchor))
                    {
                        h.weight = 0.0;
                    }
                }
            }
            start = k + 1;
        }
    }
    if t.rules_any & RULE_CONDITIONAL != 0 {
        for k in 0..t.len() {
            if !t.toks[k].info.starts(RULE_CONDITIONAL) {
                continue;
            }
            if k > 0 && t.text(k - 1) == "as" {
                continue; // "as if": sarcasm, not a condition
            }
            let end = (k + 1..t.len())
                .find(|&e| t.kind(e) == Kind::Punct)
                .unwrap_or(t.len());
            for h in hits.iter_mut() {
                if (k..end).contains(&h.anchor) {
                    h.weight *= CONDITIONAL_SCALAR;
                }
            }
        }
    }
    if t.has_quote {
        for h in hits.iter_mut() {
            if t.toks[h.anchor].quoted {
                h.weight *= QUOTED_SCALAR;
            }
        }
    }
}

/// Scales each learned hit (those from `rule_hits` on) by what the rule families did
/// to a rule hit covering its word: `before[i]` is rule hit i's weight before them. A
/// factor that depends on the rules only keeps the learned weights linear (training
/// fits them through the same factors).
fn follow_families(hits: &mut [Hit], before: &[f32], rule_hits: usize) {
    let (rules, learned) = hits.split_at_mut(rule_hits);
    for (h, &was) in rules.iter().zip(before) {
        if was == 0.0 || h.weight == was {
            continue;
        }
        let factor = h.weight / was;
        for l in learned.iter_mut() {
            if (h.start..h.end.max(h.anchor + 1)).contains(&l.anchor) {
                l.weight *= factor;
            }
        }
    }
}

/// The sum of the hits' weights. Learned terms find complaints and cancel false ones,
/// but never make praise on their own: when the other hits add up to nothing positive,
/// a positive total is cut to zero ("sugar-free syrup available" is no praise, though
/// "free" leans positive in reviews).
fn capped_sum(hits: &[Hit]) -> f32 {
    let sum: f32 = hits.iter().map(|h| h.weight).sum();
    let learned: f32 = hits
        .iter()
        .filter(|h| h.note == LEARNED_NOTE)
        .map(|h| h.weight)
        .sum();
    if sum > 0.0 && sum - learned <= 0.0 {
        0.0
    } else {
        sum
    }
}

/// VADER's amplification for "!" (up to four) and "?" (two or more).
fn punctuation_emphasis(t: &Tokens) -> f32 {
    let bangs = t.exclaims.min(4) as f32 * EXCLAIM_EMPHASIS;
    let questions = match t.questions {
        0 | 1 => 0.0,
        2 | 3 => t.questions as f32 * QUESTION_EMPHASIS,
        _ => 0.96,
    };
    bangs + questions
}

fn emphasis_text(t: &Tokens) -> String {
    let mut s = "!".repeat(t.exclaims.min(4) as usize);
    if t.questions > 1 {
        s.push_str(&"?".repeat(t.questions.min(4) as usize));
    }
    s
}

/// VADER's compound normalisation, clamped to [-1, 1] (0 for non-finite input).
pub(crate) fn normalize(s: f32) -> f32 {
    let v = s / (s * s + NORMALIZE_ALPHA).sqrt();
    if v.is_finite() {
        v.clamp(-1.0, 1.0)
    } else if s.is_sign_negative() && !s.is_nan() {
        -1.0
    } else if s.is_nan() {
        0.0
    } else {
        1.0
    }
}

/// The explanation text of a hit: its tokens, "2 / 5" shown as "2/5".
fn term_text(t: &Tokens, h: &Hit) -> String {
    let span = t.span(h.start, h.end);
    if span.bytes().any(|b| b == b'/' || b == b':') {
        let mut s = span.replace(" / ", "/").replace(" : ", ":");
        s.push_str(h.note);
        return s;
    }
    let mut s = String::with_capacity(span.len() + h.note.len());
    s.push_str(span);
    s.push_str(h.note);
    s
}

#[cfg(test)]
mod tests {
    use crate::sentiment::{Analyzer, Label};

    fn model() -> &'static Analyzer {
        crate::sentiment::shared_for_tests(true)
    }

    fn baseline() -> &'static Analyzer {
        crate::sentiment::shared_for_tests(false)
    }

    fn v(text: &str) -> f32 {
        model().score(text).value
    }

    #[test]
    fn negated_function_is_a_complaint() {
        let s = model().score("The charger didn't work.");
        assert_eq!(s.label, Label::Negative);
        let s = model().score("I couldn't get it to pair with my laptop.");
        assert_eq!(s.label, Label::Negative, "{s:?}");
        assert_eq!(
            baseline()
                .score("I couldn't get it to pair with my laptop.")
                .label,
            Label::Neutral
        );
    }

    #[test]
    fn intensifier_and_dampener() {
        assert!(v("The staff were very helpful.") > v("The staff were helpful."));
        assert!(v("The staff were slightly helpful.") < v("The staff were helpful."));
        assert!(v("The food was extremely bad.") < v("The food was bad."));
    }

    #[test]
    fn capitals_emphasise_in_mixed_case_text() {
        assert!(v("The service was AWFUL today") < v("The service was awful today"));
        // All-capitals text is shouting everywhere: no extra emphasis.
        assert_eq!(
            v("THE SERVICE WAS AWFUL TODAY"),
            v("the service was awful today")
        );
    }

    #[test]
    fn exclamation_marks_amplify() {
        assert!(v("Great coffee!!") > v("Great coffee"));
        assert!(v("Terrible coffee!!!") < v("Terrible coffee"));
        let s = model().score("Great coffee!!");
        assert!(s.terms.iter().any(|t| t.term == "!!"));
    }

    #[test]
    fn emoji_and_emoticons_score() {
        assert_eq!(
            model().score("Lunch today \u{1F621}").label,
            Label::Negative
        );
        assert_eq!(
            model().score("Lunch today \u{1F60D}").label,
            Label::Positive
        );
        assert_eq!(model().score("Lunch today :(").label, Label::Negative);
        assert_eq!(model().score("Lunch today :-)").label, Label::Positive);
        assert_eq!(
            model().score("Thumbs \u{1F44E}\u{1F3FD}").label,
            Label::Negative
        );
    }

    #[test]
    fn baseline_ignores_domain_vocabulary() {
        assert_eq!(
            baseline().score("The charger never worked.").label,
            Label::Neutral
        );
        assert_eq!(
            model().score("The charger never worked.").label,
            Label::Negative
        );
    }

    #[test]
    fn neutral_questions_and_notices_stay_neutral() {
        for text in [
            "Please, can someone tell me if they deliver on Sundays???",
            "Anyone know whether the sourdough is dairy-free?",
            "Is the patio open this weekend?",
            "FYI: the shop shuts at noon on Saturdays",
            "Scaffolding up out front and a planning notice on the door.",
        ] {
            assert_eq!(model().score(text).label, Label::Neutral, "{text}");
        }
        // A question with a clear sentiment word still counts.
        assert_eq!(
            model().score("Why is the service always so rude?").label,
            Label::Negative
        );
    }

    #[test]
    fn quoted_words_weigh_less_than_the_authors() {
        let own = v("The sign said it was the best pie and it was ok.");
        let quoted = v("The sign said \u{201C}the best pie in town\u{201D} and it was ok.");
        assert!(quoted < own, "{quoted} {own}");
        let s = model().score("Icing read \"Congrats Dana, so proud\" but the sponge was stale.");
        assert_eq!(s.label, Label::Negative, "{s:?}");
    }

    #[test]
    fn a_device_that_will_not_do_its_job_is_a_complaint() {
        for text in [
            "The drive won't eject the disc.",
            "The scanner wouldn't recognise my laptop.",
            "It would not load half my CDs.",
            "The order still hadn't shipped.",
        ] {
            assert_eq!(model().score(text).label, Label::Negative, "{text}");
        }
        // "no" + a function word is no failure ("no difference in working").
        assert_ne!(
            model()
                .score("There was no difference in working speed.")
                .label,
            Label::Negative
        );
    }

    #[test]
    fn own_inaction_and_without_are_no_failure() {
        for text in [
            "I didn't read a thing about how to set it up, it was intuitive.",
            "Albums I haven't listened to in years, all in one place.",
            "Light enough to carry all day without bother.",
        ] {
            assert_ne!(model().score(text).label, Label::Negative, "{text}");
        }
        for text in [
            "The staff didn't listen.",
            "The player will not read DVD+RW discs.",
            "Two weeks without a reply.",
        ] {
            assert_eq!(model().score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn no_as_a_limit_or_idiom_is_no_complaint() {
        for text in [
            "Takes no more than 2 hours to recharge.",
            "There is no end to what I can do with it.",
            "A little heavy, no biggie.",
            "No other phone has this many features.",
            "No other bakery in town comes close.",
        ] {
            assert_ne!(model().score(text).label, Label::Negative, "{text}");
        }
        for text in ["No other choice but to return it.", "No reply, no refund."] {
            assert_eq!(model().score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn a_single_carries_negation_to_the_problem() {
        let text = "Personally I haven't had a single problem with the software.";
        assert_ne!(model().score(text).label, Label::Negative);
        // Only a problem noun: "a single threat" is not "a single problem".
        let text = "The film never manages a single moment of awful suspense.";
        assert_eq!(model().score(text).label, Label::Negative);
    }

    #[test]
    fn praise_idioms_built_from_negative_words_are_praise() {
        for text in [
            "There is nothing like a fresh croissant.",
            "Nothing beats their coffee.",
            "There's little to criticize.",
            "The phone refused to die.",
            "Everything arrived in good working order.",
        ] {
            assert_eq!(model().score(text).label, Label::Positive, "{text}");
        }
        let text = "It was nothing like the photos.";
        assert_eq!(model().score(text).label, Label::Negative);
        let text = "Two days later the phone was returned to me in complete working order.";
        assert_ne!(model().score(text).label, Label::Negative);
        let text = "The scale was not in working order.";
        assert_eq!(model().score(text).label, Label::Negative);
    }

    #[test]
    fn literal_senses_of_negative_words_are_neutral() {
        for text in [
            "Phone lying by your pillow all night.",
            "Press the stop button twice.",
            "For die-hard fans of the old viewfinder.",
        ] {
            assert_eq!(model().score(text).label, Label::Neutral, "{text}");
        }
        assert_eq!(
            model().score("The clerk was lying to us.").label,
            Label::Negative
        );
    }

    #[test]
    fn none_of_negates_to_the_end_of_its_clause() {
        let text = "And none of the tones is acceptable.";
        assert_eq!(model().score(text).label, Label::Negative);
        let text = "None of the staff were rude.";
        assert_ne!(model().score(text).label, Label::Negative);
    }

    #[test]
    fn any_carries_negation_to_the_problem() {
        assert_ne!(
            model().score("The sync never threw up any errors.").label,
            Label::Negative
        );
        assert_ne!(
            model().score("Setup went with minimal hassle.").label,
            Label::Negative
        );
        assert_eq!(
            model().score("Any errors are shown in red.").label,
            Label::Negative
        );
    }

    #[test]
    fn conditional_clauses_weigh_half() {
        let plain = v("The manual is confusing.");
        let cond = v("If the manual is confusing, call the shop.");
        assert!(cond > plain && cond < 0.0, "{cond} {plain}");
    }

    #[test]
    fn normalize_stays_in_range() {
        for s in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            1e30,
            -1e30,
            4.0,
        ] {
            let n = super::normalize(s);
            assert!((-1.0..=1.0).contains(&n), "{s} -> {n}");
        }
    }
}
