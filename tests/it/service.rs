//! `earshot run`'s scheduler: each source on its own interval, never two polls of one
//! source at once, a failing source does not hold up the others, and a clean stop.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use earshot::service::{serve, SHUTDOWN_GRACE};
use earshot::store::{SourceStatus, StoreHandle};

use crate::common::{config, sample, wait_until, Behavior, Reply, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_polls_each_source_on_schedule_without_overlap_and_stops_cleanly() {
    let server = Server::start().await;
    // Slower than its own 1s interval: a naive loop would start a second poll of it.
    server.route(
        "/slow.json",
        Reply::ok(
            "application/feed+json",
            sample("feeds/social-mentions.json"),
        )
        .behave(Behavior::Slow(Duration::from_millis(1200))),
    );
    server.route("/bad.json", Reply::status(500));
    let config = Arc::new(config(&format!(
        "[[source]]\nname = \"slow\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [[source]]\nname = \"bad\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/slow.json"),
        server.url("/bad.json"),
    )));
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(&dir.path().join("e.db")).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn(serve(config, store.clone(), async {
        let _ = stopped.await;
    }));

    let polled_thrice = wait_until(Duration::from_secs(15), || {
        server.received("/slow.json").len() >= 3
    })
    .await;
    assert!(polled_thrice, "the slow source was not polled on schedule");
    stop.send(()).unwrap();
    let finished = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(5), service).await;
    assert!(finished
        .expect("stops within the grace period")
        .unwrap()
        .is_ok());

    assert_eq!(
        server.stats().max_in_flight_one_path.load(Ordering::SeqCst),
        1,
        "two polls of one source overlapped"
    );
    let store = store.lock();
    assert_eq!(store.mention_count().unwrap(), 11);
    let bad = store.source_state("bad").unwrap();
    assert!(
        matches!(bad.status, SourceStatus::Failing | SourceStatus::Broken),
        "{bad:?}"
    );
    assert!(
        server.received("/bad.json").len() >= 2,
        "retried with backoff"
    );
    assert_eq!(store.source_state("slow").unwrap().status, SourceStatus::Ok);
}

#[tokio::test]
async fn two_polls_at_once_fetch_a_source_only_once() {
    let server = Server::start().await;
    server.route(
        "/slow.json",
        Reply::ok(
            "application/feed+json",
            sample("feeds/social-mentions.json"),
        )
        .behave(Behavior::Slow(Duration::from_millis(300))),
    );
    let harness = crate::common::Harness::new(config(&format!(
        "[[source]]\nname = \"slow\"\nurl = \"{}\"\n",
        server.url("/slow.json")
    )));
    let (a, b) = tokio::join!(harness.poll(), harness.poll());
    let busy: Vec<bool> = [&a, &b].iter().map(|r| r.sources[0].busy).collect();
    assert_eq!(busy.iter().filter(|b| **b).count(), 1, "{a:?} {b:?}");
    assert_eq!(server.received("/slow.json").len(), 1);
    assert_eq!(harness.store().mention_count().unwrap(), 11);
    // The claim is released once the fetch is recorded.
    assert!(!harness.poll().await.sources[0].busy);
}
