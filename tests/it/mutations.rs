//! Property tests: real inputs (the sample feeds and pages, the corpus's ill-formed feeds,
//! the sample config and customer list) with bytes flipped, cut and repeated, and random
//! text, fed to every parser a person's input or the internet reaches. None may panic,
//! and an error names where the problem is.
//!
//! `EARSHOT_PROPTEST_CASES=10000 cargo test --release --test it mutations` runs a real
//! campaign; CI runs a few hundred cases per parser.

use std::path::Path;

use chrono::{DateTime, Utc};
use earshot::config::Config;
use earshot::customers::parse_csv;
use earshot::sources::feed::parse_feed;
use earshot::sources::page::extract_reviews;
use earshot::store::{MentionFilter, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config as Runner, TestRunner};

use crate::common::repo;

fn cases() -> u32 {
    std::env::var("EARSHOT_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

fn runner() -> TestRunner {
    TestRunner::new(Runner {
        cases: cases(),
        failure_persistence: None,
        ..Runner::default()
    })
}

/// One way to damage a document.
#[derive(Debug, Clone)]
enum Damage {
    Flip {
        at: usize,
        byte: u8,
    },
    Cut {
        at: usize,
    },
    Repeat {
        from: usize,
        len: usize,
        times: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Flip { at, byte }),
        any::<usize>().prop_map(|at| Damage::Cut { at }),
        (any::<usize>(), 1usize..64, 1usize..50)
            .prop_map(|(from, len, times)| { Damage::Repeat { from, len, times } }),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    Just(b'<'),
                    Just(b'>'),
                    Just(b'&'),
                    Just(b'"'),
                    Just(b'@'),
                    Just(0xC2),
                    Just(0x85),
                    Just(0xE2),
                ],
                1..16
            )
        )
            .prop_map(|(at, bytes)| Damage::Insert { at, bytes }),
    ];
    prop::collection::vec(one, 1..6)
}

fn apply(original: &[u8], damage: &[Damage]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for d in damage {
        let len = bytes.len().max(1);
        match d {
            Damage::Flip { at, byte } => {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = *byte;
                }
            }
            Damage::Cut { at } => bytes.truncate(at % len),
            Damage::Repeat {
                from,
                len: n,
                times,
            } => {
                let start = from % len;
                let end = (start + n).min(bytes.len());
                let chunk = bytes[start.min(end)..end].to_vec();
                for _ in 0..*times {
                    bytes.splice(end..end, chunk.iter().copied());
                }
            }
            Damage::Insert { at, bytes: more } => {
                let i = at % (bytes.len() + 1);
                bytes.splice(i..i, more.iter().copied());
            }
        }
    }
    bytes
}

/// Fixture files: the repo's samples and, when present, the shared corpus's ill-formed feeds.
fn fixtures(repo_files: &[&str], corpus: &str) -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = repo_files
        .iter()
        .map(|f| std::fs::read(repo().join(f)).unwrap())
        .collect();
    let dir = repo().join("../shared/corpus").join(corpus);
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                if entry.path().is_file() {
                    all.push(std::fs::read(entry.path()).unwrap());
                }
            }
        }
        Err(_) => eprintln!(
            "note: {} is absent (../shared beside the clone); mutating the repo's samples only",
            dir.display()
        ),
    }
    all
}

fn base_url() -> url::Url {
    url::Url::parse("https://reviews.test/biz/page").unwrap()
}

#[test]
fn damaged_feeds_never_panic_the_feed_parser() {
    let inputs = fixtures(
        &[
            "feeds/town-forum.xml",
            "feeds/neighborhood-reviews.atom",
            "feeds/social-mentions.json",
        ],
        "feedparser/illformed",
    );
    runner()
        .run(&(0..inputs.len(), damage()), |(i, d)| {
            let bytes = apply(&inputs[i], &d);
            // An error is fine (and says what is wrong); a panic is not.
            if let Err(e) = parse_feed(&bytes, Some("application/xml"), None) {
                prop_assert!(e.to_string().contains("feed"), "{e}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_pages_never_panic_the_page_reader() {
    let inputs = fixtures(
        &["feeds/reviews-page.html", "feeds/reviews-jsonld.html"],
        "none",
    );
    let config = crate::web::sample_config();
    let selectors = config
        .sources
        .iter()
        .find_map(|s| s.selectors.clone())
        .expect("the sample config has a selector source");
    runner()
        .run(
            &(0..inputs.len(), damage(), any::<bool>()),
            |(i, d, with)| {
                let bytes = apply(&inputs[i], &d);
                let html = String::from_utf8_lossy(&bytes);
                let selectors = with.then_some(&selectors);
                let _ = extract_reviews(&html, &base_url(), selectors);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn damaged_configs_never_panic_and_errors_name_the_file() {
    let original = std::fs::read(repo().join("config/earshot.toml")).unwrap();
    runner()
        .run(&damage(), |d| {
            let bytes = apply(&original, &d);
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = Config::parse(&text, Path::new("config/earshot.toml")) {
                let message = e.to_string();
                prop_assert!(message.contains("config/earshot.toml"), "{message}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_customer_lists_never_panic_and_errors_name_the_file() {
    let original = std::fs::read(repo().join("config/customers.csv")).unwrap();
    runner()
        .run(&damage(), |d| {
            let bytes = apply(&original, &d);
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = parse_csv(&text, "customers.csv") {
                let message = e.to_string();
                prop_assert!(message.contains("customers.csv"), "{message}");
            }
            Ok(())
        })
        .unwrap();
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Time specs as people type them, and the extremes.
fn time_spec() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "300000y",
            "5000000d",
            "9223372036854775807s",
            "100y",
            "0s"
        ])
        .prop_map(str::to_owned),
        (
            any::<u64>(),
            prop::sample::select(vec!["s", "m", "h", "d", "w", "y", ""])
        )
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        (0u32..10_000, 0u32..20, 0u32..40).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (0u32..10_000, 0u32..20, 0u32..40, 0u32..30, 0u32..70)
            .prop_map(|(y, mo, d, h, mi)| format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")),
        "[0-9a-zA-Z :+.-]{0,30}",
        any::<String>(),
    ]
}

#[test]
fn any_time_spec_is_a_time_or_an_error_never_a_panic() {
    runner()
        .run(&time_spec(), |spec| {
            let zone = earshot::localtime::Zone::named("Europe/London").unwrap();
            let _ = earshot::cli::parse_since(&spec, now(), &zone);
            let _ = earshot::cli::parse_due(&spec, now(), &zone);
            let _ = earshot::config::parse_duration(&spec);
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_search_text_runs_as_a_search() {
    let store = Store::open_in_memory().unwrap();
    let search = prop_oneof![
        any::<String>(),
        "[a-z\"*():^ -]{0,60}",
        prop::collection::vec(
            prop::sample::select(vec!["NEAR", "AND", "OR", "NOT", "\"", "*", "(", "rude"]),
            0..30
        )
        .prop_map(|w| w.join(" ")),
    ];
    runner()
        .run(&search, |text| {
            let filter = MentionFilter {
                search: Some(text.clone()),
                customer: Some(text),
                limit: Some(5),
                ..MentionFilter::default()
            };
            // Typed text is always taken literally: no FTS5 syntax error reaches a person.
            prop_assert!(store.mentions(&filter).is_ok());
            Ok(())
        })
        .unwrap();
}
