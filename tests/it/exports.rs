//! `earshot mentions --format json` and `--format csv` print the same score for each
//! mention (three decimals), and `earshot score` prints two decimals as text, three as JSON.

use std::collections::HashMap;

use crate::cli::{earshot, fresh_checkout, stdout};

#[test]
fn json_and_csv_exports_agree_on_every_score() {
    let dir = fresh_checkout();
    stdout(&earshot(dir.path(), &["poll"]));
    let json: serde_json::Value = serde_json::from_str(&stdout(&earshot(
        dir.path(),
        &["mentions", "--format", "json"],
    )))
    .unwrap();
    let from_json: HashMap<String, String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].to_string(), m["score"].to_string()))
        .collect();
    assert!(from_json.len() > 5, "{json}");
    let csv = stdout(&earshot(dir.path(), &["mentions", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, score) = (column("id"), column("score"));
    let mut compared = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let cell = &row[score];
        assert_eq!(cell.split('.').nth(1).map(str::len), Some(3), "{cell}");
        let in_json: f64 = from_json[&row[id]].parse().unwrap();
        assert_eq!(
            in_json,
            cell.parse::<f64>().unwrap(),
            "mention {}",
            &row[id]
        );
        // The JSON carries no more digits than the CSV.
        assert!(
            from_json[&row[id]].len() <= cell.len() + 1,
            "{}",
            from_json[&row[id]]
        );
        compared += 1;
    }
    assert_eq!(compared, from_json.len());
}

#[test]
fn score_prints_two_decimals_as_text_and_three_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Waited 45 minutes for a table we had booked. Nobody apologized.";
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&earshot(dir.path(), &["score", text]))).unwrap();
    let printed = json["score"].to_string();
    assert!(printed.split('.').nth(1).unwrap().len() <= 3, "{json}");
    let shown = stdout(&earshot(dir.path(), &["score", "--format", "text", text]));
    let first = shown.lines().next().unwrap();
    assert!(first.starts_with("negative -0."), "{shown}");
    let value = first.split_whitespace().nth(1).unwrap();
    assert_eq!(value.split('.').nth(1).unwrap().len(), 2, "{shown}");
    assert!(shown.contains("    -2.00  waited 45 minutes"), "{shown}");
}
