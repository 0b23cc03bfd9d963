//! Section 5: the web log's latency while a big poll cycle is being written.
//!
//! One process, as `earshot run` has it: the web log (`earshot::web::router`) and
//! `poll_cycle` share one `StoreHandle` on one tokio runtime, over a real SQLite file
//! prefilled with mentions. The feed sources are served on loopback by their own runtime
//! (the "internet"), and the clients run on a thread of their own, each a sequential loop
//! with a short pause: one GETs the log `/`, one a filtered log page, and a control GETs
//! the stylesheet (which never touches the store, so it shows how much of the wait is the
//! runtime rather than the store). A probe thread times an empty read through the handle:
//! the part of a log request spent queueing for the store.
//! Latencies are taken first with no poll running, then during one forced cycle; the same
//! cycle is also timed alone, on a store of its own, before any of that.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use earshot::config::Config;
use earshot::poller::{poll_cycle, Pipeline};
use earshot::sentiment::{Analyzer, Options};
use earshot::store::{Store, StoreHandle};
use earshot::web::AppState;

use crate::report::{duration, Table};

/// Fresh items in each feed.
const ITEMS_PER_FEED: usize = 10;
/// How long the idle baseline is measured.
const IDLE_FOR: Duration = Duration::from_secs(3);
/// The pages the clients ask for; the last is the no-store control.
const PAGES: [&str; 3] = ["/", "/?sentiment=negative&status=open", "/static/style.css"];
/// How many of `PAGES` are log pages (they take the store).
const LOG_PAGES: usize = 2;
/// A log client's pause between two requests (so the two do not keep the store busy
/// between them), a control's, and the read probe's.
const LOG_PAUSE: Duration = Duration::from_millis(10);
const CONTROL_PAUSE: Duration = Duration::from_millis(5);
const PROBE_PAUSE: Duration = Duration::from_millis(2);

const IDLE: u8 = 0;
const CYCLE: u8 = 1;
const STOP: u8 = 2;

/// Run the section: a store of `prefill` mentions, a cycle over `sources` feeds.
pub fn run(table: &mut Table, sources: usize, prefill: usize) {
    let label = format!("5. web log @ {prefill} during poll {sources} x {ITEMS_PER_FEED}");
    let now = Utc::now();
    let internet = tokio::runtime::Runtime::new().expect("runtime");
    let feeds = crate::poll::make_feeds(sources, ITEMS_PER_FEED, |i| {
        (now - chrono::Duration::minutes(i as i64 + 1)).to_rfc2822()
    });
    let hosts = internet.block_on(crate::poll::serve(Arc::new(feeds)));

    // The same cycle on its own first (a store of its own), for the poller's side of the cost.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let alone = {
        let (_dir, store, _config, pipeline, _filled) = setup(sources, &hosts, prefill);
        let start = Instant::now();
        let report = runtime
            .block_on(poll_cycle(pipeline, store, None, true, Utc::now()))
            .expect("poll cycle");
        assert!(
            !report.any_failed(),
            "a source failed: {}",
            report.summary()
        );
        start.elapsed()
    };
    drop(runtime);

    let (_dir, store, config, pipeline, filled) = setup(sources, &hosts, prefill);
    table.add(
        &label,
        "prefill the store",
        format!("{} ({prefill} mentions)", duration(filled)),
        "",
    );

    // Earshot's side: the web log and (below) the poller on one runtime, like `earshot run`.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let base = runtime.block_on(async {
        let listener = earshot::web::bind("127.0.0.1:0", None, false)
            .await
            .expect("web listener");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState::new(config, store.clone(), None);
        tokio::spawn(earshot::web::serve(listener, state, std::future::pending()));
        base
    });

    let phase = Arc::new(AtomicU8::new(IDLE));
    let clients = {
        let phase = phase.clone();
        std::thread::spawn(move || clients(&base, &phase))
    };
    let probe = {
        let (phase, store) = (phase.clone(), store.clone());
        std::thread::spawn(move || read_probe(&store, &phase))
    };
    std::thread::sleep(IDLE_FOR);
    phase.store(CYCLE, Ordering::SeqCst);
    let start = Instant::now();
    let report = runtime
        .block_on(poll_cycle(pipeline, store.clone(), None, true, Utc::now()))
        .expect("poll cycle");
    let wall = start.elapsed();
    phase.store(STOP, Ordering::SeqCst);
    let samples = clients.join().expect("clients");
    let waits = probe.join().expect("read probe");

    eprintln!("  cycle: {}", report.summary());
    assert!(
        !report.any_failed(),
        "a source failed: {}",
        report.summary()
    );
    let new: usize = report.sources.iter().map(|s| s.new).sum();
    table.add(
        &label,
        "poll cycle wall time (web log under load)",
        format!(
            "{} ({new} new, {:.0}/s)",
            duration(wall),
            new as f64 / wall.as_secs_f64()
        ),
        "",
    );
    table.add(
        &label,
        "poll cycle wall time (no web requests)",
        duration(alone),
        "",
    );
    let log_pages = |phase: u8| -> Vec<Duration> {
        samples[..LOG_PAGES]
            .iter()
            .flatten()
            .filter(|s| s.0 == phase)
            .map(|s| s.1)
            .collect()
    };
    let idle = Stats::of(log_pages(IDLE));
    let busy = Stats::of(log_pages(CYCLE));
    table.add(&label, "idle: log requests", idle.count.to_string(), "");
    table.add(&label, "idle: p50", duration(idle.p50), "");
    table.add(&label, "idle: p99", duration(idle.p99), "");
    table.add(
        &label,
        "during cycle: log requests",
        busy.count.to_string(),
        "",
    );
    table.add(&label, "during cycle: p50", duration(busy.p50), "");
    table.add(&label, "during cycle: p99", duration(busy.p99), "");
    table.add(&label, "during cycle: max", duration(busy.max), "");
    for (page, samples) in PAGES.iter().zip(&samples) {
        for (name, phase) in [("idle", IDLE), ("cycle", CYCLE)] {
            let stats = Stats::of(
                samples
                    .iter()
                    .filter(|s| s.0 == phase)
                    .map(|s| s.1)
                    .collect(),
            );
            table.add(&label, &format!("GET {page} ({name})"), stats.line(), "");
        }
    }
    for (name, phase) in [("idle", IDLE), ("cycle", CYCLE)] {
        let stats = Stats::of(waits.iter().filter(|s| s.0 == phase).map(|s| s.1).collect());
        table.add(
            &label,
            &format!("store read wait, probe ({name})"),
            stats.line(),
            "",
        );
    }
    drop(runtime);
    drop(internet);
}

/// A temp dir with a store of `prefill` mentions, a config of `sources` feeds on `hosts`,
/// and its pipeline; and how long the prefill took.
fn setup(
    sources: usize,
    hosts: &[String],
    prefill: usize,
) -> (
    tempfile::TempDir,
    StoreHandle,
    Arc<Config>,
    Arc<Pipeline>,
    Duration,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("earshot.db")).expect("store");
    let start = Instant::now();
    crate::log::fill(&mut store, &Analyzer::new(Options::default()), prefill);
    let filled = start.elapsed();
    let config = Config::parse(
        &crate::poll::config_text(sources, hosts),
        &dir.path().join("earshot.toml"),
    )
    .expect("config");
    let config = Arc::new(config);
    let pipeline = Arc::new(Pipeline::new(config.clone()).expect("pipeline"));
    let store = StoreHandle::new(store).expect("read pool");
    (dir, store, config, pipeline, filled)
}

/// One request: the phase it started and ended in, and how long it took.
type Sample = (u8, Duration);

/// One client per page, all on this thread, until the phase is `STOP`.
fn clients(base: &str, phase: &AtomicU8) -> Vec<Vec<Sample>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    // reqwest has no crypto provider of its own here (`rustls-no-provider`): lend it ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client");
    let [a, b, c] = PAGES.map(|page| format!("{base}{page}"));
    runtime.block_on(async {
        let (a, b, c) = tokio::join!(
            client_loop(&client, &a, phase, LOG_PAUSE),
            client_loop(&client, &b, phase, LOG_PAUSE),
            client_loop(&client, &c, phase, CONTROL_PAUSE),
        );
        vec![a, b, c]
    })
}

/// GET `url` over and over, `pause` between the end of one and the start of the next; a request that straddles a phase change is not
/// kept.
async fn client_loop(
    client: &reqwest::Client,
    url: &str,
    phase: &AtomicU8,
    pause: Duration,
) -> Vec<Sample> {
    get(client, url).await; // warm-up: the connection is opened here
    let mut samples = Vec::new();
    loop {
        tokio::time::sleep(pause).await;
        let before = phase.load(Ordering::SeqCst);
        if before == STOP {
            return samples;
        }
        let start = Instant::now();
        get(client, url).await;
        let took = start.elapsed();
        if phase.load(Ordering::SeqCst) == before {
            samples.push((before, took));
        }
    }
}

/// An empty read through the handle, `PROBE_PAUSE` apart, until the phase is `STOP`.
fn read_probe(store: &StoreHandle, phase: &AtomicU8) -> Vec<Sample> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("probe runtime");
    let mut samples = Vec::new();
    loop {
        let before = phase.load(Ordering::SeqCst);
        if before == STOP {
            return samples;
        }
        let start = Instant::now();
        runtime.block_on(store.read(|_: &Store| ()));
        let took = start.elapsed();
        if phase.load(Ordering::SeqCst) == before {
            samples.push((before, took));
        }
        std::thread::sleep(PROBE_PAUSE);
    }
}

async fn get(client: &reqwest::Client, url: &str) {
    let response = client.get(url).send().await.expect("web log answers");
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.bytes().await.expect("web log body");
}

/// Count and percentiles of some latencies.
struct Stats {
    count: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        let at = |q: f64| {
            times
                .get(((times.len().saturating_sub(1)) as f64 * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Stats {
            count: times.len(),
            p50: at(0.5),
            p99: at(0.99),
            max: times.last().copied().unwrap_or_default(),
        }
    }

    /// "n 300, p50 1.2 ms, p99 3.4 ms, max 5.6 ms".
    fn line(&self) -> String {
        format!(
            "n {}, p50 {}, p99 {}, max {}",
            self.count,
            duration(self.p50),
            duration(self.p99),
            duration(self.max)
        )
    }
}
