//! Golden tests: the subject and plain-text body of every kind of email, compared with
//! `tests/data/golden/*.txt`. A change to what the owner reads shows up as a diff to
//! review; `EARSHOT_BLESS=1 cargo test --lib golden` writes the files anew.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::compose::{self, Email, SUBJECT_CHARS};
use super::digest;
use super::AlertContext;
use crate::model::{CaseStatus, CustomerRef, Label, Mention, Priority, SourceStatus, Term};
use crate::store::{DigestData, Event, SourceHealth, StoredDetail};

fn at(text: &str) -> DateTime<Utc> {
    crate::test_support::at(text)
}

fn priya_complaint(id: i64, text: &str, reasons: &[&str]) -> AlertContext {
    let mention = Mention {
        id,
        source: "google-reviews".into(),
        url: Some(format!("https://reviews.test/r/{id}")),
        author: Some("priya.n@mail.example (Priya N.)".into()),
        title: None,
        text: text.into(),
        published_at: Some(at("2026-11-23T10:05:00Z")),
        fetched_at: at("2026-11-23T10:15:00Z"),
        rating: Some(1.0),
        score: Some(-0.81),
        label: Label::Negative,
        language: None,
        terms: vec![
            Term {
                term: "squashed".into(),
                weight: -0.9,
            },
            Term {
                term: "nobody called".into(),
                weight: -1.2,
            },
        ],
        priority: Priority::Urgent,
        status: CaseStatus::New,
        customer: Some(CustomerRef {
            id: 7,
            name: "Priya Nair".into(),
            tier: Some("A".into()),
        }),
        promise_due_at: None,
        overdue: false,
        dismissed: None,
        relabelled: false,
        removed_at: None,
        assignee: None,
        location: None,
    };
    let suggested_reply = crate::replies::draft(
        &crate::replies::ReplySettings::default(),
        "Harbor Street Bakery",
        &mention,
        crate::replies::Recipient {
            customer_name: Some("Priya Nair"),
            repeat: reasons.iter().any(|r| r.contains("complaint")),
        },
    );
    AlertContext {
        suggested_reply,
        category: crate::replies::complaint_category(&mention),
        detail: StoredDetail {
            mention,
            priority_reasons: reasons.iter().map(|r| r.to_string()).collect(),
            events: vec![Event {
                at: at("2026-11-23T10:15:00Z"),
                kind: "new".into(),
                note: None,
                due_at: None,
                by: None,
            }],
        },
        customer_card: Some("Priya Nair, tier A, lifetime value 3,200\n2 past mentions".into()),
        page_url: Some(format!("https://earshot.bakery.example/mentions/{id}")),
    }
}

const CAKE: &str = "Our anniversary cake arrived squashed and nobody called to say the \
                    delivery was late. Two hours of waiting on our anniversary.";
const FOUR_HOURS: Duration = Duration::from_secs(4 * 3600);

fn source(last_success: Option<&str>) -> SourceHealth {
    SourceHealth {
        name: "google-reviews".into(),
        url: "https://reviews.test/harbor-street".into(),
        config_url: None,
        state: SourceStatus::Broken,
        last_fetch_at: Some(at("2026-11-23T10:00:00Z")),
        last_success_at: last_success.map(at),
        last_error: Some("HTTP 404 Not Found: the page is gone; check the URL".into()),
        consecutive_failures: 3,
        next_due_at: None,
        mentions_seen: 12,
        polled_by: None,
    }
}

/// Render in London as seen on 30 November 2026, whatever the machine or the year.
fn london<T>(f: impl FnOnce() -> T) -> T {
    let zone = crate::localtime::Zone::named("Europe/London").unwrap();
    crate::localtime::pinned(zone, at("2026-11-30T09:00:00Z"), f)
}

fn golden(name: &str, email: &Email) {
    let shown = format!("Subject: {}\n\n{}", email.subject, email.text);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("EARSHOT_BLESS").is_some() {
        std::fs::write(&path, &shown).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run EARSHOT_BLESS=1 cargo test --lib golden",
            path.display()
        )
    });
    assert_eq!(
        shown,
        expected,
        "{name} changed; if intended, run EARSHOT_BLESS=1 cargo test --lib golden and review the diff"
    );
}

#[test]
fn an_urgent_alert() {
    let ctx = priya_complaint(
        41,
        CAKE,
        &[
            "A-list (tier A), lifetime value 3,200",
            "2nd complaint in 90 days",
        ],
    );
    let email = london(|| compose::alert(&ctx, FOUR_HOURS));
    assert!(email.subject.chars().count() <= SUBJECT_CHARS);
    golden("alert-urgent", &email);
}

#[test]
fn two_complaints_from_one_person_have_different_subjects() {
    let reasons = ["A-list (tier A), lifetime value 3,200"];
    let first = compose::alert(&priya_complaint(41, CAKE, &reasons), FOUR_HOURS);
    let second = compose::alert(
        &priya_complaint(
            42,
            "The replacement cake was the wrong flavour.",
            &[
                "A-list (tier A), lifetime value 3,200",
                "2nd complaint in 90 days",
            ],
        ),
        FOUR_HOURS,
    );
    assert_ne!(first.subject, second.subject);
    assert!(
        second.subject.contains("2nd complaint"),
        "{}",
        second.subject
    );
}

#[test]
fn a_negative_alert_from_a_stranger_without_a_web_link() {
    let mut ctx = priya_complaint(43, "Cold coffee, rude staff.", &[]);
    ctx.detail.mention.customer = None;
    ctx.detail.mention.priority = Priority::High;
    ctx.detail.mention.author = Some("Bo Diaz".into());
    ctx.customer_card = None;
    ctx.page_url = None;
    ctx.suggested_reply = crate::replies::draft(
        &crate::replies::ReplySettings::default(),
        "Harbor Street Bakery",
        &ctx.detail.mention,
        crate::replies::Recipient {
            customer_name: None,
            repeat: false,
        },
    );
    golden(
        "alert-negative",
        &london(|| compose::alert(&ctx, FOUR_HOURS)),
    );
}

#[test]
fn a_became_urgent_email() {
    let ctx = priya_complaint(41, CAKE, &["A-list (tier A), lifetime value 3,200"]);
    let why = "the customer list was imported: A-list (tier A), lifetime value 3,200";
    golden(
        "became-urgent",
        &compose::became_urgent(&ctx, why, FOUR_HOURS),
    );
}

#[test]
fn an_escalation() {
    let ctx = priya_complaint(41, CAKE, &["2nd complaint in 90 days"]);
    golden(
        "escalation",
        &london(|| compose::escalation(&ctx, FOUR_HOURS)),
    );
}

/// Sam's promise of a replacement cake, due Wednesday 17:00.
fn promised_by_sam() -> Event {
    Event {
        at: at("2026-11-23T11:00:00Z"),
        kind: "promised".into(),
        note: Some("replacement cake Saturday".into()),
        due_at: Some(at("2026-11-25T17:00:00Z")),
        by: Some("Sam".into()),
    }
}

#[test]
fn a_reminder() {
    let mut ctx = priya_complaint(41, CAKE, &[]);
    ctx.detail.events.push(promised_by_sam());
    let email = london(|| compose::reminder(&ctx, at("2026-11-25T17:00:00Z")));
    golden("reminder", &email);
}

#[test]
fn a_case_given_to_someone() {
    let mut ctx = priya_complaint(41, CAKE, &["A-list (tier A), lifetime value 3,200"]);
    ctx.detail.mention.assignee = Some("Sam".into());
    ctx.detail.events.push(Event {
        at: at("2026-11-23T10:30:00Z"),
        kind: "assigned".into(),
        note: Some("to Sam".into()),
        due_at: None,
        by: Some("Olga".into()),
    });
    golden("assigned", &london(|| compose::assigned(&ctx, FOUR_HOURS)));
}

#[test]
fn an_assigned_promise_still_unkept() {
    let mut ctx = priya_complaint(41, CAKE, &[]);
    ctx.detail.mention.assignee = Some("Sam".into());
    ctx.detail.mention.status = CaseStatus::Promised;
    ctx.detail.events.push(promised_by_sam());
    let email = london(|| compose::overdue(&ctx, at("2026-11-25T17:00:00Z")));
    golden("overdue", &email);
}

#[test]
fn a_flood_summary() {
    let a = priya_complaint(41, CAKE, &[]).detail.mention;
    let b = priya_complaint(42, "Cold coffee again.", &[])
        .detail
        .mention;
    golden("flood", &london(|| compose::flood(&[a, b], 20)));
}

#[test]
fn a_source_down_and_back() {
    golden(
        "source-down",
        &compose::source_down(&source(Some("2026-11-20T08:00:00Z"))),
    );
    golden(
        "source-down-never-worked",
        &compose::source_down(&source(None)),
    );
    let mut back = source(Some("2026-11-23T11:00:00Z"));
    back.last_error = None;
    back.consecutive_failures = 0;
    back.state = SourceStatus::Ok;
    golden("source-up", &london(|| compose::source_up(&back)));
}

#[test]
fn a_digest() {
    let open = priya_complaint(41, CAKE, &[]).detail.mention;
    let data = DigestData {
        since: at("2026-11-22T08:00:00Z"),
        until: at("2026-11-23T08:00:00Z"),
        open_cases: vec![open.clone()],
        new_mentions: vec![open],
        ..DigestData::default()
    };
    let email = london(|| digest::compose(&data, "Harbor Street Bakery"));
    golden("digest", &email);
    let mut assigned = priya_complaint(41, CAKE, &[]).detail.mention;
    assigned.assignee = Some("Sam".into());
    let nobodys = priya_complaint(42, "Cold coffee again.", &[])
        .detail
        .mention;
    let team = DigestData {
        open_cases: vec![assigned, nobodys],
        has_team: true,
        ..data
    };
    let email = london(|| digest::compose(&team, "Harbor Street Bakery"));
    golden("digest-team", &email);
}

#[test]
fn a_failed_backup() {
    let at = crate::store::parse_ts("2026-11-30T03:00:00Z").unwrap();
    golden(
        "backup-failed",
        &london(|| {
            compose::backup_failed(
                "cannot create the backup folder /mnt/usb/earshot: make it a folder Earshot \
                 may write to ([storage] backup_dir): Permission denied (os error 13)",
                at,
            )
        }),
    );
}
