//! Customers: import, linking, triage with customers, the case workflow, recovery.

use chrono::{DateTime, Duration, Utc};
use earshot::config::TriageSettings;
use earshot::customers::{parse_csv, CustomerRecord};
use earshot::model::{CaseStatus, Label, Priority};
use earshot::store::{CaseAction, MentionFilter, NewMention, Store};

use crate::cli::{earshot, fresh_checkout, stdout};
use crate::common::{config, expectations, repo, Harness};

fn rules() -> TriageSettings {
    config("").triage
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn customer(name: &str, tier: &str, value: f64) -> CustomerRecord {
    CustomerRecord {
        name: name.into(),
        tier: Some(tier.into()),
        lifetime_value: Some(value),
        ..Default::default()
    }
}

/// Store a mention the way the poller does (the pipeline's batch: upsert, link, decide).
fn store_mention(
    store: &mut Store,
    key: &str,
    author: &str,
    label: Label,
    published: DateTime<Utc>,
) -> i64 {
    let index = store.customer_index().unwrap();
    let triage = rules();
    let pipeline_rules = earshot::pipeline::Rules {
        triage: &triage,
        backfill: std::time::Duration::ZERO,
    };
    let mention = NewMention {
        author_email: None,
        source: "test".into(),
        key: key.into(),
        content_hash: format!("hash-{key}"),
        url: None,
        author: Some(author.into()),
        title: None,
        text: format!("text {key}"),
        published_at: Some(published),
        rating: None,
        score: if label == Label::Negative { -0.6 } else { 0.6 },
        label,
        language: None,
        terms: vec![],
        priority: Priority::Normal,
        priority_reasons: vec![],
        location: None,
    };
    store
        .transaction(|tx| {
            earshot::pipeline::store_batch(
                tx,
                &pipeline_rules,
                "test",
                std::slice::from_ref(&mention),
                &index,
                published,
            )?;
            Ok(tx.query_row(
                "SELECT id FROM mentions WHERE source = 'test' AND key = ?1",
                [key],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

fn priority(store: &Store, id: i64) -> (Priority, Vec<String>) {
    let detail = store.mention_detail(id).unwrap();
    (detail.mention.priority, detail.priority_reasons)
}

#[test]
fn a_second_complaint_within_the_window_is_urgent_day_89_yes_day_91_no() {
    for (days, expected) in [
        (89, Priority::Urgent),
        (90, Priority::Urgent),
        (91, Priority::High),
    ] {
        let mut store = Store::open_in_memory().unwrap();
        earshot::pipeline::import_customers(
            &mut store,
            &[customer("Ann Bell", "B", 100.0)],
            &rules(),
            Utc::now(),
        )
        .unwrap();
        let first_at = at("2026-08-01T10:00:00Z");
        let first = store_mention(&mut store, "1", "Ann Bell", Label::Negative, first_at);
        let second = store_mention(
            &mut store,
            "2",
            "Ann Bell",
            Label::Negative,
            first_at + Duration::days(days),
        );
        assert_eq!(priority(&store, first).0, Priority::High, "day {days}");
        let (p, reasons) = priority(&store, second);
        assert_eq!(p, expected, "day {days}: {reasons:?}");
        if expected == Priority::Urgent {
            assert_eq!(reasons, ["2nd complaint in 90 days"]);
        }
    }
}

#[test]
fn praise_in_between_does_not_count_as_a_complaint() {
    let mut store = Store::open_in_memory().unwrap();
    earshot::pipeline::import_customers(
        &mut store,
        &[customer("Ann Bell", "B", 100.0)],
        &rules(),
        Utc::now(),
    )
    .unwrap();
    store_mention(
        &mut store,
        "1",
        "Ann Bell",
        Label::Positive,
        at("2026-08-01T10:00:00Z"),
    );
    let complaint = store_mention(
        &mut store,
        "2",
        "Ann Bell",
        Label::Negative,
        at("2026-08-10T10:00:00Z"),
    );
    assert_eq!(priority(&store, complaint).0, Priority::High);
}

#[test]
fn vips_by_tier_or_by_lifetime_value_are_urgent() {
    let mut store = Store::open_in_memory().unwrap();
    let list = [
        customer("Tia Tier", "A", 10.0),
        customer("Val Value", "C", 2000.0),
        customer("Nora Normal", "B", 1999.0),
    ];
    earshot::pipeline::import_customers(&mut store, &list, &rules(), Utc::now()).unwrap();
    let t = at("2026-11-01T10:00:00Z");
    let tier = store_mention(&mut store, "1", "Tia Tier", Label::Negative, t);
    let value = store_mention(&mut store, "2", "Val Value", Label::Negative, t);
    let normal = store_mention(&mut store, "3", "Nora Normal", Label::Negative, t);
    let praise = store_mention(&mut store, "4", "Tia Tier", Label::Positive, t);
    assert_eq!(
        priority(&store, tier),
        (
            Priority::Urgent,
            vec!["A-list (tier A), lifetime value 10".to_owned()]
        )
    );
    assert_eq!(
        priority(&store, value),
        (
            Priority::Urgent,
            vec!["A-list, lifetime value 2,000".to_owned()]
        )
    );
    assert_eq!(priority(&store, normal).0, Priority::High);
    assert_eq!(priority(&store, praise).0, Priority::Low);
}

#[test]
fn staff_links_survive_repolls_and_reimports_and_retriage() {
    let mut store = Store::open_in_memory().unwrap();
    earshot::pipeline::import_customers(
        &mut store,
        &[
            customer("Lucia Ferrante", "A", 3200.0),
            customer("Ann Bell", "B", 50.0),
        ],
        &rules(),
        Utc::now(),
    )
    .unwrap();
    let t = at("2026-11-01T10:00:00Z");
    let id = store_mention(&mut store, "1", "Lucia Ferrante", Label::Negative, t);
    assert_eq!(priority(&store, id).0, Priority::Urgent);
    let ann = store.customers(Some("Ann")).unwrap()[0].id;
    earshot::pipeline::set_link(&mut store, id, Some(ann), "priya", &rules(), t).unwrap();
    assert_eq!(priority(&store, id).0, Priority::High, "re-triaged for Ann");
    // Re-poll (edited text) and re-import must not undo the staff link.
    store_mention(&mut store, "1", "Lucia Ferrante", Label::Negative, t);
    earshot::pipeline::import_customers(
        &mut store,
        &[customer("Lucia Ferrante", "A", 3300.0)],
        &rules(),
        Utc::now(),
    )
    .unwrap();
    let detail = store.mention_detail(id).unwrap();
    assert_eq!(detail.mention.customer.unwrap().id, ann);
    assert!(detail
        .events
        .iter()
        .any(|e| e.kind == "link" && e.by.as_deref() == Some("priya")));
    earshot::pipeline::set_link(&mut store, id, None, "priya", &rules(), t).unwrap();
    earshot::pipeline::import_customers(
        &mut store,
        &[customer("Lucia Ferrante", "A", 3300.0)],
        &rules(),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        store.mention_detail(id).unwrap().mention.customer,
        None,
        "an unlink is remembered too"
    );
}

#[test]
fn reimport_updates_by_email_or_name_instead_of_duplicating() {
    let mut store = Store::open_in_memory().unwrap();
    let first = parse_csv(
        "name,email,tier\nAnn Bell,ann@x.test,B\nBob Stone,,C\n",
        "a.csv",
    )
    .unwrap();
    let summary =
        earshot::pipeline::import_customers(&mut store, &first, &rules(), Utc::now()).unwrap();
    assert_eq!((summary.added, summary.updated), (2, 0));
    let second = parse_csv(
        "name,email,tier\nAnn Bell-Moore,ANN@x.test,A\nBob Stone,bob@x.test,B\nCy New,,\n",
        "b.csv",
    )
    .unwrap();
    let summary =
        earshot::pipeline::import_customers(&mut store, &second, &rules(), Utc::now()).unwrap();
    assert_eq!((summary.added, summary.updated), (1, 2));
    let all = store.customers(None).unwrap();
    assert_eq!(all.len(), 3);
    let ann = all
        .iter()
        .find(|c| c.email.as_deref() == Some("ann@x.test"))
        .unwrap();
    assert_eq!(
        (ann.name.as_str(), ann.tier.as_deref()),
        ("Ann Bell-Moore", Some("A"))
    );
}

#[test]
fn ten_thousand_rows_import_in_one_go() {
    let mut csv = String::from("name,email,handles,tier,lifetime_value\n");
    for i in 0..10_000 {
        csv.push_str(&format!("Customer {i},c{i}@x.test,@c{i},B,{i}\n"));
    }
    let records = parse_csv(&csv, "big.csv").unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary =
        earshot::pipeline::import_customers(&mut store, &records, &rules(), Utc::now()).unwrap();
    assert_eq!(summary.added, 10_000);
    assert_eq!(store.customers(None).unwrap().len(), 10_000);
    let id = store_mention(&mut store, "1", "@c9999", Label::Negative, Utc::now());
    let linked = store.mention_detail(id).unwrap().mention.customer.unwrap();
    assert_eq!(linked.name, "Customer 9999");
}

#[tokio::test]
async fn sample_mentions_link_to_the_expected_customers() {
    let harness = Harness::new(
        earshot::config::Config::load(&repo().join("config/earshot.toml"))
            .map(|mut c| {
                for source in &mut c.sources {
                    if let earshot::config::Location::File(path) = &mut source.location {
                        *path = repo().join(&*path);
                    }
                }
                c
            })
            .unwrap(),
    );
    harness.poll().await;
    let text = std::fs::read_to_string(repo().join("config/customers.csv")).unwrap();
    let records = parse_csv(&text, "customers.csv").unwrap();
    earshot::pipeline::import_customers(
        &mut harness.store(),
        &records,
        &harness.pipeline.config().triage,
        Utc::now(),
    )
    .unwrap();
    let mentions = harness.store().mentions(&MentionFilter::default()).unwrap();
    // The customer depends on the author alone, so every mention by an author links alike.
    let mut checked = 0;
    for row in expectations().iter().filter(|r| r["relevant"] == "yes") {
        let by_author: Vec<_> = mentions
            .iter()
            .filter(|m| m.author.as_deref() == Some(row["author"].as_str()))
            .collect();
        assert!(!by_author.is_empty(), "no mention by {}", row["author"]);
        for mention in by_author {
            let linked = mention
                .customer
                .as_ref()
                .map(|c| c.name.as_str())
                .unwrap_or("-");
            assert_eq!(linked, row["customer"], "mention by {}", row["author"]);
            checked += 1;
        }
    }
    assert!(checked >= 46, "{checked}");
}

#[test]
fn workflow_from_the_command_line_with_open_filter_and_history() {
    let dir = fresh_checkout();
    stdout(&earshot(dir.path(), &["poll"]));
    stdout(&earshot(
        dir.path(),
        &["customers", "import", "config/customers.csv"],
    ));
    let open_before: serde_json::Value = serde_json::from_str(&stdout(&earshot(
        dir.path(),
        &["mentions", "--status", "open", "--format", "json"],
    )))
    .unwrap();
    let id = open_before[0]["id"].as_i64().unwrap().to_string();
    assert!(stdout(&earshot(
        dir.path(),
        &["ack", &id, "--note", "called her", "--by", "priya"]
    ))
    .contains("acknowledged"));
    assert!(stdout(&earshot(
        dir.path(),
        &[
            "promise",
            &id,
            "--due",
            "2d",
            "--note",
            "free cake Saturday",
            "--by",
            "priya"
        ]
    ))
    .contains("promised"));
    assert!(stdout(&earshot(
        dir.path(),
        &["resolve", &id, "--note", "cake delivered"]
    ))
    .contains("resolved"));
    let show = stdout(&earshot(dir.path(), &["show", &id]));
    for expected in [
        "acknowledged by priya: called her",
        "promised (due",
        "free cake Saturday",
        "resolved by",
        "cake delivered",
    ] {
        assert!(show.contains(expected), "{expected} missing:\n{show}");
    }
    let open_after: serde_json::Value = serde_json::from_str(&stdout(&earshot(
        dir.path(),
        &["mentions", "--status", "open", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(
        open_after.as_array().unwrap().len(),
        open_before.as_array().unwrap().len() - 1
    );
    let again = earshot(dir.path(), &["ack", &id]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already resolved"));
}

#[test]
fn bad_customer_files_name_the_line_and_import_nothing() {
    let dir = fresh_checkout();
    let cases = [
        (
            "name,email,lifetime_value\nAnn,a@x.test,10\n,b@x.test,5\n",
            "line 3: missing name",
        ),
        (
            "name,lifetime_value\nAnn,10\nBob,ten\n",
            "line 3: lifetime_value 'ten' is not a number",
        ),
        (
            "Full Name,email\nAnn,a@x.test\n",
            "line 1: the header has no 'name' column",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.path().join("bad.csv"), text).unwrap();
        let output = earshot(dir.path(), &["customers", "import", "bad.csv"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected) && stderr.contains("bad.csv"),
            "{stderr}"
        );
    }
    assert!(stdout(&earshot(dir.path(), &["customers", "list"])).contains("No customers yet"));
}

#[test]
fn customer_files_with_broken_quotes_columns_emails_encodings_or_clashing_rows_import_nothing() {
    let dir = fresh_checkout();
    let header = "name,email,tier\n";
    let cases: [(Vec<u8>, &str); 6] = [
        (
            format!("{header}Ann,\"ann@x.test,A\nBob,bob@x.test,B\n").into_bytes(),
            "line 2: a quote (\") opened on this line is never closed",
        ),
        (
            format!("{header}Ann,ann@x.test,A,extra\n").into_bytes(),
            "line 2: 4 cells, but the header has 3",
        ),
        (
            format!("{header}Ann,ann@x.test,A\nBob,ann @ example . com,B\n").into_bytes(),
            "line 3: email 'ann @ example . com' has spaces",
        ),
        (
            format!("{header}Ann,ann@,A\n").into_bytes(),
            "line 2: email 'ann@' is not an email address",
        ),
        (
            b"name,email,tier\nAnn,ann@x.test,A\nJos\xe9,jose@x.test,B\n".to_vec(),
            "line 3: this line is not UTF-8 text",
        ),
        (
            format!("{header}Ann,ann@x.test,A\nAnn,ann@x.test,B\n").into_bytes(),
            "line 3: the email ann@x.test is also on line 2",
        ),
    ];
    for (bytes, expected) in cases {
        std::fs::write(dir.path().join("bad.csv"), bytes).unwrap();
        let output = earshot(dir.path(), &["customers", "import", "bad.csv"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected) && stderr.contains("bad.csv"),
            "{stderr}"
        );
    }
    assert!(stdout(&earshot(dir.path(), &["customers", "list"])).contains("No customers yet"));

    // Excel's "Unicode text" is UTF-16 with a byte-order mark: read as it is.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "name,email,tier\r\nJosé Álvarez,jose@x.test,A\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    std::fs::write(dir.path().join("utf16.csv"), utf16).unwrap();
    let output = earshot(dir.path(), &["customers", "import", "utf16.csv"]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&earshot(dir.path(), &["customers", "list"])).contains("José Álvarez"));
}

#[test]
fn a_resolved_complaint_taken_down_upstream_counts_beside_the_recovered() {
    let mut store = Store::open_in_memory().unwrap();
    let t = at("2026-11-01T10:00:00Z");
    let resolved = store_mention(&mut store, "1", "Ann Bell", Label::Negative, t);
    let open = store_mention(&mut store, "2", "Bob Reed", Label::Negative, t);
    earshot::pipeline::update_case(
        &mut store,
        resolved,
        CaseAction::Resolve,
        Some("refunded"),
        "owner",
        t,
    )
    .unwrap();
    // A complete read of the source lists neither: both are marked removed upstream.
    store
        .transaction(|tx| {
            let listed = std::collections::HashSet::new();
            let marked = earshot::pipeline::mark_removed_upstream(
                tx,
                "test",
                &listed,
                t + Duration::days(3),
            )?;
            assert_eq!(marked, 2);
            Ok(())
        })
        .unwrap();
    let digest = store
        .digest_data(t + Duration::days(2), t + Duration::days(4))
        .unwrap();
    // Only the resolved one counts: a complaint still open that vanished is no win.
    assert_eq!(
        digest
            .removed_resolved
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [resolved]
    );
    assert!(!digest.removed_resolved.iter().any(|m| m.id == open));
    let email = earshot::alert::digest::compose(&digest, "Harbor Street Bakery");
    assert!(
        email
            .text
            .contains("Taken down after you resolved them (1)"),
        "{}",
        email.text
    );
    let history = store.events(resolved).unwrap();
    assert_eq!(history.last().unwrap().kind, "removed upstream");
}

#[test]
fn a_resolved_complaint_edited_to_praise_is_recovered() {
    let mut store = Store::open_in_memory().unwrap();
    earshot::pipeline::import_customers(
        &mut store,
        &[customer("Ann Bell", "B", 100.0)],
        &rules(),
        Utc::now(),
    )
    .unwrap();
    let t = at("2026-11-01T10:00:00Z");
    let id = store_mention(&mut store, "1", "Ann Bell", Label::Negative, t);
    earshot::pipeline::update_case(
        &mut store,
        id,
        CaseAction::Resolve,
        Some("refunded"),
        "owner",
        t,
    )
    .unwrap();
    // The author edits the review: same key, new content, now positive.
    let index = store.customer_index().unwrap();
    let edited = NewMention {
        author_email: None,
        source: "test".into(),
        key: "1".into(),
        content_hash: "edited".into(),
        url: None,
        author: Some("Ann Bell".into()),
        title: None,
        text: "Update: they made it right, lovely people.".into(),
        published_at: Some(t),
        rating: None,
        score: 0.7,
        label: Label::Positive,
        language: None,
        terms: vec![],
        priority: Priority::Low,
        priority_reasons: vec![],
        location: None,
    };
    store
        .transaction(|tx| {
            let triage = rules();
            let pipeline_rules = earshot::pipeline::Rules {
                triage: &triage,
                backfill: std::time::Duration::ZERO,
            };
            let batch = earshot::pipeline::store_batch(
                tx,
                &pipeline_rules,
                "test",
                &[edited],
                &index,
                t + Duration::days(3),
            )?;
            assert_eq!(batch.updated, 1);
            Ok(())
        })
        .unwrap();
    let detail = store.mention_detail(id).unwrap();
    assert_eq!(detail.mention.status, CaseStatus::Recovered);
    let ann = store.customers(Some("Ann")).unwrap()[0].clone();
    assert_eq!(ann.recovered, 1);
    // The digest of the days around the edit shows the recovery; an earlier one does not.
    let digest = store
        .digest_data(t + Duration::days(2), t + Duration::days(4))
        .unwrap();
    assert_eq!(
        digest.recovered.iter().map(|m| m.id).collect::<Vec<_>>(),
        [id]
    );
    let email = earshot::alert::digest::compose(&digest, "Harbor Street Bakery");
    assert!(email.text.contains("Won back (1)"), "{}", email.text);
    let before = store.digest_data(t, t + Duration::days(1)).unwrap();
    assert!(before.recovered.is_empty());
}

/// Issue 14: the labelled signatures in `tests/data/link_eval.tsv` (many cultures' name
/// orders, particles, double surnames, nicknames, initials, decorations, handles,
/// strangers) against `link_eval_customers.csv`, through `earshot customers eval-links`.
#[test]
fn eval_links_on_the_labelled_fixture_is_precise_and_finds_most_customers() {
    let dir = fresh_checkout();
    let data = repo().join("tests/data");
    let customers = data.join("link_eval_customers.csv");
    stdout(&earshot(
        dir.path(),
        &["customers", "import", customers.to_str().unwrap()],
    ));
    let labelled = data.join("link_eval.tsv");
    let report = stdout(&earshot(
        dir.path(),
        &["customers", "eval-links", labelled.to_str().unwrap()],
    ));
    let figure = |label: &str| -> f64 {
        let at = report.find(label).unwrap_or_else(|| panic!("{report}")) + label.len();
        report[at..]
            .trim_start()
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .and_then(|n| n.trim_end_matches('.').parse().ok())
            .unwrap_or_else(|| panic!("no {label} in {report}"))
    };
    let authors: usize = report.split(' ').next().unwrap().parse().unwrap();
    assert!(authors >= 100, "{report}");
    assert!(figure("precision") >= 0.98, "{report}");
    assert!(figure("recall") >= 0.85, "{report}");
    let suggested = report.lines().nth(2).unwrap();
    let share: f64 = suggested
        .rsplit('(')
        .next()
        .and_then(|s| s.trim_end_matches([')', '.']).parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(share >= 0.95, "{report}");
}

#[test]
fn eval_links_names_a_bad_line_and_says_to_import_first() {
    let dir = fresh_checkout();
    std::fs::write(dir.path().join("l.tsv"), "Ann Lee\tann@x.test\n").unwrap();
    let empty = earshot(dir.path(), &["customers", "eval-links", "l.tsv"]);
    assert!(!empty.status.success());
    assert!(String::from_utf8_lossy(&empty.stderr).contains("earshot customers import"));
    stdout(&earshot(
        dir.path(),
        &["customers", "import", "config/customers.csv"],
    ));
    std::fs::write(dir.path().join("l.tsv"), "Helen Marsh\nx\n").unwrap();
    let bad = earshot(dir.path(), &["customers", "eval-links", "l.tsv"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("l.tsv line 1: expected `author<TAB>email`"),
        "{stderr}"
    );
}

#[test]
fn a_semicolon_export_with_a_bom_and_extra_columns_imports_through_the_column_mapping() {
    let dir = fresh_checkout();
    let config = dir.path().join("config/earshot.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[customers.columns]\nname = \"Full Name\"\nemail = \"E-mail\"\ntier = \"Loyalty Tier\"\nlifetime_value = \"Total Spend\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let mut export = b"\xEF\xBB\xBF".to_vec();
    export.extend_from_slice(
        "Customer ID;Full Name;E-mail;Loyalty Tier;Total Spend;Last Visit\r\n\
         101;Priya Nair;priya@example.com;A;\"3,200\";2026-11-02\r\n\
         102;Tomás Ruiz;tomas@example.com;B;150;2026-10-20\r\n"
            .as_bytes(),
    );
    std::fs::write(dir.path().join("export.csv"), &export).unwrap();
    let out = stdout(&earshot(dir.path(), &["customers", "import", "export.csv"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Ignored 2 columns Earshot does not use: 'Customer ID', 'Last Visit'. To import one, name it in config under [customers.columns], e.g. tier = \"Customer ID\" (the fields are name, email, phone, handles, tier, lifetime_value, notes).",
        "{out}"
    );
    assert!(
        lines[1].starts_with("Imported 2 customers from export.csv: 2 new"),
        "{out}"
    );
    let list = stdout(&earshot(dir.path(), &["customers", "list"]));
    assert!(
        list.lines().any(|l| l.contains("Priya Nair")
            && l.contains("3,200")
            && l.contains("priya@example.com")),
        "{list}"
    );
    assert!(list.contains("Tomás Ruiz"), "{list}");

    // A bad row in the same export is still refused whole, with its line number.
    export.extend_from_slice("103;;nobody@example.com;B;10;2026-10-01\r\n".as_bytes());
    std::fs::write(dir.path().join("export.csv"), &export).unwrap();
    let refused = earshot(dir.path(), &["customers", "import", "export.csv"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("line 4: missing name"), "{stderr}");
    let list = stdout(&earshot(dir.path(), &["customers", "list"]));
    assert!(!list.contains("nobody@example.com"), "{list}");
}
