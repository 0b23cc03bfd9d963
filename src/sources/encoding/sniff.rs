//! Where a document says (or shows) its encoding: byte order marks, the
//! byte pattern of UTF-16/UTF-32 markup, the HTTP `Content-Type` charset, the
//! XML declaration and `<meta charset>`. Only reads; decoding is the parent's.

use std::ops::Range;

use encoding_rs::{Encoding, REPLACEMENT, UTF_16BE, UTF_16LE, UTF_8};

/// How far into a document its own encoding declaration is looked for.
pub(super) const PRESCAN_BYTES: usize = 1024;

/// A byte encoding the decoder can read: one of encoding_rs's, or UTF-32,
/// which the WHATWG set (and so encoding_rs) leaves out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Charset {
    /// Any encoding_rs encoding.
    Known(&'static Encoding),
    /// UTF-32, little-endian.
    Utf32Le,
    /// UTF-32, big-endian.
    Utf32Be,
}

/// The charset a byte order mark names, and the mark's length.
pub(super) fn bom(bytes: &[u8]) -> Option<(Charset, usize)> {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => Some((Charset::Known(UTF_8), 3)),
        [0x00, 0x00, 0xFE, 0xFF, ..] => Some((Charset::Utf32Be, 4)),
        // Before UTF-16LE: FF FE is also how a UTF-32LE mark starts.
        [0xFF, 0xFE, 0x00, 0x00, ..] => Some((Charset::Utf32Le, 4)),
        [0xFE, 0xFF, ..] => Some((Charset::Known(UTF_16BE), 2)),
        [0xFF, 0xFE, ..] => Some((Charset::Known(UTF_16LE), 2)),
        _ => None,
    }
}

/// UTF-16 or UTF-32 without a mark, told by where the zero bytes sit around
/// the first ASCII characters (`<\0?\0x\0m\0l\0`, `\0\0\0<`), as XML 1.0
/// appendix F does. Markup and JSON start with ASCII, so an 8-bit document
/// never starts with a zero byte in these places.
pub(super) fn wide(bytes: &[u8]) -> Option<Charset> {
    match bytes {
        [0, 0, 0, b, ..] if *b != 0 => Some(Charset::Utf32Be),
        [a, 0, 0, 0, ..] if *a != 0 => Some(Charset::Utf32Le),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some(Charset::Known(UTF_16BE)),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some(Charset::Known(UTF_16LE)),
        _ => None,
    }
}

/// The media type (lowercase) and the `charset` parameter of a
/// `Content-Type` value; quotes and spaces around the charset are dropped,
/// a malformed parameter (`charset:utf-8`) is ignored.
pub(super) fn parse_content_type(value: &str) -> (String, Option<&str>) {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).trim())
        .filter(|v| !v.is_empty());
    (media, charset)
}

/// The encoding a label names, for a document already known to be 8-bit
/// (no mark, no UTF-16/32 pattern): UTF-16/32 labels are then wrong, and
/// unknown labels and encoding_rs's `replacement` mean "not said".
pub(super) fn lookup_8bit(label: &str) -> Option<&'static Encoding> {
    let label = label.trim();
    let enc = Encoding::for_label(label.as_bytes())
        .or_else(|| Encoding::for_label(label.replace('_', "-").as_bytes()))?;
    (enc != REPLACEMENT && enc != UTF_16BE && enc != UTF_16LE).then_some(enc)
}

/// The `encoding` of an XML declaration at the start of `bytes`.
pub(super) fn xml_declared(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let decl = xml_decl(head)?;
    let span = value_span(&head[decl.clone()], b"encoding")?;
    let value = &head[decl.start + span.start..decl.start + span.end];
    std::str::from_utf8(value).ok()
}

/// The span of the XML declaration (`<?xml … ?>`), leading whitespace allowed.
pub(super) fn xml_decl(bytes: &[u8]) -> Option<Range<usize>> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    if !rest.starts_with(b"<?xml") || !rest.get(5).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    Some(start..start + end + 2)
}

/// The charset of the first `<meta charset>` or `<meta http-equiv
/// content="text/html; charset=…">` in the first [`PRESCAN_BYTES`].
pub(super) fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let mut from = 0;
    while let Some(at) = find_ci(head, b"<meta", from) {
        let end = head[at..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(head.len(), |e| at + e);
        let tag = &head[at..end];
        if let Some(span) = value_span(tag, b"charset") {
            return std::str::from_utf8(&tag[span]).ok();
        }
        from = end;
    }
    None
}

/// The value after `key` `=` in `hay`: quoted, or up to a space, `;`, `>`
/// or quote (as inside `content="text/html; charset=utf-8"`).
pub(super) fn value_span(hay: &[u8], key: &[u8]) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(at) = find_ci(hay, key, from) {
        from = at + key.len();
        let mut i = skip_space(hay, from);
        if hay.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_space(hay, i + 1);
        let quote = hay.get(i).copied().filter(|q| matches!(q, b'"' | b'\''));
        let start = i + usize::from(quote.is_some());
        let len = hay[start..]
            .iter()
            .position(|b| match quote {
                Some(q) => *b == q,
                None => b.is_ascii_whitespace() || matches!(b, b';' | b'>' | b'"' | b'\''),
            })
            .unwrap_or(hay.len() - start);
        return (len > 0).then_some(start..start + len);
    }
    None
}

fn skip_space(hay: &[u8], from: usize) -> usize {
    from + hay[from.min(hay.len())..]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count()
}

/// The first ASCII-case-insensitive occurrence of `needle` at or after `from`.
fn find_ci(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, WINDOWS_1252};

    #[test]
    fn content_type_charset_in_its_real_world_spellings() {
        let charset = |v| parse_content_type(v).1;
        assert_eq!(charset("text/xml;charset= \"us-ascii\""), Some("us-ascii"));
        assert_eq!(
            charset("application/atom+xml; charset='gb2312'"),
            Some("gb2312")
        );
        assert_eq!(charset("text/xml;charset = us-ascii"), Some("us-ascii"));
        assert_eq!(charset("text/xml; charset:iso-8859-1"), None);
        assert_eq!(charset("text/xml;"), None);
        assert_eq!(charset("text/xml; qs=0.9"), None);
        assert_eq!(parse_content_type(" Text/HTML ; x=1").0, "text/html");
    }

    #[test]
    fn labels_map_through_whatwg_and_bogus_ones_are_none() {
        assert_eq!(lookup_8bit("ISO-8859-1"), Some(WINDOWS_1252));
        assert_eq!(lookup_8bit("us-ascii"), Some(WINDOWS_1252));
        assert_eq!(lookup_8bit("gb2312"), Some(GBK));
        assert_eq!(lookup_8bit("utf_8"), Some(UTF_8));
        assert_eq!(lookup_8bit("bogus"), None);
        assert_eq!(lookup_8bit("utf-16"), None, "an 8-bit body is not UTF-16");
        assert_eq!(
            lookup_8bit("iso-2022-kr"),
            None,
            "replacement is not a decoding"
        );
    }

    #[test]
    fn xml_declaration_encoding() {
        assert_eq!(
            xml_declared(b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss/>"),
            Some("iso-8859-1")
        );
        assert_eq!(
            xml_declared(b"\n <?xml version='1.0' encoding = 'big5' ?>"),
            Some("big5")
        );
        assert_eq!(xml_declared(b"<?xml version=\"1.0\"?><rss/>"), None);
        assert_eq!(xml_declared(b"<?xml-stylesheet encoding=\"x\"?>"), None);
        assert_eq!(xml_declared(b"<rss encoding=\"x\"/>"), None);
    }

    #[test]
    fn meta_charset_both_forms() {
        assert_eq!(
            meta_charset(b"<head><META charset=\"ISO-8859-1\">"),
            Some("ISO-8859-1")
        );
        let equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">";
        assert_eq!(meta_charset(equiv), Some("windows-1251"));
        assert_eq!(
            meta_charset(b"<meta name=x><meta charset=utf-8>"),
            Some("utf-8")
        );
        assert_eq!(meta_charset(b"<p>charset=latin1</p>"), None);
    }

    #[test]
    fn marks_and_wide_patterns() {
        assert_eq!(bom(b"\xFF\xFE\0\0<\0\0\0"), Some((Charset::Utf32Le, 4)));
        assert_eq!(bom(b"\xFF\xFE<\0"), Some((Charset::Known(UTF_16LE), 2)));
        assert_eq!(wide(b"\0<\0?"), Some(Charset::Known(UTF_16BE)));
        assert_eq!(wide(b"<\0\0\0"), Some(Charset::Utf32Le));
        assert_eq!(wide(b"<?xm"), None);
    }
}
