//! The `earshot` binary as a user runs it, in a temp dir with the repo's default config.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use crate::common::{expectations, repo};

/// A temp dir holding copies of config/ and feeds/, like a fresh clone.
pub fn fresh_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["config", "feeds"] {
        let target = dir.path().join(sub);
        std::fs::create_dir_all(&target).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
        }
    }
    dir
}

pub fn earshot(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("earshot")
        .unwrap()
        .current_dir(dir)
        .env_remove("EARSHOT_CONFIG")
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn poll_then_mentions_json_on_the_default_config() {
    let dir = fresh_checkout();
    let summary = stdout(&earshot(dir.path(), &["poll"]));
    assert!(summary.contains("5 sources ok, 0 failed"), "{summary}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&earshot(
        dir.path(),
        &["mentions", "--format", "json"],
    )))
    .unwrap();
    let mentions = json.as_array().unwrap();
    let relevant = expectations()
        .iter()
        .filter(|e| e["relevant"] == "yes")
        .count();
    assert_eq!(mentions.len(), relevant);
    for field in [
        "id",
        "source",
        "url",
        "author",
        "title",
        "text",
        "published_at",
        "fetched_at",
        "rating",
        "score",
        "label",
        "priority",
        "status",
        "customer",
    ] {
        assert!(
            mentions.iter().all(|m| m.get(field).is_some()),
            "field {field} missing"
        );
    }
    // Newest first.
    let dates: Vec<&str> = mentions
        .iter()
        .filter_map(|m| m["published_at"].as_str())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    // A second poll finds nothing new.
    let again = stdout(&earshot(dir.path(), &["poll", "--force"]));
    assert!(again.contains("0 new, 0 updated"), "{again}");
}

#[test]
fn show_and_sources_and_csv_work_on_the_sample() {
    let dir = fresh_checkout();
    stdout(&earshot(dir.path(), &["poll"]));
    let show = stdout(&earshot(dir.path(), &["show", "1"]));
    assert!(
        show.contains("Mention #1") && show.contains("History:"),
        "{show}"
    );
    let sources = stdout(&earshot(dir.path(), &["sources"]));
    for name in [
        "town-forum",
        "neighborhood-reviews",
        "social",
        "reviews-page",
        "tabletalk",
    ] {
        assert!(sources.contains(name), "{sources}");
    }
    let csv = stdout(&earshot(
        dir.path(),
        &["mentions", "--format", "csv", "--source", "social"],
    ));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), 11);
    let missing = earshot(dir.path(), &["show", "99999"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no mention with id 99999"));
}

#[test]
fn score_prints_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("earshot")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("EARSHOT_CONFIG")
        .arg("score")
        .write_stdin(
            "The staff were rude and the coffee was cold.\nLovely bread, friendly staff!\n",
        )
        .output()
        .unwrap();
    let text = stdout(&output);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["label"], "negative");
    assert_eq!(lines[1]["label"], "positive");
    assert!(lines[0]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["term"].as_str().unwrap().contains("rude")));
    assert!(lines[0]["score"].as_f64().unwrap() < 0.0);
}

fn config_error(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        format!("[business]\nname = \"Harbor Street Bakery\"\n{body}"),
    )
    .unwrap();
    let output = earshot(dir.path(), &["--config", path.to_str().unwrap(), "sources"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    stderr
}

#[test]
fn a_config_with_several_mistakes_lists_every_one_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"\"\n\
         [[source]]\nname = \"a\"\nurl = \"https://x.test/f\"\ninterval = \"500000000y\"\n\
         [triage]\nnegative_below = 0.5\npositive_above = 0.2\n\
         [sentiment.terms]\n\"stale\" = 100\n\
         [alerts]\nto = [\"not an email\"]\n",
    )
    .unwrap();
    let output = earshot(dir.path(), &["--config", path.to_str().unwrap(), "sources"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    assert!(lines[0].contains("bad.toml: 5 problems"), "{stderr}");
    for (line, expected) in lines[1..].iter().zip([
        "bad.toml line 4: `storage.database`",
        "bad.toml line 8: `source.interval`: '500000000y' is too long: write at most 7d",
        "bad.toml line 10: `triage.negative_below`",
        "bad.toml line 13: `sentiment.terms.\"stale\"`",
        "bad.toml line 15: `alerts.to`: 'not an email' is not an email address",
    ]) {
        assert!(line.contains(expected), "{line}\n{stderr}");
    }
    assert_eq!(lines.len(), 6, "{stderr}");
}

#[test]
fn bad_config_files_say_which_key_and_line() {
    let unknown =
        config_error("[[source]]\nname = \"a\"\nurl = \"file:x.xml\"\nintervall = \"5m\"\n");
    assert!(
        unknown.contains("bad.toml") && unknown.contains("line 6") && unknown.contains("intervall"),
        "{unknown}"
    );

    let duration = config_error(
        "[[source]]\nname = \"a\"\nurl = \"file:x.xml\"\ninterval = \"every so often\"\n",
    );
    assert!(
        duration.contains("line 6")
            && duration.contains("source.interval")
            && duration.contains("15m"),
        "{duration}"
    );

    // Said at the source's name, as url is required only for some kinds.
    let missing_url = config_error("[[source]]\nname = \"a\"\n");
    assert!(
        missing_url.contains("source 'a' has no url") && missing_url.contains("line 4"),
        "{missing_url}"
    );

    let duplicate = config_error("[[source]]\nname = \"a\"\nurl = \"file:x.xml\"\n[[source]]\nname = \"a\"\nurl = \"file:y.xml\"\n");
    assert!(
        duplicate.contains("line 7") && duplicate.contains("duplicate source name 'a'"),
        "{duplicate}"
    );

    let scheme = config_error("[[source]]\nname = \"a\"\nurl = \"ftp://x.test/f\"\n");
    assert!(
        scheme.contains("line 5") && scheme.contains("http:, https: or file:"),
        "{scheme}"
    );
}

#[test]
fn a_missing_config_file_says_how_to_point_at_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = earshot(dir.path(), &["sources"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("config/earshot.toml") && stderr.contains("--config"),
        "{stderr}"
    );
}

#[test]
fn eval_prints_model_and_baseline_and_names_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("labelled.tsv");
    std::fs::write(&good, "-1\tThe waiter was rude and the soup was cold.\n1\tWonderful bread, lovely staff!\n0\tThey open at seven.\n-1\tWaited 45 minutes, nobody apologized.\n").unwrap();
    let text = stdout(&earshot(dir.path(), &["eval", good.to_str().unwrap()]));
    assert!(
        text.contains("labelled.tsv") && text.contains("model") && text.contains("baseline"),
        "{text}"
    );
    // The full model gets all four right: accuracy and negative F1 of 1.000.
    let model_line = text
        .lines()
        .find(|l| l.contains("model") && l.contains("labelled.tsv"))
        .unwrap();
    assert_eq!(model_line.matches("1.000").count(), 5, "{model_line}");

    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "1\tfine\nnot a label line\n").unwrap();
    let output = earshot(dir.path(), &["eval", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.tsv:2"), "{stderr}");
}

#[test]
fn sources_shows_state_and_history_shows_the_errors() {
    let dir = fresh_checkout();
    std::fs::remove_file(dir.path().join("feeds/social-mentions.json")).unwrap();
    let first = earshot(dir.path(), &["poll"]);
    assert_eq!(first.status.code(), Some(3), "some sources failed: exit 3");
    let first = String::from_utf8_lossy(&first.stdout);
    assert!(first.contains("4 sources ok, 1 failed"), "{first}");
    // The failing source is not due again (backoff) and the others not yet: nothing failed.
    let again = stdout(&earshot(dir.path(), &["poll"]));
    assert!(
        again.contains("failing, backing off: next try"),
        "a manual poll honours the backoff: {again}"
    );
    let table = stdout(&earshot(dir.path(), &["sources"]));
    let social = table.lines().find(|l| l.starts_with("social ")).unwrap();
    assert!(
        social.contains("failing") && social.contains("cannot read"),
        "{table}"
    );
    // Each source says what kind it is.
    assert!(table.lines().next().unwrap().contains(" KIND "), "{table}");
    assert_eq!(social.split_whitespace().nth(1), Some("feed"), "{table}");
    let page = table
        .lines()
        .find(|l| l.starts_with("reviews-page "))
        .unwrap();
    assert_eq!(page.split_whitespace().nth(1), Some("page"), "{table}");
    let history = stdout(&earshot(dir.path(), &["sources", "--history", "social"]));
    assert!(
        history.contains("failed") && history.contains("social-mentions.json"),
        "{history}"
    );
    let unknown = earshot(dir.path(), &["sources", "--history", "nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no source named 'nope'"));
}

#[test]
fn poll_exits_4_when_every_due_source_fails_and_0_once_they_work() {
    let dir = fresh_checkout();
    let feeds = dir.path().join("feeds");
    std::fs::rename(&feeds, dir.path().join("feeds-away")).unwrap();
    let all_failed = earshot(dir.path(), &["poll"]);
    assert_eq!(
        all_failed.status.code(),
        Some(4),
        "every source failed: exit 4"
    );
    assert!(String::from_utf8_lossy(&all_failed.stdout).contains("0 sources ok, 5 failed"));
    std::fs::rename(dir.path().join("feeds-away"), &feeds).unwrap();
    let forced = earshot(dir.path(), &["poll", "--force"]);
    assert_eq!(forced.status.code(), Some(0));
}

#[test]
fn sentiment_terms_in_the_config_add_and_override_words_and_phrases() {
    let dir = tempfile::tempdir().unwrap();
    let score = |config: &str, text: &str| -> serde_json::Value {
        std::fs::write(
            dir.path().join("earshot.toml"),
            format!("[business]\nname = \"Harbor Street Bakery\"\n{config}"),
        )
        .unwrap();
        serde_json::from_str(&stdout(&earshot(
            dir.path(),
            &["--config", "earshot.toml", "score", text],
        )))
        .unwrap()
    };
    let text = "The cardamom buns were sold out by nine.";
    let plain = score("", text);
    assert_ne!(plain["label"], "negative", "{plain}");
    let owned = score(
        "[sentiment.terms]\n\"sold out\" = -2.5\n\"cardamom\" = 0.0\n",
        text,
    );
    assert_eq!(owned["label"], "negative", "{owned}");
    assert!(
        owned["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["term"] == "sold out"),
        "{owned}"
    );
    // An override replaces a built-in weight.
    let flipped = score("[sentiment.terms]\n\"great\" = -3.0\n", "great");
    assert_eq!(flipped["label"], "negative", "{flipped}");
}
/// Issue 2 and 4 acceptance on the sample business: after `poll` and `customers import`,
/// `mentions --sentiment negative` lists the complaints and `--priority urgent` exactly
/// the A-list complaints and the repeat customer's second complaint.
#[test]
fn the_sample_complaints_are_negative_and_exactly_the_vips_and_repeat_are_urgent() {
    let dir = fresh_checkout();
    stdout(&earshot(dir.path(), &["poll"]));
    stdout(&earshot(
        dir.path(),
        &["customers", "import", "config/customers.csv"],
    ));
    let list = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["mentions", "--format", "json"];
        all.extend_from_slice(args);
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&earshot(dir.path(), &all))).unwrap();
        let mut found: Vec<(String, String)> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["author"].as_str().unwrap_or("").to_owned(),
                    m["text"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let negatives = list(&["--sentiment", "negative"]);
    let expected_negative: Vec<_> = expectations()
        .into_iter()
        .filter(|e| e["sentiment"] == "negative")
        .collect();
    let missed: Vec<&str> = expected_negative
        .iter()
        .filter(|e| !negatives.iter().any(|(author, _)| author == &e["author"]))
        .map(|e| e["author"].as_str())
        .collect();
    assert!(
        missed.is_empty(),
        "complaints not listed as negative, by: {missed:?}"
    );
    let false_alarms: Vec<&(String, String)> = negatives
        .iter()
        .filter(|(author, _)| !expected_negative.iter().any(|e| &e["author"] == author))
        .collect();
    assert!(
        false_alarms.is_empty(),
        "listed as negative but not complaints: {false_alarms:?}"
    );

    let urgent: Vec<String> = list(&["--priority", "urgent"])
        .into_iter()
        .map(|(author, _)| author)
        .collect();
    let mut expected_urgent: Vec<String> = expectations()
        .into_iter()
        .filter(|e| e["priority"] == "urgent")
        .map(|e| e["author"].clone())
        .collect();
    expected_urgent.sort();
    assert_eq!(urgent, expected_urgent);
    let derek = stdout(&earshot(
        dir.path(),
        &[
            "mentions",
            "--priority",
            "urgent",
            "--customer",
            "Derek",
            "--format",
            "json",
        ],
    ));
    let id = serde_json::from_str::<serde_json::Value>(&derek).unwrap()[0]["id"]
        .as_i64()
        .unwrap();
    let show = stdout(&earshot(dir.path(), &["show", &id.to_string()]));
    assert!(show.contains("2nd complaint in 90 days"), "{show}");
    assert!(show.contains("\nProblem:   "), "{show}");
    let reply = show
        .split("Suggested reply:\n")
        .nth(1)
        .and_then(|rest| rest.split("\nHistory:").next())
        .unwrap_or_else(|| panic!("no reply: {show}"));
    assert!(
        reply.contains("Hi Derek,") && reply.contains("and that it has happened again"),
        "{reply}"
    );
    // Sendable as it is: no scoring terms quoted back, no parentheses, no address.
    assert!(
        !reply.contains(['(', ')', '\u{201c}', '"', '@', '{']),
        "{reply}"
    );
}
