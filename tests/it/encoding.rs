//! `decode_feed` against the real-world encoding corpus of Python's
//! feedparser (`../shared/corpus/feedparser/encoding`, beside the clone in CI;
//! see its README). Each file's leading comment names the HTTP `Content-type`
//! the server sent (`Header:`) and what feedparser expects (`Expect:`).
//!
//! For every file: the output is UTF-8, its XML declaration no longer claims
//! another encoding, the comment itself reads right (UTF-16/32 files), and
//! feed-rs parses it without an XML or encoding error. Where `Expect:`
//! compares decoded text, that text is in what feed-rs parsed; the few files
//! where Earshot deliberately differs from feedparser are listed with why.

use std::path::Path;

use earshot::sources::encoding::{decode_feed, fix_c1_controls};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/feedparser/encoding"
);

/// Files whose `Expect:` string Earshot does not reproduce, what it gives
/// instead (`None`: nothing checked), and why.
const DIFFERENT: &[(&str, Option<&str>, &str)] = &[
    (
        "bozo_linenoise.xml",
        Some("’<>”©"),
        "feedparser reads the whole feed as cp1252 because one byte is not UTF-8; \
         Earshot keeps the valid UTF-8 and reads only the stray byte as cp1252",
    ),
    (
        "double-encoded-html.xml",
        Some("\u{e2}\u{80}\u{a6}"),
        "mojibake spelled as character references (&#226;&#128;&#166;): a text repair \
         after parsing, not a byte decoding",
    ),
    (
        "bozo_double-encoded-html.xml",
        Some("&acirc;"),
        "as double-encoded-html.xml, and `&acirc;` is an HTML name XML does not know: \
         feed-rs keeps it as written",
    ),
    (
        "demoronize-3.xml",
        Some("don&#146;t"),
        "feedparser's HTML sanitiser re-escapes the text; feed-rs leaves it as written",
    ),
];

/// The comment field `name:` of a corpus file.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(name))
        .map(str::trim)
}

/// The strings `Expect:` compares decoded text with (`x == 'é'`,
/// `ord(x) == 8230`), Python escapes resolved; `encoding == …` is skipped.
fn expected_strings(expect: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expect;
    while let Some(at) = rest.find("==") {
        let (lhs, rhs) = (rest[..at].trim_end(), rest[at + 2..].trim_start());
        rest = &rest[at + 2..];
        if lhs.ends_with("encoding") {
            continue;
        }
        if lhs.contains("ord(") {
            let digits: String = rhs.chars().take_while(char::is_ascii_digit).collect();
            out.extend(
                digits
                    .parse()
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from),
            );
            continue;
        }
        let rhs = rhs.strip_prefix('u').unwrap_or(rhs);
        let Some(quote) = rhs.chars().next().filter(|q| matches!(q, '\'' | '"')) else {
            continue;
        };
        out.push(python_string(&rhs[1..], quote));
    }
    out
}

/// A Python string literal body up to its closing `quote`, escapes resolved.
fn python_string(body: &str, quote: char) -> String {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => break,
            '\\' => match chars.next() {
                Some(k @ ('x' | 'u')) => {
                    let hex: String = chars.by_ref().take(if k == 'x' { 2 } else { 4 }).collect();
                    let code = u32::from_str_radix(&hex, 16).expect("corpus escapes are hex");
                    out.push(char::from_u32(code).expect("corpus escapes are chars"));
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

/// The texts feed-rs found: titles, descriptions, summaries, content.
fn feed_texts(feed: &feed_rs::model::Feed) -> Vec<String> {
    let mut texts: Vec<String> = [&feed.title, &feed.description]
        .into_iter()
        .flatten()
        .map(|t| t.content.clone())
        .collect();
    for e in &feed.entries {
        texts.extend(
            [&e.title, &e.summary]
                .into_iter()
                .flatten()
                .map(|t| t.content.clone()),
        );
        texts.extend(e.content.as_ref().and_then(|c| c.body.clone()));
    }
    texts
}

/// Checks one file; `Err` says what is wrong.
fn check(path: &Path) -> Result<&'static str, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    // The comment is ASCII, so any first reading finds the header it names.
    let first = String::from_utf8_lossy(&decode_feed(&bytes, None)).into_owned();
    let header = field(&first, "Header:")
        .and_then(|h| h.split_once(':'))
        .map(|(_, v)| v.trim().to_string());
    let out = String::from_utf8(decode_feed(&bytes, header.as_deref()))
        .map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some(decl) = out.strip_prefix("<?xml").and_then(|d| d.split("?>").next()) {
        if decl.contains("encoding") && !decl.to_ascii_lowercase().contains("utf-8") {
            return Err(format!("declaration still says <?xml{decl}?>"));
        }
    }
    let expect = field(&out, "Expect:").ok_or("the comment does not read right")?;
    if out.contains(char::REPLACEMENT_CHARACTER) {
        return Err("U+FFFD in the output".into());
    }
    let parsed = feed_rs::parser::parse(out.as_bytes());
    let texts = match &parsed {
        Ok(feed) => feed_texts(feed),
        // Many files are a bare `<rss>` with no version or channel: no feed
        // to feed-rs. Completed into one, they must parse: the bytes and the
        // declaration are right.
        Err(feed_rs::parser::ParseFeedError::ParseError(_)) => {
            let completed = out.replacen("<rss>", "<rss version=\"2.0\">", 1).replacen(
                "</rss>",
                "<channel><title>t</title></channel></rss>",
                1,
            );
            feed_rs::parser::parse(completed.as_bytes())
                .map_err(|e| format!("feed-rs, even with a channel: {e}"))?;
            Vec::new()
        }
        Err(e) => return Err(format!("feed-rs: {e}")),
    };
    let different = DIFFERENT.iter().find(|(f, ..)| *f == name);
    let wanted = match different {
        Some((_, instead, _)) => instead.iter().map(|s| s.to_string()).collect(),
        None => expected_strings(expect),
    };
    let mut needs_fix = false;
    for want in &wanted {
        if texts.iter().any(|t| t.contains(want.as_str())) {
            continue;
        }
        needs_fix = true;
        if !texts
            .iter()
            .any(|t| fix_c1_controls(t).contains(want.as_str()))
        {
            return Err(format!("{want:?} not in the parsed texts {texts:?}"));
        }
    }
    Ok(match (different, wanted.is_empty(), parsed.is_ok()) {
        (Some(_), ..) => "differs from feedparser on purpose",
        _ if needs_fix => "matches Expect once fix_c1_controls runs on parsed text",
        (None, false, _) => "decoded text matches Expect",
        (None, true, true) => "decoded and parsed",
        (None, true, false) => "decoded; parsed once completed with a channel",
    })
}

#[test]
fn feedparser_encoding_corpus_decodes() {
    let dir = Path::new(CORPUS);
    if !dir.is_dir() {
        eprintln!("shared corpus not found at {CORPUS}; CI has it beside the clone; skipping");
        return;
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    for path in &paths {
        match check(path) {
            Ok(kind) => *tally.entry(kind).or_default() += 1,
            Err(why) => failures.push(format!("{}: {why}", path.display())),
        }
    }
    eprintln!("{} corpus files: {tally:?}", paths.len());
    assert!(!paths.is_empty(), "no .xml files in {CORPUS}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ill-formed feeds (and the unlabelled CJK/Cyrillic ones in
/// `illformed/chardet`, which without a statistical detector decode as
/// Windows-1252, not as feedparser's chardet guesses) must not break
/// decoding or parsing: any outcome but a panic is fine here.
#[test]
fn feedparser_illformed_corpus_does_not_panic() {
    let dir = Path::new(CORPUS).with_file_name("illformed");
    if !dir.is_dir() {
        eprintln!(
            "shared corpus not found at {}; CI has it beside the clone; skipping",
            dir.display()
        );
        return;
    }
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("corpus folder is readable")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("corpus file is readable");
            let out = decode_feed(&bytes, None);
            assert!(std::str::from_utf8(&out).is_ok(), "{}", path.display());
            let _ = feed_rs::parser::parse(out.as_slice());
            seen += 1;
        }
    }
    assert!(seen > 0, "no files under illformed/");
}

#[test]
fn expect_lines_are_read() {
    assert_eq!(
        expected_strings(
            r"not bozo and entries[0]['description'] == 'This is a \xa3\u201ctest.\u201d'"
        ),
        ["This is a £“test.”"]
    );
    assert_eq!(
        expected_strings("bozo and ord(entries[0]['description']) == 8230"),
        ["…"]
    );
    assert!(expected_strings("not bozo and encoding == 'utf-8'").is_empty());
}
