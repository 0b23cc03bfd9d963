//! Alerts end to end: the poller queues, the dispatcher sends to a real SMTP server
//! (aiosmtpd on 127.0.0.1) or writes `.eml` files, and nothing is lost or sent twice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use earshot::alert::dispatcher::SEND_LEASE;
use earshot::alert::transport::{SmtpSettings, SMTP_PASSWORD_ENV, SMTP_USER_ENV};
use earshot::alert::{Dispatcher, FailureKind, PassReport, Transport};
use earshot::config::Config;
use earshot::model::{CaseStatus, Label, OutboxStatus, Priority};
use earshot::pipeline::decide::{alert_action, is_open, AlertHistory, Decision};
use earshot::poller::{poll_cycle, CycleReport, Pipeline};
use earshot::store::{FetchOutcome, MentionUpdate, NewMention, SourceState, Store, StoreHandle};
use earshot::triage::Verdict;

use crate::common::config;
use crate::smtp::{free_port, read_dir_mails, require_aiosmtpd, Mail, Options, SmtpServer};

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

/// One item of the test feed: (id, author, text).
type Item<'a> = (&'a str, &'a str, &'a str);

pub fn write_feed(path: &Path, items: &[Item<'_>]) {
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|(id, author, text)| {
            serde_json::json!({
                "id": id,
                "url": format!("https://reviews.test/r/{id}"),
                "content_text": text,
                // Recent, whatever day the tests run: a first poll takes old posts in
                // as backfill (no email).
                "date_published": (Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
                "authors": [{ "name": author }],
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "reviews",
        "items": items,
    });
    std::fs::write(path, feed.to_string()).unwrap();
}

/// A temp dir with a feed file, a database and the pipeline, plus `[alerts]` settings.
struct Setup {
    dir: tempfile::TempDir,
    config: Arc<Config>,
    store: StoreHandle,
    pipeline: Arc<Pipeline>,
}

impl Setup {
    fn new(alerts: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed.json");
        write_feed(&feed, &[]);
        let config = Arc::new(config(&format!(
            "[[source]]\nname = \"reviews\"\nurl = \"file://{}\"\n\n[alerts]\n\
             to = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             outbox_dir = \"{}\"\n{alerts}\n",
            feed.display(),
            dir.path().join("outbox").display()
        )));
        let store = Store::open(&dir.path().join("earshot.db")).unwrap();
        Setup {
            pipeline: Arc::new(Pipeline::new(config.clone()).unwrap()),
            config,
            store: StoreHandle::new(store).unwrap(),
            dir,
        }
    }

    fn feed(&self, items: &[Item<'_>]) {
        write_feed(&self.dir.path().join("feed.json"), items);
    }

    async fn poll(&self, now: DateTime<Utc>) -> CycleReport {
        poll_cycle(self.pipeline.clone(), self.store.clone(), None, true, now)
            .await
            .unwrap()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("earshot.db")
    }

    fn outbox_dir(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    fn dispatcher(&self, transport: Transport) -> Dispatcher {
        Dispatcher::new(self.config.clone(), self.store.clone(), transport)
            .with_zone(earshot::localtime::Zone::utc())
    }

    fn files(&self) -> Transport {
        Transport::Files(self.outbox_dir())
    }

    fn eml(&self) -> Vec<Mail> {
        read_dir_mails(&self.outbox_dir())
    }

    /// Store a mention as if the pipeline had decided its priority (the one it carries):
    /// upsert, and persist that decision with its alert in the same transaction.
    fn insert(&self, mention: NewMention, now: DateTime<Utc>) -> i64 {
        self.store
            .lock()
            .transaction(|tx| {
                let id = match Store::upsert_mention(tx, &mention, now)? {
                    MentionUpdate::Inserted(id)
                    | MentionUpdate::Edited { id, .. }
                    | MentionUpdate::Unchanged(id) => id,
                };
                let decision = Decision {
                    mention_id: id,
                    verdict: Verdict {
                        priority: mention.priority,
                        reasons: mention.priority_reasons.clone(),
                    },
                    changed: true,
                    open: is_open(mention.label, mention.priority, CaseStatus::New),
                    alert: alert_action(mention.priority, false, AlertHistory::default()),
                };
                Store::save_decision(tx, &decision, "test", now)?;
                Ok(id)
            })
            .unwrap()
    }

    fn sql(&self, sql: &str) {
        rusqlite::Connection::open(self.db())
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }

    fn statuses(&self) -> Vec<OutboxStatus> {
        let entries = self.store.lock().outbox(None).unwrap();
        entries.into_iter().rev().map(|e| e.status).collect()
    }
}

fn mention(key: &str, author: &str, text: &str, priority: Priority) -> NewMention {
    let label = match priority {
        Priority::Urgent | Priority::High => Label::Negative,
        Priority::Normal => Label::Neutral,
        Priority::Low => Label::Positive,
    };
    NewMention {
        author_email: None,
        source: "reviews".into(),
        key: key.into(),
        content_hash: format!("hash-{key}-{text}"),
        url: Some(format!("https://reviews.test/r/{key}")),
        author: Some(author.into()),
        title: None,
        text: text.into(),
        published_at: None,
        rating: None,
        score: if label == Label::Negative { -0.7 } else { 0.6 },
        label,
        language: None,
        terms: vec![],
        priority,
        priority_reasons: if priority == Priority::Urgent {
            vec!["2nd complaint in 90 days".into()]
        } else {
            vec![]
        },
        location: None,
    }
}

fn smtp(url: &str, login: Option<(&str, &str)>) -> Transport {
    let settings = SmtpSettings::new(url, Duration::from_secs(10), |name| match login {
        Some((user, _)) if name == SMTP_USER_ENV => Some(user.to_owned()),
        Some((_, password)) if name == SMTP_PASSWORD_ENV => Some(password.to_owned()),
        _ => None,
    })
    .unwrap();
    Transport::smtp(settings).unwrap()
}

const RUDE: &str = "The staff were rude and the coffee was cold.";

#[tokio::test]
async fn urgent_and_high_mentions_each_send_one_email_and_never_again() {
    let server = SmtpServer::start();
    let s = Setup::new("");
    s.feed(&[("r1", "Jane Doe", RUDE)]);
    let now = t("2026-11-23T10:00:00Z");
    let report = s.poll(now).await;
    assert_eq!(report.sources[0].alerts_queued, 1, "{report:?}");
    let urgent_id = s.insert(
        mention(
            "vip-1",
            "Maria Lopez",
            "Cold coffee AGAIN. Rude staff.",
            Priority::Urgent,
        ),
        now,
    );

    let pass = s
        .dispatcher(smtp(&server.url(), None))
        .tick(now)
        .await
        .unwrap();
    assert_eq!(pass.sent, 2, "{pass:?}");
    let mails = server.messages();
    assert_eq!(mails.len(), 2);
    let urgent = mails
        .iter()
        .find(|m| m.subject().starts_with("[URGENT]"))
        .unwrap();
    let high = mails
        .iter()
        .find(|m| m.subject().starts_with("[Negative]"))
        .unwrap();
    assert_eq!(
        urgent.subject(),
        "[URGENT] Maria Lopez (2nd complaint): \"Cold coffee AGAIN. Rude staff.\""
    );
    assert_eq!(
        high.subject(),
        "[Negative] Jane Doe: \"The staff were rude and the coffee was cold.\""
    );
    for mail in [urgent, high] {
        assert_eq!(mail.header("To"), Some("owner@example.com"));
        assert_eq!(mail.header("X-RcptTo"), Some("owner@example.com"));
        assert_eq!(mail.header("From"), Some("earshot@bakery.test"));
        assert!(mail
            .header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"));
        assert!(
            !mail.text.is_empty() && mail.html.contains("<h2>"),
            "{mail:?}"
        );
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("Score"), "{part}");
            assert!(part.contains("Case history"), "{part}");
            assert!(part.contains("https://reviews.test/r/"), "{part}");
        }
    }
    assert!(high.text.contains(RUDE), "{}", high.text);
    assert!(
        high.text.contains("\"rude\""),
        "driving terms: {}",
        high.text
    );
    assert!(high.text.contains("earshot ack 1"), "{}", high.text);
    assert!(
        urgent.text.contains("2nd complaint in 90 days"),
        "{}",
        urgent.text
    );
    assert!(urgent.text.contains(&format!("earshot ack {urgent_id}")));
    // The problem in words, and a reply that can be sent as it is.
    for mail in [urgent, high] {
        assert!(
            mail.text.contains("Problem: Staff attitude"),
            "{}",
            mail.text
        );
    }
    assert!(
        high.text.contains("Hi Jane,")
            && high
                .text
                .contains("I'm sorry about how our team treated you."),
        "{}",
        high.text
    );
    assert!(
        urgent.text.contains("Hi Maria,") && urgent.text.contains("and that it has happened again"),
        "{}",
        urgent.text
    );

    // A re-poll of the same feed queues nothing and sends nothing.
    assert_eq!(s.poll(now + minutes(15)).await.sources[0].alerts_queued, 0);
    let again = s.dispatcher(smtp(&server.url(), None));
    assert_eq!(again.tick(now + minutes(15)).await.unwrap().sent, 0);

    // A restart (a new store and dispatcher on the same file) sends nothing either.
    let restarted = StoreHandle::open(&s.db()).unwrap();
    let dispatcher = Dispatcher::new(s.config.clone(), restarted, smtp(&server.url(), None));
    assert_eq!(dispatcher.tick(now + minutes(30)).await.unwrap().sent, 0);
    assert_eq!(server.messages().len(), 2);
}

#[tokio::test]
async fn an_edit_that_turns_a_mention_negative_alerts_once() {
    let s = Setup::new("");
    let now = t("2026-11-23T10:00:00Z");
    s.feed(&[("r1", "Sam", "I love the bread here, lovely staff.")]);
    assert_eq!(s.poll(now).await.sources[0].alerts_queued, 0);
    s.feed(&[("r1", "Sam", RUDE)]);
    let edited = s.poll(now + minutes(15)).await;
    assert_eq!(edited.sources[0].updated, 1);
    assert_eq!(edited.sources[0].alerts_queued, 1);
    s.feed(&[("r1", "Sam", "Edit: rude staff, cold coffee, never again.")]);
    assert_eq!(s.poll(now + minutes(30)).await.sources[0].alerts_queued, 0);
    let pass = s
        .dispatcher(s.files())
        .tick(now + minutes(30))
        .await
        .unwrap();
    assert_eq!(pass.sent, 1);
    let mails = s.eml();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject(),
        "[Negative] Sam: \"Edit: rude staff, cold coffee, never again.\""
    );
    assert!(mails[0].text.contains("never again"), "{}", mails[0].text);
}

#[tokio::test]
async fn alerts_wait_while_the_server_is_down_and_each_arrives_once_when_it_is_back() {
    let port = free_port();
    let url = format!("smtp://127.0.0.1:{port}");
    let s = Setup::new("");
    s.feed(&[
        ("r1", "Ann", RUDE),
        ("r2", "Ben", "Rude cashier, cold tea."),
        ("r3", "Cat", "Cold croissant and rude service."),
    ]);
    let now = t("2026-11-23T10:00:00Z");
    assert_eq!(s.poll(now).await.sources[0].alerts_queued, 3);

    let down = s.dispatcher(smtp(&url, None));
    let pass = down.tick(now).await.unwrap();
    assert_eq!((pass.sent, pass.retrying), (0, 3), "{pass:?}");
    let entries = s.store.lock().outbox(None).unwrap();
    for e in &entries {
        assert_eq!(e.status, OutboxStatus::Pending);
        assert!(e.next_attempt_at > now);
        let error = e.last_error.as_deref().unwrap();
        assert!(error.contains("refused the connection"), "{error}");
    }
    // Before the backoff ends nothing is attempted.
    assert_eq!(
        down.tick(now + chrono::Duration::seconds(10))
            .await
            .unwrap(),
        Default::default()
    );

    require_aiosmtpd();
    let server = SmtpServer::start_on(port);
    let pass = down.tick(now + minutes(60)).await.unwrap();
    assert_eq!(pass.sent, 3, "{pass:?}");
    assert_eq!(down.tick(now + minutes(90)).await.unwrap().sent, 0);
    let mails = server.messages();
    assert_eq!(mails.len(), 3);
    let ids: HashSet<&str> = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(s.statuses(), [OutboxStatus::Sent; 3]);
}

#[test]
fn a_dispatcher_killed_mid_send_loses_nothing_and_sends_each_alert_once() {
    require_aiosmtpd();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.json");
    write_feed(
        &feed,
        &[
            ("r1", "Ann", RUDE),
            ("r2", "Ben", "Rude cashier, cold tea."),
        ],
    );
    // A server that accepts connections and never says a word: the send hangs.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_url = format!("smtp://{}", black_hole.local_addr().unwrap());
    let config_text = |smtp_url: &str| {
        format!(
            "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"{}\"\n\
             [[source]]\nname = \"reviews\"\nurl = \"file://{}\"\n[alerts]\n\
             to = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             smtp_url = \"{smtp_url}\"\ntimeout = \"60s\"\n",
            dir.path().join("e.db").display(),
            feed.display()
        )
    };
    let config_path = dir.path().join("earshot.toml");
    std::fs::write(&config_path, config_text(&hole_url)).unwrap();
    let earshot = |args: &[&str]| {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("earshot"));
        command
            .arg("--config")
            .arg(&config_path)
            .args(args)
            .env_remove(SMTP_USER_ENV)
            .env_remove(SMTP_PASSWORD_ENV);
        command
    };

    let polled = earshot(&["poll", "--no-send"]).output().unwrap();
    let summary = String::from_utf8_lossy(&polled.stdout);
    assert!(summary.contains("alerts queued: 2"), "{summary}");

    let mut sender = earshot(&["outbox", "--retry"]).spawn().unwrap();
    let db = dir.path().join("e.db");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while count_status(&db, "sending") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no row reached 'sending'"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sender.kill().unwrap(); // SIGKILL, mid-send
    sender.wait().unwrap();
    assert_eq!(
        (count_status(&db, "sending"), count_status(&db, "pending")),
        (1, 1)
    );
    let listing = earshot(&["outbox"]).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("1 pending, 1 sending, 0 sent"),
        "{listing}"
    );
    let digest = earshot(&["digest"]).output().unwrap();
    let digest = String::from_utf8_lossy(&digest.stdout);
    assert!(
        digest.contains("Open cases (2)") && digest.contains("2 negative"),
        "{digest}"
    );

    // Restart against a working server.
    let server = SmtpServer::start();
    let config = Config::parse(&config_text(&server.url()), Path::new("t.toml")).unwrap();
    let store = StoreHandle::open(&db).unwrap();
    let dispatcher = Dispatcher::new(Arc::new(config), store, smtp(&server.url(), None));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let now = Utc::now();
    // The row the killed sender held is taken at once (its process is gone, no need to
    // wait out the lease), with the pending one.
    assert_eq!(
        rt.block_on(dispatcher.send_due(now, false)).unwrap().sent,
        2
    );
    let lease = chrono::Duration::from_std(SEND_LEASE).unwrap();
    let later = now + lease + minutes(1);
    assert_eq!(
        rt.block_on(dispatcher.send_due(later, false)).unwrap().sent,
        0
    );
    assert_eq!(
        rt.block_on(dispatcher.send_due(later + minutes(5), false))
            .unwrap()
            .sent,
        0
    );
    let mails = server.messages();
    let subjects: HashSet<&str> = mails.iter().map(Mail::subject).collect();
    assert_eq!(mails.len(), 2, "{subjects:?}");
    assert_eq!(
        subjects,
        HashSet::from([
            "[Negative] Ann: \"The staff were rude and the coffee was cold.\"",
            "[Negative] Ben: \"Rude cashier, cold tea.\""
        ])
    );
    drop(black_hole);
}

fn count_status(db: &Path, status: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE status = ?1",
        [status],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

#[tokio::test]
async fn a_required_login_and_a_wrong_password_fail_clearly_and_lose_nothing() {
    let server = SmtpServer::start_with(Options {
        auth: Some("owner:right-password"),
        ..Default::default()
    });
    let s = Setup::new("");
    s.feed(&[("r1", "Ann", RUDE)]);
    let now = t("2026-11-23T10:00:00Z");
    s.poll(now).await;

    let wrong = s.dispatcher(smtp(&server.url(), Some(("owner", "wrong-password"))));
    assert_eq!(wrong.tick(now).await.unwrap().retrying, 1);
    let entry = s.store.lock().outbox(None).unwrap().remove(0);
    let error = entry.last_error.unwrap();
    assert_eq!(entry.status, OutboxStatus::Pending);
    assert!(error.contains("rejected the login for 'owner'"), "{error}");
    assert!(
        error.contains(SMTP_PASSWORD_ENV) && !error.contains("wrong-password"),
        "{error}"
    );

    let anonymous = s.dispatcher(smtp(&server.url(), None));
    assert_eq!(anonymous.tick(now + minutes(60)).await.unwrap().retrying, 1);
    let entries = s.store.lock().outbox(None).unwrap();
    assert!(entries[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("requires a login"));

    let right = s.dispatcher(smtp(&server.url(), Some(("owner", "right-password"))));
    assert_eq!(right.tick(now + minutes(120)).await.unwrap().sent, 1);
    assert_eq!(server.messages().len(), 1);
    assert_eq!(s.statuses(), [OutboxStatus::Sent]);
}

#[tokio::test]
async fn a_refused_recipient_fails_with_the_server_reply() {
    let server = SmtpServer::start_with(Options {
        reject_domain: Some("rejected.test"),
        ..Default::default()
    });
    let s = Setup::new("");
    let config = Arc::new({
        let mut c = (*s.config).clone();
        c.alerts.to = vec!["gone@rejected.test".into()];
        c
    });
    s.feed(&[("r1", "Ann", RUDE)]);
    let now = t("2026-11-23T10:00:00Z");
    s.poll(now).await;
    let dispatcher = Dispatcher::new(config, s.store.clone(), smtp(&server.url(), None));
    assert_eq!(dispatcher.tick(now).await.unwrap().failed, 1);
    let entry = s.store.lock().outbox(None).unwrap().remove(0);
    assert_eq!(entry.status, OutboxStatus::Failed);
    let error = entry.last_error.unwrap();
    assert!(
        error.contains("550") && error.contains("Recipient address rejected"),
        "{error}"
    );
    assert!(server.messages().is_empty());

    // The owner fixes [alerts] to and runs `earshot outbox --retry`: it is sent afresh.
    let later = now + minutes(60);
    s.store.lock().retry_outbox_now(later).unwrap();
    let fixed = s.dispatcher(smtp(&server.url(), None));
    assert_eq!(fixed.send_due(later, true).await.unwrap().sent, 1);
    let mails = server.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("X-RcptTo"), Some("owner@example.com"));
}

#[tokio::test]
async fn an_author_name_cannot_inject_headers_and_html_is_escaped() {
    let server = SmtpServer::start();
    let s = Setup::new("");
    let now = t("2026-11-23T10:00:00Z");
    let mut evil = mention(
        "x1",
        "Eve\r\nBcc: victim@example.com",
        "<script>alert('x')</script> rude & cold <b>coffee</b>",
        Priority::High,
    );
    evil.url = Some("https://reviews.test/r?a=1&b=\"2\"".into());
    s.insert(evil, now);
    assert_eq!(
        s.dispatcher(smtp(&server.url(), None))
            .tick(now)
            .await
            .unwrap()
            .sent,
        1
    );
    let mail = &server.messages()[0];
    assert_eq!(mail.header("X-RcptTo"), Some("owner@example.com"));
    assert!(mail.header("Bcc").is_none(), "{}", mail.raw);
    assert!(
        !mail.raw.lines().any(|l| l.starts_with("Bcc:")),
        "{}",
        mail.raw
    );
    assert_eq!(
        mail.subject(),
        "[Negative] Eve Bcc: victim@example.com: \"<script>alert('x')</script> rude & cold\u{2026}\""
    );
    assert!(
        mail.html
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{}",
        mail.html
    );
    assert!(
        mail.html.contains("&lt;b&gt;coffee&lt;/b&gt; ")
            || mail.html.contains("&lt;b&gt;coffee&lt;/b&gt;")
    );
    assert!(!mail.html.contains("<script>") && !mail.html.contains("<b>coffee"));
    assert!(mail
        .html
        .contains("href=\"https://reviews.test/r?a=1&amp;b=&quot;2&quot;\""));
}

#[tokio::test]
async fn the_digest_reminders_and_escalations_follow_the_injected_clock() {
    let s = Setup::new("digest = \"daily 08:00\"\nescalate_to = [\"manager@example.com\"]");
    let day = t("2026-11-23T00:00:00Z");
    let complaint = s.insert(
        mention("c1", "Ann", RUDE, Priority::High),
        day + minutes(15 * 60),
    );
    let handled = s.insert(
        mention("c2", "Ben", "Cold tea.", Priority::High),
        day + minutes(15 * 60),
    );
    let praise = s.insert(
        mention("p1", "maria_l", "Lovely bread, thank you!", Priority::Low),
        day + minutes(16 * 60),
    );
    s.sql(&format!(
        "INSERT INTO customers (id, name, tier) VALUES (7, 'Maria Lopez', 'A');
         UPDATE mentions SET customer_id = 7 WHERE id = {praise};
         UPDATE mentions SET status = 'acknowledged' WHERE id = {handled};"
    ));
    s.store
        .lock()
        .transaction(|tx| {
            let state = SourceState::default();
            let failed = FetchOutcome::Failed("HTTP 503 from the server".into());
            Store::record_fetch(
                tx,
                "town-forum",
                "https://forum.test/feed",
                day,
                &failed,
                &state,
            )
        })
        .unwrap();
    let d = s.dispatcher(s.files());
    let sent = |mails: &[Mail], prefix: &str| {
        mails
            .iter()
            .filter(|m| m.subject().starts_with(prefix))
            .count()
    };

    // The two alerts go at once (too late for today's digest); no escalation before
    // respond_within (4h).
    assert_eq!(d.tick(day + minutes(15 * 60 + 1)).await.unwrap().sent, 2);
    assert_eq!(d.tick(day + minutes(19 * 60 - 1)).await.unwrap().sent, 0);
    // 4h after the alert the unacknowledged case escalates, once; the acknowledged one not.
    assert_eq!(d.tick(day + minutes(19 * 60 + 1)).await.unwrap().sent, 1);
    assert_eq!(d.tick(day + minutes(20 * 60)).await.unwrap().sent, 0);
    let mails = s.eml();
    let escalation = mails
        .iter()
        .find(|m| m.subject().starts_with("[Escalation]"))
        .unwrap();
    assert_eq!(
        escalation.subject(),
        "[Escalation] no answer in 4h: Ann: \"The staff were rude and the coffee was cold.\""
    );
    assert_eq!(
        escalation.header("To"),
        Some("owner@example.com, manager@example.com")
    );

    // The digest: not before 08:00 the next day, then once.
    let next_day = day + chrono::Duration::days(1);
    assert_eq!(
        d.tick(next_day + minutes(7 * 60 + 59)).await.unwrap().sent,
        0
    );
    assert_eq!(d.tick(next_day + minutes(8 * 60)).await.unwrap().sent, 1);
    assert_eq!(d.tick(next_day + minutes(9 * 60)).await.unwrap().sent, 0);
    let mails = s.eml();
    assert_eq!(sent(&mails, "[Earshot] digest"), 1);
    let digest = mails
        .iter()
        .find(|m| m.subject().starts_with("[Earshot] digest"))
        .unwrap();
    assert_eq!(
        digest.subject(),
        "[Earshot] digest for Harbor Street Bakery: 2 open cases, 3 new mentions"
    );
    for expected in [
        "Open cases (2)",
        &format!("#{complaint} reviews, Ann"),
        "2 negative, 0 neutral, 1 positive",
        "Say thank you",
        "Maria Lopez on reviews",
        "town-forum: HTTP 503 from the server",
    ] {
        assert!(
            digest.text.contains(expected),
            "{expected}: {}",
            digest.text
        );
    }

    // A promise due at noon: nothing before, one reminder after, never a second.
    s.sql(&format!(
        "UPDATE mentions SET status = 'promised', promise_due_at = '2026-11-24T12:00:00Z' \
         WHERE id = {complaint};"
    ));
    assert_eq!(
        d.tick(next_day + minutes(11 * 60 + 59)).await.unwrap().sent,
        0
    );
    assert_eq!(
        d.tick(next_day + minutes(12 * 60 + 1)).await.unwrap().sent,
        1
    );
    assert_eq!(d.tick(next_day + minutes(13 * 60)).await.unwrap().sent, 0);
    let mails = s.eml();
    assert_eq!(
        sent(
            &mails,
            "[Reminder] promise overdue: Ann: \"The staff were rude and the coffee was cold.\""
        ),
        1
    );
    assert_eq!(mails.len(), 2 + 1 + 1 + 1);
}

#[tokio::test]
async fn beyond_max_per_hour_alerts_roll_into_one_summary() {
    let s = Setup::new("max_per_hour = 2");
    let now = t("2026-11-23T10:00:00Z");
    for i in 0..5 {
        s.insert(
            mention(
                &format!("f{i}"),
                &format!("Angry {i}"),
                RUDE,
                Priority::High,
            ),
            now,
        );
    }
    let d = s.dispatcher(s.files());
    let pass = d.tick(now).await.unwrap();
    assert_eq!((pass.sent, pass.rolled), (3, 3), "{pass:?}");
    assert_eq!(d.tick(now + minutes(5)).await.unwrap().sent, 0);
    let mails = s.eml();
    assert_eq!(mails.len(), 3);
    let summary = mails
        .iter()
        .find(|m| m.subject() == "[Negative] 3 more negative mentions")
        .expect("one summary");
    for i in 2..5 {
        assert!(
            summary.text.contains(&format!("Angry {i}")),
            "{}",
            summary.text
        );
    }
    // An hour later the cap is free again.
    s.insert(
        mention("f9", "Late", RUDE, Priority::High),
        now + minutes(61),
    );
    assert_eq!(d.tick(now + minutes(61)).await.unwrap().sent, 1);
    assert_eq!(
        s.eml().last().unwrap().subject(),
        "[Negative] Late: \"The staff were rude and the coffee was cold.\""
    );
}

/// `earshot alerts test` in a temp dir with this `[alerts]` table.
fn alerts_test(alerts: &str, env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    std::fs::write(
        &path,
        format!("[business]\nname = \"Harbor Street Bakery\"\n[alerts]\nfrom = \"earshot@bakery.test\"\n{alerts}\n"),
    )
    .unwrap();
    let mut command = assert_cmd::Command::cargo_bin("earshot").unwrap();
    command
        .current_dir(dir.path())
        .env_remove(SMTP_USER_ENV)
        .env_remove(SMTP_PASSWORD_ENV)
        .args(["--config", path.to_str().unwrap(), "alerts", "test"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn alerts_test_names_each_way_the_mail_setup_can_fail() {
    require_aiosmtpd();
    let to = "to = [\"owner@example.com\"]";
    let login = [
        (SMTP_USER_ENV, "owner"),
        (SMTP_PASSWORD_ENV, "right-password"),
    ];

    let (ok, out) = alerts_test(
        &format!("{to}\nsmtp_url = \"smtp://127.0.0.1:{}\"", free_port()),
        &[],
    );
    assert!(!ok && out.contains("refused the connection"), "{out}");

    let (ok, out) = alerts_test(
        &format!("{to}\nsmtp_url = \"smtp://no-such-host.invalid:2525\""),
        &[],
    );
    assert!(!ok && out.contains("DNS"), "{out}");

    let plain = SmtpServer::start();
    let (ok, out) = alerts_test(
        &format!(
            "{to}\nsmtp_url = \"smtps://127.0.0.1:{}\"\ntimeout = \"5s\"",
            plain.port
        ),
        &[],
    );
    assert!(!ok && out.contains("TLS"), "{out}");

    let guarded = SmtpServer::start_with(Options {
        auth: Some("owner:right-password"),
        reject_domain: Some("rejected.test"),
        ..Default::default()
    });
    let url = format!("smtp_url = \"{}\"", guarded.url());
    let (ok, out) = alerts_test(
        &format!("{to}\n{url}"),
        &[
            (SMTP_USER_ENV, "owner"),
            (SMTP_PASSWORD_ENV, "wrong-password"),
        ],
    );
    assert!(!ok && out.contains("rejected the login"), "{out}");
    assert!(!out.contains("wrong-password"), "{out}");

    let (ok, out) = alerts_test(&format!("to = [\"nobody@rejected.test\"]\n{url}"), &login);
    assert!(
        !ok && out.contains("refused the message") && out.contains("550"),
        "{out}"
    );

    let (ok, out) = alerts_test(&format!("{to}\n{url}"), &login);
    assert!(ok && out.contains("ok:"), "{out}");
    let mails = guarded.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject(),
        "[Earshot] test message for Harbor Street Bakery"
    );

    let (ok, out) = alerts_test(&format!("{to}\noutbox_dir = \"out\""), &[]);
    assert!(ok && out.contains("written to out/"), "{out}");
}

#[tokio::test]
async fn a_broken_source_alerts_once_and_once_more_when_it_recovers() {
    let s = Setup::new("");
    let now = t("2026-11-23T10:00:00Z");
    let d = s.dispatcher(s.files());
    std::fs::remove_file(s.dir.path().join("feed.json")).unwrap();
    for cycle in 0..2 {
        assert!(s.poll(now + minutes(cycle * 15)).await.any_failed());
    }
    // Two failures in a row may be a blip: no alert yet.
    assert_eq!(d.tick(now + minutes(20)).await.unwrap().sent, 0);
    for cycle in 2..5 {
        s.poll(now + minutes(cycle * 15)).await;
        assert_eq!(
            d.tick(now + minutes(cycle * 15)).await.unwrap().sent,
            usize::from(cycle == 2)
        );
    }
    s.feed(&[("r1", "Sam", "I love the bread here.")]);
    assert!(!s.poll(now + minutes(90)).await.any_failed());
    assert_eq!(d.tick(now + minutes(90)).await.unwrap().sent, 1);
    assert_eq!(d.tick(now + minutes(120)).await.unwrap().sent, 0);
    let subjects: Vec<String> = s.eml().iter().map(|m| m.subject().to_owned()).collect();
    assert_eq!(subjects, ["[Source down] reviews", "[Source back] reviews"]);
    let down = &s.eml()[0];
    assert!(down.text.contains("Failures in a row: 3"), "{}", down.text);
    // Its file was gone from the first poll: it never worked, so it did not "stop".
    assert!(
        down.text
            .contains("reviews has not worked since it was added"),
        "{}",
        down.text
    );
}

#[tokio::test]
async fn earshot_run_sends_the_alerts_of_its_first_cycle_and_stops_cleanly() {
    let s = Setup::new("");
    s.feed(&[("r1", "Ann", RUDE)]);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn(earshot::service::serve(
        s.config.clone(),
        s.store.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while s.eml().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no alert written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    service.await.unwrap().unwrap();
    assert_eq!(
        s.eml()[0].subject(),
        "[Negative] Ann: \"The staff were rude and the coffee was cold.\""
    );
    assert_eq!(s.statuses(), [OutboxStatus::Sent]);
}

// Issue 13, item 1: `[alerts] timeout` bounds every step of the SMTP conversation, not
// only the connect. A server that takes the connection and then stops answering costs one
// timeout per pass, never a hang: the alert is retried with backoff like after a 4xx.

/// Generous outer bound: reaching it means the timeout was not applied.
const HUNG: Duration = Duration::from_secs(20);

async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(HUNG, future)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for {HUNG:?}: the SMTP timeout was not applied"))
}

/// One alert queued, then a dispatcher pass against a server stalling at `point`, with
/// `timeout = "1s"`.
async fn a_pass_through_a_stall(point: &str) -> (SmtpServer, Setup, PassReport, DateTime<Utc>) {
    let server = SmtpServer::start_with(Options {
        stall: Some(point),
        ..Default::default()
    });
    let s = Setup::new(&format!(
        "smtp_url = \"{}\"\ntimeout = \"1s\"",
        server.url()
    ));
    s.feed(&[("r1", "Ann", RUDE)]);
    let now = t("2026-11-23T10:00:00Z");
    assert_eq!(s.poll(now).await.sources[0].alerts_queued, 1);
    let transport = Transport::from_config(&s.config.alerts).unwrap();
    let pass = bounded("the dispatcher pass", s.dispatcher(transport).tick(now)).await;
    (server, s, pass.unwrap(), now)
}

/// The server stalls at `point` (answering nothing at `step`): a temporary failure naming
/// the step; the row stays pending with a retry time and the error `earshot outbox` shows.
async fn a_stall_is_retried(point: &str, step: &str) {
    let (server, s, pass, now) = a_pass_through_a_stall(point).await;
    assert_eq!(
        (pass.sent, pass.retrying, pass.failed),
        (0, 1, 0),
        "{pass:?}"
    );
    let entry = s.store.lock().outbox(None).unwrap().remove(0);
    assert_eq!(entry.status, OutboxStatus::Pending);
    assert!(entry.next_attempt_at > now, "{entry:?}");
    assert_eq!(entry.attempts, 1);
    let error = entry.last_error.unwrap();
    let expected = format!(
        "the mail server 127.0.0.1:{} stopped answering at {step} after 1s; the alert stays queued and will be retried",
        server.port
    );
    assert_eq!(error, expected);
    assert_eq!(pass.errors, [expected]);

    // The send itself: a temporary (timeout) failure, returned within the bound.
    let transport = Transport::from_config(&s.config.alerts).unwrap();
    let to = ["owner@example.com".to_owned()];
    let sent = transport.send(
        "earshot@bakery.test",
        &to,
        b"Subject: hi\r\n\r\nhi\r\n",
        "x.eml",
    );
    let e = bounded("the send", sent).await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Timeout, "{e:?}");
    assert!(!e.is_permanent() && e.message.contains(&format!("at {step} after 1s")));
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn smtp_stall_at_the_greeting_is_a_temporary_failure_and_the_alert_is_retried() {
    a_stall_is_retried("greeting", "the greeting").await;
}

#[tokio::test]
async fn smtp_stall_at_ehlo_is_a_temporary_failure_and_the_alert_is_retried() {
    a_stall_is_retried("ehlo", "EHLO").await;
}

#[tokio::test]
async fn smtp_stall_at_mail_from_is_a_temporary_failure_and_the_alert_is_retried() {
    a_stall_is_retried("mail", "MAIL FROM").await;
}

#[tokio::test]
async fn smtp_stall_at_rcpt_to_is_a_temporary_failure_and_the_alert_is_retried() {
    a_stall_is_retried("rcpt", "RCPT TO").await;
}

#[tokio::test]
async fn smtp_stall_at_data_is_a_temporary_failure_and_the_alert_is_retried() {
    a_stall_is_retried("data", "DATA").await;
}

#[tokio::test]
async fn smtp_stall_at_quit_after_the_message_was_accepted_is_sent_once() {
    let (server, s, pass, _) = a_pass_through_a_stall("quit").await;
    assert_eq!(
        (pass.sent, pass.retrying, pass.failed),
        (1, 0, 0),
        "{pass:?}"
    );
    assert_eq!(s.statuses(), [OutboxStatus::Sent]);
    let mails = server.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject(),
        "[Negative] Ann: \"The staff were rude and the coffee was cold.\""
    );
    // Sent means never again.
    let d = s.dispatcher(Transport::from_config(&s.config.alerts).unwrap());
    let later = t("2026-11-23T12:00:00Z");
    assert_eq!(
        bounded("a later pass", d.tick(later)).await.unwrap().sent,
        0
    );
    assert_eq!(server.messages().len(), 1);
}

/// No answer to the final ".": the server has the bytes but never said it took
/// responsibility for them (no 250), so the alert is not known to be delivered. It stays
/// queued (at least once, as everywhere in the dispatcher) and the error says a copy, if
/// one arrives, carries the same Message-ID.
#[tokio::test]
async fn smtp_stall_after_the_final_dot_is_retried_and_says_the_server_may_have_it() {
    let (server, s, pass, now) = a_pass_through_a_stall("after-dot").await;
    assert_eq!(
        (pass.sent, pass.retrying, pass.failed),
        (0, 1, 0),
        "{pass:?}"
    );
    let entry = s.store.lock().outbox(None).unwrap().remove(0);
    assert_eq!(entry.status, OutboxStatus::Pending);
    assert!(entry.next_attempt_at > now, "{entry:?}");
    let error = entry.last_error.unwrap();
    for part in [
        "stopped answering after the end of the message",
        "within 1s",
        "will be retried",
        "same Message-ID",
    ] {
        assert!(error.contains(part), "{part}: {error}");
    }
    // The server did store it, exactly once.
    assert_eq!(server.messages().len(), 1);
}

/// `earshot outbox --retry` against a stalling server exits by itself, the listing shows
/// the error; `earshot run` stops on SIGTERM while the server stalls.
#[test]
fn smtp_stall_neither_outbox_retry_nor_sigterm_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.json");
    write_feed(&feed, &[("r1", "Ann", RUDE)]);
    let config_path = dir.path().join("earshot.toml");
    let configure = |server: &SmtpServer, db: &str| {
        let text = format!(
            "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"{}\"\n\
             [web]\nlisten = \"127.0.0.1:0\"\n\
             [[source]]\nname = \"reviews\"\nurl = \"file://{}\"\n[alerts]\n\
             to = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             smtp_url = \"{}\"\ntimeout = \"1s\"\n",
            dir.path().join(db).display(),
            feed.display(),
            server.url()
        );
        std::fs::write(&config_path, text).unwrap();
    };
    let earshot = |args: &[&str]| {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("earshot"));
        command
            .arg("--config")
            .arg(&config_path)
            .args(args)
            .env_remove(SMTP_USER_ENV)
            .env_remove(SMTP_PASSWORD_ENV)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };
    let exits = |mut child: std::process::Child, what: &str| {
        let deadline = std::time::Instant::now() + HUNG;
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("{what} hung for {HUNG:?}: the SMTP timeout was not applied");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status, text)
    };

    let data = SmtpServer::start_with(Options {
        stall: Some("data"),
        ..Default::default()
    });
    configure(&data, "e.db");
    let polled = earshot(&["poll", "--no-send"]).output().unwrap();
    let summary = String::from_utf8_lossy(&polled.stdout);
    assert!(summary.contains("alerts queued: 1"), "{summary}");
    let (status, out) = exits(
        earshot(&["outbox", "--retry"]).spawn().unwrap(),
        "outbox --retry",
    );
    assert!(!status.success(), "{out}");
    assert!(out.contains("stopped answering at DATA after 1s"), "{out}");
    let (_, listing) = exits(earshot(&["outbox"]).spawn().unwrap(), "outbox");
    assert!(
        listing.contains("1 pending, 0 sending, 0 sent"),
        "{listing}"
    );
    assert!(
        listing.contains(&format!(
            "last error: the mail server 127.0.0.1:{} stopped answering at DATA after 1s",
            data.port
        )),
        "{listing}"
    );

    // The service (a fresh install, so its first cycle polls and sends at once), mid-send
    // to a server that never greets, stops on SIGTERM.
    let silent = SmtpServer::start_with(Options {
        stall: Some("greeting"),
        ..Default::default()
    });
    configure(&silent, "run.db");
    let db = dir.path().join("run.db");
    let mut run = earshot(&["run"]).spawn().unwrap();
    let deadline = std::time::Instant::now() + HUNG;
    while count_status(&db, "sending") == 0 {
        if std::time::Instant::now() > deadline {
            let _ = run.kill();
            panic!("no row reached 'sending'");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let (status, out) = exits(run, "earshot run after SIGTERM");
    assert!(status.success(), "{out}");
    assert_eq!(count_status(&db, "sending"), 0, "{out}");
    assert!(silent.messages().is_empty() && data.messages().is_empty());
}

/// Issue 13 #8: a configured `respond_within` of 300000y reached `now - span` unchecked.
/// The config now refuses it by name (and the schedule's subtraction is checked anyway).
#[test]
fn arithmetic_that_panics_on_input_respond_within() {
    let text =
        "[business]\nname = \"Harbor Street Bakery\"\n[triage]\nrespond_within = \"300000y\"\n";
    let err = Config::parse(text, Path::new("earshot.toml"))
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("earshot.toml") && err.contains("respond_within"),
        "{err}"
    );
}

/// `[alerts] quiet`: a high alert queued in quiet hours waits in the outbox (across a
/// restart) and goes when they end; an urgent one goes at once.
#[tokio::test]
async fn quiet_hours_hold_high_alerts_until_morning_and_urgent_ones_go_at_once() {
    let server = SmtpServer::start();
    let s = Setup::new("quiet = \"22:00-07:00\"");
    let london = || earshot::localtime::Zone::named("Europe/London").unwrap();
    let dispatcher = || {
        Dispatcher::new(s.config.clone(), s.store.clone(), smtp(&server.url(), None))
            .with_zone(london())
    };
    // 23:30 in London (summer time: 22:30 UTC).
    let night = t("2026-07-01T22:30:00Z");
    s.insert(mention("h1", "Jane Doe", RUDE, Priority::High), night);
    s.insert(
        mention("u1", "Maria Lopez", "Cold coffee AGAIN.", Priority::Urgent),
        night,
    );
    let pass = dispatcher().tick(night).await.unwrap();
    assert_eq!((pass.sent, pass.held), (1, 1), "{pass:?}");
    let mails = server.messages();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject().starts_with("[URGENT]"), "{mails:?}");
    let held = s.store.lock().outbox(Some(OutboxStatus::Pending)).unwrap();
    assert_eq!(held.len(), 1);
    // 07:00 BST is 06:00 UTC.
    assert_eq!(held[0].next_attempt_at, t("2026-07-02T06:00:00Z"));
    assert_eq!(held[0].attempts, 0);

    // Still quiet at 06:59 local, after a restart (a new store on the same file). Both
    // cases are now unanswered past respond_within (4h): the urgent one's escalation goes,
    // the high one's waits too.
    let restarted = StoreHandle::open(&s.db()).unwrap();
    let early =
        Dispatcher::new(s.config.clone(), restarted, smtp(&server.url(), None)).with_zone(london());
    let pass = early.tick(t("2026-07-02T05:59:00Z")).await.unwrap();
    assert_eq!((pass.queued, pass.sent, pass.held), (2, 1, 1), "{pass:?}");
    let subjects: Vec<String> = server
        .messages()
        .iter()
        .map(|m| m.subject().to_owned())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects
            .iter()
            .all(|s| s.contains("Maria Lopez") && !s.contains("Jane Doe")),
        "{subjects:?}"
    );

    // Quiet hours over: the held alert and escalation go, once each.
    let pass = dispatcher().tick(t("2026-07-02T06:00:00Z")).await.unwrap();
    assert_eq!((pass.sent, pass.held), (2, 0), "{pass:?}");
    let jane: Vec<String> = server
        .messages()
        .iter()
        .map(|m| m.subject().to_owned())
        .filter(|s| s.contains("Jane Doe"))
        .collect();
    assert_eq!(jane.len(), 2, "{jane:?}");
    assert!(jane.iter().any(|s| s.starts_with("[Negative]")), "{jane:?}");
    assert!(
        jane.iter().any(|s| s.starts_with("[Escalation]")),
        "{jane:?}"
    );
    assert_eq!(
        dispatcher()
            .tick(t("2026-07-02T07:00:00Z"))
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(server.messages().len(), 4);
}

/// Outside quiet hours a high alert is not held.
#[tokio::test]
async fn outside_quiet_hours_high_alerts_go_at_once() {
    let s = Setup::new("quiet = \"22:00-07:00\"");
    let day = t("2026-07-01T12:00:00Z");
    s.insert(mention("h1", "Jane Doe", RUDE, Priority::High), day);
    let pass = Dispatcher::new(s.config.clone(), s.store.clone(), s.files())
        .with_zone(earshot::localtime::Zone::named("Europe/London").unwrap())
        .tick(day)
        .await
        .unwrap();
    assert_eq!((pass.sent, pass.held), (1, 0), "{pass:?}");
}
