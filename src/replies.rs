//! Replies staff can send as they are: what a complaint is about ([`category`]) and a
//! draft from the matching template ([`templates`]) that greets the customer by first
//! name, names the problem in the business's words, offers a concrete next step and
//! carries the owner's signature.
//!
//! Pure code: callers pass the mention, the linked customer's name and whether the
//! customer complained before (the triage rule that says so lives in `triage`).

pub mod category;
mod templates;

pub use category::{classify, complaint_category, Category};
pub use templates::{
    check_template, problem_words, ReplySettings, Template, DEFAULT_OFFER, PLACEHOLDERS,
};

use crate::model::{Label, Mention};
use templates::{render, Values};

/// Who a reply is to and why.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The linked customer's name, when the mention is linked.
    pub customer_name: Option<&'a str>,
    /// The customer complained before, within the triage window.
    pub repeat: bool,
}

/// The draft reply to a mention: `None` for a neutral one, which needs no reply.
pub fn draft(
    settings: &ReplySettings,
    business: &str,
    mention: &Mention,
    recipient: Recipient,
) -> Option<String> {
    let category = complaint_category(mention);
    let template = match (mention.label, category) {
        (Label::Positive, _) => Template::Praise,
        (Label::Negative, _) if recipient.repeat => Template::Repeat,
        (Label::Negative, Some(category)) => Template::Complaint(category),
        _ => return None,
    };
    let first_name = first_name(recipient.customer_name, mention.author.as_deref());
    let signature = settings
        .signature
        .clone()
        .unwrap_or_else(|| format!("The team at {business}"));
    let values = Values {
        first_name: first_name.as_deref().unwrap_or("there"),
        business,
        signature: &signature,
        offer: &settings.offer,
        phone: settings.phone.as_deref(),
        problem: category.map(problem_words),
    };
    let key = template.key();
    let own = settings.templates.get(key);
    // The owner's template was checked at config load; should it still fail, the
    // built-in wording goes out rather than no reply at all.
    own.and_then(|source| render(key, source, &values).ok())
        .or_else(|| render(key, template.default_source(), &values).ok())
}

/// Words before a surname that are not a first name.
const TITLES: [&str; 8] = ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"];

/// The name to greet: the customer's first name, else the author's when it reads as a
/// person's name. Never an email address or a handle (`@mara_eats`, `breadhead_pa`,
/// `reddit:u/x`): those get the neutral "there".
pub fn first_name(customer_name: Option<&str>, author: Option<&str>) -> Option<String> {
    if let Some(name) = customer_name.and_then(|n| name_of(n, true)) {
        return Some(name);
    }
    author.and_then(|a| name_of(a, false))
}

/// `trusted`: a name from the customer list, which may be written in lowercase; an
/// author's lowercase single word is more likely a handle.
fn name_of(text: &str, trusted: bool) -> Option<String> {
    let text = text.trim();
    if text.contains(['@', '_', '/', ':']) || text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // "Turner, William", as exports write names: the first name is after the comma.
    let text = match text.split_once(',') {
        Some((surname, given)) if trusted && !given.trim().is_empty() => {
            format!("{} {}", given.trim(), surname.trim())
        }
        _ => text.to_owned(),
    };
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ',' | '(' | ')' | '"')))
        .filter(|w| !w.is_empty())
        .collect();
    let (first, rest) = words.split_first()?;
    let is_title = TITLES.contains(&first.to_lowercase().as_str());
    let name = match (is_title, rest.last()) {
        (true, Some(surname)) => format!("{} {}", capitalized(first), capitalized(surname)),
        (true, None) => return None,
        (false, _) => capitalized(first),
    };
    let looks_like_a_name = first.chars().count() >= 2
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '\u{2019}' | ' '))
        && (trusted || first.chars().next().is_some_and(char::is_uppercase));
    looks_like_a_name.then_some(name)
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Term;

    pub(crate) fn mention(label: Label, author: Option<&str>) -> Mention {
        Mention {
            author: author.map(str::to_owned),
            ..crate::test_support::mention(label)
        }
    }

    fn complaint(text: &str, terms: &[(&str, f32)]) -> Mention {
        Mention {
            text: text.into(),
            terms: terms
                .iter()
                .map(|(t, w)| Term {
                    term: t.to_string(),
                    weight: *w,
                })
                .collect(),
            ..mention(Label::Negative, Some("Lucia F."))
        }
    }

    const FIRST: Recipient = Recipient {
        customer_name: Some("Lucia Ferrante"),
        repeat: false,
    };

    fn reply(m: &Mention, recipient: Recipient) -> String {
        draft(
            &ReplySettings::default(),
            "Harbor Street Bakery",
            m,
            recipient,
        )
        .unwrap()
    }

    /// What no draft may contain: the model's terms quoted back, stray parentheses,
    /// an address as a name, a placeholder left unfilled.
    fn assert_sendable(text: &str, terms: &[&str]) {
        for term in terms {
            assert!(
                !text.contains(&format!("\u{201c}{term}")) && !text.contains(&format!("\"{term}")),
                "quotes the term {term}: {text}"
            );
        }
        assert!(!text.contains(['(', ')', '{', '}', '@']), "{text}");
        assert!(!text.contains("\n\n\n"), "{text}");
    }

    #[test]
    fn a_complaint_reply_per_category_greets_apologises_and_offers_a_next_step() {
        let cases = [
            ("We waited 40 minutes and nobody came.", "kept waiting"),
            (
                "The cashier was rude and rolled her eyes.",
                "how our team treated you",
            ),
            (
                "My order was missing the croissants.",
                "got your order wrong",
            ),
            (
                "I was charged twice, still waiting on a refund of the charge.",
                "problem with your bill",
            ),
            (
                "The bread was stale and the cake squashed.",
                "wasn't up to standard",
            ),
            (
                "Sticky tables, dirty floor, a hair in my tea.",
                "the state our place was in",
            ),
            (
                "They promised to call back and nobody called.",
                "didn't do what we said",
            ),
            (
                "Closed at 3pm on a Saturday, sold out of everything.",
                "found us closed",
            ),
            ("Never again.", "your experience with us"),
        ];
        for (text, apology) in cases {
            let m = complaint(text, &[("stale", -1.5), ("said they would", -1.0)]);
            let reply = reply(&m, FIRST);
            assert!(reply.starts_with("Hi Lucia,\n\nI'm sorry"), "{reply}");
            assert!(reply.contains(apology), "{text}: {reply}");
            assert!(reply.contains("a call back today"), "{reply}");
            assert!(
                reply.ends_with("\n\nThe team at Harbor Street Bakery"),
                "{reply}"
            );
            assert_sendable(&reply, &["stale", "said they would"]);
        }
    }

    #[test]
    fn a_repeat_complaint_says_it_happened_again_and_offers_the_direct_line() {
        let m = complaint("Waited an hour again.", &[("again", -1.0)]);
        let repeat = Recipient {
            repeat: true,
            ..FIRST
        };
        let without_phone = reply(&m, repeat);
        assert!(
            without_phone.contains("I'm sorry about the long wait, and that it has happened again"),
            "{without_phone}"
        );
        assert!(
            without_phone.contains("with you myself. Reply here with the best number to reach you and I'll give you a call back today."),
            "{without_phone}"
        );
        let settings = ReplySettings {
            phone: Some("0161 555 0100".into()),
            signature: Some("Sam Okafor, owner".into()),
            offer: "a free coffee on your next visit".into(),
            ..ReplySettings::default()
        };
        let with_phone = draft(&settings, "B", &m, repeat).unwrap();
        assert!(
            with_phone.contains("reach me directly on 0161 555 0100")
                && with_phone.contains("I'll give you a free coffee on your next visit.")
                && with_phone.ends_with("\n\nSam Okafor, owner"),
            "{with_phone}"
        );
        assert_sendable(&with_phone, &["again"]);
    }

    #[test]
    fn praise_gets_thanks_by_name_and_neutral_gets_nothing() {
        let praise = mention(Label::Positive, Some("@mara_eats"));
        let thanks = reply(
            &praise,
            Recipient {
                customer_name: Some("Mara Okafor"),
                repeat: false,
            },
        );
        assert!(
            thanks.starts_with("Hi Mara,\n\nThank you so much for the kind words!")
                && thanks.contains("all of us at Harbor Street Bakery"),
            "{thanks}"
        );
        let unknown = reply(
            &praise,
            Recipient {
                customer_name: None,
                repeat: false,
            },
        );
        assert!(unknown.starts_with("Hi there,"), "{unknown}");
        assert_eq!(
            draft(
                &ReplySettings::default(),
                "B",
                &mention(Label::Neutral, None),
                FIRST
            ),
            None
        );
    }

    #[test]
    fn the_owners_template_replaces_the_default_for_its_category_only() {
        let mut settings = ReplySettings::default();
        settings.templates.insert(
            "waiting".into(),
            "Hello {first_name}! Sorry about {problem}. {offer}? {signature}".into(),
        );
        let waiting = complaint("We waited an hour.", &[]);
        assert_eq!(
            draft(&settings, "B", &waiting, FIRST).unwrap(),
            "Hello Lucia! Sorry about the long wait. a call back today? The team at B"
        );
        let rude = complaint("So rude.", &[]);
        assert!(draft(&settings, "B", &rude, FIRST)
            .unwrap()
            .contains("how our team treated you"));
    }

    #[test]
    fn greets_people_by_first_name_and_handles_and_addresses_as_there() {
        let name = |customer: Option<&str>, author: Option<&str>| first_name(customer, author);
        assert_eq!(name(Some("lucia ferrante"), None).as_deref(), Some("Lucia"));
        assert_eq!(name(None, Some("Dana Whitfield")).as_deref(), Some("Dana"));
        assert_eq!(name(None, Some("Lucia F.")).as_deref(), Some("Lucia"));
        assert_eq!(name(None, Some("Mrs. Patel")).as_deref(), Some("Mrs Patel"));
        assert_eq!(name(None, Some("José Álvarez")).as_deref(), Some("José"));
        assert_eq!(
            name(Some("Turner, William"), None).as_deref(),
            Some("William")
        );
        for not_a_name in [
            "@kwame.runs",
            "breadhead_pa",
            "lucia@example.com",
            "Lucia <lucia@example.com>",
            "reddit:u/crumbqueen",
            "mara",
            "J.",
            "Dr",
            "baker99",
            "",
        ] {
            assert_eq!(name(None, Some(not_a_name)), None, "{not_a_name}");
        }
        // An address in the customer list's name column is not a name either.
        assert_eq!(
            name(Some("ann@x.test"), Some("Ann Lee")).as_deref(),
            Some("Ann")
        );
    }
}
