//! Reviews from an HTML page: by the CSS selectors a user configured, or,
//! without selectors, from the schema.org `Review` items the page publishes
//! as JSON-LD (or, failing that, as microdata).
//!
//! Also owns the lenient readers of star ratings and dates that review pages
//! print in many wordings. Pure: no fetching, no store; the poller hands in the
//! page body and its URL and gets [`RawItem`]s back.
//!
//! This file holds the configuration, its parsing and the entry point;
//! `selector` reads items by configured selectors, `jsonld` and `microdata`
//! read schema.org reviews, `rating` and `date` are the lenient readers.

mod date;
mod jsonld;
mod microdata;
mod rating;
mod selector;

pub use date::parse_date;
pub use rating::parse_rating;

use std::time::{Duration, Instant};

use scraper::{Html, Selector};
use url::Url;

use super::html::TooDeep;
use super::RawItem;

/// Longest one page's parse and extraction may take: a normal page needs milliseconds,
/// and the workers reading pages are few.
pub const EXTRACT_BUDGET: Duration = Duration::from_secs(5);

/// CSS selectors for a review page. `selector@attr` reads an attribute instead of the text.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Selectors {
    /// One match per review; the other selectors are searched inside it.
    pub item: String,
    /// The reviewer's name.
    pub author: Option<String>,
    /// The review body; without it, the whole item's text.
    pub text: Option<String>,
    /// The star rating ("4 stars", "8/10", `.stars@aria-label`).
    pub rating: Option<String>,
    /// When the review was posted (`time@datetime`).
    pub date: Option<String>,
    /// The review's own link (an `<a href>`, or `@attr`); resolved against the page URL.
    pub link: Option<String>,
    /// The review's headline.
    pub title: Option<String>,
    /// Searched in the whole page: the link to the next page of reviews.
    pub next: Option<String>,
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A configured selector does not parse.
    #[error(
        "selectors.{field}: `{selector}` is not a valid CSS selector ({reason}); \
         fix it in the source's `selectors` (write `selector@attr` to read an attribute, \
         e.g. `time@datetime`)"
    )]
    BadSelector {
        /// The `Selectors` field, e.g. `author`.
        field: &'static str,
        /// The selector as configured.
        selector: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The page nests elements absurdly deep (hostile or broken markup).
    #[error("page {page}: {source}")]
    TooDeep {
        /// The page's address.
        page: String,
        /// How deep, and where.
        source: TooDeep,
    },
    /// Reading the page took longer than its budget.
    #[error(
        "reading page {page} took more than {}s (stopped after {items_read} review(s)): \
         the page is unusually large or complex; if this keeps happening, make the \
         source's selectors narrower or remove the source",
        budget.as_secs_f32()
    )]
    TooSlow {
        /// The page's address.
        page: String,
        /// The budget, [`EXTRACT_BUDGET`] unless a caller chose another.
        budget: Duration,
        /// Reviews read before time ran out.
        items_read: usize,
    },
}

/// When a page's extraction must stop.
#[derive(Debug, Clone, Copy)]
struct Deadline(Instant);

/// Time ran out after this many items.
#[derive(Debug)]
struct Overtime(usize);

impl Deadline {
    /// `Err` once the deadline has passed; `items` says how far the reading got.
    fn check(self, items: usize) -> Result<(), Overtime> {
        if Instant::now() > self.0 {
            Err(Overtime(items))
        } else {
            Ok(())
        }
    }
}

/// What one page yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageExtract {
    /// The reviews found, in page order.
    pub items: Vec<RawItem>,
    /// The next page of reviews, when the page links to one.
    pub next_page: Option<Url>,
}

/// One configured selector, parsed: where to look and what to read there.
struct Field {
    /// `None` reads the item element itself (`@data-rating` alone).
    selector: Option<Selector>,
    /// `Some` reads this attribute instead of the text.
    attr: Option<String>,
}

/// All of a [`Selectors`], parsed once.
struct Compiled {
    item: Selector,
    author: Option<Field>,
    text: Option<Field>,
    rating: Option<Field>,
    date: Option<Field>,
    link: Option<Field>,
    title: Option<Field>,
    next: Option<Field>,
}

impl Selectors {
    /// Parses every selector once, so a bad one is reported at config-load time.
    pub fn validate(&self) -> Result<(), PageError> {
        self.compile().map(|_| ())
    }

    fn compile(&self) -> Result<Compiled, PageError> {
        if split_attr(&self.item).1.is_some() {
            return Err(bad_selector("item", &self.item, ITEM_NO_ATTR));
        }
        let item = parse_css("item", &self.item)?;
        let optional = |name: &'static str, raw: &Option<String>| {
            raw.as_deref().map(|r| compile_field(name, r)).transpose()
        };
        let next = optional("next", &self.next)?;
        if next.as_ref().is_some_and(|f| f.selector.is_none()) {
            return Err(bad_selector(
                "next",
                self.next.as_deref().unwrap_or(""),
                NEED_SELECTOR,
            ));
        }
        Ok(Compiled {
            item,
            author: optional("author", &self.author)?,
            text: optional("text", &self.text)?,
            rating: optional("rating", &self.rating)?,
            date: optional("date", &self.date)?,
            link: optional("link", &self.link)?,
            title: optional("title", &self.title)?,
            next,
        })
    }
}

const ITEM_NO_ATTR: &str = "`item` selects elements, so `@attr` does not belong here";
const NEED_SELECTOR: &str = "a CSS selector is needed before `@`";

fn bad_selector(field: &'static str, selector: &str, reason: &str) -> PageError {
    PageError::BadSelector {
        field,
        selector: selector.to_string(),
        reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Parses a plain CSS selector (no `@attr`), naming `field` when it fails.
fn parse_css(field: &'static str, raw: &str) -> Result<Selector, PageError> {
    if raw.trim().is_empty() {
        return Err(bad_selector(field, raw, "it is empty"));
    }
    let css = raw.trim();
    Selector::parse(css).map_err(|e| bad_selector(field, raw, &selector_problem(&e, css)))
}

/// What is wrong with a selector, in words for the person who wrote it (scraper's own
/// text for some errors is "Unexpected error occurred. Please report this to the developer").
fn selector_problem(error: &scraper::error::SelectorErrorKind, raw: &str) -> String {
    use scraper::error::SelectorErrorKind as Kind;
    match error {
        Kind::UnexpectedToken => {
            "a character in it does not belong there (a stray `)`, `]`, quote or symbol?)".into()
        }
        Kind::EndOfLine => {
            "it stops in the middle (an unclosed `[` or `(`, or nothing after `.` or `#`?)".into()
        }
        Kind::UnexpectedSelectorParseError(kind) => {
            // The kind's type lives in a crate Earshot does not depend on: read its name.
            let debug = format!("{kind:?}");
            let name = debug.split('(').next().unwrap_or_default();
            match name {
                "DanglingCombinator" => {
                    "`>`, `+` or `~` must stand between two selectors, e.g. `.reviews > .review`".into()
                }
                "EmptySelector" => {
                    "part of it is empty (two commas in a row, a lone `#`, or an empty `:not()`?)".into()
                }
                "UnsupportedPseudoClassOrElement" => format!(
                    "{} is not supported; select by tag, `.class`, `#id` or `[attribute]` instead",
                    unsupported_pseudo(raw).map_or("a pseudo-class in it".into(), |p| format!("`{p}`"))
                ),
                "ClassNeedsIdent" => "a `.` must be followed by a class name, e.g. `.review`".into(),
                _ if name.contains("Attr") => {
                    "the `[attribute]` part is malformed; write it like `[data-id]` or `[data-rating=\"5\"]`".into()
                }
                _ => "it is not a CSS selector Earshot understands".into(),
            }
        }
        other => format!("it is not a CSS selector Earshot understands ({other})"),
    }
}

/// The first pseudo-class or pseudo-element in `raw` (as written, `:hover`, `::before`)
/// that the selector parser does not support. The parser's error no longer carries the
/// name, so each `:name` outside brackets and quotes is tried on its own.
fn unsupported_pseudo(raw: &str) -> Option<&str> {
    let unsupported = |probe: &str| {
        matches!(
            Selector::parse(probe),
            Err(scraper::error::SelectorErrorKind::UnexpectedSelectorParseError(kind))
                if format!("{kind:?}") == "UnsupportedPseudoClassOrElement"
        )
    };
    let bytes = raw.as_bytes();
    let (mut quote, mut brackets, mut i) = (None, 0usize, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'\\') => i += 1,
            (None, b'[') => brackets += 1,
            (None, b']') => brackets = brackets.saturating_sub(1),
            (None, b':') if brackets == 0 => {
                let start = i;
                let colons = if bytes.get(i + 1) == Some(&b':') {
                    2
                } else {
                    1
                };
                let name_end = raw[start + colons..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                    .map_or(raw.len(), |n| start + colons + n);
                let pseudo = &raw[start..name_end];
                let probe = if raw[name_end..].starts_with('(') {
                    format!("*{pseudo}(*)")
                } else {
                    format!("*{pseudo}")
                };
                if name_end > start + colons && unsupported(&probe) {
                    return Some(pseudo);
                }
                i = name_end.max(start + colons);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Parses `selector`, `selector@attr` or `@attr` (the item itself).
fn compile_field(field: &'static str, raw: &str) -> Result<Field, PageError> {
    let (css, attr) = split_attr(raw);
    let selector = if css.is_empty() && attr.is_some() {
        None
    } else {
        Some(parse_css(field, css).map_err(|e| match e {
            PageError::BadSelector { reason, .. } => bad_selector(field, raw, &reason),
            other => other,
        })?)
    };
    Ok(Field {
        selector,
        attr: attr.map(str::to_string),
    })
}

/// Splits a trailing `@attr` off a selector; an `@` inside an attribute
/// value (`a[href*="@"]`) is left alone.
fn split_attr(raw: &str) -> (&str, Option<&str>) {
    match raw.rsplit_once('@') {
        Some((css, attr)) if is_attr_name(attr.trim()) => (css.trim(), Some(attr.trim())),
        _ => (raw.trim(), None),
    }
}

fn is_attr_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// With selectors: one [`RawItem`] per `item` match, its fields searched inside
/// it (text by the rules of [`super::text`], links resolved against
/// `page_url`); no match gives no items, not an error. Without selectors:
/// schema.org `Review` items from JSON-LD (`@graph`, arrays, nested objects
/// such as a business's `review` list), or from microdata when the page has
/// no JSON-LD reviews. Malformed JSON-LD blocks are skipped. Items whose text
/// is empty are skipped.
///
/// `next_page` comes from the `next` selector; without selectors, from a
/// `rel="next"` link. A next page equal to this page is ignored.
///
/// A page nested deeper than [`super::html::MAX_DEPTH`] is refused, and reading stops
/// with an error once it has taken [`EXTRACT_BUDGET`].
pub fn extract_reviews(
    html: &str,
    page_url: &Url,
    selectors: Option<&Selectors>,
) -> Result<PageExtract, PageError> {
    extract_reviews_within(html, page_url, selectors, EXTRACT_BUDGET)
}

/// [`extract_reviews`] with another time budget.
pub fn extract_reviews_within(
    html: &str,
    page_url: &Url,
    selectors: Option<&Selectors>,
    budget: Duration,
) -> Result<PageExtract, PageError> {
    let deadline = Deadline(Instant::now() + budget);
    let compiled = selectors.map(Selectors::compile).transpose()?;
    let doc = super::html::parse_document(html).map_err(|source| PageError::TooDeep {
        page: page_url.to_string(),
        source,
    })?;
    let overtime = |Overtime(items_read)| PageError::TooSlow {
        page: page_url.to_string(),
        budget,
        items_read,
    };
    let (items, next) = match &compiled {
        Some(c) => (
            selector::selector_items(&doc, c, page_url, deadline).map_err(overtime)?,
            c.next
                .as_ref()
                .and_then(|f| selector::next_by_selector(&doc, f, page_url)),
        ),
        None => (
            structured_items(&doc, page_url, deadline).map_err(overtime)?,
            rel_next(&doc, page_url),
        ),
    };
    let next_page = next.filter(|n| !same_page(n, page_url));
    Ok(PageExtract { items, next_page })
}

/// Reviews the page publishes as structured data: JSON-LD first; microdata
/// only when there is no JSON-LD review (pages that have both repeat them).
fn structured_items(
    doc: &Html,
    page_url: &Url,
    deadline: Deadline,
) -> Result<Vec<RawItem>, Overtime> {
    let items = jsonld::jsonld_items(doc, page_url, deadline)?;
    if items.is_empty() {
        microdata::microdata_items(doc, page_url, deadline)
    } else {
        Ok(items)
    }
}

/// `s` on one line, runs of whitespace folded to one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Resolves `raw` against the page; only web (and local file) links count.
fn resolve(page_url: &Url, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    page_url
        .join(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"))
        .map(String::from)
}

/// `<link rel="next">` or `<a rel="next">`, the standard pagination hint.
fn rel_next(doc: &Html, page_url: &Url) -> Option<Url> {
    doc.root_element()
        .descendent_elements()
        .filter(|e| matches!(e.value().name(), "link" | "a"))
        .filter(|e| {
            e.value()
                .attr("rel")
                .is_some_and(|r| r.split_whitespace().any(|t| t.eq_ignore_ascii_case("next")))
        })
        .find_map(|e| e.value().attr("href"))
        .and_then(|raw| resolve(page_url, raw))
        .and_then(|u| Url::parse(&u).ok())
}

/// The same page, ignoring the fragment (`#top` is not another page).
fn same_page(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

#[cfg(test)]
mod test_support {
    use chrono::{DateTime, Utc};
    use url::Url;

    use super::Selectors;

    pub(super) fn page() -> Url {
        Url::parse("https://example.com/biz/harbor/reviews?page=1").expect("valid test URL")
    }

    pub(super) fn date(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid test date")
            .with_timezone(&Utc)
    }

    pub(super) fn sel(item: &str) -> Selectors {
        Selectors {
            item: item.to_string(),
            ..Selectors::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{page, sel};
    use super::*;

    #[test]
    fn the_unsupported_pseudo_class_is_named_as_written() {
        for (raw, pseudo) in [
            (":foo", Some(":foo")),
            (".r:hover > p", Some(":hover")),
            ("p::before", Some("::before")),
            ("li:nth-child(2):not(.x):is(a, b):visited", Some(":visited")),
            ("li:nth-child(2):lang(en)", Some(":lang")),
            ("[href=\"a:hover\"]:first-child", None),
            ("[data-x=a\\:b]:empty", None),
        ] {
            assert_eq!(unsupported_pseudo(raw), pseudo, "{raw}");
        }
        let err = parse_css("text", ".r:hover").unwrap_err().to_string();
        assert!(err.contains("`:hover` is not supported"), "{err}");
    }

    #[test]
    fn bad_selector_error_names_the_field() {
        let s = Selectors {
            author: Some("span[[".into()),
            ..sel(".review")
        };
        let err = s.validate().expect_err("bad selector").to_string();
        assert!(err.starts_with("selectors.author: `span[[`"), "{err}");
        let err = sel(".review@id")
            .validate()
            .expect_err("attr on item")
            .to_string();
        assert!(err.starts_with("selectors.item:"), "{err}");
        let err = sel("").validate().expect_err("empty item").to_string();
        assert!(err.starts_with("selectors.item:"), "{err}");
        let next = Selectors {
            next: Some("@href".into()),
            ..sel(".review")
        };
        assert!(extract_reviews("", &page(), Some(&next)).is_err());
        assert!(
            sel("a[href*='@x']").validate().is_ok(),
            "@ inside a value is CSS"
        );
    }

    #[test]
    fn selectors_deserialize_strictly() {
        let ok: Selectors =
            serde_json::from_str(r#"{"item":".r","rating":".s@title"}"#).expect("known keys");
        assert_eq!(ok.rating.as_deref(), Some(".s@title"));
        assert!(serde_json::from_str::<Selectors>(r#"{"item":".r","stars":".s"}"#).is_err());
    }

    #[test]
    fn structured_mode_follows_rel_next_but_not_to_itself() {
        let html = r#"<link rel="next" href="/biz/harbor/reviews?page=2">"#;
        let out = extract_reviews(html, &page(), None).expect("no selectors");
        assert_eq!(
            out.next_page.map(String::from).as_deref(),
            Some("https://example.com/biz/harbor/reviews?page=2")
        );
        let same = r##"<a rel="next" href="#top">next</a>"##;
        assert_eq!(
            extract_reviews(same, &page(), None)
                .expect("no selectors")
                .next_page,
            None
        );
    }

    #[test]
    fn deep_html_is_refused_naming_the_page() {
        let html = "<div class=r>".repeat(100_000);
        let started = Instant::now();
        let err = extract_reviews(&html, &page(), Some(&sel(".r")))
            .expect_err("too deep")
            .to_string();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(
            err.starts_with("page https://example.com/biz/harbor/reviews?page=1: ")
                && err.contains("more than 512 levels deep"),
            "{err}"
        );
    }

    #[test]
    fn extraction_stops_when_its_time_budget_is_spent() {
        let html = "<div class=r>a review</div>".repeat(3);
        let err = extract_reviews_within(&html, &page(), Some(&sel(".r")), Duration::ZERO)
            .expect_err("no time at all")
            .to_string();
        assert!(
            err.contains("took more than 0s (stopped after 0 review(s))"),
            "{err}"
        );
        let structured =
            r#"<script type="application/ld+json">{"@type":"Review","reviewBody":"ok"}</script>"#;
        assert!(extract_reviews_within(structured, &page(), None, Duration::ZERO).is_err());
        let out = extract_reviews(&html, &page(), Some(&sel(".r"))).expect("within budget");
        assert_eq!(out.items.len(), 3);
    }
}
