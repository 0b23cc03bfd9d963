//! Earshot's benchmark runner: `cargo bench --bench earshot` prints one table.
//!
//! Sections (each also at a tenth of the size, to show how cost grows):
//! 1. sentiment scoring throughput (library, one core; and `earshot score` as a process);
//! 2. a full poll cycle over many feed sources served on loopback, then the 304 cycle;
//! 3. the mention log at 1,000,000 mentions: three queries and the database size;
//! 4. importing 100,000 customers and linking 1,000,000 mentions to them;
//! 5. the web log's latency (over loopback HTTP) while a poll cycle over 1,000 sources
//!    writes into the store it shares, against the same requests with no poll running;
//! 6. (only when asked: it needs Debian's postgresql package and takes long) 10,000 sources
//!    polled once by SQLite's `earshot poll` and by 1 and 3 `earshot run` workers on one
//!    throwaway PostgreSQL, a worker killed mid-cycle, and section 3's queries on both.
//!
//! `EARSHOT_BENCH_SCALE=0.1` runs everything ten times smaller (a quick smoke run);
//! `EARSHOT_BENCH_SECTIONS=2,3` runs only those sections (3 includes 4; 5 and 6 run at one
//! size; 6 runs only when named, and `6q` runs only its log queries).

#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks build constant spans; clippy.toml's rule is for input"
)]

mod log;
// The integration tests' throwaway PostgreSQL server, for section 6.
#[allow(
    dead_code,
    reason = "the bench uses the server, not the tests' shared databases"
)]
#[path = "../../tests/it/pg.rs"]
mod pg;
mod poll;
mod report;
mod scoring;
mod text;
mod web;
mod workers;

use report::Table;

fn main() {
    let scale: f64 = std::env::var("EARSHOT_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let mut table = Table::default();
    let sections = std::env::var("EARSHOT_BENCH_SECTIONS").unwrap_or_else(|_| "1,2,3,5".into());
    let wanted = |n: &str| sections.split(',').any(|s| s.trim() == n);
    let sized = |n: f64| ((n * scale) as usize).max(1);
    if wanted("1") {
        for bytes in [sized(5e6), sized(50e6)] {
            scoring::run(&mut table, bytes);
        }
    }
    if wanted("2") {
        for sources in [sized(100.0), sized(1000.0)] {
            poll::run(&mut table, sources);
        }
    }
    if wanted("3") {
        for mentions in [sized(1e5), sized(1e6)] {
            log::run(&mut table, mentions, (mentions / 10).max(1));
        }
    }
    if wanted("5") {
        web::run(&mut table, sized(1000.0), sized(20_000.0));
    }
    if wanted("6") {
        workers::run(&mut table, sized(10_000.0), sized(1e5));
    } else if wanted("6q") {
        workers::run_queries(&mut table, sized(1e5));
    }
    println!("\n{}", table.render());
}
