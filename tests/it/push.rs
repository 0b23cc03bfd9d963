//! Phone push end to end: `[alerts] webhook` receives each alert as JSON from the same
//! outbox as the email, from a real HTTP server on 127.0.0.1, once, and after an outage.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use chrono::{DateTime, Utc};
use earshot::alert::{Dispatcher, Transport};
use earshot::config::Config;
use earshot::model::{OutboxChannel, OutboxStatus};
use earshot::poller::{poll_cycle, Pipeline};
use earshot::store::{Store, StoreHandle};

use crate::alerts::write_feed;
use crate::common::config;
use crate::smtp::free_port;

/// What the endpoint received: (path, JSON body).
type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// An HTTP endpoint on 127.0.0.1 that records every POST and answers 200.
struct Endpoint {
    received: Received,
    server: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    async fn start(port: u16) -> Endpoint {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let received = Received::default();
        let app = axum::Router::new()
            .fallback(record)
            .with_state(received.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Endpoint { received, server }
    }

    fn bodies(&self) -> Vec<(String, serde_json::Value)> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(received): State<Received>,
    method: Method,
    uri: Uri,
    body: String,
) -> StatusCode {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED;
    }
    let Ok(json) = serde_json::from_str(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    received.lock().unwrap().push((uri.path().to_owned(), json));
    StatusCode::OK
}

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A feed with two complaints, polled once: two alerts queued.
struct Setup {
    dir: tempfile::TempDir,
    config: Arc<Config>,
    store: StoreHandle,
}

impl Setup {
    async fn polled(alerts: &str, now: DateTime<Utc>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("feed.json");
        write_feed(
            &feed,
            &[
                ("r1", "Ann", "The staff were rude and the coffee was cold."),
                ("r2", "Ben", "Rude cashier, cold tea."),
            ],
        );
        let sources_and_alerts = format!(
            "[[source]]\nname = \"reviews\"\nurl = \"file://{}\"\n\n[alerts]\n\
             to = [\"owner@example.com\"]\noutbox_dir = \"{}\"\n{alerts}\n",
            feed.display(),
            dir.path().join("outbox").display()
        );
        // The same settings as a file, for the `earshot` binary.
        std::fs::write(
            dir.path().join("earshot.toml"),
            format!("[business]\nname = \"Harbor Street Bakery\"\n{sources_and_alerts}"),
        )
        .unwrap();
        let config = Arc::new(config(&sources_and_alerts));
        let store = StoreHandle::new(Store::open(&dir.path().join("earshot.db")).unwrap()).unwrap();
        let pipeline = Arc::new(Pipeline::new(config.clone()).unwrap());
        let report = poll_cycle(pipeline, store.clone(), None, true, now)
            .await
            .unwrap();
        assert_eq!(report.sources[0].alerts_queued, 2, "{report:?}");
        Setup { dir, config, store }
    }

    /// A dispatcher as after a restart: nothing carried over but the database.
    fn dispatcher(&self) -> Dispatcher {
        let transport = Transport::Files(self.dir.path().join("outbox"));
        Dispatcher::new(self.config.clone(), self.store.clone(), transport)
            .with_zone(earshot::localtime::Zone::utc())
    }

    /// `earshot ARGS` on this setup's config and database: (success, stdout + stderr).
    async fn earshot(&self, args: &[&str]) -> (bool, String) {
        let dir = self.dir.path().to_owned();
        let mut all = vec!["--config".to_owned(), "earshot.toml".to_owned()];
        all.extend(["--db".to_owned(), "earshot.db".to_owned()]);
        all.extend(args.iter().map(|a| a.to_string()));
        tokio::task::spawn_blocking(move || {
            let output = assert_cmd::Command::cargo_bin("earshot")
                .unwrap()
                .current_dir(dir)
                .env_remove("EARSHOT_CONFIG")
                .args(all)
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (output.status.success(), text)
        })
        .await
        .unwrap()
    }

    fn pushes(&self) -> Vec<earshot::store::OutboxEntry> {
        let entries = self.store.lock().outbox(None).unwrap();
        entries
            .into_iter()
            .filter(|e| e.channel == OutboxChannel::Webhook)
            .collect()
    }
}

#[tokio::test]
async fn each_alert_is_pushed_once_as_json_beside_its_email() {
    let port = free_port();
    let endpoint = Endpoint::start(port).await;
    let now = t("2026-11-23T10:00:00Z");
    let s = Setup::polled(
        &format!("webhook = \"http://127.0.0.1:{port}/hooks/s3cr3t\""),
        now,
    )
    .await;

    let pass = s.dispatcher().tick(now).await.unwrap();
    assert_eq!(
        (pass.sent, pass.pushed, pass.retrying, pass.failed),
        (4, 2, 0, 0),
        "{pass:?}"
    );
    // Two more passes, one by a "restarted" dispatcher: nothing is sent again.
    assert_eq!(
        s.dispatcher()
            .tick(now + chrono::Duration::minutes(5))
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(
        s.dispatcher()
            .tick(now + chrono::Duration::hours(1))
            .await
            .unwrap()
            .sent,
        0
    );

    let bodies = endpoint.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let mut mentions = Vec::new();
    for (path, body) in &bodies {
        assert_eq!(path, "/hooks/s3cr3t");
        let subject = body["subject"].as_str().unwrap();
        assert!(subject.to_lowercase().contains("rude"), "{body}");
        assert!(
            body["text"].as_str().unwrap().contains("Rude")
                || body["text"].as_str().unwrap().contains("rude"),
            "{body}"
        );
        assert_eq!(body["kind"], "alert");
        assert!(
            matches!(body["priority"].as_str(), Some("urgent" | "high")),
            "{body}"
        );
        let id = body["mention_id"].as_i64().unwrap();
        mentions.push(id);
        assert!(
            body["url"]
                .as_str()
                .unwrap()
                .starts_with("https://reviews.test/r/"),
            "{body}"
        );
    }
    mentions.sort();
    mentions.dedup();
    assert_eq!(mentions.len(), 2, "one push per mention");

    let pushes = s.pushes();
    assert_eq!(pushes.len(), 2);
    for push in &pushes {
        assert_eq!(push.status, OutboxStatus::Sent);
        assert_eq!(push.attempts, 1);
    }
    // Each email went too, as before.
    let emails = std::fs::read_dir(s.dir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(emails, 2);
}

#[tokio::test]
async fn pushes_wait_while_the_endpoint_is_down_and_arrive_once_when_it_is_back() {
    let port = free_port();
    let now = t("2026-11-23T10:00:00Z");
    let s = Setup::polled(
        &format!("webhook = \"http://127.0.0.1:{port}/s3cr3t-topic\"\nwebhook_format = \"ntfy\""),
        now,
    )
    .await;

    // Nothing listens: the emails go, the pushes wait (the second without an attempt).
    let pass = s.dispatcher().tick(now).await.unwrap();
    assert_eq!(
        (pass.sent, pass.pushed, pass.retrying, pass.failed),
        (2, 0, 2, 0),
        "{pass:?}"
    );
    let pushes = s.pushes();
    assert_eq!(pushes.len(), 2);
    for push in &pushes {
        assert_eq!(push.status, OutboxStatus::Pending);
        assert!(push.next_attempt_at > now);
        let error = push.last_error.as_deref().unwrap();
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
        assert!(error.contains("will be retried"), "{error}");
        assert!(
            !error.contains("s3cr3t"),
            "the URL's secret is not kept: {error}"
        );
    }
    // `earshot outbox` lists each push beside its email, with its channel and error.
    let (_, listing) = s.earshot(&["outbox"]).await;
    let channels = |channel: &str| {
        listing
            .lines()
            .filter(|l| l.split_whitespace().nth(2) == Some(channel))
            .count()
    };
    assert_eq!(
        (channels("email"), channels("webhook")),
        (2, 2),
        "{listing}"
    );
    assert!(listing.contains("CHANNEL"), "{listing}");
    assert!(!listing.contains("s3cr3t"), "{listing}");
    // Before the backoff ends nothing is attempted.
    let early = s
        .dispatcher()
        .tick(now + chrono::Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(early.sent + early.retrying, 0, "{early:?}");

    let endpoint = Endpoint::start(port).await;
    let later = now + chrono::Duration::hours(1);
    let pass = s.dispatcher().tick(later).await.unwrap();
    assert_eq!((pass.sent, pass.retrying), (2, 0), "{pass:?}");
    assert_eq!(
        s.dispatcher()
            .tick(later + chrono::Duration::hours(1))
            .await
            .unwrap()
            .sent,
        0
    );

    // ntfy's JSON publishing: posted to the server root, the topic from the URL's path.
    let bodies = endpoint.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    for (path, body) in &bodies {
        assert_eq!(path, "/");
        assert_eq!(body["topic"], "s3cr3t-topic");
        assert!(
            body["title"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("rude"),
            "{body}"
        );
        assert!(
            (4..=5).contains(&body["priority"].as_u64().unwrap()),
            "{body}"
        );
        assert!(body["click"]
            .as_str()
            .unwrap()
            .starts_with("https://reviews.test/r/"));
    }
    assert!(s.pushes().iter().all(|p| p.status == OutboxStatus::Sent));
}

#[tokio::test]
async fn a_refused_push_fails_for_good_and_says_what_to_check() {
    // An endpoint that answers 404 (a revoked Slack or Teams URL does).
    let port = free_port();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let app = axum::Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "no_service") });
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let now = t("2026-11-23T10:00:00Z");
    let s = Setup::polled(
        &format!("webhook = \"http://127.0.0.1:{port}/services/T0/B0/s3cr3t\"\nwebhook_format = \"slack\""),
        now,
    )
    .await;
    let pass = s.dispatcher().tick(now).await.unwrap();
    server.abort();
    assert_eq!((pass.sent, pass.failed), (2, 2), "{pass:?}");
    for push in s.pushes() {
        assert_eq!(push.status, OutboxStatus::Failed);
        let error = push.last_error.unwrap();
        assert!(
            error.contains("HTTP 404") && error.contains("no_service"),
            "{error}"
        );
        assert!(error.contains("[alerts] webhook"), "{error}");
        assert!(!error.contains("s3cr3t"), "{error}");
    }
}

#[tokio::test]
async fn without_a_webhook_nothing_is_pushed() {
    let now = t("2026-11-23T10:00:00Z");
    let s = Setup::polled("", now).await;
    let pass = s.dispatcher().tick(now).await.unwrap();
    assert_eq!(pass.sent, 2);
    assert!(s.pushes().is_empty());
}

#[tokio::test]
async fn alerts_test_sends_one_test_push() {
    let port = free_port();
    let endpoint = Endpoint::start(port).await;
    let now = t("2026-11-23T10:00:00Z");
    let s = Setup::polled(
        &format!("webhook = \"http://127.0.0.1:{port}/hooks/s3cr3t\""),
        now,
    )
    .await;
    let (ok, text) = s.earshot(&["alerts", "test"]).await;
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("webhook at 127.0.0.1:{port} (json)"))
            && text.contains("ok: the webhook accepted the test push"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
    let bodies = endpoint.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].1["subject"].as_str().unwrap().len() > 3,
        "{bodies:?}"
    );

    drop(endpoint);
    let (ok, text) = s.earshot(&["alerts", "test"]).await;
    assert!(!ok);
    assert!(
        text.contains("cannot connect to the webhook at 127.0.0.1"),
        "{text}"
    );
}
