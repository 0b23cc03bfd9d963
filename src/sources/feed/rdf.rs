//! RSS 0.90 and RSS 1.0 as they are really written, and the check that a feed which
//! parsed to nothing really had nothing.
//!
//! feed-rs reads an `rdf:RDF` document's `channel` and `item` elements only in RSS 1.0's
//! namespace (`http://purl.org/rss/1.0/`) or in none. RSS 0.90 puts them in Netscape's
//! (`http://my.netscape.com/rdf/simple/0.9/`), and old feeds spell both a few ways
//! (no trailing slash, `https`, `channel.netscape.com`): feed-rs then sees an empty feed
//! and a 60-item feed was reported "ok, 0 new". The element vocabulary of 0.90 is a
//! subset of 1.0's (title, link, description), so renaming the namespace is enough.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::super::author::Author;
use super::super::RawItem;

/// The namespace feed-rs reads RDF feeds in.
const RSS_1_0: &str = "http://purl.org/rss/1.0/";

/// Other spellings of the RSS namespace seen in real feeds (feedparser's list, plus
/// the variants of slash and scheme).
const RSS_SPELLINGS: &[&str] = &[
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://my.netscape.com/rdf/simple/0.9",
    "https://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9",
    "http://purl.org/rss/1.0",
    "https://purl.org/rss/1.0/",
    "https://purl.org/rss/1.0",
];

/// `doc` with every other spelling of the RSS namespace, as a quoted attribute value
/// (an `xmlns` declaration), replaced by RSS 1.0's; `None` when there is none.
pub(super) fn normalise_namespaces(doc: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for spelling in RSS_SPELLINGS {
        for quote in ['"', '\''] {
            let from = format!("{quote}{spelling}{quote}");
            let current = out.as_deref().unwrap_or(doc);
            if current.contains(&from) {
                out = Some(current.replace(&from, &format!("{quote}{RSS_1_0}{quote}")));
            }
        }
    }
    out
}

/// How many `item` or `entry` elements (in any namespace or prefix) the XML document
/// holds, read as far as it is well-formed. For a JSON feed (or anything not XML) 0.
pub(super) fn item_elements(doc: &[u8]) -> usize {
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut count = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e))
                if matches!(e.local_name().as_ref(), "item" | "entry") =>
            {
                count += 1
            }
            Ok(Event::Eof) | Err(_) => return count,
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// Whether the document's root element is `rdf:RDF` (RSS 0.90 or 1.0).
pub(super) fn is_rdf(doc: &[u8]) -> bool {
    let mut reader = Reader::from_reader(doc);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => return e.local_name().as_ref() == "RDF",
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// The `item` elements of an RDF (RSS 0.90/1.0) document read directly, whatever their
/// namespace: the fallback when feed-rs read none (it loses its place after some
/// empty elements, e.g. `<textinput rdf:resource="…"/>` inside the channel). Reads
/// title, link, description, `dc:creator` and `dc:date`, which is all these dialects have.
pub(super) fn read_items(doc: &[u8]) -> Vec<RawItem> {
    let mut reader = Reader::from_reader(doc);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut items = Vec::new();
    let mut item: Option<Fields> = None;
    let mut field: Option<String> = None;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                match (&mut item, name.as_str()) {
                    (None, "item") => item = Some(Fields::default()),
                    (Some(_), _) => field = Some(name),
                    _ => {}
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == "item" {
                    items.extend(item.take().and_then(Fields::into_item));
                }
                field = None;
            }
            Event::Text(t) => {
                if let (Some(fields), Some(name)) = (&mut item, &field) {
                    let text = t.into_inner();
                    fields.push(name, &text);
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(fields), Some(name)) = (&mut item, &field) {
                    let text = r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .or_else(|| {
                            quick_xml::escape::resolve_predefined_entity(r.as_ref())
                                .map(str::to_owned)
                        });
                    fields.push(name, text.as_deref().unwrap_or_default());
                }
            }
            Event::CData(c) => {
                if let (Some(fields), Some(name)) = (&mut item, &field) {
                    fields.push(name, &c.into_inner());
                }
            }
            _ => {}
        }
        buf.clear();
    }
    items
}

/// One item's text fields as read.
#[derive(Default)]
struct Fields {
    title: String,
    link: String,
    description: String,
    creator: String,
    date: String,
}

impl Fields {
    fn push(&mut self, field: &str, text: &str) {
        let slot = match field {
            "title" => &mut self.title,
            "link" => &mut self.link,
            "description" => &mut self.description,
            "creator" => &mut self.creator,
            "date" => &mut self.date,
            _ => return,
        };
        slot.push_str(text);
    }

    fn into_item(self) -> Option<RawItem> {
        let title = Some(super::readable(&self.title)).filter(|t| !t.is_empty());
        let text = super::readable(&self.description);
        if title.is_none() && text.is_empty() {
            return None;
        }
        let author = Author::from_parts(Some(self.creator.trim()).filter(|c| !c.is_empty()), None);
        Some(RawItem {
            guid: None,
            url: Some(self.link.trim().to_owned()).filter(|l| !l.is_empty()),
            author: author.display(),
            author_email: author.email,
            title,
            text,
            published_at: chrono::DateTime::parse_from_rfc3339(self.date.trim())
                .ok()
                .map(|d| d.with_timezone(&chrono::Utc)),
            rating: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netscape_namespace_becomes_rss_1_0() {
        let doc = r#"<rdf:RDF xmlns="http://my.netscape.com/rdf/simple/0.9/"><item/></rdf:RDF>"#;
        let fixed = normalise_namespaces(doc).unwrap();
        assert!(fixed.contains(r#"xmlns="http://purl.org/rss/1.0/""#));
        assert_eq!(normalise_namespaces(&fixed), None);
    }

    #[test]
    fn fallback_reads_item_fields_with_entities_cdata_and_dublin_core() {
        let doc = br#"<rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><textinput/></channel>
            <item><title>Tea &amp; cake &#8212; lovely</title><link> https://x.test/1 </link>
            <description><![CDATA[<p>Warm <b>scones</b></p>]]></description>
            <dc:creator>Ann Lee</dc:creator><dc:date>2026-11-20T10:00:00Z</dc:date></item>
            <item><link>https://x.test/empty</link></item>
            </rdf:RDF>"#;
        let items = read_items(doc);
        assert_eq!(
            items.len(),
            1,
            "an item with neither title nor text is skipped"
        );
        let item = &items[0];
        assert_eq!(item.title.as_deref(), Some("Tea & cake — lovely"));
        assert_eq!(item.url.as_deref(), Some("https://x.test/1"));
        assert_eq!(item.text, "Warm scones");
        assert_eq!(item.author.as_deref(), Some("Ann Lee"));
        assert_eq!(
            item.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-20T10:00:00+00:00")
        );
        assert!(is_rdf(doc));
        assert!(!is_rdf(b"<rss><channel/></rss>"));
    }

    #[test]
    fn counts_items_and_entries_whatever_their_prefix() {
        let doc = br#"<rdf:RDF xmlns:rss="x"><rss:item/><item>a</item><entry/><title>item</title></rdf:RDF>"#;
        assert_eq!(item_elements(doc), 3);
        assert_eq!(item_elements(br#"{"items": [{"id": "1"}]}"#), 0);
    }
}
