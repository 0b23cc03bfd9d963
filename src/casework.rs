//! What staff need to handle a case, in words: the customer card and a suggested reply
//! that addresses the customer by name and names the problem.
//!
//! Pure code: callers pass the mention and, when linked, the customer.

use crate::model::{Label, Mention};
use crate::store::{CaseFile, CustomerSummary};
use crate::triage::thousands;

/// Problem terms quoted in an apology at most.
const MAX_PROBLEMS: usize = 3;

/// One paragraph about the customer: tier, value, history, how to reach them.
pub fn customer_card(customer: &CustomerSummary) -> String {
    let mut facts = Vec::new();
    if let Some(tier) = &customer.tier {
        facts.push(format!("tier {tier}"));
    }
    if let Some(value) = customer.lifetime_value {
        facts.push(format!("lifetime value {}", thousands(value)));
    }
    facts.push(format!(
        "{} mention{} ({} negative), {} open case{}",
        customer.mentions,
        plural(customer.mentions),
        customer.negative,
        customer.open_cases,
        plural(customer.open_cases)
    ));
    if customer.recovered > 0 {
        facts.push(format!(
            "{} complaint{} recovered",
            customer.recovered,
            plural(customer.recovered)
        ));
    }
    let mut card = format!("{} (#{}): {}", customer.name, customer.id, facts.join(", "));
    let contacts: Vec<&str> = [customer.email.as_deref(), customer.phone.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !contacts.is_empty() {
        card.push_str(&format!("\nReach them: {}", contacts.join(", ")));
    }
    if !customer.handles.is_empty() {
        card.push_str(&format!("\nHandles: {}", customer.handles.join(" ")));
    }
    if let Some(notes) = &customer.notes {
        card.push_str(&format!("\nNotes: {notes}"));
    }
    card
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The suggested reply for a case, greeting its linked customer when there is one.
pub fn reply_for(case: &CaseFile, business: &str) -> Option<String> {
    suggested_reply(
        &case.detail.mention,
        case.customer.as_ref().map(|c| c.name.as_str()),
        &case.detail.priority_reasons,
        business,
    )
}

/// A reply staff can adapt: an apology naming the problem for a complaint, thanks for
/// praise; `None` for neutral mentions.
pub fn suggested_reply(
    mention: &Mention,
    customer_name: Option<&str>,
    reasons: &[String],
    business: &str,
) -> Option<String> {
    let greeting = format!(
        "Hi {},",
        addressee(customer_name, mention.author.as_deref())
    );
    let sign_off = format!("The team at {business}");
    match mention.label {
        Label::Negative => Some(apology(mention, reasons, &greeting, business, &sign_off)),
        Label::Positive => Some(format!(
            "{greeting}\n\nThank you so much for the kind words, it means a lot to all of us at {business}. \
             We'll pass them on to the team. See you again soon!\n\n{sign_off}"
        )),
        Label::Neutral => None,
    }
}

fn apology(
    mention: &Mention,
    reasons: &[String],
    greeting: &str,
    business: &str,
    sign_off: &str,
) -> String {
    let problems: Vec<String> = mention
        .terms
        .iter()
        .filter(|t| t.weight < 0.0 && !t.term.starts_with('★'))
        .take(MAX_PROBLEMS)
        .map(|t| format!("\u{201c}{}\u{201d}", t.term))
        .collect();
    let what = if problems.is_empty() {
        "What you describe".to_owned()
    } else {
        format!("What you describe ({})", problems.join(", "))
    };
    let again = if reasons.iter().any(|r| r.contains("complaint in")) {
        " I know this is not the first time you have had to tell us, and that makes it worse."
    } else {
        ""
    };
    format!(
        "{greeting}\n\nThank you for telling us, and I am truly sorry. {what} is not the standard we hold \
         ourselves to at {business}.{again}\n\nI would like to make it right. Could you reply here, or call or \
         email us, and we will sort it out with you straight away?\n\n{sign_off}"
    )
}

/// Who to greet: the customer's first name, else the author's first name, else their
/// handle, else "there".
fn addressee(customer_name: Option<&str>, author: Option<&str>) -> String {
    if let Some(first) = customer_name.and_then(|n| n.split_whitespace().next()) {
        return first.to_owned();
    }
    match author.map(str::trim).filter(|a| !a.is_empty()) {
        Some(handle) if handle.starts_with('@') => handle.to_owned(),
        Some(name) if !name.contains('@') && !name.contains('_') => {
            name.split_whitespace().next().unwrap_or(name).to_owned()
        }
        _ => "there".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CaseStatus, Priority, Term};

    fn mention(label: Label, author: &str, terms: &[(&str, f32)]) -> Mention {
        Mention {
            id: 1,
            source: "s".into(),
            url: None,
            author: Some(author.into()),
            title: None,
            text: "t".into(),
            published_at: None,
            fetched_at: chrono::Utc::now(),
            rating: None,
            score: 0.0,
            label,
            terms: terms
                .iter()
                .map(|(t, w)| Term {
                    term: t.to_string(),
                    weight: *w,
                })
                .collect(),
            priority: Priority::High,
            status: CaseStatus::New,
            customer: None,
            promise_due_at: None,
            overdue: false,
            dismissed: None,
            relabelled: false,
        }
    }

    #[test]
    fn an_apology_greets_the_customer_and_names_the_problem() {
        let m = mention(
            Label::Negative,
            "Lucia F.",
            &[("late", -1.2), ("fresh", 1.0), ("nobody called", -1.5)],
        );
        let reply =
            suggested_reply(&m, Some("Lucia Ferrante"), &[], "Harbor Street Bakery").unwrap();
        assert!(reply.starts_with("Hi Lucia,"), "{reply}");
        assert!(
            reply.contains("\u{201c}late\u{201d}, \u{201c}nobody called\u{201d}"),
            "{reply}"
        );
        assert!(!reply.contains("fresh"));
        assert!(reply.contains("make it right"));
    }

    #[test]
    fn a_repeat_complaint_acknowledges_it_happened_before() {
        let m = mention(Label::Negative, "Derek", &[("again", -1.0)]);
        let reply = suggested_reply(&m, None, &["2nd complaint in 90 days".into()], "B").unwrap();
        assert!(reply.contains("not the first time"), "{reply}");
    }

    #[test]
    fn praise_gets_thanks_and_neutral_gets_nothing() {
        let thanks = suggested_reply(
            &mention(Label::Positive, "@mara_eats", &[]),
            Some("Mara Okafor"),
            &[],
            "B",
        )
        .unwrap();
        assert!(
            thanks.starts_with("Hi Mara,") && thanks.contains("Thank you"),
            "{thanks}"
        );
        assert_eq!(
            suggested_reply(&mention(Label::Neutral, "x", &[]), None, &[], "B"),
            None
        );
    }

    #[test]
    fn greets_handles_as_handles_and_unknowns_as_there() {
        assert_eq!(addressee(None, Some("@kwame.runs")), "@kwame.runs");
        assert_eq!(addressee(None, Some("breadhead_pa")), "there");
        assert_eq!(addressee(None, Some("Dana Whitfield")), "Dana");
        assert_eq!(addressee(None, None), "there");
    }

    #[test]
    fn the_card_tells_value_history_and_contacts() {
        let card = customer_card(&CustomerSummary {
            id: 3,
            name: "Lucia Ferrante".into(),
            email: Some("lucia@x.test".into()),
            phone: None,
            handles: vec!["@lucia".into()],
            tier: Some("A".into()),
            lifetime_value: Some(3200.0),
            notes: Some("wholesale".into()),
            mentions: 2,
            negative: 1,
            open_cases: 1,
            recovered: 0,
        });
        assert!(card.starts_with("Lucia Ferrante (#3): tier A, lifetime value 3,200, 2 mentions (1 negative), 1 open case"), "{card}");
        assert!(
            card.contains("Reach them: lucia@x.test") && card.contains("Notes: wholesale"),
            "{card}"
        );
    }
}
