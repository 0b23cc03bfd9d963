//! The web log of several workers on one PostgreSQL (issue 19): sessions and the secret
//! that signs the forms live in the database, so a sign-in on one worker works on another,
//! and a sign-out on one ends it on all.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;
use earshot::model::Role;
use earshot::staff::hash_password;
use earshot::store::{Store, StoreHandle};
use earshot::web::{router, AppState};

use crate::pg::test_db;
use crate::web::{sample_config, Browser};

const PASSWORD: &str = "olga owns the bakery";

/// One worker's web log: its own connections to the shared database.
fn worker(url: &str) -> (axum::Router, StoreHandle) {
    let store = StoreHandle::new(Store::open_url(url).unwrap()).unwrap();
    let mut config = sample_config();
    config.database_url = Some(url.to_string());
    let app = router(AppState::new(Arc::new(config), store.clone(), None));
    (app, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_on_one_worker_works_on_another_and_a_sign_out_ends_it_on_both() {
    let db = test_db();
    let (first, store) = worker(&db.url());
    let (second, _) = worker(&db.url());
    {
        let mut store = store.lock();
        let olga = store
            .add_staff("Olga", "olga@example.com", Role::Owner, Utc::now())
            .unwrap();
        store
            .set_password_hash(olga.id, &hash_password(PASSWORD).unwrap())
            .unwrap();
    }

    let mut web = Browser::new(first.clone());
    let signed_in = crate::signin::sign_in(&mut web, "olga", PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );

    // The other worker knows the session, and accepts a form signed on the first.
    let on_first = web.get("/").await;
    assert_eq!(on_first.status, StatusCode::OK);
    let form_from_first = on_first.csrf();
    web.switch_to(second.clone());
    let on_second = web.get("/").await;
    assert_eq!(on_second.status, StatusCode::OK, "{}", on_second.body);
    assert!(on_second.body.contains(">Olga<"), "{}", on_second.body);
    // The sources page names the worker that polled each source last.
    let client = crate::pg::connect(&db.url()).await;
    client
        .execute(
            "INSERT INTO sources (name, url, last_polled_by) VALUES ('town-forum', 'x', 'shop-2:4242')",
            &[],
        )
        .await
        .unwrap();
    let sources = web.get("/sources").await;
    assert!(sources.body.contains("Polled by"), "{}", sources.body);
    assert!(sources.body.contains("shop-2:4242"), "{}", sources.body);

    let out = web.post("/logout", &[("csrf", &form_from_first)]).await;
    assert_eq!(out.location(), "/login", "{}", out.body);

    // Signed out on the second: the first refuses the session too.
    web.switch_to(first);
    let after = web.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/login");
}
