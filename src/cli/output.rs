//! How the CLI prints: tables for people, JSON and CSV for scripts.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Format;
use crate::config::Config;
use crate::model::{Label, Language, Mention, Term};
use crate::poller::CycleReport;
use crate::sentiment::{Analyzer, Score};
use crate::store::{FetchLogEntry, FetchOutcome, SourceHealth, SourceStatus};

/// Print the log in the chosen format.
pub fn print_mentions(mentions: &[Mention], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&with_problems(mentions))?
        )?,
        Format::Csv => write_csv(&mut out, mentions)?,
        Format::Table => out.write_all(mentions_table(mentions).as_bytes())?,
    }
    Ok(())
}

/// A mention as exported: everything stored, and what a complaint is about.
#[derive(serde::Serialize)]
struct Exported<'a> {
    #[serde(flatten)]
    mention: &'a Mention,
    /// The complaint's category key (`waiting`, `staff`…), absent for other mentions.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'static str>,
}

fn problem(m: &Mention) -> Option<&'static str> {
    crate::replies::complaint_category(m).map(|c| c.key())
}

fn with_problems(mentions: &[Mention]) -> Vec<Exported<'_>> {
    mentions
        .iter()
        .map(|mention| Exported {
            mention,
            problem: problem(mention),
        })
        .collect()
}

/// The log as aligned columns, one line per mention.
pub fn mentions_table(mentions: &[Mention]) -> String {
    if mentions.is_empty() {
        return "No mentions match. Run `earshot poll` to fetch, or loosen the filters.\n".into();
    }
    // A chain's log says where each was heard; a single shop's keeps its columns.
    let located = mentions.iter().any(|m| m.location.is_some());
    let place = |location: &str| {
        if located {
            format!("{:<12}  ", clip(&printable(location), 12))
        } else {
            String::new()
        }
    };
    let mut text = format!(
        "{:>5}  {:<16}  {}{:<14}  {:<18}  {:<SENTIMENT_WIDTH$}  {:<8}  {:<12}  {}\n",
        "ID",
        "WHEN",
        place("LOCATION"),
        "SOURCE",
        "AUTHOR",
        "SENTIMENT",
        "PRIORITY",
        "STATUS",
        "TEXT"
    );
    for m in mentions {
        text.push_str(&format!(
            "{:>5}  {:<16}  {}{:<14}  {:<18}  {:<SENTIMENT_WIDTH$}  {:<8}  {:<12}  {}\n",
            m.id,
            short_time(m.when()),
            place(m.location.as_deref().unwrap_or("-")),
            clip(&printable(&m.source), 14),
            clip(&printable(m.author.as_deref().unwrap_or("-")), 18),
            clip(&sentiment_cell(m), SENTIMENT_WIDTH),
            m.priority,
            if m.overdue {
                "OVERDUE".to_owned()
            } else {
                m.status.to_string()
            },
            clip(&one_line(&printable(&m.text)), 70),
        ));
    }
    text
}

/// Room for "unscored (Portuguese) —" and "negative -0.70".
const SENTIMENT_WIDTH: usize = 23;

/// "negative -0.70", "unscored (French) —" for a post the model did not read, or
/// "negative (German) -0.70" for a rated review in German.
fn sentiment_cell(m: &Mention) -> String {
    format!("{} {}", m.sentiment(), m.score_shown())
}

/// The log as CSV for spreadsheets (a `location` column last for a chain; an unscored post's score cell is empty, its language
/// an ISO 639-3 code in the last column). Cells of text from the web (author, title, text…) are
/// neutralised against formula injection: one starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a leading `'`, as OWASP advises, so `=HYPERLINK(…)` from a
/// reviewer's name stays text. Line breaks stay inside their quoted cell.
fn write_csv(out: &mut impl Write, mentions: &[Mention]) -> Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec![
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
        "problem",
        "language",
        "assignee",
    ];
    // A chain's export says where each was heard; a single shop's keeps its columns.
    let located = mentions.iter().any(|m| m.location.is_some());
    if located {
        header.push("location");
    }
    writer.write_record(&header)?;
    for m in mentions {
        let mut record = vec![
            m.id.to_string(),
            inert(&m.source),
            inert(m.url.as_deref().unwrap_or_default()),
            inert(m.author.as_deref().unwrap_or_default()),
            inert(m.title.as_deref().unwrap_or_default()),
            inert(&m.text),
            m.published_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            m.fetched_at.to_rfc3339(),
            m.rating.map(|r| r.to_string()).unwrap_or_default(),
            m.score.map(csv_score).unwrap_or_default(),
            m.label.to_string(),
            m.priority.to_string(),
            m.status.to_string(),
            inert(m.customer.as_ref().map_or("", |c| c.name.as_str())),
            problem(m).unwrap_or_default().to_owned(),
            m.language.map(|l| l.code()).unwrap_or_default().to_owned(),
            inert(m.assignee.as_deref().unwrap_or_default()),
        ];
        if located {
            record.push(inert(m.location.as_deref().unwrap_or_default()));
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

/// The score cell of the CSV: the same rounding as the JSON export.
fn csv_score(score: f32) -> String {
    let places = crate::sentiment::EXPORT_DECIMALS;
    let width = usize::from(places);
    format!("{:.width$}", crate::sentiment::rounded(score, places))
}

/// How `earshot score` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreFormat {
    /// One JSON object per line (three decimals): `{"label","score","terms","text"}`, and
    /// `"language"` with a null score for a text not in English.
    Json,
    /// For people: the label and score (two decimals), then each term and its weight.
    Text,
}

/// Score `text` and print it in `format`. Writes straight into `out` (give it a buffered
/// writer held for the whole run: `earshot score` prints hundreds of thousands of lines).
pub fn print_score(
    out: &mut impl Write,
    text: &str,
    analyzer: &Analyzer,
    format: ScoreFormat,
) -> Result<()> {
    let score = analyzer.score(text);
    match format {
        ScoreFormat::Json => write_score_json(out, text, &score)?,
        ScoreFormat::Text => write_score_text(out, text, &score)?,
    }
    Ok(())
}

/// One JSON line of `earshot score`, borrowed from the score (no JSON tree per line). The
/// keys are in alphabetical order, as they always were; `language` is there only for a
/// text not in English, whose `score` is null.
#[derive(serde::Serialize)]
struct ScoreLine<'a> {
    label: Label,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<Language>,
    #[serde(serialize_with = "crate::sentiment::serialize_rounded_option")]
    score: Option<f32>,
    terms: &'a [Term],
    text: &'a str,
}

fn write_score_json(out: &mut impl Write, text: &str, score: &Score) -> Result<()> {
    let line = ScoreLine {
        label: score.label,
        language: score.language,
        score: score.shown_value(),
        terms: &score.terms,
        text,
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// `negative -0.70  Waited 45 minutes…` and one indented line per term;
/// `unscored (French) —  Nous avons attendu…` for a text not in English.
fn write_score_text(out: &mut impl Write, text: &str, score: &Score) -> std::io::Result<()> {
    let two = |v: f32| crate::sentiment::rounded(v, 2);
    write!(out, "{}", score.label)?;
    if let Some(language) = score.language {
        write!(out, " ({language})")?;
    }
    match score.shown_value() {
        Some(value) => write!(out, " {:+.2}  ", two(value))?,
        None => out.write_all(" \u{2014}  ".as_bytes())?,
    }
    write_one_line(out, text)?;
    out.write_all(b"\n")?;
    for term in &score.terms {
        writeln!(out, "    {:+.2}  {}", two(term.weight), term.term)?;
    }
    Ok(())
}

/// `one_line(&printable(text))` without building either string: the words, one space
/// between them, with control characters and bidi overrides read as spaces.
fn write_one_line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    let words = text
        .split(|c: char| c.is_whitespace() || is_unprintable(c))
        .filter(|w| !w.is_empty());
    for (n, word) in words.enumerate() {
        if n > 0 {
            out.write_all(b" ")?;
        }
        out.write_all(word.as_bytes())?;
    }
    Ok(())
}

/// What `poll` prints: one line per source, then the totals.
pub fn cycle_report(report: &CycleReport) -> String {
    let mut text = String::new();
    for s in &report.sources {
        let line = match &s.outcome {
            None if s.busy => match &s.held_by {
                Some(holder) => {
                    format!("skipped: Earshot process {holder} (host:pid) is polling it right now")
                }
                None => "skipped: another poll of it was running at that moment".to_owned(),
            },
            None if s.status == SourceStatus::Disabled => {
                "disabled (410 Gone): put its new url in the config, or --force".to_owned()
            }
            None => match (s.status, s.next_due_at) {
                (SourceStatus::Ok, _) | (_, None) => {
                    "not due yet (use --force to poll now)".to_owned()
                }
                (status, Some(due)) => format!(
                    "{status}, backing off: next try {} (use --force to poll now)",
                    short_time(due)
                ),
            },
            Some(FetchOutcome::NotModified) => "ok, unchanged since last poll".to_owned(),
            Some(FetchOutcome::Ok) => {
                let mut line = format!("ok, {} new, {} updated", s.new, s.updated);
                if s.backfill > 0 {
                    line.push_str(&format!(
                        " ({} older than the backfill window: logged, no alert)",
                        s.backfill
                    ));
                }
                if s.dropped > 0 {
                    line.push_str(&format!(", {} not about the business", s.dropped));
                }
                line
            }
            Some(FetchOutcome::Failed(error)) => match s.status {
                SourceStatus::Failing => format!("FAILED: {error}"),
                status => format!("FAILED ({}): {error}", status.as_str().to_uppercase()),
            },
        };
        text.push_str(&format!("{:<20} {line}\n", s.name));
    }
    text.push_str(&report.summary());
    text.push('\n');
    text
}

/// What `poll` delivered after its cycle.
pub fn delivery(pass: &crate::alert::PassReport) -> String {
    let mut line = format!("alerts sent: {}", pass.sent);
    if pass.pushed > 0 {
        line.push_str(&format!(" ({} of them pushes to the webhook)", pass.pushed));
    }
    if pass.rolled > 0 {
        line.push_str(&format!(", {} folded into one summary", pass.rolled));
    }
    if pass.held > 0 {
        line.push_str(&format!(
            ", {} held until quiet hours end (`earshot outbox` shows when)",
            pass.held
        ));
    }
    if pass.retrying > 0 {
        line.push_str(&format!(
            ", {} kept in the outbox to retry (`earshot outbox` shows them)",
            pass.retrying
        ));
    }
    if pass.failed > 0 {
        line.push_str(&format!(
            ", {} refused by the mail server or webhook (`earshot outbox` says why)",
            pass.failed
        ));
    }
    if !pass.errors.is_empty() {
        line.push_str(&format!("; delivery problem: {}", pass.errors.join("; ")));
    }
    line.push('\n');
    line
}

/// `earshot sources`: every configured source with its health.
///
/// On PostgreSQL, where several `earshot run` workers may share the sources, a POLLED BY
/// column names the worker (`host:pid`) that polled each one last.
pub fn sources_table(config: &Config, health: &[SourceHealth]) -> String {
    let workers = config.database_url.is_some();
    let polled_by = |h: Option<&SourceHealth>| match (workers, h) {
        (false, _) => String::new(),
        (true, h) => format!(
            "{:<24}  ",
            clip(h.and_then(|h| h.polled_by.as_deref()).unwrap_or("-"), 24)
        ),
    };
    let mut text = format!(
        "{:<20}  {:<13}  {:<8}  {:<16}  {:<16}  {:<16}  {:>8}  {}{}\n",
        "SOURCE",
        "KIND",
        "STATE",
        "LAST FETCH",
        "LAST SUCCESS",
        "NEXT DUE",
        "MENTIONS",
        if workers {
            format!("{:<24}  ", "POLLED BY")
        } else {
            String::new()
        },
        "LAST ERROR"
    );
    for source in &config.sources {
        let h = health.iter().find(|h| h.name == source.name);
        let state = h.map_or("never", |h| h.state.as_str());
        // A key missing from the environment now matters more than last poll's error.
        let missing_key = source
            .platform
            .as_ref()
            .and_then(|p| p.request_headers().err());
        let time = |t: Option<DateTime<Utc>>| t.map(short_time).unwrap_or_else(|| "-".into());
        text.push_str(&format!(
            "{:<20}  {:<13}  {:<8}  {:<16}  {:<16}  {:<16}  {:>8}  {}{}\n",
            clip(&source.name, 20),
            source.kind.name(),
            state,
            time(h.and_then(|h| h.last_fetch_at)),
            time(h.and_then(|h| h.last_success_at)),
            time(
                h.filter(|h| h.state != SourceStatus::Disabled)
                    .and_then(|h| h.next_due_at)
            ),
            h.map(|h| h.mentions_seen).unwrap_or(0),
            polled_by(h),
            printable(
                &missing_key.unwrap_or_else(|| {
                    h.and_then(|h| h.last_error.clone()).unwrap_or_default()
                })
            ),
        ));
        if let Some(problem) = source.platform.as_ref().and_then(|p| p.login_problem()) {
            text.push_str(&format!("{:<20}  {problem}\n", ""));
        }
        let configured = source.location.to_string();
        let moved = h.filter(|h| {
            h.config_url.as_deref() == Some(configured.as_str()) && h.url != configured
        });
        if let Some(moved) = moved {
            text.push_str(&format!(
                "{:<20}  moved permanently to {} (used from now on; update the config to match)\n",
                "",
                printable(&moved.url)
            ));
        }
    }
    text
}

/// `earshot sources --history NAME`: the last fetches of one source, newest first.
pub fn history_table(name: &str, entries: &[FetchLogEntry]) -> String {
    if entries.is_empty() {
        return format!("No fetches recorded for '{name}' yet (unchanged polls leave no line).\n");
    }
    let mut text = format!("{:<16}  {:<8}  {}\n", "WHEN", "OUTCOME", "DETAIL");
    for e in entries {
        text.push_str(&format!(
            "{:<16}  {:<8}  {}\n",
            short_time(e.at),
            e.outcome,
            printable(e.detail.as_deref().unwrap_or(""))
        ));
    }
    text
}

/// A time for a person, in the business's zone ([`crate::localtime`]).
pub(super) fn short_time(time: DateTime<Utc>) -> String {
    crate::localtime::short(time)
}

/// A CSV cell a spreadsheet will not run as a formula.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Text safe to print in a table: control characters (line breaks, escape sequences that
/// would drive the terminal) and bidirectional overrides are shown as spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_unprintable(c) { ' ' } else { c })
        .collect()
}

/// A control character or a bidirectional override: shown as a space.
fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `width` characters, with an ellipsis when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(author: &str, text: &str) -> Mention {
        Mention {
            id: 7,
            source: "reviews".into(),
            url: Some("https://x.test/r/7".into()),
            author: Some(author.into()),
            title: Some("+1 would buy again".into()),
            text: text.into(),
            fetched_at: Utc::now(),
            score: Some(-0.5),
            ..crate::test_support::mention(Label::Negative)
        }
    }

    fn csv_rows(mentions: &[Mention]) -> Vec<csv::StringRecord> {
        let mut out = Vec::new();
        write_csv(&mut out, mentions).unwrap();
        csv::Reader::from_reader(out.as_slice())
            .records()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn exports_say_what_a_complaint_is_about_in_json_and_csv() {
        let late = mention("Ann", "Waited 45 minutes for our order, nobody came.");
        let json = serde_json::to_value(with_problems(std::slice::from_ref(&late))).unwrap();
        assert_eq!(json[0]["problem"], "waiting");
        assert_eq!(
            json[0]["id"], 7,
            "the mention's own fields stay at the top level"
        );
        let rows = csv_rows(&[late]);
        assert_eq!(rows[0].get(14), Some("waiting"));
        let praise = Mention {
            label: crate::model::Label::Positive,
            ..mention("Bo", "Lovely bread.")
        };
        let json = serde_json::to_value(with_problems(&[praise])).unwrap();
        assert!(json[0].get("problem").is_none());
    }

    #[test]
    fn csv_formula_injection_from_an_author_is_neutralised() {
        let rows = csv_rows(&[
            mention(
                "=HYPERLINK(\"https://evil.test\",\"click\")",
                "@everyone -fresh bread",
            ),
            mention("\t=1+1", "\r=cmd"),
            mention("-2+3", "fine"),
        ]);
        assert_eq!(rows[0][3], *"'=HYPERLINK(\"https://evil.test\",\"click\")");
        assert_eq!(rows[0][4], *"'+1 would buy again");
        assert_eq!(rows[0][5], *"'@everyone -fresh bread");
        assert_eq!(rows[1][3], *"'\t=1+1");
        assert_eq!(rows[1][5], *"'\r=cmd");
        assert_eq!(rows[2][3], *"'-2+3");
        // Numbers written by Earshot itself stay numbers.
        assert_eq!(rows[0][9], *"-0.500");
        assert_eq!(rows[0][2], *"https://x.test/r/7");
    }

    #[test]
    fn a_name_with_cr_lf_keeps_table_rows_and_csv_records_intact() {
        let mentions = [
            mention("Ann\r\nSmith\u{1b}[31m", "line one\nline two"),
            mention("Bob", "ok"),
        ];
        let table = mentions_table(&mentions);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[1].contains("Ann  Smith [31m") && lines[1].contains("line one line two"));
        assert!(!table.contains(['\r', '\u{1b}']), "{table:?}");
        let rows = csv_rows(&mentions);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.len() == 17));
        assert_eq!(rows[0][3], *"Ann\r\nSmith\u{1b}[31m");
        assert_eq!(rows[1][3], *"Bob");
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("Café au lait", 6), "Café …");
        assert_eq!(clip("short", 10), "short");
    }

    #[test]
    fn json_and_csv_exports_print_the_same_score() {
        // 0.0625 is a tie at three decimals, -0.70238101 carries f32 noise.
        for score in [-0.702_381_f32, 0.0625, -0.000_4, 0.999_95] {
            let mut m = mention("Jane", "cold");
            m.score = Some(score);
            let json = serde_json::to_value([&m]).unwrap();
            let csv = csv_rows(&[m]);
            let from_json = json[0]["score"].as_f64().unwrap();
            let from_csv: f64 = csv[0][9].parse().unwrap();
            assert_eq!(from_json, from_csv, "{score}: {json} vs {:?}", csv[0]);
            assert!(
                csv[0][9].split('.').nth(1).unwrap().len() == 3,
                "{:?}",
                csv[0]
            );
        }
        let mut m = mention("Jane", "cold");
        m.score = Some(-0.702_381);
        let text = serde_json::to_string(&m).unwrap();
        assert!(text.contains("\"score\":-0.702,"), "{text}");
        m.score = None;
        let text = serde_json::to_string(&m).unwrap();
        assert!(text.contains("\"score\":null,"), "{text}");
    }

    #[test]
    fn score_text_has_two_decimals_and_json_three() {
        let analyzer = Analyzer::new(crate::sentiment::Options::default());
        let text = "The staff were rude and the coffee was cold.";
        let mut out = Vec::new();
        print_score(&mut out, text, &analyzer, ScoreFormat::Text).unwrap();
        let printed = String::from_utf8(out).unwrap();
        let first = printed.lines().next().unwrap();
        let value = first.split_whitespace().nth(1).unwrap();
        assert!(first.starts_with("negative -"), "{printed}");
        assert_eq!(value.split('.').nth(1).unwrap().len(), 2, "{printed}");
        assert!(printed.contains("rude"), "{printed}");

        let mut out = Vec::new();
        print_score(&mut out, text, &analyzer, ScoreFormat::Json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let score = json["score"].as_f64().unwrap();
        assert_eq!(score, (score * 1000.0).round() / 1000.0, "{json}");
        let shown: f64 = value.parse().unwrap();
        assert!(
            (shown - score).abs() <= 0.0051,
            "same score: {printed} {json}"
        );
        for term in json["terms"].as_array().unwrap() {
            let weight = term["weight"].as_f64().unwrap();
            assert_eq!(weight, (weight * 1000.0).round() / 1000.0, "{json}");
        }
    }

    /// What `earshot score` printed before it wrote straight to its buffer: a JSON tree
    /// per line, and the text built as strings. The fast path must print the same bytes.
    fn old_score_lines(text: &str, score: &Score) -> (String, String) {
        let json = serde_json::json!({
            "text": text,
            "score": crate::sentiment::rounded(score.value, crate::sentiment::EXPORT_DECIMALS),
            "label": score.label,
            "terms": score.terms,
        });
        let two = |v: f32| crate::sentiment::rounded(v, 2);
        let mut lines = format!(
            "{} {:+.2}  {}\n",
            score.label,
            two(score.value),
            one_line(&printable(text))
        );
        for term in &score.terms {
            lines.push_str(&format!("    {:+.2}  {}\n", two(term.weight), term.term));
        }
        (format!("{json}\n"), lines)
    }

    #[test]
    fn score_lines_are_byte_identical_to_the_json_tree_and_strings_they_replace() {
        let analyzer = crate::sentiment::shared_for_tests(true);
        for text in [
            "The staff were rude and the coffee was cold.",
            "Lovely bread!!! 😍 \"best\" in town\\ really",
            "  tabs\tand\u{1b}[31m escapes \u{202e}reversed\u{2066} and\r\nbreaks  ",
            "ok",
            "Waited 45 minutes, ordered at 8:05, got it at 8:50. 2/5",
            "\u{7}",
        ] {
            let score = analyzer.score(text);
            assert_eq!(score.language, None, "{text}");
            let (json, lines) = old_score_lines(text, &score);
            for (format, expected) in [(ScoreFormat::Json, json), (ScoreFormat::Text, lines)] {
                let mut out = Vec::new();
                print_score(&mut out, text, analyzer, format).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    expected,
                    "{format:?}: {text:?}"
                );
            }
        }
    }

    #[test]
    fn a_score_line_not_in_english_has_its_language_and_no_score() {
        let analyzer = crate::sentiment::shared_for_tests(true);
        let text = "Nous avons attendu une heure et personne ne s'est excusé.";
        let mut out = Vec::new();
        print_score(&mut out, text, analyzer, ScoreFormat::Json).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "{{\"label\":\"unscored\",\"language\":\"fra\",\"score\":null,\"terms\":[],\"text\":\"{text}\"}}\n"
            )
        );
        let mut out = Vec::new();
        print_score(&mut out, text, analyzer, ScoreFormat::Text).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("unscored (French) \u{2014}  {text}\n")
        );
    }

    #[test]
    fn the_log_table_shows_an_unscored_post_with_its_language_and_no_score() {
        let french = Mention {
            score: None,
            label: Label::Unscored,
            language: Language::from_code("fra"),
            ..mention("Léa", "Nous avons attendu une heure.")
        };
        let table = mentions_table(std::slice::from_ref(&french));
        assert!(table.contains("unscored (French) \u{2014}"), "{table}");
        let rows = csv_rows(&[french]);
        assert_eq!(
            (&rows[0][9], &rows[0][10], &rows[0][15]),
            ("", "unscored", "fra")
        );
    }
}
