//! Byte-level scanning of one whitespace-free chunk into word, number,
//! emoji and punctuation tokens. ASCII (the common case) is handled byte by
//! byte; other characters are decoded only where they occur.

use super::tokenize::{Kind, Tokens};

/// Byte class: ASCII whitespace.
pub(crate) const SPACE: u8 = 1;
/// Byte class: ASCII letter.
pub(crate) const ALPHA: u8 = 1 << 1;
/// Byte class: ASCII digit.
pub(crate) const DIGIT: u8 = 1 << 2;
/// Byte class: ASCII punctuation other than the apostrophe.
pub(crate) const PUNCT: u8 = 1 << 3;
/// Byte class: part of a non-ASCII character.
pub(crate) const HIGH: u8 = 1 << 4;

/// The class bits of every byte value: one table load instead of several
/// comparisons in the scanning loops.
pub(crate) static CLASS: [u8; 256] = byte_classes();

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            c |= SPACE;
        }
        if b.is_ascii_alphabetic() {
            c |= ALPHA;
        }
        if b.is_ascii_digit() {
            c |= DIGIT;
        }
        if b.is_ascii_punctuation() && b != b'\'' {
            c |= PUNCT;
        }
        if b >= 0x80 {
            c |= HIGH;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// True for pictographic emoji (faces, hands, hearts, stars, symbols).
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1F3FA | 0x1F400..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55)
}

fn is_boundary_punct(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '/')
}

pub(crate) fn push_lower(s: &str, buf: &mut String) {
    for c in s.chars() {
        if c == '\u{2019}' || c == '\u{2018}' {
            buf.push('\'');
        } else if c.is_ascii() {
            buf.push(c.to_ascii_lowercase());
        } else {
            buf.extend(c.to_lowercase());
        }
    }
}

/// Splits a chunk with no whitespace into word, number, emoji and
/// punctuation tokens. ASCII is handled byte by byte; other characters are
/// decoded only where they occur.
pub(crate) fn split_chunk(chunk: &str, out: &mut Tokens) {
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() {
            // Fast path: a plain ASCII word, the common case.
            let mut j = i + 1;
            while j < bytes.len() && CLASS[bytes[j] as usize] & ALPHA != 0 {
                j += 1;
            }
            let plain = bytes
                .get(j)
                .is_none_or(|&n| !(n.is_ascii_digit() || n == b'\'' || n >= 0x80));
            if plain {
                push_ascii_word(&chunk[i..j], out);
                i = j;
                continue;
            }
        }
        if b.is_ascii_alphanumeric() {
            let end = scan_word(chunk, i);
            push_word(&chunk[i..end], out);
            i = end;
            continue;
        }
        if b.is_ascii() {
            if is_boundary_punct(b as char) {
                push_punct(b as char, out);
            } else if b == b'$' {
                out.pending_currency = true;
            } else if b == b'"' {
                out.toggle_quote();
            }
            i += 1;
            continue;
        }
        let Some(c) = chunk[i..].chars().next() else {
            break;
        };
        if c.is_alphanumeric() {
            let end = scan_word(chunk, i);
            push_word(&chunk[i..end], out);
            i = end;
            continue;
        }
        match c {
            '\u{201C}' | '\u{201E}' | '\u{AB}' => out.open_quote(),
            '\u{201D}' | '\u{BB}' => out.close_quote(),
            '\u{A3}' | '\u{20AC}' => out.pending_currency = true,
            _ => {}
        }
        if is_emoji(c) {
            let start = out.begin();
            out.lower.push(c);
            out.push(start, Kind::Emoji, false);
        }
        // Other symbols (quotes, dashes, currency, emoji modifiers) only separate words.
        i += c.len_utf8();
    }
}

/// Pushes a punctuation token unless it repeats the previous one ("!!!").
fn push_punct(c: char, out: &mut Tokens) {
    let repeated = out
        .toks
        .last()
        .is_some_and(|t| t.kind == Kind::Punct && out.lower[t.start as usize..].starts_with(c));
    if !repeated {
        let start = out.begin();
        out.lower.push(c);
        out.push(start, Kind::Punct, false);
    }
}

/// Returns the byte end of the word starting at `at`: letters and digits,
/// inner apostrophes before a letter, and a decimal point between digits.
/// A number followed by letters ("40min") ends before them, except for
/// ordinals ("3rd").
fn scan_word(chunk: &str, at: usize) -> usize {
    let bytes = chunk.as_bytes();
    let next_is_alpha = |k: usize| {
        bytes.get(k).is_some_and(|b| b.is_ascii_alphabetic())
            || (bytes.get(k).is_some_and(|b| *b >= 0x80)
                && chunk[k..].chars().next().is_some_and(char::is_alphabetic))
    };
    let mut i = at;
    let mut prev_digit = false;
    while i < bytes.len() {
        let b = bytes[i];
        let len = if b.is_ascii_alphanumeric() {
            if prev_digit && b.is_ascii_alphabetic() && !is_ordinal(&chunk[i..]) {
                break;
            }
            1
        } else if (b == b'\'' && next_is_alpha(i + 1))
            || (b == b'.' && prev_digit && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            1
        } else if b >= 0x80 {
            match chunk[i..].chars().next() {
                Some(c) if c.is_alphanumeric() && !(prev_digit && c.is_alphabetic()) => {
                    c.len_utf8()
                }
                Some('\u{2019}') if next_is_alpha(i + 3) => 3,
                _ => break,
            }
        } else {
            break;
        };
        prev_digit = b.is_ascii_digit();
        i += len;
    }
    i
}

/// The apostrophe form of a contraction written without it, as reviews often do.
fn bare_contraction(word: &str) -> Option<&'static str> {
    Some(match word {
        "dont" => "don't",
        "didnt" => "didn't",
        "doesnt" => "doesn't",
        "cant" => "can't",
        "wont" => "won't",
        "isnt" => "isn't",
        "wasnt" => "wasn't",
        "werent" => "weren't",
        "couldnt" => "couldn't",
        "wouldnt" => "wouldn't",
        "shouldnt" => "shouldn't",
        "havent" => "haven't",
        "hasnt" => "hasn't",
        "arent" => "aren't",
        "aint" => "ain't",
        "ive" => "i've",
        "im" => "i'm",
        "youre" => "you're",
        "theyre" => "they're",
        "thats" => "that's",
        "itll" => "it'll",
        "wouldve" => "would've",
        "shouldve" => "should've",
        "couldve" => "could've",
        _ => return None,
    })
}

/// "3rd", "4th": ordinal suffixes stay attached to their number.
fn is_ordinal(rest: &str) -> bool {
    let end = rest
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(rest.len());
    let suffix = &rest[..end];
    ["st", "nd", "rd", "th", "ish"]
        .iter()
        .any(|o| suffix.eq_ignore_ascii_case(o))
}

/// Pushes a word of ASCII letters only.
pub(crate) fn push_ascii_word(word: &str, out: &mut Tokens) {
    let start = out.begin();
    out.lower.push_str(word);
    // Most words are lowercase already: only the rest are rewritten.
    let has_upper = word.bytes().any(|b| b.is_ascii_uppercase());
    if has_upper {
        out.lower[start..].make_ascii_lowercase();
    }
    let last = word.as_bytes()[word.len() - 1].to_ascii_lowercase();
    if word.len() <= 8 && matches!(last, b't' | b'm' | b'e' | b's') {
        if let Some(full) = bare_contraction(&out.lower[start..]) {
            out.lower.truncate(start);
            out.lower.push_str(full);
        }
    }
    let caps = has_upper && word.len() >= 2 && !word.bytes().any(|b| b.is_ascii_lowercase());
    out.push(start, Kind::Word, caps);
}

fn push_word(word: &str, out: &mut Tokens) {
    let start = out.begin();
    let ascii = word.is_ascii();
    if ascii {
        out.lower
            .extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        push_lower(word, &mut out.lower);
    }
    let last = word.as_bytes()[word.len() - 1].to_ascii_lowercase();
    if word.len() <= 8 && matches!(last, b't' | b'm' | b'e' | b's' | b'l') {
        if let Some(full) = bare_contraction(&out.lower[start..]) {
            out.lower.truncate(start);
            out.lower.push_str(full);
        }
    }
    let (mut letters, mut lower, mut number) = (0, false, true);
    if ascii {
        for b in word.bytes() {
            letters += usize::from(b.is_ascii_alphabetic());
            lower |= b.is_ascii_lowercase();
            number &= b.is_ascii_digit() || b == b'.';
        }
    } else {
        for c in word.chars() {
            if c.is_alphabetic() {
                letters += 1;
                lower |= c.is_lowercase();
            }
            number &= c.is_ascii_digit() || c == '.';
        }
    }
    let caps = letters >= 2 && !lower;
    let kind = if number { Kind::Number } else { Kind::Word };
    out.push(start, kind, caps);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_end_at_units_but_keep_ordinals_and_apostrophes() {
        assert_eq!(scan_word("40min", 0), 2);
        assert_eq!(scan_word("3rd,", 0), 3);
        assert_eq!(scan_word("didn't.", 0), 6);
        assert_eq!(scan_word("4.5/5", 0), 3);
        assert_eq!(scan_word("caf\u{e9}s!", 0), 6);
    }

    #[test]
    fn byte_classes_match_std() {
        for b in 0..=255u8 {
            let c = CLASS[b as usize];
            assert_eq!(c & SPACE != 0, b.is_ascii_whitespace() || b == 0x0b, "{b}");
            assert_eq!(c & ALPHA != 0, b.is_ascii_alphabetic());
            assert_eq!(c & DIGIT != 0, b.is_ascii_digit());
            assert_eq!(c & HIGH != 0, !b.is_ascii());
        }
    }

    #[test]
    fn contractions_and_emoji() {
        assert_eq!(bare_contraction("dont"), Some("don't"));
        assert_eq!(bare_contraction("done"), None);
        assert!(is_emoji('\u{1F644}') && is_emoji('\u{2764}') && !is_emoji('a'));
    }
}
