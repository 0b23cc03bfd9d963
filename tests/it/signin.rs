//! Signing in to the web log as a person on the team (issue 18): passwords, one-time
//! links through the outbox, the owner's token, sign-out, removal, roles and the limits
//! on guessing; every request through `router(state)` as in `web.rs`.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use chrono::Utc;
use earshot::clock::MINUTE;
use earshot::model::{OutboxKind, Role};
use earshot::staff::{hash_password, token_hash};
use earshot::store::StaffMember;
use earshot::web::signin::{LINK_ON_ITS_WAY, WRONG_PASSWORD};
use earshot::web::{router, AppState};

use crate::common::Harness;
use crate::web::{sample_config, sample_data, urgent_id, Browser, Page};

const PUBLIC_URL: &str = "http://192.168.1.10:8080/";
const OLGA_PASSWORD: &str = "olga owns the bakery";
const SAM_PASSWORD: &str = "sam bakes the bread";

/// The router with `[web] public_url` (for links) and an optional token.
fn app(harness: &Harness, token: Option<&str>) -> Router {
    let mut config = sample_config();
    config.web_public_url = Some(url::Url::parse(PUBLIC_URL).unwrap());
    router(AppState::new(
        Arc::new(config),
        harness.store.clone(),
        token.map(str::to_owned),
    ))
}

/// Olga (owner) and Sam (staff), both with passwords.
fn team(harness: &Harness) -> (StaffMember, StaffMember) {
    let mut store = harness.store();
    let now = Utc::now();
    let olga = store
        .add_staff("Olga", "olga@example.com", Role::Owner, now)
        .unwrap();
    let sam = store
        .add_staff("Sam", "sam@example.com", Role::Staff, now)
        .unwrap();
    store
        .set_password_hash(olga.id, &hash_password(OLGA_PASSWORD).unwrap())
        .unwrap();
    store
        .set_password_hash(sam.id, &hash_password(SAM_PASSWORD).unwrap())
        .unwrap();
    (olga, sam)
}

/// Sign in on the web log's form as `who`.
pub async fn sign_in(web: &mut Browser, who: &str, password: &str) -> Page {
    let csrf = web.get("/login").await.csrf();
    web.post(
        "/login",
        &[("csrf", &csrf), ("who", who), ("password", password)],
    )
    .await
}

/// The sign-in token in a queued sign-in email.
fn link_token(harness: &Harness, outbox_id: i64) -> String {
    let rendered = harness.store().outbox_rendered(outbox_id).unwrap().unwrap();
    let message = String::from_utf8_lossy(&rendered.message).replace("=\r\n", "");
    let marker = format!("{PUBLIC_URL}sign-in/");
    let start = message.find(&marker).expect("a link in the email") + marker.len();
    message[start..start + 64].to_owned()
}

fn sign_in_rows(harness: &Harness) -> Vec<earshot::store::OutboxEntry> {
    let mut rows: Vec<_> = harness
        .store()
        .outbox(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == OutboxKind::SignIn)
        .collect();
    rows.sort_by_key(|e| e.id);
    rows
}

#[tokio::test]
async fn a_password_signs_in_and_a_removal_or_sign_out_ends_it() {
    let (harness, _) = sample_data().await;
    let (_, sam) = team(&harness);
    let mut web = Browser::new(app(&harness, None));
    // On loopback too, once there is a team.
    let first = web.get("/").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location(), "/login");
    let ok = sign_in(&mut web, "sam", SAM_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let cookie = ok
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("earshot_staff="))
        .expect("a sign-in cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let token = cookie["earshot_staff=".len()..].split(';').next().unwrap();
    assert!(
        harness
            .store()
            .web_session_staff(&token_hash(token), Utc::now())
            .unwrap()
            .is_some(),
        "kept by its hash"
    );
    let log = web.get("/").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Signed in as"), "{}", log.body);
    assert!(log.body.contains(">Sam<"));

    // Sign out: back to the sign-in page, the database session gone.
    let csrf = log.csrf();
    let out = web.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location(), "/login");
    assert_eq!(web.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(harness
        .store()
        .web_session_staff(&token_hash(token), Utc::now())
        .unwrap()
        .is_none());

    // Removed while signed in: the very next request is refused.
    sign_in(&mut web, "sam@example.com", SAM_PASSWORD).await;
    assert_eq!(web.get("/").await.status, StatusCode::OK);
    harness.store().remove_staff(sam.id, Utc::now()).unwrap();
    let after = web.get("/customers").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/login");
}

#[tokio::test]
async fn an_unknown_name_and_a_wrong_password_get_the_same_answer() {
    let harness = Harness::new(sample_config());
    team(&harness);
    let mut a = Browser::at(app(&harness, None), "192.168.1.30:1000");
    let mut b = Browser::at(app(&harness, None), "192.168.1.31:1000");
    let wrong = sign_in(&mut a, "Sam", "not sams password").await;
    let unknown = sign_in(&mut b, "Mallory", "not sams password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.body.contains(WRONG_PASSWORD));
    assert!(unknown.body.contains(WRONG_PASSWORD));
    // A link request answers the same too, and queues only for someone on the team.
    let csrf = a.get("/login").await.csrf();
    let known = a
        .post("/login/link", &[("csrf", &csrf), ("who", "Sam")])
        .await;
    let csrf = b.get("/login").await.csrf();
    let nobody = b
        .post(
            "/login/link",
            &[("csrf", &csrf), ("who", "mallory@example.com")],
        )
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(nobody.status, known.status);
    assert!(known.body.contains(LINK_ON_ITS_WAY), "{}", known.body);
    assert!(nobody.body.contains(LINK_ON_ITS_WAY));
    let rows = sign_in_rows(&harness);
    assert_eq!(rows.len(), 1);
    let rendered = harness
        .store()
        .outbox_rendered(rows[0].id)
        .unwrap()
        .unwrap();
    assert_eq!(rendered.recipients, ["sam@example.com"]);
}

#[tokio::test]
async fn a_link_works_once_opening_it_does_not_use_it_and_a_stale_one_is_refused() {
    let harness = Harness::new(sample_config());
    let (_, sam) = team(&harness);
    let mut web = Browser::new(app(&harness, None));
    let csrf = web.get("/login").await.csrf();
    web.post("/login/link", &[("csrf", &csrf), ("who", "sam")])
        .await;
    // At most one link a minute per person: a second request says the same, sends none.
    let again = web
        .post("/login/link", &[("csrf", &csrf), ("who", "sam")])
        .await;
    assert!(again.body.contains(LINK_ON_ITS_WAY));
    let rows = sign_in_rows(&harness);
    assert_eq!(rows.len(), 1, "one link per person per minute");
    let token = link_token(&harness, rows[0].id);

    // Opening the link (a mail scanner, a preview) does not use it.
    for _ in 0..2 {
        let page = web.get(&format!("/sign-in/{token}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Sign in as Sam"), "{}", page.body);
    }
    let csrf = web.get(&format!("/sign-in/{token}")).await.csrf();
    let used = web
        .post(&format!("/sign-in/{token}"), &[("csrf", &csrf)])
        .await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    assert_eq!(used.location(), "/");
    assert!(web.get("/").await.body.contains("Signed in as"));

    // Used once: refused the second time, in another browser.
    let mut other = Browser::new(app(&harness, None));
    let spent = other.get(&format!("/sign-in/{token}")).await;
    assert_eq!(spent.status, StatusCode::GONE);
    assert!(spent.body.contains("used already or has expired"));
    assert!(spent.body.contains("Email me a sign-in link"));
    let csrf = spent.csrf();
    let refused = other
        .post(&format!("/sign-in/{token}"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::GONE);
    assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER);

    // An expired link is refused and not used.
    let stale = "ab".repeat(32);
    let made = Utc::now() - MINUTE * 20;
    harness
        .store()
        .add_sign_in_link(&token_hash(&stale), sam.id, made, made + MINUTE * 15)
        .unwrap();
    assert_eq!(
        other.get(&format!("/sign-in/{stale}")).await.status,
        StatusCode::GONE
    );
    let refused = other
        .post(&format!("/sign-in/{stale}"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::GONE);
}

#[tokio::test]
async fn without_a_public_url_there_are_no_links_and_the_page_says_why() {
    let harness = Harness::new(sample_config());
    team(&harness);
    let app = router(AppState::new(
        Arc::new(sample_config()),
        harness.store.clone(),
        None,
    ));
    let mut web = Browser::new(app);
    let page = web.get("/login").await;
    assert!(page.body.contains("[web] public_url"), "{}", page.body);
    let refused = web
        .post("/login/link", &[("csrf", &page.csrf()), ("who", "Sam")])
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.body.contains("public_url"));
    assert!(sign_in_rows(&harness).is_empty());
}

#[tokio::test]
async fn a_link_sign_in_sets_a_forgotten_password_without_the_old_one() {
    let harness = Harness::new(sample_config());
    let (_, sam) = team(&harness);
    let mut web = Browser::new(app(&harness, None));
    let csrf = web.get("/login").await.csrf();
    web.post("/login/link", &[("csrf", &csrf), ("who", "Sam")])
        .await;
    let token = link_token(&harness, sign_in_rows(&harness)[0].id);
    let csrf = web.get(&format!("/sign-in/{token}")).await.csrf();
    web.post(&format!("/sign-in/{token}"), &[("csrf", &csrf)])
        .await;
    // Another device signed in with the old password.
    let mut phone = Browser::at(app(&harness, None), "192.168.1.40:1000");
    sign_in(&mut phone, "Sam", SAM_PASSWORD).await;
    assert_eq!(phone.get("/").await.status, StatusCode::OK);

    let account = web.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(
        !account.body.contains("name=\"current\""),
        "{}",
        account.body
    );
    let csrf = account.csrf();
    let differ = web
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("new", "a brand new one"),
                ("again", "a brand new two"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    let short = web
        .post(
            "/account/password",
            &[("csrf", &csrf), ("new", "short"), ("again", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(
        short.body.contains("10 to 200 characters"),
        "{}",
        short.body
    );
    let set = web
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("new", "a brand new one"),
                ("again", "a brand new one"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let done = web.get(set.location()).await;
    assert_eq!(done.status, StatusCode::OK, "this browser stays signed in");
    assert!(done.body.contains("Password set"));
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the other device was signed out"
    );
    let hash = harness.store().password_hash(sam.id).unwrap().unwrap();
    assert!(earshot::staff::verify_password(&hash, "a brand new one"));

    // Now the current password is asked for, and a wrong one refused.
    let account = web.get("/account").await;
    assert!(account.body.contains("name=\"current\""));
    let wrong = web
        .post(
            "/account/password",
            &[
                ("csrf", &account.csrf()),
                ("current", "not it at all"),
                ("new", "another new one"),
                ("again", "another new one"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let hash = harness.store().password_hash(sam.id).unwrap().unwrap();
    assert!(earshot::staff::verify_password(&hash, "a brand new one"));
}

#[tokio::test]
async fn a_signed_in_action_is_recorded_under_that_person_whatever_the_form_says() {
    let (harness, _) = sample_data().await;
    team(&harness);
    let id = urgent_id(&harness);
    let mut web = Browser::new(app(&harness, None));
    sign_in(&mut web, "Sam", SAM_PASSWORD).await;
    let page = web.get(&format!("/mentions/{id}")).await;
    assert!(
        !page.body.contains("Your name"),
        "no name box when signed in"
    );
    assert!(!page.body.contains("name=\"by\""));
    let done = web
        .post(
            &format!("/mentions/{id}/ack"),
            &[("csrf", &page.csrf()), ("by", "Mallory"), ("note", "seen")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let dismissed = web
        .post(
            &format!("/mentions/{id}/priority"),
            &[
                ("csrf", &page.csrf()),
                ("by", "Mallory"),
                ("priority", "high"),
            ],
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER);
    let detail = harness.store().mention_detail(id).unwrap();
    let by: Vec<&str> = detail
        .events
        .iter()
        .filter_map(|e| e.by.as_deref())
        .collect();
    assert!(by.contains(&"Sam"), "{by:?}");
    assert!(!by.contains(&"Mallory"), "{by:?}");
}

#[tokio::test]
async fn staff_are_refused_owner_pages_with_words_and_owners_manage_the_team() {
    let (harness, _) = sample_data().await;
    let (_, sam) = team(&harness);
    let mut staff = Browser::new(app(&harness, None));
    sign_in(&mut staff, "Sam", SAM_PASSWORD).await;
    let log = staff.get("/").await;
    assert!(
        !log.body.contains("href=\"/team\""),
        "no Team in a staff nav"
    );
    let team_page = staff.get("/team").await;
    assert_eq!(team_page.status, StatusCode::FORBIDDEN);
    assert!(team_page.body.contains("Only an owner can manage the team"));
    let add = staff
        .post(
            "/sources/add",
            &[("csrf", &log.csrf()), ("url", "https://example.com/feed")],
        )
        .await;
    assert_eq!(add.status, StatusCode::FORBIDDEN);
    assert!(
        add.body.contains("Only an owner can add sources"),
        "{}",
        add.body
    );
    let refused = staff
        .post(
            "/team/add",
            &[
                ("csrf", &log.csrf()),
                ("name", "Eve"),
                ("email", "eve@example.com"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(harness.store().find_staff("Eve").unwrap().is_none());

    let mut owner = Browser::new(app(&harness, None));
    sign_in(&mut owner, "Olga", OLGA_PASSWORD).await;
    let page = owner.get("/team").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("href=\"/team\""),
        "Team in an owner's nav"
    );
    let csrf = page.csrf();
    let added = owner
        .post(
            "/team/add",
            &[
                ("csrf", &csrf),
                ("name", "Tim"),
                ("email", "tim@example.com"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("welcome email"), "{}", added.body);
    let rows = sign_in_rows(&harness);
    assert_eq!(rows.len(), 1);
    let rendered = harness
        .store()
        .outbox_rendered(rows[0].id)
        .unwrap()
        .unwrap();
    assert_eq!(rendered.recipients, ["tim@example.com"]);
    // Tim has no password: his welcome link signs him in and opens his account page.
    let token = link_token(&harness, rows[0].id);
    let mut tim = Browser::new(app(&harness, None));
    let tims = tim.get(&format!("/sign-in/{token}")).await.csrf();
    let welcomed = tim
        .post(&format!("/sign-in/{token}"), &[("csrf", &tims)])
        .await;
    assert_eq!(welcomed.location(), "/account");
    let account = tim.get("/account").await;
    assert!(account.body.contains("Set a password"), "{}", account.body);

    // Remove Sam: a confirm step first, then his sign-in ends at once.
    let remove = format!("/team/{}/remove", sam.id);
    let confirm = owner.post(&remove, &[("csrf", &csrf)]).await;
    assert!(confirm.body.contains("Remove Sam?"), "{}", confirm.body);
    assert!(harness.store().find_staff("Sam").unwrap().is_some());
    assert_eq!(staff.get("/").await.status, StatusCode::OK);
    let removed = owner
        .post(&remove, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert!(
        removed.body.contains("1 sign-in(s) ended"),
        "{}",
        removed.body
    );
    assert_eq!(staff.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_owners_token_signs_in_as_the_first_owner_once_there_is_a_team() {
    let harness = Harness::new(sample_config());
    team(&harness);
    let mut web = Browser::new(app(&harness, Some("s3cret-token")));
    let page = web.get("/login").await;
    assert!(page.body.contains("Owner: sign in with the access token"));
    let ok = web
        .post(
            "/login",
            &[("csrf", &page.csrf()), ("token", "s3cret-token")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let log = web.get("/").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.body.contains(">Olga<") && log.body.contains("(owner)"),
        "{}",
        log.body
    );
    assert_eq!(web.get("/team").await.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_passwords_for_one_account_from_many_addresses_are_limited() {
    let harness = Harness::new(sample_config());
    team(&harness);
    let app = app(&harness, None);
    for i in 0..10 {
        let mut guesser = Browser::at(app.clone(), &format!("10.0.0.{}:4000", i + 1));
        let wrong = sign_in(&mut guesser, "Sam", "guess guess guess").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let mut sam = Browser::at(app.clone(), "192.168.1.50:4000");
    let limited = sign_in(&mut sam, "Sam", SAM_PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(
        limited
            .body
            .contains("Too many wrong passwords for this account"),
        "{}",
        limited.body
    );
    // Another account is not limited; and an unknown name is limited just the same, so the
    // limit does not tell who is on the team.
    let mut olga = Browser::at(app.clone(), "192.168.1.51:4000");
    assert_eq!(
        sign_in(&mut olga, "Olga", OLGA_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    for i in 0..10 {
        let mut guesser = Browser::at(app.clone(), &format!("10.0.1.{}:4000", i + 1));
        sign_in(&mut guesser, "Nobody Here", "guess guess guess").await;
    }
    let mut late = Browser::at(app, "192.168.1.52:4000");
    let unknown = sign_in(&mut late, "Nobody Here", "guess guess guess").await;
    assert_eq!(unknown.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn with_no_team_and_no_token_the_loopback_log_stays_open() {
    let harness = Harness::new(sample_config());
    let mut web = Browser::new(app(&harness, None));
    let log = web.get("/").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(!log.body.contains("Signed in as"));
    assert!(!log.body.contains("Log out") && !log.body.contains("Sign out"));
    let login = web.get("/login").await;
    assert_eq!(login.location(), "/");
    assert_eq!(
        web.get("/team").await.status,
        StatusCode::OK,
        "the one person at the machine is the owner"
    );
    assert_eq!(web.get("/account").await.status, StatusCode::BAD_REQUEST);
}

/// A sign-in email goes on the dispatcher's next pass to that person alone, even in quiet
/// hours and past the hourly alert cap: someone is waiting at the sign-in page.
#[tokio::test]
async fn the_dispatcher_sends_a_sign_in_link_at_once_to_that_person_in_quiet_hours() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::common::config(&format!(
        "[alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
         outbox_dir = \"{}\"\nquiet = \"00:00-23:59\"\nmax_per_hour = 1\n",
        dir.path().join("outbox").display()
    ));
    config.web_public_url = Some(url::Url::parse(PUBLIC_URL).unwrap());
    let config = Arc::new(config);
    let store = earshot::store::Store::open(&dir.path().join("earshot.db")).unwrap();
    let store = earshot::store::StoreHandle::new(store).unwrap();
    let now = Utc::now();
    let sam = store
        .lock()
        .add_staff("Sam", "sam@example.com", Role::Staff, now)
        .unwrap();
    earshot::signin::queue_link(
        &mut store.lock(),
        &config,
        &sam,
        earshot::signin::Purpose::SignIn,
        now,
    )
    .unwrap();
    let dispatcher = earshot::alert::Dispatcher::new(
        config.clone(),
        store.clone(),
        earshot::alert::Transport::Files(dir.path().join("outbox")),
    );
    let pass = dispatcher.tick(now).await.unwrap();
    assert_eq!((pass.sent, pass.held, pass.rolled), (1, 0, 0), "{pass:?}");
    let mails = crate::smtp::read_dir_mails(&dir.path().join("outbox"));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("To"), Some("sam@example.com"));
    assert_eq!(mails[0].subject(), "Your Earshot sign-in link");
    assert!(
        mails[0].text.contains(&format!("{PUBLIC_URL}sign-in/")),
        "{}",
        mails[0].text
    );
    assert!(mails[0].text.contains("15 minutes"));
    // Sent, the link lives only in the email: a copy of the database holds no live link.
    let sent = store.lock().outbox(None).unwrap();
    assert!(store.lock().outbox_rendered(sent[0].id).unwrap().is_none());
}

#[tokio::test]
async fn an_owner_assigns_a_case_on_the_web_and_it_shows_in_the_assignees_cases() {
    let (harness, _) = sample_data().await;
    let (_, sam) = team(&harness);
    let id = urgent_id(&harness);
    let mut olga = Browser::new(app(&harness, None));
    sign_in(&mut olga, "Olga", OLGA_PASSWORD).await;
    let page = olga.get(&format!("/mentions/{id}")).await;
    assert!(page.body.contains("Assign to"), "no assign control");
    let assigned = olga
        .post(
            &format!("/mentions/{id}/assign"),
            &[
                ("csrf", &page.csrf()),
                ("assignee", &sam.id.to_string()),
                ("by", "Mallory"),
            ],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    assert_eq!(assigned.location(), format!("/mentions/{id}?done=assigned"));
    let detail = harness.store().mention_detail(id).unwrap();
    assert_eq!(detail.mention.assignee.as_deref(), Some("Sam"));
    let event = detail.events.last().unwrap();
    assert_eq!(
        (
            event.kind.as_str(),
            event.by.as_deref(),
            event.note.as_deref()
        ),
        ("assigned", Some("Olga"), Some("to Sam"))
    );
    let emails = harness
        .store()
        .outbox(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == OutboxKind::Assigned)
        .count();
    assert_eq!(emails, 1, "Sam is told");

    // Sam's "My cases" holds it; the log can show nobody's cases.
    let mut sam_web = Browser::new(app(&harness, None));
    sign_in(&mut sam_web, "Sam", SAM_PASSWORD).await;
    let mine = sam_web.get("/?assigned=me&status=open").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("My cases"));
    assert!(mine.body.contains(&format!("href=\"/mentions/{id}\"")));
    let nobodys = sam_web.get("/?assigned=nobody").await;
    assert!(!nobodys.body.contains(&format!("href=\"/mentions/{id}\"")));
    let olgas = olga.get("/?assigned=me").await;
    assert!(!olgas.body.contains(&format!("href=\"/mentions/{id}\"")));

    // Sam takes it back to nobody: recorded under Sam, and no email.
    let page = sam_web.get(&format!("/mentions/{id}")).await;
    sam_web
        .post(
            &format!("/mentions/{id}/assign"),
            &[("csrf", &page.csrf()), ("assignee", "nobody")],
        )
        .await;
    let detail = harness.store().mention_detail(id).unwrap();
    assert_eq!(detail.mention.assignee, None);
    assert_eq!(detail.events.last().unwrap().by.as_deref(), Some("Sam"));
}

/// A team signs in, so the log may be opened by the shop's address (a phone on the Wi-Fi)
/// without a token; with nobody on the team such a request is refused as before.
#[tokio::test]
async fn a_team_opens_the_log_by_the_shops_address_and_must_sign_in() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use tower::ServiceExt;
    let harness = Harness::new(sample_config());
    let by_lan_address = || {
        Request::get("/")
            .header(header::HOST, "192.168.1.10:8080")
            .body(Body::empty())
            .unwrap()
    };
    let refused = app(&harness, None).oneshot(by_lan_address()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
    team(&harness);
    let asked = app(&harness, None).oneshot(by_lan_address()).await.unwrap();
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert_eq!(asked.headers()[header::LOCATION], "/login");
    let addrs: Vec<std::net::SocketAddr> = vec!["0.0.0.0:8080".parse().unwrap()];
    assert!(earshot::web::check_exposure("0.0.0.0:8080", &addrs, None, true).is_ok());
    let err = earshot::web::check_exposure("0.0.0.0:8080", &addrs, None, false).unwrap_err();
    assert!(err.to_string().contains("earshot staff add"), "{err}");
}
