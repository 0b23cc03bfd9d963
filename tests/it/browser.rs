//! The web log in a real headless Chromium (Debian's chromium + chromium-driver, driven over
//! WebDriver with fantoccini): a member of staff works an urgent case from start to end, and
//! a hostile mention runs nothing. Screenshots land in target/test-artifacts/.
//!
//! Chromium missing is a failure, not a skip: `tests/run` installs it.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use earshot::model::{CaseStatus, Role};
use earshot::web::AppState;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::web::sample_data;

/// How long chromedriver may take to start listening.
const DRIVER_START: Duration = Duration::from_secs(30);
/// How long to wait for an element after a navigation.
const ELEMENT_WAIT: Duration = Duration::from_secs(15);

/// Flags that keep Chromium off the (closed) network and quick to start.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(log: &Path) -> Driver {
        let chromedriver = find_program(&["chromedriver"]).expect(
            "chromedriver is not installed: run tests/run, or `apt-get install -y chromium chromium-driver`",
        );
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < DRIVER_START,
                "chromedriver did not listen within {DRIVER_START:?}; see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let chromium = find_program(&["chromium", "chromium-browser"]).expect(
        "Chromium is not installed: run tests/run, or `apt-get install -y chromium chromium-driver`",
    );
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push("--window-size=1280,1000".into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": chromium, "args": args }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(artifacts().join(name), png).unwrap();
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(ELEMENT_WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
}

/// Wait for the "Done: …" notice of this step (the previous page's notice may linger
/// until the browser has navigated).
async fn wait_for_notice(client: &Client, step: &str) {
    let xpath = format!("//p[@class='notice' and contains(., '{step}')]");
    client
        .wait()
        .at_most(ELEMENT_WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no notice that the case was {step}: {e}"));
}

/// Wait until the address holds `part` (a form submitted, a link followed).
async fn wait_for_url(client: &Client, part: &str) {
    let started = Instant::now();
    while !client.current_url().await.unwrap().as_str().contains(part) {
        assert!(
            started.elapsed() < ELEMENT_WAIT,
            "the address never held {part}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(client: &Client, css: &str) -> usize {
    client.find_all(Locator::Css(css)).await.unwrap().len()
}

/// No alert, confirm or prompt is open.
async fn assert_no_dialog(client: &Client, where_: &str) {
    if let Ok(text) = client.get_alert_text().await {
        panic!("a dialog fired on {where_}: {text}");
    }
}

/// The web log over the harness's store on a free loopback port; its base address.
async fn serve_web_log(harness: &crate::common::Harness) -> String {
    let listener = earshot::web::bind("127.0.0.1:0", None, false)
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        std::sync::Arc::new(crate::web::sample_config()),
        harness.store.clone(),
        None,
    );
    tokio::spawn(earshot::web::serve(listener, state, std::future::pending()));
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_work_an_urgent_case_in_chromium_and_hostile_text_runs_nothing() {
    let (harness, hostile) = sample_data().await;
    let base = serve_web_log(&harness).await;

    let temp = tempfile::tempdir().unwrap();
    let driver = Driver::start(&artifacts().join("chromedriver.log"));
    let client = browser(&driver, &temp.path().join("profile")).await;

    // The log, then only the negatives.
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for(&client, "article.mention").await;
    screenshot(&client, "web-log-desktop.png").await;
    client.set_window_size(390, 1400).await.unwrap();
    screenshot(&client, "web-log-phone.png").await;
    client.set_window_size(1280, 1000).await.unwrap();
    let sentiment = wait_for(&client, "select[name=sentiment]").await;
    sentiment.select_by_value("negative").await.unwrap();
    client
        .find(Locator::Css("form.filters button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "sentiment=negative").await;
    wait_for(&client, "article.mention").await;
    let shown = count(&client, "article.mention").await;
    assert!(shown > 0 && shown == count(&client, "article.mention.negative").await);
    assert_no_dialog(&client, "the log").await;

    // Open the urgent case on top and work it.
    wait_for(&client, "article.needs-you a.open")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, "form.case").await;
    let url = client.current_url().await.unwrap();
    let id: i64 = url.path().rsplit('/').next().unwrap().parse().unwrap();
    let ack_note = wait_for(&client, "form.case input[name=note]").await;
    ack_note.send_keys("called her back").await.unwrap();
    client
        .find(Locator::Css("form.case button[value=ack]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "acknowledged").await;

    wait_for(&client, "form.case input[name=due]")
        .await
        .send_keys("2d")
        .await
        .unwrap();
    client
        .find(Locator::Css("form.case input[name=note]"))
        .await
        .unwrap()
        .send_keys("replacement cake Saturday")
        .await
        .unwrap();
    client
        .find(Locator::Css("form.case button[value=promise]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "promised").await;
    assert_eq!(
        harness.store().mention_detail(id).unwrap().mention.status,
        CaseStatus::Promised
    );
    // The copy button's script runs under the page's Content-Security-Policy.
    let copy = wait_for(&client, "button[data-copy=reply]").await;
    copy.click().await.unwrap();
    let started = Instant::now();
    let mut said = copy.text().await.unwrap();
    while said == "Copy reply" && started.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        said = copy.text().await.unwrap();
    }
    assert!(
        said == "Copied" || said.starts_with("Selected"),
        "the copy script did not run: {said}"
    );
    client.set_window_size(1280, 2300).await.unwrap();
    screenshot(&client, "web-case-desktop.png").await;
    client.set_window_size(390, 2600).await.unwrap();
    screenshot(&client, "web-case-phone.png").await;

    wait_for(&client, "form.case button[value=resolve]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "resolved").await;
    let detail = harness.store().mention_detail(id).unwrap();
    assert_eq!(detail.mention.status, CaseStatus::Resolved);
    let kinds: Vec<&str> = detail.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.ends_with(&["acknowledged", "promised", "resolved"]),
        "{kinds:?}"
    );

    client.set_window_size(1280, 1000).await.unwrap();
    client
        .goto(&format!("{base}/chart?weeks=52"))
        .await
        .unwrap();
    wait_for(&client, "svg.chart polyline").await;
    screenshot(&client, "web-chart-desktop.png").await;

    // The hostile mention: shown as text, no script, no image, no javascript: link.
    for path in [format!("/mentions/{hostile}"), "/?search=rude".to_owned()] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        wait_for(&client, "main").await;
        assert_no_dialog(&client, &path).await;
        assert_eq!(count(&client, "img").await, 0, "{path}");
        assert_eq!(count(&client, "a[href^='javascript']").await, 0, "{path}");
        let text = client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("<script>alert(1)</script>"), "{path}");
    }
    assert_eq!(count(&client, "main script").await, 0);
    screenshot(&client, "web-hostile-desktop.png").await;
    client.close().await.unwrap();
}

/// Issue 15: on a phone, the alert's link opens a page whose case buttons are on the first
/// screen; staff correct a mention with its buttons and the history and alerts follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_correct_a_mention_in_chromium_and_the_case_buttons_fit_a_phone_screen() {
    use earshot::model::{Label, OutboxKind, Priority};
    use earshot::store::MentionFilter;

    let (harness, _) = sample_data().await;
    let base = serve_web_log(&harness).await;
    let find = |label: Label, priority: Priority| {
        let filter = MentionFilter {
            label: Some(label),
            priority: Some(priority),
            ..Default::default()
        };
        harness.store().mentions(&filter).unwrap()[0].id
    };
    let urgent = find(Label::Negative, Priority::Urgent);
    let neutral = find(Label::Neutral, Priority::Normal);

    let temp = tempfile::tempdir().unwrap();
    let driver = Driver::start(&artifacts().join("chromedriver-corrections.log"));
    let client = browser(&driver, &temp.path().join("profile")).await;

    // A phone's first screen (390 x 844 CSS pixels) shows the Acknowledge button.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{base}/mentions/{urgent}"))
        .await
        .unwrap();
    let ack = wait_for(&client, "form.quick button[value=ack]").await;
    let (_, top, _, height) = ack.rectangle().await.unwrap();
    let (_, screen) = client
        .execute("return [0, window.innerHeight];", vec![])
        .await
        .map(|v| (0, v[1].as_f64().unwrap()))
        .unwrap();
    assert!(
        top + height <= screen,
        "Acknowledge at {top}+{height}px is below the first {screen}px of a phone screen"
    );
    screenshot(&client, "web-mention-phone.png").await;

    // Staff say the neutral post is a complaint, then that it is urgent.
    client.set_window_size(1280, 1400).await.unwrap();
    client
        .goto(&format!("{base}/mentions/{neutral}"))
        .await
        .unwrap();
    wait_for(&client, "form[action$='/relabel'] button[value=negative]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "relabelled").await;
    let detail = harness.store().mention_detail(neutral).unwrap();
    assert_eq!(detail.mention.label, Label::Negative);
    assert!(detail.mention.relabelled);
    let history = wait_for(&client, "table").await.text().await.unwrap();
    assert!(
        history.contains("relabelled") && history.contains("neutral \u{2192} negative"),
        "{history}"
    );

    wait_for(&client, "form[action$='/priority'] button[value=urgent]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "prioritised").await;
    let page = wait_for(&client, "main").await.text().await.unwrap();
    assert!(page.contains("priority set by staff"), "{page}");
    let alerts: Vec<_> = harness
        .store()
        .outbox(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.mention_id == Some(neutral))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, OutboxKind::Alert);
    assert_eq!(alerts[0].priority, Some(Priority::Urgent));
    screenshot(&client, "web-mention-corrected.png").await;

    // Not about us: out of the log.
    wait_for(
        &client,
        "form[action$='/dismiss'] button[value=not-about-us]",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for_notice(&client, "dismissed").await;
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for(&client, "article.mention").await;
    assert_eq!(
        count(&client, &format!("a.open[href='/mentions/{neutral}']")).await,
        0,
        "a dismissed mention is out of the log"
    );
    client
        .goto(&format!("{base}/?dismissed=only"))
        .await
        .unwrap();
    wait_for(&client, "article.mention").await;
    assert_eq!(
        count(&client, &format!("a.open[href='/mentions/{neutral}']")).await,
        1,
        "the dismissed view lists it"
    );
    client.close().await.unwrap();
}

/// Issue 18: with a team, a person signs in with their password and sees their name, works
/// a case under it, signs out; a removal ends a live sign-in on the next page; five wrong
/// passwords bring the rate-limit message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_work_sign_out_and_are_signed_out_when_removed_in_chromium() {
    let (harness, _) = sample_data().await;
    let now = chrono::Utc::now();
    let sam = {
        let mut store = harness.store();
        store
            .add_staff("Olga", "olga@example.com", Role::Owner, now)
            .unwrap();
        let sam = store
            .add_staff("Sam Baker", "sam@example.com", Role::Staff, now)
            .unwrap();
        let hash = earshot::staff::hash_password("sam bakes the bread").unwrap();
        store.set_password_hash(sam.id, &hash).unwrap();
        sam
    };
    let id = crate::web::urgent_id(&harness);
    let base = serve_web_log(&harness).await;
    let temp = tempfile::tempdir().unwrap();
    let driver = Driver::start(&artifacts().join("chromedriver-signin.log"));
    let client = browser(&driver, &temp.path().join("profile")).await;

    // The log asks for a sign-in, on loopback too.
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for_url(&client, "/login").await;
    sign_in(&client, "sam baker", "sam bakes the bread").await;
    let me = wait_for(&client, "header .who-am-i").await;
    assert!(me.text().await.unwrap().contains("Sam Baker"));
    screenshot(&client, "web-signed-in.png").await;

    // A case step is recorded under the signed-in name; there is no name box.
    client.goto(&format!("{base}/mentions/{id}")).await.unwrap();
    wait_for(&client, "form.case").await;
    assert_eq!(count(&client, "form.case input[name=by]").await, 0);
    client
        .find(Locator::Css("form.quick button[value=ack]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_notice(&client, "acknowledged").await;
    let detail = harness.store().mention_detail(id).unwrap();
    let ack = detail
        .events
        .iter()
        .rfind(|e| e.kind == "acknowledged")
        .expect("an acknowledgement");
    assert_eq!(ack.by.as_deref(), Some("Sam Baker"));

    // Sign out: back to the sign-in page.
    wait_for(&client, "form[action='/logout'] button")
        .await
        .click()
        .await
        .unwrap();
    wait_for_url(&client, "/login").await;
    client.goto(&format!("{base}/customers")).await.unwrap();
    wait_for_url(&client, "/login").await;

    // Removed while signed in: the next page load is the sign-in page.
    sign_in(&client, "sam@example.com", "sam bakes the bread").await;
    wait_for(&client, "header .who-am-i").await;
    harness
        .store()
        .remove_staff(sam.id, chrono::Utc::now())
        .unwrap();
    client.goto(&format!("{base}/customers")).await.unwrap();
    wait_for_url(&client, "/login").await;
    wait_for(&client, "input[name=password]").await;

    // Five wrong passwords, then the page says to wait.
    for _ in 0..5 {
        sign_in(&client, "Olga", "not the password").await;
        wait_for(&client, "p.error").await;
    }
    sign_in(&client, "Olga", "not the password").await;
    let xpath = "//p[contains(@class,'error') and contains(., 'Too many wrong sign-ins')]";
    client
        .wait()
        .at_most(ELEMENT_WAIT)
        .for_element(Locator::XPath(xpath))
        .await
        .expect("the rate-limit message");
    screenshot(&client, "web-sign-in-limited.png").await;
    client.close().await.unwrap();
}

/// Fill the sign-in form and submit it.
async fn sign_in(client: &Client, who: &str, password: &str) {
    let field = wait_for(client, "input[name=who]").await;
    field.clear().await.unwrap();
    field.send_keys(who).await.unwrap();
    let secret = client
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap();
    secret.clear().await.unwrap();
    secret.send_keys(password).await.unwrap();
    client
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
