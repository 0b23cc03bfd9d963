//! The web log over HTTP: every page and action through `router(state)` with `oneshot`, on
//! the repo's sample data plus a hostile mention.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use earshot::config::Config;
use earshot::customers::parse_csv;
use earshot::model::{CaseStatus, Label, Priority};
use earshot::store::{MentionFilter, NewMention, Store};
use earshot::web::{router, AppState};
use tower::ServiceExt;

use crate::cli::fresh_checkout;
use crate::common::{repo, Harness};

/// Text and author that try to run script, and a link that tries to.
pub const XSS_TEXT: &str = "<script>alert(1)</script> rude and \"><img src=x onerror=alert(1)>";
pub const XSS_AUTHOR: &str = "\"><img src=x onerror=alert(1)>";
pub const XSS_URL: &str = "javascript:alert(1)";

/// The repo's sample config with its `file:` sources made absolute.
pub fn sample_config() -> Config {
    let text = std::fs::read_to_string(repo().join("config/earshot.toml")).unwrap();
    let feeds = format!("file://{}/feeds/", repo().display());
    let text = text.replace("file:feeds/", &feeds);
    Config::parse(&text, &repo().join("config/earshot.toml")).unwrap()
}

/// A temp database holding the polled sample sources, the sample customers and one
/// hostile mention; returns the harness and the hostile mention's id.
pub async fn sample_data() -> (Harness, i64) {
    let config = sample_config();
    let rules = config.triage.clone();
    let harness = Harness::new(config);
    let report = harness.poll().await;
    assert!(report.sources.iter().all(|s| s.outcome.is_some()));
    let csv = std::fs::read_to_string(repo().join("config/customers.csv")).unwrap();
    let records = parse_csv(&csv, "customers.csv").unwrap();
    let mut store = harness.store();
    earshot::pipeline::import_customers(&mut store, &records, &rules, Utc::now()).unwrap();
    let hostile = NewMention {
        author_email: None,
        source: "social".into(),
        key: "xss".into(),
        content_hash: "xss".into(),
        url: Some(XSS_URL.into()),
        author: Some(XSS_AUTHOR.into()),
        title: Some("<script>alert(1)</script>".into()),
        text: XSS_TEXT.into(),
        published_at: Some(Utc::now() - chrono::Duration::days(400)),
        rating: None,
        score: -0.4,
        label: Label::Negative,
        language: None,
        terms: vec![earshot::model::Term {
            term: "rude".into(),
            weight: -0.4,
        }],
        priority: Priority::High,
        priority_reasons: vec![],
        location: None,
    };
    let index = store.customer_index().unwrap();
    let decide = earshot::pipeline::Rules {
        triage: &rules,
        backfill: std::time::Duration::ZERO,
    };
    let id = store
        .transaction(|tx| {
            let batch = earshot::pipeline::store_batch(
                tx,
                &decide,
                "social",
                std::slice::from_ref(&hostile),
                &index,
                Utc::now(),
            )?;
            assert_eq!(batch.new, 1);
            Ok(tx.query_row("SELECT max(id) FROM mentions", [], |r| r.get(0))?)
        })
        .unwrap();
    drop(store);
    (harness, id)
}

/// The router over the harness's store, with an optional login token.
pub fn app(harness: &Harness, token: Option<&str>) -> Router {
    router(state(harness, token))
}

fn state(harness: &Harness, token: Option<&str>) -> AppState {
    AppState::new(
        Arc::new(sample_config()),
        harness.store.clone(),
        token.map(str::to_owned),
    )
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The CSRF token in the page's forms.
    pub fn csrf(&self) -> String {
        let start = self.body.find("name=\"csrf\" value=\"").expect("a form") + 19;
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }

    pub fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// A browser in miniature: keeps cookies between requests.
pub struct Browser {
    app: Router,
    cookies: HashMap<String, String>,
    /// The address requests come from, as `serve` records it; none by default.
    from: Option<std::net::SocketAddr>,
}

impl Browser {
    pub fn new(app: Router) -> Browser {
        Browser {
            app,
            cookies: HashMap::new(),
            from: None,
        }
    }

    /// Go on with the same cookies at another server (another worker of one database).
    pub fn switch_to(&mut self, app: Router) {
        self.app = app;
    }

    /// A browser whose requests come from `addr`.
    pub fn at(app: Router, addr: &str) -> Browser {
        Browser {
            from: Some(addr.parse().unwrap()),
            ..Browser::new(app)
        }
    }

    async fn send(&mut self, mut request: Request<Body>) -> Page {
        if let Some(from) = self.from {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(from));
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all(header::SET_COOKIE) {
            let pair = cookie.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.into(), value.into());
        }
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

fn first_id(store: &Store, filter: MentionFilter) -> i64 {
    store.mentions(&filter).unwrap()[0].id
}

pub fn urgent_id(harness: &Harness) -> i64 {
    first_id(
        &harness.store(),
        MentionFilter {
            priority: Some(Priority::Urgent),
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn the_log_puts_urgent_cases_on_top_and_filters_like_the_cli() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let page = web.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mention log"));
    let urgent = urgent_id(&harness);
    let first_card = page.body.find("href=\"/mentions/").unwrap();
    assert!(
        page.body[first_card..].starts_with(&format!("href=\"/mentions/{urgent}\"")),
        "the urgent case is not first"
    );
    assert!(page.set_cookies()[0].contains("HttpOnly; SameSite=Lax"));
    // Without a token, only loopback host names are served (no DNS rebinding).
    let rebound = Request::get("/")
        .header(header::HOST, "attacker.example:8080")
        .body(Body::empty())
        .unwrap();
    let response = app(&harness, None).oneshot(rebound).await.unwrap();
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);

    let negatives = web.get("/?sentiment=negative&status=open&since=").await;
    assert_eq!(negatives.status, StatusCode::OK);
    let expected = harness
        .store()
        .mentions(&MentionFilter {
            label: Some(Label::Negative),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        negatives.body.matches("<article").count(),
        expected.len(),
        "same rows as the store's filter"
    );
    assert!(!negatives.body.contains("badge l-positive"));
    assert!(negatives
        .body
        .contains("<option value=\"negative\" selected>"));

    let searched = web.get("/?search=sourdough&source=town-forum").await;
    assert!(searched.body.matches("<article").count() >= 1);
    let nobody = web.get("/?customer=Nobody%20Atall").await;
    assert!(nobody.body.contains("No mentions match"));
    assert_eq!(
        web.get("/?since=last%20tuesday").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        web.get("/?sentiment=sideways").await.status,
        StatusCode::BAD_REQUEST
    );

    let first = web.get("/?limit=2").await;
    assert_eq!(first.body.matches("<article").count(), 2);
    assert!(first.body.contains("href=\"/?limit=2&amp;offset=2\""));
    let second = web.get("/?limit=2&offset=2").await;
    assert!(second.body.contains("Newer"));
    assert_ne!(first.body, second.body);
}

#[tokio::test]
async fn a_mention_page_shows_score_terms_customer_reply_and_history() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let id = urgent_id(&harness);
    let name = harness
        .store()
        .mention_detail(id)
        .unwrap()
        .mention
        .customer
        .unwrap()
        .name;
    let card = format!("{name} (#");
    let greeting = format!("Hi {},", name.split(' ').next().unwrap());
    let page = web.get(&format!("/mentions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "<mark class=\"neg\">",
        &card,
        "Suggested reply",
        &greeting,
        "<dt>Problem</dt>",
        "data-copy=\"reply\"",
        "History",
        "action=\"/mentions/",
        "Record promise",
        "Unlink",
    ] {
        assert!(page.body.contains(expected), "missing {expected}");
    }
    assert!(page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    assert_eq!(
        web.get("/mentions/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(web.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    let css = web.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        web.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        web.get("/static/%2e%2e/Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn acknowledge_promise_and_resolve_change_the_database() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let id = urgent_id(&harness);
    let token = web.get(&format!("/mentions/{id}")).await.csrf();
    let ack = web
        .post(
            &format!("/mentions/{id}/ack"),
            &[("csrf", &token), ("by", "Priya"), ("note", "called her")],
        )
        .await;
    assert_eq!(ack.status, StatusCode::SEE_OTHER);
    assert_eq!(ack.location(), format!("/mentions/{id}?done=acknowledged"));
    assert!(ack
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("earshot_name=Priya;")));
    let status = |h: &Harness| h.store().mention_detail(id).unwrap().mention.status;
    assert_eq!(status(&harness), CaseStatus::Acknowledged);

    // The name is remembered for the next form.
    let page = web.get(&format!("/mentions/{id}")).await;
    assert!(page.body.contains("name=\"by\" value=\"Priya\""));
    let bad = web
        .post(
            &format!("/mentions/{id}/promise"),
            &[("csrf", &token), ("due", "soonish"), ("note", "cake")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("2026-11-30"), "{}", bad.body);
    // The form comes back with what was typed, and says what is wrong there.
    assert!(
        bad.body.contains("name=\"due\" value=\"soonish\""),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("name=\"note\" value=\"cake\""),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    let promised = web
        .post(
            &format!("/mentions/{id}/promise"),
            &[
                ("csrf", &token),
                ("due", "2d"),
                ("note", "replacement cake"),
            ],
        )
        .await;
    assert_eq!(promised.status, StatusCode::SEE_OTHER);
    let detail = harness.store().mention_detail(id).unwrap();
    assert_eq!(detail.mention.status, CaseStatus::Promised);
    assert!(detail.mention.promise_due_at.unwrap() > Utc::now());
    let resolved = web
        .post(
            &format!("/mentions/{id}/resolve"),
            &[("csrf", &token), ("by", "")],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    let events = harness.store().events(id).unwrap();
    let kinds: Vec<(&str, Option<&str>)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.by.as_deref()))
        .collect();
    assert_eq!(
        &kinds[kinds.len() - 3..],
        [
            ("acknowledged", Some("Priya")),
            ("promised", Some("Priya")),
            ("resolved", Some("Priya"))
        ]
    );
    let again = web
        .post(&format!("/mentions/{id}/ack"), &[("csrf", &token)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let closed = web.get(&format!("/mentions/{id}")).await;
    assert!(!closed.body.contains("Record promise"));
}

#[tokio::test]
async fn link_and_unlink_from_the_page_are_remembered() {
    let (harness, hostile) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let token = web.get(&format!("/mentions/{hostile}")).await.csrf();
    let customer = harness.store().customers(Some("Derek")).unwrap()[0].id;
    let linked = web
        .post(
            &format!("/mentions/{hostile}/link"),
            &[("csrf", &token), ("customer", &customer.to_string())],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);
    let detail = harness.store().mention_detail(hostile).unwrap();
    assert_eq!(detail.mention.customer.unwrap().id, customer);
    assert_eq!(detail.events.last().unwrap().by.as_deref(), Some("staff"));
    web.post(&format!("/mentions/{hostile}/unlink"), &[("csrf", &token)])
        .await;
    assert!(harness
        .store()
        .mention_detail(hostile)
        .unwrap()
        .mention
        .customer
        .is_none());
    let missing = web
        .post(
            &format!("/mentions/{hostile}/link"),
            &[("csrf", &token), ("customer", "999999")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_post_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let (harness, _) = sample_data().await;
    let app = app(&harness, None);
    let id = urgent_id(&harness);
    let mut web = Browser::new(app.clone());
    let token = web.get(&format!("/mentions/{id}")).await.csrf();
    let path = format!("/mentions/{id}/ack");
    assert_eq!(web.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        web.post(&path, &[("csrf", "00ff")]).await.status,
        StatusCode::FORBIDDEN
    );
    // A token from one session is worthless in another (a forged cross-site form).
    let mut other = Browser::new(app.clone());
    other.get("/").await;
    assert_eq!(
        other.post(&path, &[("csrf", &token)]).await.status,
        StatusCode::FORBIDDEN
    );
    // No session cookie at all.
    assert_eq!(
        Browser::new(app)
            .post(&path, &[("csrf", &token)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let status = harness.store().mention_detail(id).unwrap().mention.status;
    assert_eq!(status, CaseStatus::New);
}

#[tokio::test]
async fn hostile_text_author_and_link_are_shown_as_text() {
    let (harness, hostile) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    for path in [
        format!("/mentions/{hostile}"),
        "/?search=rude".to_owned(),
        "/?sentiment=negative&limit=500".to_owned(),
    ] {
        let page = web.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}"
        );
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img"), "{path}");
        assert!(!page.body.contains("onerror=alert(1)>"), "{path}");
        assert!(!page.body.contains("href=\"javascript:"), "{path}");
    }
    let page = web.get(&format!("/mentions/{hostile}")).await;
    assert!(page
        .body
        .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.body.contains("<span class=\"unsafe-url\""));
}

#[tokio::test]
async fn customers_sources_and_chart_pages() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let list = web.get("/customers").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Lucia Ferrante") && list.body.contains("3,200"));
    let found = web.get("/customers?search=Mara").await;
    assert!(found.body.contains("Mara Okafor") && !found.body.contains("Lucia Ferrante"));
    let lucia = harness.store().customers(Some("Lucia")).unwrap()[0].id;
    let detail = web.get(&format!("/customers/{lucia}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("tier A") && detail.body.contains("<article"));
    assert_eq!(
        web.get("/customers/999999").await.status,
        StatusCode::NOT_FOUND
    );

    let sources = web.get("/sources").await;
    assert_eq!(sources.status, StatusCode::OK);
    for name in [
        "town-forum",
        "neighborhood-reviews",
        "social",
        "reviews-page",
        "tabletalk",
    ] {
        assert!(sources.body.contains(name), "{name}");
    }
    let chart = web.get("/chart?weeks=104").await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.contains("<svg") && chart.body.contains("<polyline"));
}

#[tokio::test]
async fn with_a_token_staff_log_in_and_get_a_lax_http_only_cookie() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, Some("s3cret-token")));
    let first = web.get("/").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/login");
    assert_eq!(web.get("/static/style.css").await.status, StatusCode::OK);
    let login = web.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let token = login.csrf();
    let wrong = web
        .post("/login", &[("csrf", &token), ("token", "guess")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(web.get("/customers").await.status, StatusCode::SEE_OTHER);
    let no_csrf = web.post("/login", &[("token", "s3cret-token")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let ok = web
        .post("/login", &[("csrf", &token), ("token", "s3cret-token")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = ok
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("earshot_auth="))
        .expect("login cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(web.get("/").await.status, StatusCode::OK);
    assert_eq!(web.get("/customers").await.status, StatusCode::OK);
    // Actions need the login too.
    let id = urgent_id(&harness);
    let mut stranger = Browser::new(app(&harness, Some("s3cret-token")));
    let login = stranger.get("/login").await;
    let refused = stranger
        .post(&format!("/mentions/{id}/ack"), &[("csrf", &login.csrf())])
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // A restart (a new process, the same database) keeps the login: a phone opening an
    // alert's link is not asked for the token again.
    web.app = app(&harness, Some("s3cret-token"));
    assert_eq!(web.get("/").await.status, StatusCode::OK, "still logged in");
    web.post("/logout", &[("csrf", &token)]).await;
    assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER);
}

#[test]
fn serve_refuses_a_lan_address_without_a_token() {
    let dir = fresh_checkout();
    let config = dir.path().join("config/earshot.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("listen = \"127.0.0.1:8080\"", "listen = \"0.0.0.0:0\""),
    )
    .unwrap();
    for command in ["serve", "run"] {
        let output = assert_cmd::Command::cargo_bin("earshot")
            .unwrap()
            .current_dir(dir.path())
            .env_remove("EARSHOT_CONFIG")
            .env_remove("EARSHOT_WEB_TOKEN")
            .arg(command)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{command} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("EARSHOT_WEB_TOKEN"), "{command}: {stderr}");
    }
}

#[tokio::test]
async fn serve_answers_on_a_real_socket_and_stops_on_shutdown() {
    let (harness, _) = sample_data().await;
    let listener = earshot::web::bind("127.0.0.1:0", None, false)
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(earshot::web::serve(
        listener,
        state(&harness, None),
        async {
            let _ = stopped.await;
        },
    ));
    let body = get_text(&format!("http://{addr}/")).await;
    assert!(body.contains("Mention log"));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn earshot_run_serves_the_web_log_beside_the_poller_and_stops_on_sigterm() {
    use std::io::BufRead;
    let dir = fresh_checkout();
    let config = dir.path().join("config/earshot.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\""),
    )
    .unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("earshot"))
        .current_dir(dir.path())
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_WEB_TOKEN")
        .env("EARSHOT_LOG", "info")
        .arg("run")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = lines.send(line.unwrap_or_default());
        }
    });
    let address = loop {
        let line = seen
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("earshot run logs the web log's address");
        if let Some(at) = line.find("web log at http://") {
            let rest = &line[at + "web log at ".len()..];
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let body = blocking_get(&address);
    assert!(body.contains("Mention log"), "{body}");
    // The first cycle has run, so the poll loop is listening for signals.
    while !seen
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("earshot run logs its first poll")
        .contains("polled")
    {}
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "earshot run exited with {status}");
}

/// One GET on a throwaway runtime (reqwest is built without its blocking client).
fn blocking_get(url: &str) -> String {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(get_text(url))
}

/// One GET with a plain reqwest client. reqwest is built with `rustls-no-provider` (Earshot
/// hands its fetcher a ring-based TLS config), so a default client needs ring installed
/// as the process's crypto provider first.
async fn get_text(url: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Regression: the web log shared one locked connection with the poller, so every page
/// waited behind a poll's write transaction. Now pages read from their own connections
/// (WAL): with a write transaction held open on the writer, the log still answers, showing
/// the last commit; the timeout is the failure condition, not a measurement.
#[tokio::test]
async fn the_log_answers_while_a_write_transaction_is_held_open() {
    let (harness, id) = sample_data().await;
    let (entered, in_transaction) = tokio::sync::oneshot::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let store = harness.store.clone();
    let writing = tokio::spawn(async move {
        store
            .write(move |s| {
                s.transaction(|tx| {
                    tx.execute(
                        "UPDATE mentions SET title = 'held in a transaction' WHERE id = ?1",
                        [id],
                    )?;
                    entered.send(()).unwrap();
                    // The writer thread stays inside the transaction until the test is done.
                    released.recv().unwrap();
                    Ok(())
                })
            })
            .await
    });
    in_transaction.await.unwrap();

    let mut browser = Browser::new(app(&harness, None));
    let limit = std::time::Duration::from_secs(5);
    let log = tokio::time::timeout(limit, browser.get("/"))
        .await
        .expect("the log answers while a write transaction is open");
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Mention log"));
    let page = tokio::time::timeout(limit, browser.get(&format!("/mentions/{id}")))
        .await
        .expect("a mention answers while a write transaction is open");
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("held in a transaction"), "uncommitted");

    release.send(()).unwrap();
    writing.await.unwrap().unwrap();
    let page = browser.get(&format!("/mentions/{id}")).await;
    assert!(page.body.contains("held in a transaction"), "committed");
}

/// Issue 13 #8: `GET /?since=300000y` dropped the connection (the handler panicked on
/// "DateTime - TimeDelta overflowed"), and a promise due in 300000y did the same.
#[tokio::test]
async fn arithmetic_that_panics_on_input_web_filters() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let log = web.get("/?since=300000y").await;
    assert_eq!(log.status, StatusCode::BAD_REQUEST);
    assert!(
        log.body
            .contains("Since 300000y is too far back; use at most 100y"),
        "{}",
        log.body
    );
    assert_eq!(web.get("/?since=100y").await.status, StatusCode::OK);
    let id = urgent_id(&harness);
    let token = web.get(&format!("/mentions/{id}")).await.csrf();
    let promise = web
        .post(
            &format!("/mentions/{id}/promise"),
            &[("csrf", &token), ("note", "a cake"), ("due", "300000y")],
        )
        .await;
    assert_eq!(promise.status, StatusCode::BAD_REQUEST);
    assert!(
        promise.body.contains("Due 300000y is too far ahead"),
        "{}",
        promise.body
    );
    assert_eq!(
        harness.store().mention_detail(id).unwrap().mention.status,
        CaseStatus::New
    );
    assert_eq!(
        web.get("/chart?weeks=9223372036854775807").await.status,
        StatusCode::OK
    );
}

/// Issue 13 #12: the login cookie had no Max-Age (staff were logged out when the browser
/// closed), and `/login` took 200 wrong guesses in 0.08 s.
#[tokio::test]
async fn login_cookie_lasts_30_days_and_wrong_tokens_are_rate_limited() {
    let harness = Harness::new(sample_config());
    let app = app(&harness, Some("s3cret-token"));
    let thirty_days = "Max-Age=2592000";

    let mut guesser = Browser::at(app.clone(), "192.168.1.66:50000");
    let login = guesser.get("/login").await;
    let session = login.set_cookies();
    assert!(
        session
            .iter()
            .any(|c| c.starts_with("earshot_session=") && c.contains(thirty_days)),
        "{session:?}"
    );
    let csrf = login.csrf();
    for _ in 0..5 {
        let wrong = guesser
            .post("/login", &[("csrf", &csrf), ("token", "guess")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let limited = guesser
        .post("/login", &[("csrf", &csrf), ("token", "s3cret-token")])
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right token waits"
    );
    let wait: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        limited
            .body
            .contains("Too many wrong tokens from your address")
            && limited
                .body
                .contains(&format!("Try again in {wait} seconds")),
        "{}",
        limited.body
    );

    let mut staff = Browser::at(app, "192.168.1.20:50001");
    let csrf = staff.get("/login").await.csrf();
    let ok = staff
        .post("/login", &[("csrf", &csrf), ("token", "s3cret-token")])
        .await;
    assert_eq!(
        ok.status,
        StatusCode::SEE_OTHER,
        "another address is not limited"
    );
    let cookies = ok.set_cookies();
    for name in ["earshot_session=", "earshot_auth="] {
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with(name) && c.contains(thirty_days)),
            "{name} {cookies:?}"
        );
    }
    assert_eq!(staff.get("/").await.status, StatusCode::OK);
}

/// Issue 13 #7: a search of hundreds of repeated words held the store for seconds, and any
/// web page could trigger it on a loopback log. It is refused with a message instead.
#[tokio::test]
async fn searches_with_many_repeated_words_are_refused_with_a_message() {
    let (harness, _) = sample_data().await;
    let mut web = Browser::new(app(&harness, None));
    let words = vec!["rude"; 1500].join("+");
    let page = web.get(&format!("/?search={words}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("Search is too long (1500 words"),
        "{}",
        page.body
    );
    assert_eq!(web.get("/?search=cold+coffee").await.status, StatusCode::OK);
}

/// Issue 15's web details: a linked author is named once, a repeat complaint links to the
/// earlier one, and customers are told apart by email and tier where staff pick one.
#[tokio::test]
async fn a_mention_page_names_its_customer_once_and_links_their_earlier_complaint() {
    let (harness, _) = sample_data().await;
    let negatives = harness
        .store()
        .mentions(&MentionFilter {
            label: Some(Label::Negative),
            ..Default::default()
        })
        .unwrap();
    // Oldest first: the second complaint of one customer is the one with an earlier one.
    let mut seen = std::collections::HashMap::new();
    let mut repeat = None;
    for m in negatives.iter().rev() {
        if let Some(c) = &m.customer {
            if let Some(first) = seen.insert(c.id, m.id) {
                repeat = Some((m.clone(), first));
                break;
            }
        }
    }
    let (second, first) = repeat.expect("the sample has a customer who complained twice");
    let mut web = Browser::new(app(&harness, None));
    let page = web.get(&format!("/mentions/{}", second.id)).await;
    assert!(
        page.body.contains("Complained before: ")
            && page.body.contains(&format!("href=\"/mentions/{first}\"")),
        "{}",
        page.body
    );

    // On the customer's page each card names them once (the author only when it differs).
    let customer = second.customer.clone().unwrap();
    let history = web.get(&format!("/customers/{}", customer.id)).await.body;
    let card = history
        .split("<article")
        .find(|a| a.contains(&format!("href=\"/mentions/{}\"", second.id)))
        .expect("the complaint is in the customer's history");
    let card = card.split("</article>").next().unwrap();
    assert_eq!(card.matches(customer.name.as_str()).count(), 1, "{card}");
    let unlinked = negatives
        .iter()
        .find(|m| m.customer.is_none())
        .expect("an unlinked complaint");
    let page = web.get(&format!("/mentions/{}", unlinked.id)).await.body;
    let email = harness
        .store()
        .customers(None)
        .unwrap()
        .into_iter()
        .find_map(|c| c.email)
        .unwrap();
    assert!(page.contains(&email), "the customer picker shows emails");
}
