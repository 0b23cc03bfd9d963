//! What a complaint is about, in the few service categories an owner acts on: the long
//! wait, a rude server, a wrong order, a bad bill, …
//!
//! Each category has a set of cue words and phrases. A complaint's text is tokenised
//! (lowercase words), every cue found scores for its category (strong cues 2, weak ones
//! 1), and the highest total wins; ties go to the category listed first in
//! [`Category::VARIANTS`], the more specific problems before the general ones. Cues the
//! sentiment model itself scored negative count double (they are what made it a
//! complaint), and cues it scored positive count nothing ("the staff were lovely, but we
//! waited an hour" is about the wait, not the staff).

use std::collections::HashSet;

use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::model::{Label, Mention, Term};

/// A complaint's service category. The string form (`waiting`, `staff`, …) is its key
/// in `[replies.templates]`; [`Category::label`] is what people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    /// Told one thing and another happened: a call back that never came.
    BrokenPromise,
    /// The order was wrong, incomplete or never arrived.
    WrongOrder,
    /// Charged wrongly, or a refund owed.
    Billing,
    /// Dirt, pests, smells, hygiene.
    Cleanliness,
    /// Rude, dismissive or unhelpful staff.
    Staff,
    /// Slow service, queues, lateness.
    Waiting,
    /// Closed when it should be open, sold out, fully booked.
    Closed,
    /// What was served or sold was not good enough.
    Quality,
    /// None of the above.
    Other,
}

impl Category {
    /// The category as a person names it ("Waiting and delays").
    pub fn label(self) -> &'static str {
        match self {
            Category::BrokenPromise => "Broken promise",
            Category::WrongOrder => "Wrong or missing order",
            Category::Billing => "Billing and refunds",
            Category::Cleanliness => "Cleanliness",
            Category::Staff => "Staff attitude",
            Category::Waiting => "Waiting and delays",
            Category::Closed => "Closed or unavailable",
            Category::Quality => "Quality",
            Category::Other => "Other",
        }
    }

    /// Its key in `[replies.templates]` (`broken_promise`).
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// Its cues: (phrase, weight). A word ending in `*` matches any word it starts
    /// ("wait*": wait, waited, waiting).
    fn cues(self) -> &'static [(&'static str, u32)] {
        match self {
            Category::BrokenPromise => &[
                ("promised", 2),
                ("promise*", 2),
                ("said they would", 2),
                ("said he would", 2),
                ("said she would", 2),
                ("said they'd", 2),
                ("said we would", 2),
                ("assured", 2),
                ("guaranteed", 2),
                ("supposed to", 2),
                ("was meant to", 2),
                ("were meant to", 2),
                ("never called", 2),
                ("nobody called", 2),
                ("no one called", 2),
                ("call back", 2),
                ("called back", 1),
                ("get back to", 2),
                ("got back to", 1),
                ("never heard back", 2),
                ("never followed up", 2),
                ("follow up", 1),
                ("no response", 2),
                ("no reply", 2),
                ("still haven't heard", 2),
                ("was told", 2),
                ("were told", 2),
                ("no record", 2),
                ("asked them to", 1),
                ("told me", 1),
                ("told us", 1),
                ("agreed", 1),
            ],
            Category::WrongOrder => &[
                ("wrong order", 2),
                ("wrong item*", 2),
                ("wrong", 1),
                ("missing", 2),
                ("forgot*", 2),
                ("forgotten", 2),
                ("left out", 2),
                ("never arrived", 2),
                ("didn't arrive", 2),
                ("did not arrive", 2),
                ("never delivered", 2),
                ("not delivered", 2),
                ("never got my", 2),
                ("instead of", 1),
                ("mix up", 2),
                ("mixed up", 2),
                ("incorrect", 2),
                ("not what i ordered", 2),
                ("someone else's", 2),
                ("pre ordered", 2),
                ("preorder*", 2),
                ("pre order", 2),
                ("someone else", 1),
                ("not correct", 2),
                ("order", 1),
                ("orders", 1),
                ("delivery", 1),
                ("delivered", 1),
            ],
            Category::Billing => &[
                ("refund*", 2),
                ("overcharg*", 2),
                ("charged", 2),
                ("charge", 1),
                ("charges", 1),
                ("double charged", 2),
                ("charged twice", 2),
                ("bill", 2),
                ("billed", 2),
                ("billing", 2),
                ("invoice*", 2),
                ("receipt", 1),
                ("money back", 2),
                ("deposit", 2),
                ("fee*", 1),
                ("payment*", 1),
                ("paid", 1),
                ("card", 1),
                ("cash", 1),
                ("scam*", 1),
            ],
            Category::Cleanliness => &[
                ("dirty", 2),
                ("filthy", 2),
                ("unclean", 2),
                ("not clean", 2),
                ("wasn't clean", 2),
                ("clean", 1),
                ("hair", 2),
                ("hairs", 2),
                ("bug*", 2),
                ("cockroach*", 2),
                ("roach*", 2),
                ("mouse", 2),
                ("mice", 2),
                ("rats", 2),
                ("flies", 1),
                ("smell*", 2),
                ("stank", 2),
                ("stink*", 2),
                ("sticky", 2),
                ("grime", 2),
                ("grimy", 2),
                ("grubby", 2),
                ("mold*", 2),
                ("mould*", 2),
                ("toilet*", 1),
                ("bathroom*", 1),
                ("restroom*", 1),
                ("hygien*", 2),
                ("unhygienic", 2),
                ("unsanitary", 2),
                ("food poisoning", 2),
                ("sick", 1),
                ("stain*", 1),
                ("crumbs", 1),
                ("trash", 1),
                ("disgusting", 1),
                ("gross", 1),
            ],
            Category::Staff => &[
                ("rude*", 2),
                ("attitude*", 2),
                ("unfriendly", 2),
                ("unhelpful", 2),
                ("unprofessional", 2),
                ("impolite", 2),
                ("disrespect*", 2),
                ("dismissive", 2),
                ("condescending", 2),
                ("arrogant", 2),
                ("hostile", 2),
                ("sarcastic", 2),
                ("yelled", 2),
                ("shouted", 2),
                ("snapped", 2),
                ("rolled her eyes", 2),
                ("rolled his eyes", 2),
                ("rolled their eyes", 2),
                ("rolled the eyes", 2),
                ("eye roll*", 2),
                ("ignor*", 2),
                ("talked down", 2),
                ("talk down", 2),
                ("treated", 1),
                ("argu*", 1),
                ("grumpy", 2),
                ("surly", 2),
                ("curt", 2),
                ("staff", 1),
                ("employee*", 1),
                ("waiter*", 1),
                ("waitress*", 1),
                ("server", 1),
                ("cashier", 1),
                ("barista", 1),
                ("manager", 1),
                ("owner", 1),
                ("service", 1),
            ],
            Category::Waiting => &[
                ("wait", 2),
                ("waits", 2),
                ("waited", 2),
                ("waiting", 2),
                ("queue*", 2),
                ("in line", 2),
                ("slow*", 2),
                ("late", 2),
                ("delay*", 2),
                ("took forever", 2),
                ("forever", 1),
                ("took ages", 2),
                ("ages", 1),
                ("too long", 2),
                ("took so long", 2),
                ("on hold", 2),
                ("minutes", 1),
                ("hour", 1),
                ("hours", 1),
                ("min", 1),
                ("mins", 1),
                ("kept waiting", 2),
            ],
            Category::Closed => &[
                ("closed", 2),
                ("shut", 2),
                ("not open", 2),
                ("wasn't open", 2),
                ("sold out", 2),
                ("out of stock", 2),
                ("ran out", 2),
                ("run out", 2),
                ("unavailable", 2),
                ("not available", 2),
                ("fully booked", 2),
                ("booked up", 2),
                ("no tables", 2),
                ("opening hours", 2),
                ("turned away", 2),
                ("stopped making", 2),
                ("stopped serving", 2),
                ("open until", 2),
                ("open till", 2),
                ("locked", 1),
                ("discontinued", 2),
            ],
            Category::Quality => &[
                ("stale", 2),
                ("cold", 1),
                ("burnt", 2),
                ("burned", 2),
                ("raw", 2),
                ("undercooked", 2),
                ("overcooked", 2),
                ("bland", 2),
                ("tasteless", 2),
                ("soggy", 2),
                ("dry", 1),
                ("squashed", 2),
                ("crushed", 2),
                ("broken", 2),
                ("broke", 2),
                ("damaged", 2),
                ("defective", 2),
                ("faulty", 2),
                ("fell apart", 2),
                ("stopped working", 2),
                ("doesn't work", 2),
                ("didn't work", 2),
                ("not working", 2),
                ("quality", 2),
                ("taste*", 1),
                ("tasted", 1),
                ("flavo*", 1),
                ("texture", 1),
                ("mushy", 2),
                ("greasy", 2),
                ("salty", 2),
                ("inedible", 2),
                ("rubbery", 2),
                ("chewy", 1),
                ("mediocre", 2),
                ("overpriced", 1),
                ("expensive", 1),
                ("waste of money", 1),
                ("wasted my money", 1),
                ("unusable", 2),
                ("worthless", 1),
                ("breakage", 2),
                ("product", 1),
                ("rip off", 1),
                ("food", 1),
            ],
            Category::Other => &[],
        }
    }
}

/// The category of a complaint; `None` for praise and neutral mentions.
pub fn complaint_category(mention: &Mention) -> Option<Category> {
    if mention.label != Label::Negative {
        return None;
    }
    let text = match &mention.title {
        Some(title) => format!("{title}. {}", mention.text),
        None => mention.text.clone(),
    };
    Some(classify(&text, &mention.terms))
}

/// Phrases that use a cue word for something else ("couldn't wait to eat here"): their
/// words are dropped before the cues are looked for.
const IDIOMS: [&str; 6] = [
    "can't wait",
    "cannot wait",
    "couldn't wait",
    "could not wait",
    "can not wait",
    "worth the wait",
];

/// The category a complaint's text is about, weighing cues by what the model scored.
pub fn classify(text: &str, terms: &[Term]) -> Category {
    let mut words = tokens(text);
    drop_idioms(&mut words);
    let (negative, positive) = term_words(terms);
    let mut best = (Category::Other, 0);
    for &category in Category::VARIANTS {
        let mut score: u32 = category
            .cues()
            .iter()
            .map(|&(cue, weight)| cue_score(&words, cue, weight, &negative, &positive))
            .sum();
        if category == Category::Waiting && clock_times(text) >= 2 {
            // "Ordered at 8:05, got it at 8:50": the times tell of the wait.
            score += 2;
        }
        // Strictly greater: on a tie the category listed first keeps it.
        if score > best.1 {
            best = (category, score);
        }
    }
    best.0
}

/// What one cue adds: its weight per occurrence (at most two counted), doubled where
/// the model scored the words negative, nothing where it scored them positive.
fn cue_score(
    words: &[String],
    cue: &str,
    weight: u32,
    negative: &HashSet<String>,
    positive: &HashSet<String>,
) -> u32 {
    let parts: Vec<&str> = cue.split(' ').collect();
    let mut total = 0;
    let mut found = 0;
    for start in 0..words.len() {
        let Some(window) = words.get(start..start + parts.len()) else {
            break;
        };
        if !window.iter().zip(&parts).all(|(w, p)| word_matches(w, p)) {
            continue;
        }
        found += 1;
        if found > 2 {
            break;
        }
        total += if window.iter().any(|w| negative.contains(w)) {
            weight * 2
        } else if window.iter().any(|w| positive.contains(w)) {
            0
        } else {
            weight
        };
    }
    total
}

/// How many clock times (`8:05`, `11:40`) a text gives.
fn clock_times(text: &str) -> usize {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(2))
        .filter(|&i| {
            bytes[i] == b':'
                && bytes[i - 1].is_ascii_digit()
                && bytes[i + 1].is_ascii_digit()
                && bytes[i + 2].is_ascii_digit()
                && bytes.get(i + 3).is_none_or(|b| !b.is_ascii_digit())
        })
        .count()
}

fn drop_idioms(words: &mut [String]) {
    for idiom in IDIOMS {
        let parts: Vec<&str> = idiom.split(' ').collect();
        for start in 0..words.len().saturating_sub(parts.len() - 1) {
            let end = start + parts.len();
            if words[start..end].iter().zip(&parts).all(|(w, p)| w == p) {
                words[start..end].iter_mut().for_each(String::clear);
            }
        }
    }
}

fn word_matches(word: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}

/// Lowercase words, curly apostrophes made straight ("didn’t" → "didn't").
fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words of the model's negative and positive terms (a word in both counts as
/// negative: the complaint is what matters here).
fn term_words(terms: &[Term]) -> (HashSet<String>, HashSet<String>) {
    let mut negative = HashSet::new();
    let mut positive = HashSet::new();
    // Learned terms are small statistical leanings ("cash" leans positive in reviews),
    // not the model reading those words as praise or complaint: they decide nothing here.
    let read = terms
        .iter()
        .filter(|t| !t.term.ends_with(crate::sentiment::LEARNED_NOTE));
    for term in read {
        let set = if term.weight < 0.0 {
            &mut negative
        } else {
            &mut positive
        };
        set.extend(tokens(&term.term));
    }
    positive.retain(|w| !negative.contains(w));
    (negative, positive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Category {
        classify(text, &[])
    }

    fn term(term: &str, weight: f32) -> Term {
        Term {
            term: term.into(),
            weight,
        }
    }

    #[test]
    fn each_category_from_a_typical_complaint() {
        let cases = [
            (
                "Waited 45 minutes for two coffees, the queue never moved.",
                Category::Waiting,
            ),
            (
                "The girl at the counter was so rude, rolled her eyes at me.",
                Category::Staff,
            ),
            (
                "Ordered a sourdough loaf, got rye instead of it and the cookies were missing.",
                Category::WrongOrder,
            ),
            (
                "I was charged twice for one cake and still no refund.",
                Category::Billing,
            ),
            (
                "The croissants were stale and the bread tasted burnt.",
                Category::Quality,
            ),
            (
                "Tables were sticky and there was a hair in my soup. Filthy.",
                Category::Cleanliness,
            ),
            (
                "They promised a call back about my order and nobody called.",
                Category::BrokenPromise,
            ),
            (
                "Drove across town and they were closed, website says open till 6.",
                Category::Closed,
            ),
            ("Not impressed. Will not be back.", Category::Other),
        ];
        for (text, expected) in cases {
            assert_eq!(of(text), expected, "{text}");
        }
    }

    /// Negative lines of a public review data set (UCI Yelp), as people write them, with
    /// the terms the sentiment model finds in them.
    #[test]
    fn real_review_lines_land_where_a_person_would_put_them() {
        let cases = [
            ("Waitress was a little slow in service.", Category::Waiting),
            (
                "We literally sat there for 20 minutes with no one asking to take our order.",
                Category::Waiting,
            ),
            (
                "We watched our waiter pay a lot more attention to other tables and ignore us.",
                Category::Staff,
            ),
            (
                "They have horrible attitudes towards customers, and talk down to each one.",
                Category::Staff,
            ),
            (
                "When my order arrived, one of the gyros was missing.",
                Category::WrongOrder,
            ),
            ("It lacked flavor, seemed undercooked, and dry.", Category::Quality),
            ("I vomited in the bathroom mid lunch.", Category::Cleanliness),
            (
                "I was shocked because no signs indicate cash only.",
                Category::Billing,
            ),
            (
                "After all the rave reviews I couldn't wait to eat here......what a disappointment!",
                Category::Other,
            ),
            ("Will not be back!", Category::Other),
        ];
        let model = crate::sentiment::Analyzer::new(crate::sentiment::Options::default());
        for (text, expected) in cases {
            let terms = model.score(text).terms;
            assert_eq!(classify(text, &terms), expected, "{text}: {terms:?}");
        }
    }

    #[test]
    fn the_models_positive_words_do_not_decide_the_category() {
        let text = "The staff were lovely but we waited an hour for a table.";
        let terms = [term("lovely", 1.8), term("staff were lovely", 1.0)];
        assert_eq!(classify(text, &terms), Category::Waiting);
        // The model's negative words count double: the complaint is about the attitude.
        let text = "Slow morning, and the server was dismissive when I asked.";
        assert_eq!(classify(text, &[term("dismissive", -1.5)]), Category::Staff);
    }

    #[test]
    fn two_clock_times_tell_of_a_wait() {
        let text = "Ordered a coffee at 8:05, got it at 8:50, coffee cold.";
        assert_eq!(
            classify(text, &[term("coffee cold", -2.2)]),
            Category::Waiting
        );
        assert_eq!(
            classify("Coffee cold at 8:05.", &[term("coffee cold", -2.2)]),
            Category::Quality
        );
    }

    #[test]
    fn ties_go_to_the_more_specific_category() {
        // "late" (waiting, 2) against "promised" (broken promise, 2).
        assert_eq!(
            of("Promised for noon, it was late."),
            Category::BrokenPromise
        );
    }

    #[test]
    fn curly_apostrophes_and_word_forms_match() {
        assert_eq!(of("It didn\u{2019}t arrive at all."), Category::WrongOrder);
        assert_eq!(of("Waiting, waiting, waiting."), Category::Waiting);
        // Idioms are not the complaint; the waiter is staff, not a wait.
        assert_eq!(
            of("I couldn't wait to eat here, what a disappointment."),
            Category::Other
        );
        assert_eq!(of("Our waiter ignored us all evening."), Category::Staff);
        assert_eq!(of(""), Category::Other);
    }

    #[test]
    fn only_complaints_get_a_category() {
        let mention = |label| Mention {
            label,
            text: "We waited an hour.".into(),
            ..crate::replies::tests::mention(Label::Neutral, None)
        };
        assert_eq!(
            complaint_category(&mention(Label::Negative)),
            Some(Category::Waiting)
        );
        assert_eq!(complaint_category(&mention(Label::Positive)), None);
        assert_eq!(complaint_category(&mention(Label::Neutral)), None);
    }

    #[test]
    fn keys_round_trip_and_labels_read_as_words() {
        for &category in Category::VARIANTS {
            assert_eq!(category.key().parse::<Category>().unwrap(), category);
            assert!(category.label().chars().next().unwrap().is_uppercase());
        }
        assert_eq!(Category::WrongOrder.key(), "wrong_order");
    }
}
