//! Section 3 (the mention log at N mentions) and section 4 (customers and linking).

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use earshot::config::Config;
use earshot::customers::parse_csv;
use earshot::sentiment::{Analyzer, Options};
use earshot::store::{MentionFilter, NewMention, Store};

use crate::report::{duration, median_time, Table};
use crate::text::{mention_text, person, Rng};

const BATCH: usize = 10_000;

/// Fill a store with `mentions`, time three log queries, then import `customers` and link.
pub fn run(table: &mut Table, mentions: usize, customers: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).expect("store");
    let analyzer = Analyzer::new(Options::default());
    let label = format!("3. log @ {mentions}");
    let start = Instant::now();
    fill(&mut store, &analyzer, mentions);
    let filled = start.elapsed();
    table.add(
        &label,
        "store mentions (scored, FTS-indexed)",
        format!(
            "{} ({:.0}/s)",
            duration(filled),
            mentions as f64 / filled.as_secs_f64()
        ),
        "",
    );

    for (name, filter) in queries() {
        let time = median_time(5, || {
            store.mentions(&filter).expect("query");
        });
        table.add(&label, name, duration(time), "<= 50 ms at 1M");
    }
    drop(store);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    table.add(
        &label,
        "database size per mention",
        format!("{:.0} bytes", size as f64 / mentions as f64),
        "",
    );

    let mut store = Store::open(&path).expect("store");
    let csv = customer_csv(customers);
    let rules = Config::parse(
        "[business]\nname = \"Harbor Street Bakery\"\n",
        std::path::Path::new("bench.toml"),
    )
    .expect("config")
    .triage;
    let start = Instant::now();
    let records = parse_csv(&csv, "bench.csv").expect("csv");
    let summary = earshot::pipeline::import_customers(&mut store, &records, &rules, Utc::now())
        .expect("import");
    table.add(
        &format!("4. customers {customers} x mentions {mentions}"),
        "import + link all mentions",
        format!(
            "{} ({} linked)",
            duration(start.elapsed()),
            summary.mentions_linked
        ),
        "",
    );
}

/// The log queries timed at scale: a sentiment filter, a common and a rare search, and a
/// customer filter (section 6 times the same ones on PostgreSQL).
pub fn queries() -> [(&'static str, MentionFilter); 4] {
    [
        (
            "mentions --sentiment negative --limit 50",
            MentionFilter {
                label: Some(earshot::model::Label::Negative),
                limit: Some(50),
                ..Default::default()
            },
        ),
        (
            "mentions --search \"rude\" --limit 50",
            MentionFilter {
                search: Some("rude".into()),
                limit: Some(50),
                ..Default::default()
            },
        ),
        (
            "mentions --search \"ref 424242\" (rare) --limit 50",
            MentionFilter {
                search: Some("ref 424242".into()),
                limit: Some(50),
                ..Default::default()
            },
        ),
        (
            "mentions --customer \"Cara Chen7\" --limit 50",
            MentionFilter {
                customer: Some("Cara Chen7".into()),
                limit: Some(50),
                ..Default::default()
            },
        ),
    ]
}

/// Store `total` scored synthetic mentions in batches of 10,000.
pub fn fill(store: &mut Store, analyzer: &Analyzer, total: usize) {
    let mut rng = Rng::new(7);
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date");
    let mut done = 0;
    while done < total {
        let batch: Vec<NewMention> = (done..(done + BATCH).min(total))
            .map(|i| mention(&mut rng, analyzer, i, start))
            .collect();
        store
            .transaction(|tx| {
                for m in &batch {
                    Store::upsert_mention(tx, m, Utc::now())?;
                }
                Ok(())
            })
            .expect("insert batch");
        done += batch.len();
    }
}

fn mention(
    rng: &mut Rng,
    analyzer: &Analyzer,
    i: usize,
    start: chrono::DateTime<Utc>,
) -> NewMention {
    let text = mention_text(rng);
    let score = analyzer.score(&text);
    NewMention {
        author_email: None,
        source: format!("source-{}", i % 100),
        key: format!("id:{i}"),
        content_hash: format!("{i:x}"),
        url: Some(format!("https://reviews.example/{i}")),
        author: Some(person(rng, 50)),
        title: None,
        text,
        published_at: Some(start + Duration::minutes(i as i64)),
        rating: None,
        score: score.value,
        label: score.label,
        language: None,
        terms: score.terms,
        priority: earshot::model::Priority::Normal,
        priority_reasons: vec![],
        location: None,
    }
}

fn customer_csv(count: usize) -> String {
    let mut rng = Rng::new(11);
    let mut csv = String::from("name,email,handles,tier,lifetime_value\n");
    for i in 0..count {
        let tier = ["A", "B", "C"][rng.below(3)];
        csv.push_str(&format!(
            "{},c{i}@x.example,@c{i},{tier},{}\n",
            person(&mut rng, 50),
            rng.below(5000)
        ));
    }
    csv
}
