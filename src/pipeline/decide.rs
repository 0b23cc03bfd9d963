//! The decisions, as pure functions: how urgent each of a customer's mentions is (their
//! facts read once), whether the owner gets an email about it now, whether an item is old
//! news taken in as backfill, and which alerts the hourly flood guard may fold.
//!
//! Nothing here reads the store or the clock: the pipeline gathers the facts, calls these,
//! and hands the decisions to the store to persist.

use chrono::{DateTime, Utc};

use crate::config::TriageSettings;
use crate::model::{CaseStatus, Label, OutboxKind, Priority};
use crate::triage::{triage, CustomerFacts, Verdict};

/// A customer as triage sees them (from the imported list).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Tier, e.g. "A".
    pub tier: Option<String>,
    /// Lifetime value.
    pub lifetime_value: Option<f64>,
}

/// One stored mention as the decisions see it.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionFacts {
    /// Mention id.
    pub id: i64,
    /// Its sentiment label now.
    pub label: Label,
    /// When it was said (published, else first seen): repeat complaints count by this.
    pub when: DateTime<Utc>,
    /// Taken in as backfill: logged and scored, never emailed.
    pub backfill: bool,
    /// The priority stored now (before this decision).
    pub priority: Option<Priority>,
    /// The reasons stored now.
    pub reasons: Vec<String>,
    /// Where its case stands.
    pub status: CaseStatus,
    /// The alert emails already queued for it.
    pub alerted: AlertHistory,
    /// The priority staff set by hand (`earshot priority`), which the rules do not move.
    pub priority_override: Option<Priority>,
    /// Staff set it aside (not about us, spam, a duplicate): no case, no alert, and it does
    /// not count as a complaint.
    pub dismissed: bool,
}

/// The reason a priority set by hand gives.
pub const SET_BY_STAFF: &str = "priority set by staff";

/// The alert emails already queued (or sent) for a mention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertHistory {
    /// The highest priority an alert about it was queued at, if any was.
    pub queued_at: Option<Priority>,
    /// Its "became urgent" email is queued (or sent).
    pub became_urgent: bool,
}

/// The email a decision asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    /// The first alert about a new (or newly negative) mention: `[URGENT]` or `[Negative]`.
    Alert(Priority),
    /// It became urgent after a lower-priority alert: one `[URGENT]` email saying why now,
    /// replacing that alert if it is still waiting to be sent.
    BecameUrgent,
}

/// What the pipeline decided about one mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Mention id.
    pub mention_id: i64,
    /// Its priority and why.
    pub verdict: Verdict,
    /// Whether the priority or its reasons differ from what is stored.
    pub changed: bool,
    /// Whether it is open (needs staff) at that priority: see [`is_open`].
    pub open: bool,
    /// The email to queue now, if any.
    pub alert: Option<AlertAction>,
}

/// Triage every mention of one customer (or one unlinked mention, with `profile` None),
/// oldest first: a negative one is urgent when the customer is A-list or complained before
/// within the repeat window. `mentions` must all belong to that customer.
pub fn decide_history(
    profile: Option<&Profile>,
    mentions: &[MentionFacts],
    rules: &TriageSettings,
) -> Vec<Decision> {
    let mut order: Vec<&MentionFacts> = mentions.iter().collect();
    order.sort_by_key(|m| (m.when, m.id));
    let window = chrono::Duration::from_std(rules.repeat_window).unwrap_or(chrono::Duration::MAX);
    let mut complaints: Vec<DateTime<Utc>> = Vec::new();
    let mut decisions = Vec::with_capacity(order.len());
    for mention in order {
        let facts = profile.map(|p| CustomerFacts {
            tier: p.tier.clone(),
            lifetime_value: p.lifetime_value,
            prior_negatives_in_window: complaints
                .iter()
                .filter(|&&earlier| mention.when - earlier <= window)
                .count(),
        });
        let verdict = match mention.priority_override {
            Some(priority) => Verdict {
                priority,
                reasons: vec![SET_BY_STAFF.to_owned()],
            },
            None => triage(mention.label, facts.as_ref(), rules),
        };
        if mention.label == Label::Negative && !mention.dismissed {
            complaints.push(mention.when);
        }
        decisions.push(decide_one(mention, verdict));
    }
    decisions
}

fn decide_one(mention: &MentionFacts, verdict: Verdict) -> Decision {
    let changed = mention.priority != Some(verdict.priority) || mention.reasons != verdict.reasons;
    // A priority staff set by hand is news now, however old the post.
    let backfill = mention.backfill && mention.priority_override.is_none();
    let alert = if mention.dismissed {
        None
    } else {
        alert_action(verdict.priority, backfill, mention.alerted)
    };
    Decision {
        mention_id: mention.id,
        open: !mention.dismissed && is_open(mention.label, verdict.priority, mention.status),
        verdict,
        changed,
        alert,
    }
}

/// Whether a mention at `priority` emails the owner now, given what was already queued.
/// Backfill never emails; neutral and praise never email; each mention gets at most one
/// alert and at most one "became urgent" email, whatever re-decisions happen.
pub fn alert_action(
    priority: Priority,
    backfill: bool,
    alerted: AlertHistory,
) -> Option<AlertAction> {
    if backfill || !alerts_owner(priority) {
        return None;
    }
    match alerted.queued_at {
        None => Some(AlertAction::Alert(priority)),
        Some(earlier) if priority == Priority::Urgent && earlier != Priority::Urgent => {
            (!alerted.became_urgent).then_some(AlertAction::BecameUrgent)
        }
        Some(_) => None,
    }
}

/// Urgent and high mentions email the owner; neutral and praise do not.
pub fn alerts_owner(priority: Priority) -> bool {
    matches!(priority, Priority::Urgent | Priority::High)
}

/// An item is backfill (logged and scored, emailing no one) when it was published more than
/// `window` before its source's first successful poll. `first_success` is None while that
/// first poll is the one running; then an undated item is backfill too, since nothing says
/// it is new. After the first poll, an undated item never seen before is new.
pub fn is_backfill(
    published: Option<DateTime<Utc>>,
    first_success: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: std::time::Duration,
) -> bool {
    let first = first_success.unwrap_or(now);
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    match published {
        Some(published) => first
            .checked_sub_signed(window)
            .is_some_and(|cutoff| published < cutoff),
        None => first_success.is_none(),
    }
}

/// The hourly flood guard may fold only high alerts into its summary: an urgent case always
/// gets its own email.
pub fn may_fold(priority: Option<Priority>) -> bool {
    priority != Some(Priority::Urgent)
}

/// One meaning of open, for the log, the web page and the digest: somebody still owes the
/// customer something. Not resolved or recovered, and a complaint (negative, urgent or
/// high) or a case staff already took up. Praise and plain neutral posts are never open.
pub fn is_open(label: Label, priority: Priority, status: CaseStatus) -> bool {
    if matches!(status, CaseStatus::Resolved | CaseStatus::Recovered) {
        return false;
    }
    label == Label::Negative
        || alerts_owner(priority)
        || matches!(status, CaseStatus::Acknowledged | CaseStatus::Promised)
}

/// Whether a stored mention is an open case once its status is `status`: [`is_open`] at
/// its stored priority, and never while it is dismissed (whatever step is taken on it).
pub fn is_open_case(facts: &MentionFacts, status: CaseStatus) -> bool {
    !facts.dismissed
        && is_open(
            facts.label,
            facts.priority.unwrap_or(Priority::Normal),
            status,
        )
}

/// An alerted case nobody has acknowledged escalates once, while it still alerts the owner.
pub fn needs_escalation(status: CaseStatus, priority: Priority) -> bool {
    status == CaseStatus::New && alerts_owner(priority)
}

/// Who an outbox email goes to. The owners (`[alerts] to`) hear of every case; the person
/// a case is assigned to hears of it too. A promise's first reminder goes to its assignee
/// alone (the owner hears only if it stays unkept: [`OutboxKind::Overdue`]); the email
/// saying a case is yours goes to its new owner alone. Escalations add `[alerts]
/// escalate_to`. Without an assignee (or a team) everything goes to the owners, as before.
pub fn recipients(
    kind: OutboxKind,
    owners: &[String],
    escalate_to: &[String],
    assignee: Option<&str>,
) -> Vec<String> {
    let mut to: Vec<String> = match (kind, assignee) {
        (OutboxKind::Reminder | OutboxKind::Assigned, Some(assignee)) => {
            return vec![assignee.to_owned()]
        }
        _ => owners.to_vec(),
    };
    if matches!(kind, OutboxKind::Escalation | OutboxKind::Overdue) {
        to.extend(escalate_to.iter().cloned());
    }
    let about_a_case = matches!(
        kind,
        OutboxKind::Alert | OutboxKind::BecameUrgent | OutboxKind::Escalation | OutboxKind::Overdue
    );
    if let Some(assignee) = assignee.filter(|_| about_a_case) {
        to.push(assignee.to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    to.retain(|address| seen.insert(address.to_ascii_lowercase()));
    to
}

/// Who an outbox email about a case heard at a location goes to. That location's `to`
/// take the owners' place for its cases (alerts, reminders, escalations); the owners
/// (`[alerts] to`) still hear of what needs them whatever the location: every urgent alert
/// ([`owners_hear_of_location`]) and every escalation. The assignee and `escalate_to` are
/// added as in [`recipients`]. A location without `to` (or a case with no location):
/// exactly [`recipients`].
pub fn location_recipients(
    kind: OutboxKind,
    priority: Option<Priority>,
    location_to: &[String],
    owners: &[String],
    escalate_to: &[String],
    assignee: Option<&str>,
) -> Vec<String> {
    if location_to.is_empty() {
        return recipients(kind, owners, escalate_to, assignee);
    }
    let mut first: Vec<String> = location_to.to_vec();
    if owners_hear_of_location(kind, priority) {
        first.extend(owners.iter().cloned());
    }
    recipients(kind, &first, escalate_to, assignee)
}

/// The hourly flood summary goes to the owners and to each location whose high alerts it
/// folds (`location_tos`), so a location's `[Negative]` alerts are never the owners' alone.
pub fn flood_recipients(owners: &[String], location_tos: &[&[String]]) -> Vec<String> {
    let mut to: Vec<String> = owners.to_vec();
    to.extend(location_tos.iter().flat_map(|t| t.iter().cloned()));
    let mut seen = std::collections::HashSet::new();
    to.retain(|address| seen.insert(address.to_ascii_lowercase()));
    to
}

/// Whether the owners get an email about a location's case: an urgent alert (or one that
/// became urgent), an escalation, an overdue promise. A high (not urgent) alert, a promise's
/// reminder and a case's hand-over are the location's own business.
pub fn owners_hear_of_location(kind: OutboxKind, priority: Option<Priority>) -> bool {
    match kind {
        OutboxKind::BecameUrgent | OutboxKind::Escalation | OutboxKind::Overdue => true,
        OutboxKind::Alert => priority == Some(Priority::Urgent),
        _ => false,
    }
}

/// An assigned case tells its new owner by email, unless they took it themselves or it
/// needs nobody any more.
pub fn tells_assignee(open: bool, assignee: i64, actor: Option<i64>) -> bool {
    open && actor != Some(assignee)
}

/// A resolved complaint that its author edited to neutral or praise: the fix won them back.
/// An edit into another language (unscored) says nothing yet.
pub fn recovered_by_edit(status: CaseStatus, was: Label, now: Label) -> bool {
    status == CaseStatus::Resolved
        && was == Label::Negative
        && matches!(now, Label::Neutral | Label::Positive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;
    use std::time::Duration;

    fn rules() -> TriageSettings {
        crate::test_support::triage_rules()
    }

    fn mention(id: i64, label: Label, when: &str) -> MentionFacts {
        MentionFacts {
            id,
            label,
            when: at(when),
            backfill: false,
            priority: None,
            reasons: vec![],
            status: CaseStatus::New,
            alerted: AlertHistory::default(),
            priority_override: None,
            dismissed: false,
        }
    }

    fn owned(addresses: &[&str]) -> Vec<String> {
        addresses.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_locations_high_alert_goes_to_its_manager_and_an_urgent_one_to_the_owner_too() {
        let owners = owned(&["owner@x.test"]);
        let soho = owned(&["soho@x.test"]);
        let route = |kind, priority, assignee| {
            location_recipients(kind, priority, &soho, &owners, &[], assignee)
        };
        assert_eq!(
            route(OutboxKind::Alert, Some(Priority::High), None),
            ["soho@x.test"]
        );
        assert_eq!(
            route(OutboxKind::Alert, Some(Priority::Urgent), None),
            ["soho@x.test", "owner@x.test"]
        );
        assert_eq!(
            route(OutboxKind::BecameUrgent, Some(Priority::Urgent), None),
            ["soho@x.test", "owner@x.test"]
        );
        // Escalations reach the owners whatever the priority, and escalate_to as before.
        let escalated = location_recipients(
            OutboxKind::Escalation,
            Some(Priority::High),
            &soho,
            &owners,
            &owned(&["boss@x.test"]),
            None,
        );
        assert_eq!(escalated, ["soho@x.test", "owner@x.test", "boss@x.test"]);
        // A reminder without an assignee is the location's; with one, the assignee's alone.
        assert_eq!(
            route(OutboxKind::Reminder, Some(Priority::High), None),
            ["soho@x.test"]
        );
        assert_eq!(
            route(
                OutboxKind::Reminder,
                Some(Priority::High),
                Some("sam@x.test")
            ),
            ["sam@x.test"]
        );
        // The assignee keeps getting their case's alerts.
        assert_eq!(
            route(OutboxKind::Alert, Some(Priority::High), Some("sam@x.test")),
            ["soho@x.test", "sam@x.test"]
        );
    }

    #[test]
    fn without_a_location_or_its_to_the_owners_get_everything_as_before() {
        let owners = owned(&["owner@x.test"]);
        for kind in [
            OutboxKind::Alert,
            OutboxKind::Escalation,
            OutboxKind::Reminder,
        ] {
            assert_eq!(
                location_recipients(kind, Some(Priority::High), &[], &owners, &[], None),
                recipients(kind, &owners, &[], None)
            );
        }
        assert_eq!(
            location_recipients(
                OutboxKind::Alert,
                Some(Priority::High),
                &[],
                &owners,
                &[],
                None
            ),
            ["owner@x.test"]
        );
    }

    #[test]
    fn a_flood_summary_reaches_every_location_it_folds_once() {
        let owners = owned(&["owner@x.test"]);
        let soho = owned(&["soho@x.test", "OWNER@x.test"]);
        let camden = owned(&["camden@x.test"]);
        assert_eq!(
            flood_recipients(&owners, &[&soho, &camden]),
            ["owner@x.test", "soho@x.test", "camden@x.test"]
        );
        assert_eq!(flood_recipients(&owners, &[]), ["owner@x.test"]);
    }

    fn regular() -> Profile {
        Profile {
            tier: Some("B".into()),
            lifetime_value: Some(300.0),
        }
    }

    fn priorities(decisions: &[Decision]) -> Vec<(i64, Priority)> {
        decisions
            .iter()
            .map(|d| (d.mention_id, d.verdict.priority))
            .collect()
    }

    #[test]
    fn a_second_complaint_within_the_window_is_urgent_at_89_and_90_days_not_91() {
        for (second, expected) in [
            ("2026-03-31T10:00:00Z", Priority::Urgent), // day 89
            ("2026-04-01T10:00:00Z", Priority::Urgent), // day 90
            ("2026-04-02T10:00:00Z", Priority::High),   // day 91
        ] {
            let history = [
                mention(1, Label::Negative, "2026-01-01T10:00:00Z"),
                mention(2, Label::Negative, second),
            ];
            let decisions = decide_history(Some(&regular()), &history, &rules());
            assert_eq!(
                priorities(&decisions),
                [(1, Priority::High), (2, expected)],
                "second complaint at {second}"
            );
        }
    }

    #[test]
    fn history_is_decided_in_time_order_whatever_order_it_arrives_in() {
        let history = [
            mention(9, Label::Negative, "2026-02-01T10:00:00Z"),
            mention(3, Label::Positive, "2026-01-15T10:00:00Z"),
            mention(5, Label::Negative, "2026-01-01T10:00:00Z"),
        ];
        let decisions = decide_history(Some(&regular()), &history, &rules());
        assert_eq!(
            priorities(&decisions),
            [
                (5, Priority::High),
                (3, Priority::Low),
                (9, Priority::Urgent)
            ]
        );
        assert_eq!(decisions[2].verdict.reasons, ["2nd complaint in 90 days"]);
    }

    #[test]
    fn an_unlinked_mention_follows_its_label_alone() {
        let decisions = decide_history(
            None,
            &[mention(1, Label::Negative, "2026-01-01T10:00:00Z")],
            &rules(),
        );
        assert_eq!(priorities(&decisions), [(1, Priority::High)]);
        assert_eq!(decisions[0].alert, Some(AlertAction::Alert(Priority::High)));
        assert!(decisions[0].changed);
    }

    #[test]
    fn an_unchanged_verdict_is_not_rewritten_and_does_not_alert_again() {
        let mut m = mention(1, Label::Negative, "2026-01-01T10:00:00Z");
        m.priority = Some(Priority::High);
        m.alerted.queued_at = Some(Priority::High);
        let decisions = decide_history(None, &[m], &rules());
        assert!(!decisions[0].changed);
        assert_eq!(decisions[0].alert, None);
    }

    #[test]
    fn a_mention_that_becomes_urgent_after_its_alert_gets_one_urgent_email() {
        let queued_high = AlertHistory {
            queued_at: Some(Priority::High),
            became_urgent: false,
        };
        assert_eq!(
            alert_action(Priority::Urgent, false, queued_high),
            Some(AlertAction::BecameUrgent)
        );
        let already = AlertHistory {
            became_urgent: true,
            ..queued_high
        };
        assert_eq!(alert_action(Priority::Urgent, false, already), None);
        let urgent_from_the_start = AlertHistory {
            queued_at: Some(Priority::Urgent),
            became_urgent: false,
        };
        assert_eq!(
            alert_action(Priority::Urgent, false, urgent_from_the_start),
            None
        );
    }

    #[test]
    fn backfill_praise_and_neutral_never_email() {
        let none = AlertHistory::default();
        assert_eq!(alert_action(Priority::Urgent, true, none), None);
        assert_eq!(alert_action(Priority::Normal, false, none), None);
        assert_eq!(alert_action(Priority::Low, false, none), None);
        assert_eq!(
            alert_action(Priority::Urgent, false, none),
            Some(AlertAction::Alert(Priority::Urgent))
        );
        // A high case whose customer was unlinked goes back to high: no second email.
        let urgent = AlertHistory {
            queued_at: Some(Priority::Urgent),
            became_urgent: false,
        };
        assert_eq!(alert_action(Priority::High, false, urgent), None);
    }

    #[test]
    fn backfill_is_what_was_published_before_the_window_of_the_first_poll() {
        let window = Duration::from_secs(3 * 86_400);
        let first = at("2026-11-10T12:00:00Z");
        let now = at("2026-11-20T12:00:00Z");
        // The first poll itself: old items and undated items are backfill.
        let old = Some(at("2026-11-07T11:59:00Z"));
        let recent = Some(at("2026-11-07T12:01:00Z"));
        assert!(is_backfill(old, None, first, window));
        assert!(!is_backfill(recent, None, first, window));
        assert!(is_backfill(None, None, first, window));
        // Later polls judge against the first poll, and an undated item is news.
        assert!(is_backfill(old, Some(first), now, window));
        assert!(!is_backfill(recent, Some(first), now, window));
        assert!(!is_backfill(None, Some(first), now, window));
        assert!(!is_backfill(Some(now), Some(first), now, window));
    }

    #[test]
    fn open_means_somebody_still_owes_the_customer_something() {
        use CaseStatus::*;
        assert!(is_open(Label::Negative, Priority::High, New));
        assert!(is_open(Label::Negative, Priority::Urgent, Promised));
        assert!(!is_open(Label::Positive, Priority::Low, New));
        assert!(!is_open(Label::Neutral, Priority::Normal, New));
        assert!(is_open(Label::Neutral, Priority::Normal, Acknowledged));
        assert!(!is_open(Label::Negative, Priority::High, Resolved));
        assert!(!is_open(Label::Negative, Priority::Urgent, Recovered));
    }

    #[test]
    fn only_a_resolved_complaint_edited_to_non_negative_is_recovered() {
        use CaseStatus::*;
        assert!(recovered_by_edit(
            Resolved,
            Label::Negative,
            Label::Positive
        ));
        assert!(recovered_by_edit(Resolved, Label::Negative, Label::Neutral));
        assert!(!recovered_by_edit(
            Promised,
            Label::Negative,
            Label::Positive
        ));
        assert!(!recovered_by_edit(
            Resolved,
            Label::Negative,
            Label::Negative
        ));
        assert!(!recovered_by_edit(
            Resolved,
            Label::Neutral,
            Label::Positive
        ));
        assert!(!recovered_by_edit(
            Resolved,
            Label::Negative,
            Label::Unscored
        ));
    }

    #[test]
    fn only_high_alerts_fold_into_the_flood_summary() {
        assert!(may_fold(Some(Priority::High)));
        assert!(!may_fold(Some(Priority::Urgent)));
    }

    #[test]
    fn a_priority_set_by_staff_holds_and_says_so() {
        let mut m = mention(1, Label::Neutral, "2026-01-01T10:00:00Z");
        m.priority_override = Some(Priority::Urgent);
        // Even an old post: staff setting it urgent is news now.
        m.backfill = true;
        let d = &decide_history(Some(&regular()), &[m], &rules())[0];
        assert_eq!(d.verdict.priority, Priority::Urgent);
        assert_eq!(d.verdict.reasons, [SET_BY_STAFF]);
        assert_eq!(d.alert, Some(AlertAction::Alert(Priority::Urgent)));
        assert!(d.open);

        let mut m = mention(2, Label::Negative, "2026-01-01T10:00:00Z");
        m.priority_override = Some(Priority::Low);
        let d = &decide_history(None, &[m], &rules())[0];
        assert_eq!((d.verdict.priority, d.alert), (Priority::Low, None));
        assert!(d.open, "still a complaint somebody owes an answer");
    }

    #[test]
    fn a_dismissed_mention_alerts_no_one_is_not_open_and_is_no_prior_complaint() {
        let mut first = mention(1, Label::Negative, "2026-01-01T10:00:00Z");
        first.dismissed = true;
        let second = mention(2, Label::Negative, "2026-01-05T10:00:00Z");
        let decisions = decide_history(Some(&regular()), &[first, second], &rules());
        assert_eq!((decisions[0].alert, decisions[0].open), (None, false));
        assert_eq!(
            priorities(&decisions[1..]),
            [(2, Priority::High)],
            "a dismissed post is not a first complaint"
        );
        assert_eq!(decisions[1].alert, Some(AlertAction::Alert(Priority::High)));
    }

    #[test]
    fn a_post_not_in_english_is_read_by_a_person_without_an_alert_or_a_case() {
        let foreign = mention(1, Label::Unscored, "2026-01-01T10:00:00Z");
        let complaint = mention(2, Label::Negative, "2026-01-05T10:00:00Z");
        let decisions = decide_history(Some(&regular()), &[foreign, complaint], &rules());
        let d = &decisions[0];
        assert_eq!(d.verdict.priority, Priority::Normal);
        assert_eq!(d.verdict.reasons, [crate::triage::NOT_ENGLISH]);
        assert_eq!(
            (d.alert, d.open),
            (None, false),
            "no alert, no case by itself"
        );
        assert_eq!(
            priorities(&decisions[1..]),
            [(2, Priority::High)],
            "an unread post is not an earlier complaint"
        );
        // Once staff took it up, it is open like any other case.
        assert!(is_open(
            Label::Unscored,
            Priority::Normal,
            CaseStatus::Acknowledged
        ));
    }

    #[test]
    fn the_assignee_hears_of_their_case_and_the_owner_of_an_unkept_promise() {
        let owners = ["owner@example.com".to_owned()];
        let boss = ["boss@example.com".to_owned()];
        let sam = Some("sam@example.com");
        let to = |kind, assignee| recipients(kind, &owners, &boss, assignee);
        assert_eq!(
            to(OutboxKind::Alert, sam),
            ["owner@example.com", "sam@example.com"]
        );
        assert_eq!(to(OutboxKind::Alert, None), ["owner@example.com"]);
        assert_eq!(to(OutboxKind::Reminder, sam), ["sam@example.com"]);
        assert_eq!(to(OutboxKind::Reminder, None), ["owner@example.com"]);
        assert_eq!(to(OutboxKind::Assigned, sam), ["sam@example.com"]);
        assert_eq!(
            to(OutboxKind::Overdue, sam),
            ["owner@example.com", "boss@example.com", "sam@example.com"]
        );
        assert_eq!(to(OutboxKind::Digest, sam), ["owner@example.com"]);
        // The owner assigned to themselves gets one copy.
        assert_eq!(
            to(OutboxKind::Alert, Some("OWNER@example.com")),
            ["owner@example.com"]
        );
    }

    #[test]
    fn taking_a_case_yourself_sends_no_email() {
        assert!(tells_assignee(true, 2, Some(1)));
        assert!(tells_assignee(true, 2, None));
        assert!(!tells_assignee(true, 2, Some(2)));
        assert!(!tells_assignee(false, 2, Some(1)));
    }
}
