//! The TOML's syntax and shape (unknown keys, values of the wrong type), reported key by
//! key: toml stops at its first error, so the offending line is set aside and the text
//! parsed again until every such problem is found.

use std::path::Path;

use super::{line_of, ConfigError, RawConfig};

/// At most this many syntax-level problems are collected before giving up.
const MAX_PARSE_PROBLEMS: usize = 20;

/// TOML syntax and shape (unknown keys, wrong types). toml stops at its first error, so
/// after one that sits on a self-contained `key = value` line that line is blanked
/// (offsets kept) and the text parsed again, to report the next problem too. A required
/// key blanked so is put back as `key = ""` (every required key is text), and the lines
/// so refilled are returned: what the validator says about them follows from the first
/// problem and is not reported again.
pub(super) fn parse_raw(
    text: &str,
    path: &Path,
    problems: &mut Vec<ConfigError>,
) -> (Option<RawConfig>, Vec<usize>) {
    let mut working = text.as_bytes().to_vec();
    let mut blanked: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut refilled = Vec::new();
    for _ in 0..MAX_PARSE_PROBLEMS {
        // Blanking replaces whole lines by ASCII, so `working` stays UTF-8.
        let current = String::from_utf8_lossy(&working).into_owned();
        let error = match toml::from_str::<RawConfig>(&current) {
            Ok(raw) => return (Some(raw), refilled),
            Err(error) => error,
        };
        let message = error.message().trim_end().replace('\n', " ");
        let ours = blanked
            .iter()
            .position(|(key, _)| message.contains(&format!("missing field `{key}`")));
        if let Some(index) = ours {
            let (key, range) = blanked.remove(index);
            let refill = format!("{key}=\"\"");
            if !fits(&refill, &key, &range) {
                return (None, refilled);
            }
            working[range.start..range.start + refill.len()].copy_from_slice(refill.as_bytes());
            refilled.push(line_of(&working, range.start));
            continue;
        }
        let line = error
            .span()
            .map(|s| line_of(&working, s.start))
            .unwrap_or(1);
        let located = error.span().and_then(|s| key_value_line(&current, s));
        let Some((range, key)) = located else {
            problems.push(ConfigError::Parse {
                path: path.to_owned(),
                line,
                message,
            });
            return (None, refilled);
        };
        let dotted = dotted_key(&current, range.start, &key);
        let hint = type_hint(&message, &key);
        problems.push(ConfigError::Invalid {
            path: path.to_owned(),
            line,
            key: dotted,
            message: format!("{message}{hint}"),
        });
        working[range.clone()].fill(b' ');
        // A text key is put back empty at once: some are required only for some kinds
        // (a source's `url`), so toml would never ask for it and the validator would
        // report it missing, a second problem for the one line.
        let refill = format!("{key}=\"\"");
        if message.ends_with("expected a string") && fits(&refill, &key, &range) {
            working[range.start..range.start + refill.len()].copy_from_slice(refill.as_bytes());
            refilled.push(line);
            continue;
        }
        blanked.push((key, range));
    }
    (None, refilled)
}

/// `key = ""` can replace the blanked line: it is no longer and the key needs no quotes.
fn fits(refill: &str, key: &str, range: &std::ops::Range<usize>) -> bool {
    refill.len() <= range.len() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// toml names types as Rust does (`u64`, "a sequence"): say what to write instead.
fn type_hint(message: &str, key: &str) -> String {
    let expected = message.rsplit("expected ").next().unwrap_or_default();
    let hint = match expected.trim() {
        "a string" => format!("write text in double quotes, e.g. {key} = \"…\""),
        "u8" | "u16" | "u32" | "u64" | "usize" => "write a whole number without quotes".into(),
        "f32" | "f64" => "write a number without quotes, e.g. -0.05".into(),
        "a sequence" => format!("write a list in square brackets, e.g. {key} = [\"…\"]"),
        "a boolean" => "write true or false, without quotes".into(),
        _ => return String::new(),
    };
    format!(" ({hint})")
}

/// `key` with the name of the table it sits in (`fetch.contact`), from the nearest
/// `[table]` or `[[table]]` header above `offset`.
fn dotted_key(text: &str, offset: usize, key: &str) -> String {
    let table = text[..offset]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .and_then(|header| header.split(']').next())
        .map(|header| header.trim_start_matches('[').trim());
    match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_owned(),
    }
}

/// The byte range of the line holding `span` and its key, when that line is a complete
/// `key = value` on its own (so blanking it leaves valid TOML).
fn key_value_line(
    text: &str,
    span: std::ops::Range<usize>,
) -> Option<(std::ops::Range<usize>, String)> {
    let start = text.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(span.start..)?
        .find('\n')
        .map_or(text.len(), |i| span.start + i);
    if span.end > end {
        return None;
    }
    let line = &text[start..end];
    if line.trim_start().starts_with('[') {
        return None;
    }
    let table: toml::Table = toml::from_str(line).ok()?;
    let key = table.keys().next()?.clone();
    Some((start..end, key))
}
