//! Bytes from the web to UTF-8. Pages and feeds arrive in UTF-8, ISO-8859-1 /
//! Windows-1252, UTF-16/32 with or without a byte order mark, and the HTTP
//! charset, the XML declaration and `<meta charset>` often disagree or lie.
//!
//! HTML extraction wants a `&str`; the feed parser (feed-rs) wants bytes and
//! reads the encoding only from the XML declaration, so feeds come back as
//! UTF-8 bytes whose declaration says `utf-8`. Never fails: a label nobody
//! knows falls through to the next rule, and bytes that are not valid in the
//! chosen encoding are read the most likely way (see [`decode_html`]).

mod sniff;

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use sniff::Charset;

/// UTF-8 text of an HTML page: BOM, then the HTTP charset, then `<meta
/// charset>` / `<meta http-equiv content-type>` in the first 1024 bytes, then
/// UTF-8 if valid, else Windows-1252.
///
/// Also: UTF-16/32 without a mark is told by its zero bytes (before the
/// labels); a single-byte label (ISO-8859-1 and kin), or one that cannot read
/// the bytes, loses to UTF-8 when the bytes are valid UTF-8 with multi-byte
/// characters (a mislabelled UTF-8 page, never a real Latin-1 one); in UTF-8
/// text, bytes that are not UTF-8 are read as
/// Windows-1252 one by one, so one stray Latin-1 byte does not garble the
/// rest. Windows-1252 punctuation stored as C1 controls is repaired (see
/// [`fix_c1_controls`]) and other control characters but tab and line breaks
/// are dropped.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let (charset, body) = match marked(bytes) {
        Some(found) => found,
        None => {
            let label = content_type
                .and_then(|ct| sniff::lookup_8bit(sniff::parse_content_type(ct).1?))
                .or_else(|| sniff::meta_charset(bytes).and_then(sniff::lookup_8bit));
            (
                settle(bytes, label.unwrap_or_else(|| unlabelled(bytes))),
                bytes,
            )
        }
    };
    clean(&decode(body, charset))
}

/// Feed bytes re-encoded as UTF-8 with the XML declaration's encoding
/// rewritten to utf-8, so the feed parser reads them right. Order: BOM; then
/// UTF-16/32 told by zero bytes (`<\0?\0x\0m\0l`; no 8-bit label can be right
/// for such a body); then for XML the HTTP charset when the media type is
/// `text/*` or `application/*xml` (or `*json`) with an explicit charset
/// (`text/xml` without one is read by the declaration, as real readers do,
/// not as RFC 3023's us-ascii), the XML declaration's encoding, UTF-8 if
/// valid, else Windows-1252. JSON feeds take the same path (they have no
/// declaration). Unknown or bogus labels fall through to the next rule.
///
/// Whitespace before the declaration is dropped (XML forbids it); the
/// repairs of [`decode_html`] apply too, UTF-32 included.
pub fn decode_feed(bytes: &[u8], content_type: Option<&str>) -> Vec<u8> {
    let (charset, body) = match marked(bytes) {
        Some(found) => found,
        None => {
            let label = content_type
                .and_then(feed_header_charset)
                .and_then(sniff::lookup_8bit)
                .or_else(|| sniff::xml_declared(bytes).and_then(sniff::lookup_8bit));
            (
                settle(bytes, label.unwrap_or_else(|| unlabelled(bytes))),
                bytes,
            )
        }
    };
    declare_utf8(clean(&decode(body, charset))).into_bytes()
}

/// Windows-1252 punctuation that reached the text as C1 control characters
/// (U+0080..U+009F: `don\u{92}t`, from cp1252 bytes labelled ISO-8859-1 and
/// then re-encoded, or from `&#146;`) mapped to the characters meant
/// (`don’t`). The five codes cp1252 leaves undefined stay as they are. The
/// feed layer can call this on parsed text, where `&#146;` has become U+0092.
pub fn fix_c1_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_c1) {
        return Cow::Borrowed(text);
    }
    let fixed = text
        .chars()
        .map(|c| match u8::try_from(u32::from(c)) {
            Ok(b) if is_c1(c) => WINDOWS_1252
                .decode_without_bom_handling(&[b])
                .0
                .chars()
                .next()
                .unwrap_or(c),
            _ => c,
        })
        .collect();
    Cow::Owned(fixed)
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// The charset a byte order mark or a UTF-16/32 byte pattern shows, with the
/// body after the mark.
fn marked(bytes: &[u8]) -> Option<(Charset, &[u8])> {
    match sniff::bom(bytes) {
        Some((charset, len)) => Some((charset, &bytes[len..])),
        None => sniff::wide(bytes).map(|charset| (charset, bytes)),
    }
}

/// The HTTP charset, for the media types whose charset a feed reader trusts.
fn feed_header_charset(content_type: &str) -> Option<&str> {
    let (media, charset) = sniff::parse_content_type(content_type);
    let trusted = media.starts_with("text/")
        || (media.starts_with("application/") && (media.contains("xml") || media.contains("json")));
    charset.filter(|_| trusted)
}

/// The encoding of bytes nothing labels: UTF-8 when they are UTF-8, or mostly UTF-8
/// with a few stray bytes (read one by one by [`lenient_utf8`]); otherwise
/// chardetng's guess from the bytes themselves, so an unlabelled Cyrillic, CJK or
/// Central European page is not read as Windows-1252.
fn unlabelled(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let (multibyte, invalid) = utf8_shape(bytes);
    if multibyte > invalid {
        return UTF_8;
    }
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    // ISO-2022-JP is 7-bit, so valid UTF-8: it never gets here.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, Utf8Detection::Deny)
}

/// Valid multi-byte UTF-8 characters and invalid bytes in `bytes`.
fn utf8_shape(mut bytes: &[u8]) -> (usize, usize) {
    let (mut multibyte, mut invalid) = (0, 0);
    loop {
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(all) => (all, None),
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                let skip = e.error_len().unwrap_or(bad.len());
                invalid += skip;
                let good = std::str::from_utf8(good).unwrap_or_default();
                (good, Some(&bad[skip..]))
            }
        };
        multibyte += valid.chars().filter(|c| c.len_utf8() > 1).count();
        match rest {
            Some(rest) => bytes = rest,
            None => return (multibyte, invalid),
        }
    }
}

/// `label`, unless the bytes are valid UTF-8 with multi-byte characters and
/// `label` is a single-byte charset or cannot read them: then the label lies.
fn settle(bytes: &[u8], label: &'static Encoding) -> Charset {
    let utf8 = label != UTF_8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok();
    let lies = utf8
        && (label.is_single_byte()
            || label
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_none());
    Charset::Known(if lies { UTF_8 } else { label })
}

fn decode(bytes: &[u8], charset: Charset) -> Cow<'_, str> {
    match charset {
        Charset::Known(enc) if enc == UTF_8 => lenient_utf8(bytes),
        Charset::Known(enc) => enc.decode_without_bom_handling(bytes).0,
        Charset::Utf32Le => Cow::Owned(utf32(bytes, u32::from_le_bytes)),
        Charset::Utf32Be => Cow::Owned(utf32(bytes, u32::from_be_bytes)),
    }
}

/// UTF-8, with each byte that is not part of a valid sequence read as
/// Windows-1252 (a Latin-1 `é` inside otherwise UTF-8 text).
fn lenient_utf8(mut bytes: &[u8]) -> Cow<'_, str> {
    let Err(first) = std::str::from_utf8(bytes) else {
        return String::from_utf8_lossy(bytes);
    };
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut err = Some(first);
    while let Some(e) = err {
        let valid = e.valid_up_to();
        let bad = e.error_len().unwrap_or(bytes.len() - valid);
        out.push_str(&String::from_utf8_lossy(&bytes[..valid]));
        out.push_str(
            &WINDOWS_1252
                .decode_without_bom_handling(&bytes[valid..valid + bad])
                .0,
        );
        bytes = &bytes[valid + bad..];
        err = std::str::from_utf8(bytes).err();
    }
    out.push_str(&String::from_utf8_lossy(bytes));
    Cow::Owned(out)
}

fn utf32(bytes: &[u8], read: fn([u8; 4]) -> u32) -> String {
    let chunks = bytes.chunks_exact(4);
    let tail = (!chunks.remainder().is_empty()).then_some(char::REPLACEMENT_CHARACTER);
    chunks
        .map(|c| {
            let unit = read([c[0], c[1], c[2], c[3]]);
            char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .chain(tail)
        .collect()
}

/// Leading BOM gone, C1 punctuation repaired, control characters that XML
/// and JSON forbid (all below U+0020 but tab, LF, CR) dropped.
fn clean(text: &str) -> String {
    fix_c1_controls(text.strip_prefix('\u{feff}').unwrap_or(text))
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r') || is_c1(*c))
        .collect()
}

/// The XML declaration (if any) moved to the very start and saying `utf-8`.
fn declare_utf8(text: String) -> String {
    let Some(decl) = sniff::xml_decl(text.as_bytes()) else {
        return text;
    };
    let start = decl.start;
    let rewritten = match sniff::value_span(&text.as_bytes()[decl.clone()], b"encoding") {
        Some(v) => format!(
            "{}utf-8{}",
            &text[start..start + v.start],
            &text[start + v.end..]
        ),
        None => text[start..].to_string(),
    };
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(bytes: &[u8], content_type: Option<&str>) -> String {
        String::from_utf8(decode_feed(bytes, content_type)).expect("decode_feed gives UTF-8")
    }

    fn utf16(s: &str, unit: fn(u16) -> [u8; 2]) -> Vec<u8> {
        s.encode_utf16().flat_map(unit).collect()
    }

    const XML_UTF16: &str =
        "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><title>Café ’</title></rss>";
    const XML_UTF8: &str =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><title>Café ’</title></rss>";

    #[test]
    fn unlabelled_legacy_encodings_are_detected_not_assumed_windows_1252() {
        let cases = [
            (encoding_rs::WINDOWS_1251, "Отличная пекарня, очень вкусный хлеб и приятный персонал. Рекомендую всем друзьям."),
            (encoding_rs::KOI8_R, "Отличная пекарня, очень вкусный хлеб и приятный персонал. Рекомендую всем друзьям."),
            (encoding_rs::SHIFT_JIS, "このパン屋はとても美味しいです。店員さんも親切でした。また来ます。"),
            (encoding_rs::GBK, "这家面包店非常好吃，服务员也很友好。我们一定会再来的。"),
            (encoding_rs::ISO_8859_2, "Bardzo smaczne pieczywo, miła obsługa. Polecam każdemu, kto lubi świeży chleb. Żółć, źdźbło, gęś."),
        ];
        for (encoding, text) in cases {
            let (bytes, _, _) = encoding.encode(text);
            let page = [b"<html><body><p>".as_slice(), &bytes, b"</p></body></html>"].concat();
            assert!(
                decode_html(&page, None).contains(text),
                "{}",
                encoding.name()
            );
            let feed_doc = [
                b"<rss><channel><item><title>".as_slice(),
                &bytes,
                b"</title></item></channel></rss>",
            ]
            .concat();
            assert!(
                feed(&feed_doc, None).contains(text),
                "{} feed",
                encoding.name()
            );
        }
    }

    #[test]
    fn mostly_utf8_with_a_stray_latin1_byte_stays_utf8() {
        let page = "<p>Café crème, naïve — and one stray "
            .as_bytes()
            .iter()
            .chain(b"\xe9 byte</p>")
            .copied()
            .collect::<Vec<u8>>();
        let text = decode_html(&page, None);
        assert!(
            text.contains("Café crème, naïve — and one stray é byte"),
            "{text}"
        );
    }

    #[test]
    fn latin1_page_with_meta_charset() {
        let page =
            b"<html><head><meta charset=\"iso-8859-1\"></head><body>Caf\xe9 cr\xe8me</body></html>";
        assert!(decode_html(page, None).contains("Café crème"));
        assert!(decode_html(page, Some("text/html")).contains("Café crème"));
    }

    #[test]
    fn header_charset_overrides_meta() {
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>";
        let text = decode_html(page, Some("text/html; charset=windows-1251"));
        assert!(text.contains("<p>Привет</p>"), "{text}");
    }

    #[test]
    fn utf16le_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(utf16(XML_UTF16, u16::to_le_bytes));
        assert_eq!(
            feed(&bytes, Some("application/rss+xml; charset=iso-8859-1")),
            XML_UTF8
        );
        assert_eq!(decode_html(&bytes, None), XML_UTF16);
    }

    #[test]
    fn utf16be_without_bom_xml() {
        let bytes = utf16(XML_UTF16, u16::to_be_bytes);
        assert_eq!(feed(&bytes, None), XML_UTF8);
        assert_eq!(
            feed(&bytes, Some("text/xml; charset=utf-8")),
            XML_UTF8,
            "the header lies"
        );
    }

    #[test]
    fn utf32_without_mark() {
        let bytes: Vec<u8> = XML_UTF16
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        assert_eq!(feed(&bytes, None), XML_UTF8);
    }

    #[test]
    fn windows_1252_smart_quotes() {
        let body = b"<rss><title>\x93Great\x94 \x96 isn\x92t it\x85</title></rss>";
        assert_eq!(
            feed(body, None),
            "<rss><title>“Great” – isn’t it…</title></rss>"
        );
        assert!(decode_html(body, None).contains("“Great”"));
        let latin1 = b"<?xml version='1.0' encoding='iso-8859-1'?><rss>\x93x\x94</rss>";
        assert_eq!(
            feed(latin1, None),
            "<?xml version='1.0' encoding='utf-8'?><rss>“x”</rss>"
        );
    }

    #[test]
    fn bogus_charset_labels_fall_through() {
        let utf8 = "<?xml version=\"1.0\" encoding=\"bogus\"?><rss>é</rss>";
        let want = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>é</rss>";
        assert_eq!(
            feed(utf8.as_bytes(), Some("text/xml; charset=nonsense")),
            want
        );
        let latin1 = b"<?xml version=\"1.0\" encoding=\"bogus\"?><rss>\xe9</rss>";
        assert_eq!(feed(latin1, Some("text/xml; charset=nonsense")), want);
        assert_eq!(
            decode_html(
                b"<meta charset=x-nope><p>\xe9",
                Some("text/html; charset=\"\"")
            ),
            "<meta charset=x-nope><p>é"
        );
    }

    #[test]
    fn header_charset_beats_declaration_for_text_and_xml_types_only() {
        let gbk = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>\xc4\xe3\xba\xc3</t>";
        assert!(feed(gbk, Some("application/atom+xml; charset='gb2312'")).contains("<t>你好</t>"));
        assert!(feed(gbk, Some("text/plain; charset=gbk")).contains("<t>你好</t>"));
        let ignored = feed(gbk, Some("application/octet-stream; charset=gbk"));
        assert!(ignored.contains("<t>ÄãºÃ</t>"), "{ignored}");
    }

    #[test]
    fn utf8_wins_over_a_single_byte_label_that_lies() {
        let body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Café</t>";
        assert!(feed(body.as_bytes(), None).ends_with("<t>Café</t>"));
        let page = "<meta charset=windows-1252><p>naïve</p>";
        assert!(
            decode_html(page.as_bytes(), Some("text/html; charset=iso-8859-1")).contains("naïve")
        );
    }

    #[test]
    fn stray_latin1_bytes_in_utf8_are_read_alone() {
        let bytes = b"\xef\xbb\xbf<t>Valid: \xd1\xa8 Invalid: Espa\xf1a</t>";
        assert_eq!(feed(bytes, None), "<t>Valid: Ѩ Invalid: España</t>");
    }

    #[test]
    fn json_feeds_by_bom_charset_or_utf8() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Crème"}"#;
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(utf16(json, u16::to_be_bytes));
        assert_eq!(feed(&bytes, Some("application/feed+json")), json);
        let latin1 = b"{\"title\":\"Cr\xe8me\"}";
        assert_eq!(
            feed(latin1, Some("application/json; charset=iso-8859-1")),
            r#"{"title":"Crème"}"#
        );
        assert_eq!(feed(json.as_bytes(), None), json);
    }

    #[test]
    fn c1_controls_and_illegal_controls() {
        assert_eq!(fix_c1_controls("don\u{92}t"), "don’t");
        assert!(matches!(fix_c1_controls("plain ’"), Cow::Borrowed(_)));
        assert_eq!(fix_c1_controls("\u{81}"), "\u{81}", "undefined in cp1252");
        assert_eq!(
            feed("<t>don\u{92}t\u{c}\0</t>\r\n".as_bytes(), None),
            "<t>don’t</t>\r\n"
        );
        assert_eq!(
            feed(b"  \n<?xml version=\"1.0\"?><rss/>", None),
            "<?xml version=\"1.0\"?><rss/>"
        );
        assert_eq!(feed(b"", None), "");
        assert_eq!(decode_html(b"", Some("text/html; charset=utf-16")), "");
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_give_utf8() {
        let seeds: [&[u8]; 6] = [
            b"<?xml version=\"1.0\" encoding=\"",
            b"<?xml encoding=",
            b"\xFF\xFE<",
            b"\0<\0",
            b"<meta charset=",
            b"\xef\xbb",
        ];
        let mut state = 0x2545_f491_u32;
        for round in 0..2000 {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..round % 37 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                bytes.push(state.to_le_bytes()[0]);
            }
            let ct = ["text/xml; charset=utf-16", "text/html; charset=", "x"][round % 3];
            assert!(String::from_utf8(decode_feed(&bytes, Some(ct))).is_ok());
            let _ = decode_html(&bytes, Some(ct));
        }
    }
}
