//! Authors as people write them: `Jill Watts <jill@x.example>`, `"Watts, Jill"
//! <jill@x.example>`, RSS 2.0's `jill@x.example (Jill Watts)`, a bare address,
//! `mailto:` links, or just a name or handle (`@jdoe`, `Jane D.`).
//!
//! Pure string work on `char` boundaries: no input makes it panic.

/// A parsed author: a display name and an email address, either or both missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Author {
    /// The name as written, on one line; `None` when only an address was given.
    pub name: Option<String>,
    /// The address, lowercased.
    pub email: Option<String>,
}

impl Author {
    /// What staff see: the name, else the address (so a bare address still says who wrote it).
    pub fn display(&self) -> Option<String> {
        self.name.clone().or_else(|| self.email.clone())
    }

    /// A person given as separate fields (Atom `<name>`/`<email>`, schema.org
    /// `name`/`email`): the name is parsed too, as it may be an address or
    /// `Name <address>`; an address in its own field wins.
    pub fn from_parts(name: Option<&str>, email: Option<&str>) -> Author {
        let named = name.map(parse_author).unwrap_or_default();
        let email = email.map(parse_author).and_then(|a| a.email);
        Author {
            name: named.name,
            email: email.or(named.email),
        }
    }

    /// Neither a name nor an address.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none()
    }

    /// This author, with a missing name or address taken from `other` (the same
    /// person written down twice, e.g. RSS `<author>` and `<dc:creator>`).
    pub fn or(self, other: Author) -> Author {
        Author {
            name: self.name.or(other.name),
            email: self.email.or(other.email),
        }
    }
}

/// Mailboxes that stand for no one (`noreply@blogger.com (Jane)`): the name is kept,
/// the address dropped.
const PLACEHOLDER_LOCAL_PARTS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "nobody",
];

/// Parse one author as written. Control characters, line breaks and invisible
/// format characters (zero-width, bidi overrides) become spaces; whitespace is
/// collapsed. A bare address gives `name: None`.
pub fn parse_author(raw: &str) -> Author {
    let text = visible(&decode_entities(&decode_entities(raw)));
    let (email, name) = if let Some((email, before, after)) = angle_address(&text) {
        let name = tidy_name(before).or_else(|| name_after(after));
        (Some(email), name)
    } else if let Some((email, start, end)) = find_email(&text) {
        let (before, after) = (&text[..start], &text[end..]);
        let name = paren_comment(after)
            .and_then(tidy_name)
            .or_else(|| tidy_name(before))
            .or_else(|| name_after(after));
        (Some(email), name)
    } else {
        (None, tidy_name(&text))
    };
    Author {
        name,
        email: email.filter(|e| !is_placeholder(e)),
    }
}

/// The text after an address, as a name: a `(comment)`, else the words up to the
/// next address or list separator.
fn name_after(after: &str) -> Option<String> {
    if let Some(comment) = paren_comment(after) {
        return tidy_name(comment);
    }
    let end = after.find([',', ';', '<']).unwrap_or(after.len());
    tidy_name(&after[..end])
}

/// `(Jill Watts)` at the start of `s` (after spaces or a separator such as a dash or an
/// ellipsis, which a stray line separator can decode to): its content, up to the
/// matching `)` or the end of the text when unbalanced.
fn paren_comment(s: &str) -> Option<&str> {
    let rest = s
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '…' | '-' | '–' | '—' | ':' | '|')
        })
        .strip_prefix('(')?;
    let mut depth = 1usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[..i]);
                }
            }
            _ => {}
        }
    }
    Some(rest)
}

/// The first `<address>` (or `<mailto:address>`): the address and the text before
/// and after the brackets.
fn angle_address(text: &str) -> Option<(String, &str, &str)> {
    for (lt, _) in text.match_indices('<') {
        let inner_start = lt + 1;
        let Some(len) = text[inner_start..].find('>') else {
            continue;
        };
        let inner = strip_mailto(text[inner_start..inner_start + len].trim());
        if is_email(inner) {
            let after = &text[inner_start + len + 1..];
            return Some((inner.to_lowercase(), &text[..lt], after));
        }
    }
    None
}

/// Characters of an address's local part we accept (RFC 5322's atom, less the
/// ones that only show up glued to surrounding punctuation).
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'!#$&*=?^`{|}~".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// The first address written inline (`jill@x.example (Jill)`, `mailto:jill@…`), as
/// `(address, start, end)` byte offsets into `text`, a `mailto:` prefix included.
fn find_email(text: &str) -> Option<(String, usize, usize)> {
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_local_char(c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = text[at + 1..]
            .char_indices()
            .find(|&(_, c)| !is_domain_char(c))
            .map_or(text.len(), |(i, _)| at + 1 + i);
        // Quotes and a sentence's full stop around the address are not part of it.
        let local = text[start..at].trim_start_matches(['.', '\'', '`', '{', '|', '=']);
        let start = at - local.len();
        let domain = text[at + 1..end].trim_end_matches(['.', '-']);
        let end = at + 1 + domain.len();
        let email = &text[start..end];
        if !is_email(email) {
            continue;
        }
        let before = &text[..start];
        let (start, end) = match before.len().checked_sub(7).and_then(|i| before.get(i..)) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => {
                // A link's `?subject=…` belongs to it, not to the name.
                let query = match text[end..].strip_prefix('?') {
                    Some(q) => {
                        1 + q
                            .find(|c: char| c.is_whitespace() || ")>,;".contains(c))
                            .unwrap_or(q.len())
                    }
                    None => 0,
                };
                (start - 7, end + query)
            }
            _ => (start, end),
        };
        return Some((email.to_lowercase(), start, end));
    }
    None
}

/// `mailto:jill@x.example?subject=Hi` → `jill@x.example`.
fn strip_mailto(s: &str) -> &str {
    match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => {
            let rest = &s[7..];
            rest.split('?').next().unwrap_or(rest).trim()
        }
        _ => s,
    }
}

/// `local@domain.tld` with a dotted domain whose last label is letters (or punycode).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && local.chars().all(is_local_char)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let tld = labels.last().copied().unwrap_or_default();
    let tld_ok = (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
        || tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"));
    local_ok && labels_ok && tld_ok && s.len() <= 254
}

fn is_placeholder(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(local, _)| PLACEHOLDER_LOCAL_PARTS.contains(&local))
}

/// Bracket and quote pairs that may wrap a whole name.
const WRAPPERS: &[(char, char)] = &[
    ('"', '"'),
    ('\'', '\''),
    ('“', '”'),
    ('«', '»'),
    ('(', ')'),
    ('[', ']'),
    ('<', '>'),
];

/// Separators left at a name's edges once the address is cut out.
const EDGE_JUNK: &[char] = &[',', ';', ':', '|', '/', '-', '–', '—', '=', '*'];

/// A name on one line without wrapping quotes or brackets, stray edge punctuation,
/// or `\"` escapes; `None` when nothing readable is left or it is itself an address.
fn tidy_name(s: &str) -> Option<String> {
    let mut s = s.trim();
    let mut unquoted = None;
    loop {
        let before = s;
        if let Some(inner) = WRAPPERS.iter().find_map(|&(open, close)| {
            s.strip_prefix(open)
                .and_then(|r| r.strip_suffix(close))
                .filter(|inner| balanced(inner, open, close))
        }) {
            if s.starts_with('"') {
                unquoted = Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
                break;
            }
            s = inner;
        }
        s = s.trim_start_matches(EDGE_JUNK).trim_end_matches(EDGE_JUNK);
        s = strip_unmatched(s).trim();
        if s == before {
            break;
        }
    }
    let name = collapse(unquoted.as_deref().unwrap_or(s));
    let readable = name.chars().any(|c| !c.is_ascii_punctuation());
    Some(name).filter(|n| readable && !is_email(strip_mailto(n)))
}

/// `inner` has no closer before its opener (so `(a) (b)` is not one wrapped name).
fn balanced(inner: &str, open: char, close: char) -> bool {
    if open == close {
        return !inner.replace("\\\"", "").contains(open);
    }
    let mut depth = 0i32;
    for c in inner.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth < 0 {
                return false;
            }
        }
    }
    depth == 0
}

/// An opening bracket or quote at the start with no partner, or a closing one at the
/// end with no partner, removed (`(Jill` from an unbalanced `jill@x (Jill`).
fn strip_unmatched(mut s: &str) -> &str {
    for &(open, close) in WRAPPERS {
        let opens = s.matches(open).count();
        let closes = s.matches(close).count();
        if open == close {
            if opens % 2 == 1 {
                s = s
                    .strip_prefix(open)
                    .or_else(|| s.strip_suffix(close))
                    .unwrap_or(s);
            }
        } else if opens > closes {
            s = s
                .strip_prefix(open)
                .or_else(|| s.strip_suffix(open))
                .unwrap_or(s);
        } else if closes > opens {
            s = s
                .strip_suffix(close)
                .or_else(|| s.strip_prefix(close))
                .unwrap_or(s);
        }
    }
    s
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Control characters, line breaks and invisible format characters as spaces. A
/// zero-width (non-)joiner stays between two non-ASCII letters or symbols, where
/// it shapes a script or an emoji sequence rather than hiding anything.
fn visible(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let shown = |c: Option<&char>| c.is_some_and(|&c| !c.is_ascii() && !is_invisible(c));
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let joiner = matches!(c, '\u{200C}' | '\u{200D}')
                && i > 0
                && shown(chars.get(i - 1))
                && shown(chars.get(i + 1));
            if is_invisible(c) && !joiner {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn is_invisible(c: char) -> bool {
    c.is_control() || is_format(c)
}

/// Unicode general category Cf (format characters).
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// HTML references left in a name by double escaping (`Ben &amp;#038; Jerry`,
/// `Jill &lt;jill@x.example&gt;`): the XML ones, `&nbsp;` and numeric ones.
fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let name = rest[1..]
            .char_indices()
            .take(10)
            .find(|&(_, c)| c == ';')
            .map(|(semi, _)| &rest[1..1 + semi]);
        let decoded = name.and_then(|name| entity(name).map(|c| (c, name.len() + 2)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

fn entity(name: &str) -> Option<char> {
    let code = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let n = name.strip_prefix('#')?;
            let value = match n.strip_prefix(['x', 'X']) {
                Some(hex) => code(hex, 16),
                None => code(n, 10),
            }?;
            char::from_u32(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author(name: Option<&str>, email: Option<&str>) -> Author {
        Author {
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
        }
    }

    #[test]
    fn the_forms_people_write() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "Jill Watts <jill@x.example>",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "\"Watts, Jill\" <Jill@X.Example>",
                Some("Watts, Jill"),
                Some("jill@x.example"),
            ),
            (
                "\"Jill \\\"JW\\\" Watts\" <jill@x.example>",
                Some("Jill \"JW\" Watts"),
                Some("jill@x.example"),
            ),
            (
                "'Jill Watts' <jill@x.example>",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example (Jill Watts)",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "JILL@X.EXAMPLE (Jill Watts)",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example(Jill Watts)",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "(Jill Watts) jill@x.example",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "Jill Watts jill@x.example",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example - Jill Watts",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "<jill@x.example> (Jill Watts)",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            ("<jill@x.example>", None, Some("jill@x.example")),
            ("greta@mail.example", None, Some("greta@mail.example")),
            ("  Greta@Mail.Example  ", None, Some("greta@mail.example")),
            ("greta@mail.example.", None, Some("greta@mail.example")),
            (
                "mailto:greta@mail.example",
                None,
                Some("greta@mail.example"),
            ),
            (
                "MAILTO:greta@mail.example?subject=Hi",
                None,
                Some("greta@mail.example"),
            ),
            (
                "Greta <mailto:greta@mail.example>",
                Some("Greta"),
                Some("greta@mail.example"),
            ),
            (
                "Greta (mailto:greta@mail.example)",
                Some("Greta"),
                Some("greta@mail.example"),
            ),
            (
                "jill@x.example <jill@x.example>",
                None,
                Some("jill@x.example"),
            ),
            (
                "o'brien+cafe@x.example (Pat O'Brien)",
                Some("Pat O'Brien"),
                Some("o'brien+cafe@x.example"),
            ),
            (
                "jill@bücher.example (Jill)",
                Some("Jill"),
                Some("jill@bücher.example"),
            ),
            (
                "jill@xn--bcher-kva.example",
                None,
                Some("jill@xn--bcher-kva.example"),
            ),
            (
                "Jill <jill@x.example>, Bob <bob@y.example>",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example (Jill), bob@y.example (Bob)",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            (
                "Jill &lt;jill@x.example&gt;",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            ("Ben &amp;#038; Jerry", Some("Ben & Jerry"), None),
            ("Ben &#038; Jerry", Some("Ben & Jerry"), None),
            ("noreply@blogger.com (Jane Doe)", Some("Jane Doe"), None),
            ("noreply@blogger.com", None, None),
            ("@jdoe", Some("@jdoe"), None),
            ("Jane D.", Some("Jane D."), None),
            ("Jane (@jdoe)", Some("Jane (@jdoe)"), None),
            ("jdoe@localhost", Some("jdoe@localhost"), None),
            ("Jane@Home", Some("Jane@Home"), None),
            ("user@host.123", Some("user@host.123"), None),
            ("(Jill Watts)", Some("Jill Watts"), None),
            ("\"Jill Watts\"", Some("Jill Watts"), None),
            ("O'Brien", Some("O'Brien"), None),
            ("“Jill”", Some("Jill"), None),
            ("", None, None),
            ("   \t\n ", None, None),
            ("()", None, None),
            ("<>", None, None),
            ("@", None, None),
            ("\"\"", None, None),
            ("-", None, None),
            ("🙂", Some("🙂"), None),
        ];
        for &(raw, name, email) in cases {
            assert_eq!(parse_author(raw), author(name, email), "{raw:?}");
        }
    }

    #[test]
    fn invisible_and_control_characters_become_single_spaces() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("Jill\nWatts", Some("Jill Watts"), None),
            ("Jill\r\n\tWatts", Some("Jill Watts"), None),
            ("  Jill \u{0}\u{7}  Watts ", Some("Jill Watts"), None),
            ("Jill\u{200B}Watts", Some("Jill Watts"), None),
            ("\u{FEFF}Jill Watts", Some("Jill Watts"), None),
            ("Jill \u{202E}sttaW", Some("Jill sttaW"), None),
            ("Jill\u{2066}Watts\u{2069}", Some("Jill Watts"), None),
            ("Jill\u{85}Watts", Some("Jill Watts"), None),
            ("Jill\u{2028}Watts", Some("Jill Watts"), None),
            ("Gre\u{200D}ta", Some("Gre ta"), None),
            (
                "\"Jill\nWatts\" <jill@x.example>",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example (Jill\n\tWatts)",
                Some("Jill Watts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example\u{200B}(Jill)",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            ("Jill &#10;Watts", Some("Jill Watts"), None),
            // Joiners inside an emoji sequence or a script stay.
            ("Sam 👩\u{200D}🍳", Some("Sam 👩\u{200D}🍳"), None),
            ("می\u{200C}خواهم", Some("می\u{200C}خواهم"), None),
        ];
        for &(raw, name, email) in cases {
            assert_eq!(parse_author(raw), author(name, email), "{raw:?}");
        }
    }

    #[test]
    fn multibyte_text_anywhere_and_unbalanced_brackets() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "jill@x.example (Jíll Wätts)",
                Some("Jíll Wätts"),
                Some("jill@x.example"),
            ),
            (
                "Jíll Wätts <jill@x.example>",
                Some("Jíll Wätts"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example\u{A0}(Jíll)",
                Some("Jíll"),
                Some("jill@x.example"),
            ),
            (
                "jill@x.example—Jíll Wätts",
                Some("Jíll Wätts"),
                Some("jill@x.example"),
            ),
            (
                "Jíll Wätts—jill@x.example",
                Some("Jíll Wätts"),
                Some("jill@x.example"),
            ),
            ("«jill@x.example»", None, Some("jill@x.example")),
            ("jill@x.exampleé", None, Some("jill@x.exampleé")),
            ("Jíll &amp;日本語", Some("Jíll &日本語"), None),
            (
                "日本語 <jill@x.example>",
                Some("日本語"),
                Some("jill@x.example"),
            ),
            ("jöll@x.example", None, Some("jöll@x.example")),
            ("jill@x.example (Jill", Some("Jill"), Some("jill@x.example")),
            ("jill@x.example Jill)", Some("Jill"), Some("jill@x.example")),
            (
                "jill@x.example ((Jill)",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            ("Jill <jill@x.example", Some("Jill"), Some("jill@x.example")),
            ("Jill jill@x.example>", Some("Jill"), Some("jill@x.example")),
            (
                "Jill> <jill@x.example>",
                Some("Jill"),
                Some("jill@x.example"),
            ),
            ("<<jill@x.example>>", None, Some("jill@x.example")),
            ("Jíll (", Some("Jíll"), None),
            ("( Jíll", Some("Jíll"), None),
            (
                "\"Jíll <jill@x.example>",
                Some("Jíll"),
                Some("jill@x.example"),
            ),
            ("&#xZZ; &#99999999; &", Some("&#xZZ; &#99999999; &"), None),
            ("é@é.éé", None, Some("é@é.éé")),
        ];
        for &(raw, name, email) in cases {
            assert_eq!(parse_author(raw), author(name, email), "{raw:?}");
        }
    }

    #[test]
    fn never_panics_on_awkward_input() {
        let pieces = [
            "",
            " ",
            "é",
            "日",
            "👩\u{200D}🍳",
            "\u{A0}",
            "—",
            "@",
            "<",
            ">",
            "(",
            ")",
            "\"",
            "'",
            "&",
            "&#",
            ";",
            "mailto:",
            "jill",
            "x.example",
            ".",
            "\\",
            "\u{200D}",
            "\n",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let raw = format!("{a}jill@x.example{b}{c}{a}");
                    let parsed = parse_author(&raw);
                    if let Some(name) = &parsed.name {
                        assert_eq!(name.trim(), name, "{raw:?}");
                        assert!(!name.contains("  "), "{raw:?}");
                    }
                    parse_author(&format!("{a}{b}{c}"));
                    parse_author(&format!("{c}@{b}.{a}"));
                }
            }
        }
    }

    #[test]
    fn display_is_the_name_else_the_address() {
        assert_eq!(
            parse_author("jill@x.example (Jill)").display().as_deref(),
            Some("Jill")
        );
        assert_eq!(
            parse_author("jill@x.example").display().as_deref(),
            Some("jill@x.example")
        );
        assert_eq!(parse_author("  ").display(), None);
        let merged = parse_author("jill@x.example").or(parse_author("Jill Watts"));
        assert_eq!(merged, author(Some("Jill Watts"), Some("jill@x.example")));
        let parts = |n, e| Author::from_parts(n, e);
        let jill = author(Some("Jill Watts"), Some("jill@x.example"));
        assert_eq!(
            parts(Some("Jill Watts"), Some("mailto:Jill@x.example")),
            jill
        );
        assert_eq!(parts(Some("Jill Watts <jill@x.example>"), None), jill);
        assert_eq!(
            parts(Some("Jill Watts <old@x.example>"), Some("jill@x.example")),
            jill
        );
        assert_eq!(
            parts(Some("jill@x.example"), None),
            author(None, Some("jill@x.example"))
        );
        assert_eq!(parts(None, Some("not an address")), Author::default());
        assert!(parse_author("").is_empty());
    }
}
