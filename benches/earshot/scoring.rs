//! Section 1: sentiment scoring throughput, in the library on one core, through
//! `earshot score` as a whole process, and the Python reference VADER on the same text.

use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use earshot::sentiment::{Analyzer, Options};

use crate::report::{duration, Table};

/// Python is timed on this much of the same lines (it is ~20× slower).
const PYTHON_BYTES: usize = 5_000_000;

/// Run the section on about `target_bytes` of text; skipped without `../shared/eval`.
pub fn run(table: &mut Table, target_bytes: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    let base = load_texts(&dir);
    if base.is_empty() {
        table.add(
            "1. scoring",
            "skipped",
            format!("no labelled texts at {}", dir.display()),
            "",
        );
        return;
    }
    let corpus = repeat_to(&base, target_bytes);
    let bytes: usize = corpus.iter().map(|t| t.len()).sum();
    let label = format!("1. scoring {:.0} MB", bytes as f64 / 1e6);
    let analyzer = Analyzer::new(Options::default());
    // The fastest of five passes: on a shared machine a neighbour's burst
    // slows some passes, never speeds one up.
    let secs = best_of(5, || {
        for text in &corpus {
            black_box(analyzer.score(black_box(text)));
        }
    });
    let mbs = bytes as f64 / 1e6 / secs;
    table.add(
        &label,
        "library, 1 core: MB/s",
        format!("{mbs:.1}"),
        ">= 50 MB/s",
    );
    table.add(
        &label,
        "library, 1 core: texts/s",
        format!("{:.0}", corpus.len() as f64 / secs),
        "",
    );
    // What telling other languages apart costs: the same texts, every one read as English.
    let english_only = Analyzer::new(Options {
        detect_language: false,
        ..Options::default()
    });
    let secs = best_of(5, || {
        for text in &corpus {
            black_box(english_only.score(black_box(text)));
        }
    });
    table.add(
        &label,
        "library, 1 core, no language detection: MB/s",
        format!("{:.1}", bytes as f64 / 1e6 / secs),
        "",
    );
    let joined = corpus.join("\n") + "\n";
    for format in ["json", "text"] {
        let whole = score_process(&joined, format);
        table.add(
            &label,
            &format!("`earshot score --format {format}` < file (whole process)"),
            format!(
                "{} ({:.1} MB/s)",
                duration(whole),
                bytes as f64 / 1e6 / whole.as_secs_f64()
            ),
            ">= 40 MB/s",
        );
    }
    match python_mbs(&joined) {
        Ok(py) => {
            table.add(
                &label,
                "Python vaderSentiment, 1 core: MB/s",
                format!("{py:.2}"),
                "",
            );
            table.add(
                &label,
                "library over Python",
                format!("{:.0}x", mbs / py),
                "",
            );
        }
        Err(why) => table.add(
            &label,
            "Python vaderSentiment",
            format!("skipped: {why}"),
            "",
        ),
    }
}

fn load_texts(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|data| {
            data.lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(_, t)| t.to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn repeat_to(base: &[String], target_bytes: usize) -> Vec<&str> {
    let mut corpus = Vec::new();
    let mut bytes = 0;
    while bytes < target_bytes {
        for text in base {
            corpus.push(text.as_str());
            bytes += text.len();
        }
    }
    corpus
}

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The wall time of `earshot score --format FORMAT` reading `input` from a file on stdin,
/// its output read (and dropped) through a pipe as a script would.
fn score_process(input: &str, format: &str) -> std::time::Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lines.txt");
    std::fs::write(&path, input).expect("write the input file");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .args(["score", "--format", format])
        .current_dir(dir.path())
        .stdin(std::fs::File::open(&path).expect("open the input file"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("earshot runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let printed = std::io::copy(&mut stdout, &mut std::io::sink()).expect("read its output");
    let status = child.wait().expect("earshot finishes");
    let elapsed = start.elapsed();
    assert!(status.success() && printed > 0, "earshot score failed");
    elapsed
}

/// Python vaderSentiment's MB/s on the first [`PYTHON_BYTES`] of the corpus, when it is
/// installed (the bench never installs it).
fn python_mbs(corpus: &str) -> Result<f64, String> {
    let installed = Command::new("python3")
        .args(["-c", "import vaderSentiment"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        return Err(
            "python3 cannot import vaderSentiment (`pip install vaderSentiment` to compare)".into(),
        );
    }
    let cut = corpus
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| i >= PYTHON_BYTES)
        .unwrap_or(corpus.len());
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("corpus.txt");
    std::fs::write(&path, &corpus[..cut]).map_err(|e| e.to_string())?;
    let script = "import sys,time\nfrom vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as S\n\
        t=open(sys.argv[1],encoding='utf-8').read().splitlines()\ns=S()\na=time.perf_counter()\n\
        for x in t: s.polarity_scores(x)\nprint(time.perf_counter()-a)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .map_err(|e| e.to_string())?;
    let secs: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| String::from_utf8_lossy(&out.stderr).to_string())?;
    Ok(cut as f64 / 1e6 / secs)
}
