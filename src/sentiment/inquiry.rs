//! Domain: a post that asks the community for information ("does anyone know if they
//! are open on Sunday?") is an inquiry. Mild negative words in it ("we miss the
//! pastries", "please no") are worry or context, not a complaint about the business;
//! a strong word ("rude", "awful") or a clearly negative whole still counts.

use super::lists::ASKING;

/// The words of an inquiry may weigh this much together (lexicon scale, negative side)
/// and still be worry rather than complaint: "miss" and "no" pass, "rude" or "awful"
/// alone, or "slow" with "cold", do not.
const MAX_WORRY: f32 = -2.0;

/// The value after the inquiry rule (neutral), when it applies: the text asks for
/// information, scores negative, and its negative words are mild. Question marks and
/// other emphasis are not evidence here: in a question they ask, they do not shout.
///
/// A question that scores positive only through learned terms ("anyone know whether
/// the sourdough is dairy-free?": "free" is learned from reviews) is neutral too: the
/// learned words are evidence about opinions, and the question states none.
pub(crate) fn damp(text: &str, value: f32, terms: &[(String, f32)]) -> Option<f32> {
    if value == 0.0 || !asks_for_information(text) {
        return None;
    }
    // "Does anyone there even check the voicemail?" asks nothing: it complains.
    if terms
        .iter()
        .any(|(term, _)| term.ends_with(super::rhetoric::RHETORICAL))
    {
        return None;
    }
    if value > 0.0 {
        let mut praise = terms
            .iter()
            .filter(|(term, weight)| *weight > 0.0 && term.chars().any(char::is_alphanumeric))
            .peekable();
        let only_learned = praise.peek().is_some()
            && praise.all(|(term, _)| term.ends_with(super::learned::LEARNED_NOTE));
        return only_learned.then_some(0.0);
    }
    let worry: f32 = terms
        .iter()
        .filter(|(term, _)| term.chars().any(char::is_alphanumeric))
        .map(|(_, weight)| weight.min(0.0))
        .sum();
    (worry > MAX_WORRY).then_some(0.0)
}

/// A question mark and one of the asking phrases, case-insensitively.
fn asks_for_information(text: &str) -> bool {
    if !text.contains('?') {
        return false;
    }
    let lower = text.to_lowercase();
    ASKING.iter().any(|phrase| lower.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentiment::{shared_for_tests, Label};

    #[test]
    fn a_worried_question_is_neutral() {
        let model = shared_for_tests(true);
        let score = model.score(
            "Saw the shutters down all week, we miss their rolls. Does anybody know if they moved?",
        );
        assert_eq!(score.label, Label::Neutral, "{score:?}");
        assert!(score.terms.iter().any(|t| t.term == "asks for information"));
    }

    #[test]
    fn a_complaint_phrased_as_a_question_stays_negative() {
        let model = shared_for_tests(true);
        for text in [
            "Does anyone know why the waiters are so rude??",
            "Has anyone else had awful service there lately?",
        ] {
            assert_eq!(model.score(text).label, Label::Negative, "{text}");
        }
    }

    #[test]
    fn worry_words_are_neutral_and_complaint_words_are_not() {
        let worried = [
            ("miss".to_owned(), -0.6),
            ("no".to_owned(), -1.2),
            ("???".to_owned(), -0.5),
        ];
        assert_eq!(
            damp("Anyone know if they close?", -0.4, &worried),
            Some(0.0)
        );
        let angry = [("slow".to_owned(), -1.2), ("cold".to_owned(), -1.0)];
        assert_eq!(
            damp("Anyone know why it is slow and cold?", -0.4, &angry),
            None
        );
    }

    #[test]
    fn only_questions_that_ask_for_information_count() {
        assert!(asks_for_information("Any idea when they reopen?"));
        assert!(!asks_for_information("Anyone know the owner. Great place."));
        assert!(!asks_for_information("Why is the coffee always cold?"));
        assert_eq!(
            damp("Why is it so bad?", -0.2, &[("bad".into(), -1.5)]),
            None
        );
        assert_eq!(damp("Does anyone know if it is good?", 0.5, &[]), None);
        let learned_only = [("free (learned)".to_owned(), 0.13)];
        assert_eq!(
            damp("Anyone know if it is dairy-free?", 0.05, &learned_only),
            Some(0.0)
        );
        let said_good = [
            ("good".to_owned(), 1.9),
            ("free (learned)".to_owned(), 0.13),
        ];
        assert_eq!(
            damp("Anyone know if it is good and free?", 0.5, &said_good),
            None
        );
    }
}
