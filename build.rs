//! Build script: turns the sentiment word lists (`src/sentiment/data/words/`, one file per
//! rule family) into Rust constants in `$OUT_DIR/word_lists.rs`, which
//! `src/sentiment/lists.rs` includes. A mistake in a list stops the build with its file
//! and line.

use std::path::Path;

#[path = "build/word_lists.rs"]
mod word_lists;

/// Where the word lists live, relative to the crate root.
const WORDS_DIR: &str = "src/sentiment/data/words";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/word_lists.rs");
    // The directory itself: a file added or removed reruns the script.
    println!("cargo:rerun-if-changed={WORDS_DIR}");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join(WORDS_DIR);
    let sources = match read_sources(&dir) {
        Ok(sources) => sources,
        Err(e) => fail(&[format!("{WORDS_DIR}: cannot read the word lists: {e}")]),
    };
    let code = match word_lists::generate(&sources) {
        Ok(code) => code,
        Err(errors) => fail(&errors),
    };
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("word_lists.rs");
    if let Err(e) = std::fs::write(&out, code) {
        fail(&[format!("cannot write {}: {e}", out.display())]);
    }
}

/// Every `.txt` and `.tsv` file of `dir`, sorted by name so the output is stable.
fn read_sources(dir: &Path) -> std::io::Result<Vec<word_lists::Source>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt") || n.ends_with(".tsv"))
        .collect();
    names.sort();
    let mut sources = Vec::new();
    for name in names {
        let path = format!("{WORDS_DIR}/{name}");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(dir.join(&name))?;
        sources.push(word_lists::Source { path, text });
    }
    Ok(sources)
}

fn fail(errors: &[String]) -> ! {
    eprintln!(
        "error: {} problem(s) in the sentiment word lists ({WORDS_DIR}):",
        errors.len()
    );
    for e in errors {
        eprintln!("  {e}");
    }
    std::process::exit(1);
}
