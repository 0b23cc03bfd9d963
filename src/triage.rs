//! Triage: the pure rules that decide how soon a mention needs a person (PRODUCT.md).

use crate::config::TriageSettings;
use crate::model::{Label, Priority};

/// What triage needs to know about the customer behind a mention.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFacts {
    /// Tier from the customer list.
    pub tier: Option<String>,
    /// Lifetime value from the customer list.
    pub lifetime_value: Option<f64>,
    /// Earlier negative mentions by this customer within the repeat window.
    pub prior_negatives_in_window: usize,
}

/// A priority and the reasons a person would want to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The priority.
    pub priority: Priority,
    /// Why, in plain words ("A-list, lifetime value 3,200").
    pub reasons: Vec<String>,
}

/// The reason an unscored mention (not in English) gives for its normal priority.
pub const NOT_ENGLISH: &str = "not in English: read it, the model could not";

/// Decide the priority of a mention.
pub fn triage(label: Label, customer: Option<&CustomerFacts>, rules: &TriageSettings) -> Verdict {
    let base = match label {
        Label::Negative => Priority::High,
        // Nobody knows yet whether a post in another language is a complaint: a person
        // reads it, without an alert (the digest counts them).
        Label::Neutral | Label::Unscored => Priority::Normal,
        Label::Positive => Priority::Low,
    };
    if label == Label::Unscored {
        return Verdict {
            priority: base,
            reasons: vec![NOT_ENGLISH.to_owned()],
        };
    }
    let mut reasons = Vec::new();
    if label == Label::Negative {
        if let Some(customer) = customer {
            reasons.extend(vip_reason(customer, rules));
            if customer.prior_negatives_in_window > 0 {
                let days = rules.repeat_window.as_secs() / 86_400;
                reasons.push(format!(
                    "{} complaint in {days} days",
                    ordinal(customer.prior_negatives_in_window + 1)
                ));
            }
        }
    }
    let priority = if reasons.is_empty() {
        base
    } else {
        Priority::Urgent
    };
    Verdict { priority, reasons }
}

/// A priority reason that says the customer complained before within the window (as
/// [`triage`] words it: "2nd complaint in 90 days").
pub fn is_repeat_reason(reason: &str) -> bool {
    reason.contains(" complaint in ") && reason.ends_with(" days")
}

fn vip_reason(customer: &CustomerFacts, rules: &TriageSettings) -> Option<String> {
    let value = customer.lifetime_value.unwrap_or(0.0);
    // "lifetime value 0" says nothing when the list gave no value.
    let worth = if value > 0.0 {
        format!(", lifetime value {}", thousands(value))
    } else {
        String::new()
    };
    let tier_vip = customer.tier.as_deref().is_some_and(|t| {
        rules
            .vip_tiers
            .iter()
            .any(|v| v.eq_ignore_ascii_case(t.trim()))
    });
    let value_vip = value >= rules.vip_lifetime_value;
    match (tier_vip, value_vip) {
        (false, false) => None,
        (true, _) => Some(format!(
            "A-list (tier {}){worth}",
            customer.tier.as_deref().unwrap_or("?").trim(),
        )),
        (false, true) => Some(format!("A-list, lifetime value {}", thousands(value))),
    }
}

/// "1st", "2nd", "3rd", "4th", "11th"…
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// 3200.0 → "3,200" (whole units; owners read money, not floats).
pub fn thousands(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TriageSettings {
        crate::test_support::triage_rules()
    }

    fn customer(tier: &str, value: f64, prior: usize) -> CustomerFacts {
        CustomerFacts {
            tier: Some(tier.into()),
            lifetime_value: Some(value),
            prior_negatives_in_window: prior,
        }
    }

    #[test]
    fn labels_map_to_base_priorities() {
        assert_eq!(
            triage(Label::Negative, None, &rules()).priority,
            Priority::High
        );
        assert_eq!(
            triage(Label::Neutral, None, &rules()).priority,
            Priority::Normal
        );
        assert_eq!(
            triage(Label::Positive, None, &rules()).priority,
            Priority::Low
        );
    }

    #[test]
    fn a_post_not_in_english_needs_a_person_even_from_an_a_list_customer() {
        let verdict = triage(Label::Unscored, Some(&customer("A", 9000.0, 3)), &rules());
        assert_eq!(verdict.priority, Priority::Normal, "read, not alerted");
        assert_eq!(verdict.reasons, [NOT_ENGLISH]);
    }

    #[test]
    fn vip_by_tier_or_by_value_is_urgent_when_negative() {
        let by_tier = triage(Label::Negative, Some(&customer("a", 10.0, 0)), &rules());
        assert_eq!(by_tier.priority, Priority::Urgent);
        let by_value = triage(Label::Negative, Some(&customer("B", 3200.0, 0)), &rules());
        assert_eq!(by_value.priority, Priority::Urgent);
        assert_eq!(by_value.reasons, ["A-list, lifetime value 3,200"]);
        let below = triage(Label::Negative, Some(&customer("B", 1999.0, 0)), &rules());
        assert_eq!(below.priority, Priority::High);
        let praise = triage(Label::Positive, Some(&customer("A", 9000.0, 3)), &rules());
        assert_eq!(praise.priority, Priority::Low);
    }

    #[test]
    fn second_complaint_is_urgent_and_says_so() {
        let verdict = triage(Label::Negative, Some(&customer("B", 400.0, 1)), &rules());
        assert_eq!(verdict.priority, Priority::Urgent);
        assert_eq!(verdict.reasons, ["2nd complaint in 90 days"]);
        assert!(is_repeat_reason(&verdict.reasons[0]));
        assert!(!is_repeat_reason("A-list customer (tier A)"));
    }

    #[test]
    fn ordinals_and_thousands_read_naturally() {
        assert_eq!(
            [1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal),
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
        );
        assert_eq!(thousands(3200.0), "3,200");
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
