//! A light pass over the feed before feed-rs sees it: the author text of each item
//! exactly as written (feed-rs's own person parsing loses it), and a copy of the
//! document with the author texts that make feed-rs 3.0 panic defused.
//!
//! feed-rs 3.0 runs every RSS `author`/`managingEditor`/`webMaster`/`dc:creator`,
//! channel `itunes:author`/`itunes:owner` and JSON Feed author name through
//! `parse_person_name_email`, which slices one byte past the email it finds:
//! a multi-byte character right before or after the address
//! (`jill@x.example\u{a0}(Jill)`, `Jill—jill@x.example`) panics. Only text with both
//! an `@` and a non-ASCII character can do that; such text is rewritten to the
//! all-ASCII-around-the-address form `jill@x.example (Jill)`, which cannot.

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use serde_json::Value;

use crate::sources::author::{parse_author, Author};

const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";
const RSS_1: &str = "http://purl.org/rss/1.0/";

/// What the pass found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// The document to hand feed-rs when some author text had to be defused.
    pub document: Option<String>,
    /// Each item's author as written, in document order, for RSS, RDF and JSON
    /// feeds read to the end; `None` for Atom or when the pass gave up.
    pub items: Option<Vec<Author>>,
    /// The author of the feed as a whole (RSS channel `managingEditor`, else its
    /// `dc:creator`; JSON Feed `authors`), for items that name none.
    pub feed: Author,
}

/// Scan a feed as feed-rs will see it (UTF-8, XML or JSON by its first `<` or `{`).
pub(super) fn scan(text: &str) -> Scan {
    match text.find(['<', '{']).map(|i| &text[i..i + 1]) {
        Some("{") => scan_json(text),
        Some(_) => scan_xml(text),
        None => Scan::default(),
    }
}

/// Text that can make feed-rs 3.0's person parsing slice inside a character.
fn trips_feed_rs(text: &str) -> bool {
    text.contains('@') && !text.is_ascii()
}

/// `text` in a form feed-rs reads without panicking: an ASCII address followed by
/// a space, and a name without `@`.
fn defused(text: &str) -> String {
    let author = parse_author(text);
    let name = author.name.map(|n| n.replace('@', " "));
    match (author.email.filter(|e| e.is_ascii()), name) {
        (Some(email), Some(name)) => format!("{email} ({name})"),
        (Some(email), None) => email,
        (None, Some(name)) => name,
        (None, None) => String::new(),
    }
}

/// Where an element sits, as far as authors go.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Other,
    /// `rss/channel`, or `rdf:RDF/channel`.
    Channel,
    /// An item feed-rs turns into an entry.
    Item,
    /// An item's `author` (RSS 2.0).
    ItemAuthor,
    /// An item's `dc:creator`.
    ItemCreator,
    /// The channel's `managingEditor`.
    ChannelEditor,
    /// The channel's `dc:creator`.
    ChannelCreator,
}

struct Frame {
    local: String,
    role: Role,
    /// Byte offset just after the start tag.
    content_start: usize,
    /// Text inside, kept only for elements whose text can be an author.
    text: Option<String>,
    /// For a person element, the text before its first child element: what
    /// feed-rs reads as the element's text.
    lead: Option<String>,
    child_seen: bool,
    /// `<name>`/`<email>` children (an Atom-style person inside RSS).
    name: Option<String>,
    email: Option<String>,
}

impl Frame {
    /// The person as written: the text, or `name <email>` from child elements.
    fn written(&self) -> String {
        match (&self.name, &self.email) {
            (None, None) => self.text.clone().unwrap_or_default(),
            (name, email) => format!(
                "{} <{}>",
                name.as_deref().unwrap_or(""),
                email.as_deref().unwrap_or("")
            ),
        }
    }
}

/// Local names whose text feed-rs may run through its person parsing.
fn is_person_element(local: &str, parent: Option<&str>) -> bool {
    matches!(local, "author" | "creator" | "managingEditor" | "webMaster")
        || (local == "name" && parent == Some("owner"))
}

#[derive(Default)]
struct ItemAuthors {
    author: Option<Author>,
    creator: Option<Author>,
}

impl ItemAuthors {
    fn found(slot: &mut Option<Author>, written: &str) {
        let parsed = parse_author(written);
        if slot.is_none() && !parsed.is_empty() {
            *slot = Some(parsed);
        }
    }

    fn author(self) -> Author {
        let creator = self.creator.unwrap_or_default();
        self.author.map_or(creator.clone(), |a| a.or(creator))
    }
}

fn scan_xml(text: &str) -> Scan {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.trim_text(false);

    let mut root: Option<String> = None;
    let mut channels = 0usize;
    let mut stack: Vec<Frame> = Vec::new();
    let mut rewrites: Vec<(usize, usize, String)> = Vec::new();
    let mut items: Vec<Author> = Vec::new();
    let mut item = ItemAuthors::default();
    let mut channel = ItemAuthors::default();
    let mut finished = false;

    loop {
        let before = reader.buffer_position() as usize;
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (namespace(&ns), event),
            Err(_) => break,
        };
        match event {
            Event::Start(start) => {
                let qname = start.name();
                let local = qname.local_name().as_ref().to_owned();
                let prefixed_dc = qname.prefix().is_some_and(|p| p.as_ref() == "dc");
                let rss_ns = matches!(ns, Ns::None | Ns::Unknown) || ns == Ns::Bound(RSS_1);
                let dc = ns == Ns::Bound(DUBLIN_CORE) || (ns == Ns::Unknown && prefixed_dc);
                let parent = stack.last();
                let parent_role = parent.map_or(Role::Other, |f| f.role);
                let depth = stack.len();
                if depth == 0 {
                    root = Some(local.clone());
                }
                let in_rss = root.as_deref() == Some("rss");
                let in_rdf = root.as_deref() == Some("RDF");
                let role = match (parent_role, local.as_str()) {
                    // feed-rs reads the first channel of an RSS 2.0 feed only.
                    (_, "channel") if rss_ns && depth == 1 && (in_rdf || in_rss) => {
                        channels += 1;
                        if in_rss && channels > 1 {
                            Role::Other
                        } else {
                            Role::Channel
                        }
                    }
                    (Role::Channel, "item") if rss_ns && in_rss => Role::Item,
                    (_, "item") if rss_ns && in_rdf && depth == 1 => Role::Item,
                    (Role::Item, "author") if rss_ns => Role::ItemAuthor,
                    (Role::Item, "creator") if dc => Role::ItemCreator,
                    (Role::Channel, "managingEditor") if rss_ns => Role::ChannelEditor,
                    (Role::Channel, "creator") if dc => Role::ChannelCreator,
                    _ => Role::Other,
                };
                let parent_local = parent.map(|f| f.local.as_str());
                let author_role = !matches!(role, Role::Other | Role::Channel | Role::Item);
                let person = is_person_element(&local, parent_local);
                let keeps_text = author_role
                    || person
                    || (matches!(local.as_str(), "name" | "email")
                        && parent.is_some_and(|f| f.text.is_some()));
                if role == Role::Item {
                    item = ItemAuthors::default();
                }
                if let Some(parent) = stack.last_mut() {
                    parent.child_seen = true;
                }
                stack.push(Frame {
                    local,
                    role,
                    content_start: reader.buffer_position() as usize,
                    text: keeps_text.then(String::new),
                    lead: person.then(String::new),
                    child_seen: false,
                    name: None,
                    email: None,
                });
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else { break };
                let written = frame.written();
                // Atom people are read element by element; only RSS and RDF run
                // text through feed-rs's person parsing.
                if let Some(lead) = frame.lead.as_deref() {
                    if xml_items(root.as_deref()) && trips_feed_rs(lead) {
                        rewrites.push((frame.content_start, before, defused(lead)));
                    }
                }
                match frame.role {
                    Role::Item => items.push(std::mem::take(&mut item).author()),
                    Role::ItemAuthor => ItemAuthors::found(&mut item.author, &written),
                    Role::ItemCreator => ItemAuthors::found(&mut item.creator, &written),
                    Role::ChannelEditor => ItemAuthors::found(&mut channel.author, &written),
                    Role::ChannelCreator => ItemAuthors::found(&mut channel.creator, &written),
                    Role::Other | Role::Channel => {}
                }
                if let Some(parent) = stack.last_mut().filter(|p| p.text.is_some()) {
                    match frame.local.as_str() {
                        "name" if frame.text.is_some() => parent.name = frame.text.clone(),
                        "email" if frame.text.is_some() => parent.email = frame.text.clone(),
                        _ => {}
                    }
                    if let (Some(inner), Some(outer)) = (&frame.text, parent.text.as_mut()) {
                        outer.push_str(inner);
                    }
                }
            }
            Event::Text(t) => push_text(&mut stack, &t),
            Event::CData(t) => push_text(&mut stack, &t),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => resolve_predefined_entity(&r)
                        .map_or_else(|| format!("&{};", &*r), str::to_owned),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => {
                finished = true;
                break;
            }
            _ => {}
        }
    }

    Scan {
        document: splice(text, &mut rewrites),
        items: (finished && xml_items(root.as_deref())).then_some(items),
        feed: channel.author(),
    }
}

/// An RSS 0.9x/2.0 or RDF (RSS 0.90/1.0) document, by its root element.
fn xml_items(root: Option<&str>) -> bool {
    matches!(root, Some("rss" | "RDF"))
}

/// Text goes to the innermost open element that keeps text, and to the current
/// element's leading text.
fn push_text(stack: &mut [Frame], text: &str) {
    if let Some(lead) = stack
        .last_mut()
        .filter(|f| !f.child_seen)
        .and_then(|f| f.lead.as_mut())
    {
        lead.push_str(text);
    }
    if let Some(buf) = stack.iter_mut().rev().find_map(|f| f.text.as_mut()) {
        buf.push_str(text);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ns<'a> {
    None,
    Unknown,
    Bound(&'a str),
}

fn namespace(ns: &ResolveResult<'_>) -> Ns<'static> {
    match ns {
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Unknown(_) => Ns::Unknown,
        ResolveResult::Bound(n) if n.0 == DUBLIN_CORE => Ns::Bound(DUBLIN_CORE),
        ResolveResult::Bound(n) if n.0 == RSS_1 => Ns::Bound(RSS_1),
        ResolveResult::Bound(_) => Ns::Bound(""),
    }
}

/// `text` with each `(start, end)` byte range replaced by the XML-escaped text.
fn splice(text: &str, rewrites: &mut [(usize, usize, String)]) -> Option<String> {
    if rewrites.is_empty() {
        return None;
    }
    rewrites.sort_by_key(|r| r.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, with) in rewrites {
        // A person element inside another: the outer rewrite covers it.
        if *start < at || end < start {
            continue;
        }
        out.push_str(text.get(at..*start)?);
        out.push_str(&escape(with.as_str()));
        at = *end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

fn scan_json(text: &str) -> Scan {
    let Ok(mut feed) = serde_json::from_str::<Value>(text) else {
        return Scan::default();
    };
    let mut changed = false;
    let feed_author = json_author(&mut feed, &mut changed);
    let items = match feed.get_mut("items") {
        Some(Value::Array(items)) => Some(
            items
                .iter_mut()
                .map(|item| json_author(item, &mut changed))
                .collect(),
        ),
        _ => None,
    };
    Scan {
        document: changed.then(|| feed.to_string()),
        items,
        feed: feed_author,
    }
}

/// The first author named in a JSON Feed object's `authors` (1.1) or `author`
/// (1.0), with every name feed-rs would choke on defused in place.
fn json_author(object: &mut Value, changed: &mut bool) -> Author {
    let mut first = Author::default();
    let Some(object) = object.as_object_mut() else {
        return first;
    };
    for key in ["author", "authors"] {
        let people: Vec<&mut Value> = match object.get_mut(key) {
            Some(Value::Array(people)) => people.iter_mut().collect(),
            Some(person) => vec![person],
            None => continue,
        };
        for person in people {
            let Some(Value::String(name)) = person.get_mut("name") else {
                continue;
            };
            if first.is_empty() {
                first = parse_author(name);
            }
            if trips_feed_rs(name) {
                *name = defused(name);
                *changed = true;
            }
        }
    }
    first
}
