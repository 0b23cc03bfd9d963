//! Golden test of the model: a few hundred sentences with the label and the top terms the
//! full model gives them today, in `tests/data/golden/sentiment.tsv`. It records what the
//! model does, not what it should do, so that the effect of every change to a rule, a word
//! list or the lexicon shows up as a diff to review. After an intended change:
//! `EARSHOT_BLESS=1 cargo test --lib golden` writes the file anew.
//!
//! File format: `sentence<TAB>label<TAB>terms`, terms as `term: weight` joined by "; "
//! (at most [`TOP_TERMS`], largest first; "-" for none). Lines starting with `#` and blank
//! lines are kept as they are. Only the sentence is read; the rest is written.

use std::path::PathBuf;

use super::{shared_for_tests, Score};

/// How many terms a line shows.
const TOP_TERMS: usize = 6;

const BLESS: &str = "EARSHOT_BLESS=1 cargo test --lib golden";

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden/sentiment.tsv")
}

/// The label and terms columns of a score.
fn shown(score: &Score) -> String {
    let terms: Vec<String> = score
        .terms
        .iter()
        .take(TOP_TERMS)
        .map(|t| format!("{}: {:.2}", t.term, t.weight))
        .collect();
    let terms = if terms.is_empty() {
        "-".to_owned()
    } else {
        terms.join("; ")
    };
    format!("{}\t{terms}", score.label)
}

/// The golden file as the model writes it today: each sentence line scored again.
fn rewritten(golden: &str) -> String {
    let model = shared_for_tests(true);
    let mut out = String::with_capacity(golden.len());
    for line in golden.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            out.push_str(line);
        } else {
            let sentence = line.split('\t').next().unwrap_or(line);
            out.push_str(sentence);
            out.push('\t');
            out.push_str(&shown(&model.score(sentence)));
        }
        out.push('\n');
    }
    out
}

/// The changed lines, each with its number, what it was and what it is now.
fn diff(expected: &str, actual: &str) -> Vec<String> {
    expected
        .lines()
        .zip(actual.lines())
        .enumerate()
        .filter(|(_, (was, now))| was != now)
        .map(|(i, (was, now))| {
            let (sentence, was) = was.split_once('\t').unwrap_or((was, ""));
            let now = now.split_once('\t').map_or("", |(_, rest)| rest);
            let (was, now) = (was.replace('\t', "   "), now.replace('\t', "   "));
            format!("line {}: {sentence}\n    was  {was}\n    now  {now}", i + 1)
        })
        .collect()
}

/// The sentences are a few hundred, with every label well represented, so that a change
/// shows on praise, complaints and neutral text alike.
fn assert_varied(golden: &str) {
    let labels: Vec<&str> = golden
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    assert!(labels.len() >= 300, "only {} sentences", labels.len());
    for label in ["negative", "neutral", "positive"] {
        let n = labels.iter().filter(|l| **l == label).count();
        assert!(n >= 50, "only {n} {label} sentences: add some");
    }
}

#[test]
fn sentences_keep_their_labels_and_terms() {
    let path = golden_path();
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let actual = rewritten(&expected);
    let bless = std::env::var_os("EARSHOT_BLESS").is_some();
    if bless {
        // Written aside and renamed, so an interrupted run never leaves half a file.
        let fresh = path.with_extension("tsv.new");
        std::fs::write(&fresh, &actual)
            .and_then(|()| std::fs::rename(&fresh, &path))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    assert_varied(&actual);
    if bless {
        return;
    }
    let changed = diff(&expected, &actual);
    let sentences = expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert!(
        changed.is_empty(),
        "{} of {sentences} sentences in {} score differently now:\n{}\n\
         If this is intended, run `{BLESS}` and review the diff of the file.",
        changed.len(),
        path.display(),
        changed.join("\n"),
    );
}

#[test]
fn a_changed_line_is_shown_with_before_and_after() {
    let was = "# note\nCold coffee.\tnegative\tcold coffee: -1.80\nFine.\tpositive\tfine: 0.80\n";
    let now = "# note\nCold coffee.\tnegative\tcold coffee: -1.80\nFine.\tneutral\t-\n";
    assert_eq!(
        diff(was, now),
        ["line 3: Fine.\n    was  positive   fine: 0.80\n    now  neutral   -"]
    );
    let written = rewritten("# kept\n\nrude staff\told\tcolumns\n");
    assert!(
        written.starts_with("# kept\n\nrude staff\tnegative\trude: "),
        "{written}"
    );
}
