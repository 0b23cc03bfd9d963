//! What staff need to handle a case, in words: the customer card and a suggested reply
//! (worded by [`crate::replies`]) that addresses the customer by name and names the
//! problem.
//!
//! Pure code: callers pass the mention and, when linked, the customer.

use crate::config::Config;
use crate::replies::{self, Recipient};
use crate::store::{CaseFile, CustomerSummary};
use crate::triage::thousands;

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

/// "s" unless there is one.
pub(crate) fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The suggested reply for a case, greeting its linked customer when there is one and
/// using the repeat-complainer template when triage found an earlier complaint.
pub fn reply_for(case: &CaseFile, config: &Config) -> Option<String> {
    let detail = &case.detail;
    let recipient = Recipient {
        customer_name: case.customer.as_ref().map(|c| c.name.as_str()),
        repeat: detail
            .priority_reasons
            .iter()
            .any(|r| crate::triage::is_repeat_reason(r)),
    };
    replies::draft(
        &config.replies,
        &config.business.name,
        &detail.mention,
        recipient,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
