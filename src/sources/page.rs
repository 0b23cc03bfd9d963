//! Reviews from an HTML page: by the CSS selectors a user configured, or,
//! without selectors, from the schema.org `Review` items the page publishes
//! as JSON-LD (or, failing that, as microdata).
//!
//! Also owns the lenient readers of star ratings and dates that review pages
//! print in many wordings. Pure: no fetching, no store; the poller hands in the
//! page body and its URL and gets [`RawItem`]s back.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};
use url::Url;

use super::text::{element_text, html_to_text, tidy_whitespace};
use super::RawItem;

/// Attributes that often carry a rating on a star widget (`aria-label="4 stars"`).
const RATING_ATTRS: &[&str] = &[
    "aria-label",
    "data-rating",
    "data-score",
    "data-value",
    "content",
    "value",
    "title",
    "alt",
];

/// Attributes that often carry a machine-readable date, best first.
const DATE_ATTRS: &[&str] = &["datetime", "content", "data-date", "title"];

/// Attributes on an item element that identify a review when it has no link.
const ID_ATTRS: &[&str] = &["id", "data-review-id", "data-id"];

/// How deep the JSON-LD walk goes; real pages nest a handful of levels.
const MAX_JSONLD_DEPTH: usize = 64;

/// Longest text `parse_date` looks at; dates are short, page text is not.
const MAX_DATE_CHARS: usize = 200;

/// Most words a date can span ("Mon, 02 Nov 2026 14:30:00 +0000").
const MAX_DATE_WORDS: usize = 6;

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
    Selector::parse(raw.trim()).map_err(|e| bad_selector(field, raw, &e.to_string()))
}

/// Parses `selector`, `selector@attr` or `@attr` (the item itself).
fn compile_field(field: &'static str, raw: &str) -> Result<Field, PageError> {
    let (css, attr) = split_attr(raw);
    let selector = if css.is_empty() && attr.is_some() {
        None
    } else {
        Some(parse_css(field, css).map_err(|e| match e {
            PageError::BadSelector { reason, .. } => bad_selector(field, raw, &reason),
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
pub fn extract_reviews(
    html: &str,
    page_url: &Url,
    selectors: Option<&Selectors>,
) -> Result<PageExtract, PageError> {
    let compiled = selectors.map(Selectors::compile).transpose()?;
    let doc = Html::parse_document(html);
    let (items, next) = match &compiled {
        Some(c) => (
            selector_items(&doc, c, page_url),
            c.next
                .as_ref()
                .and_then(|f| next_by_selector(&doc, f, page_url)),
        ),
        None => (structured_items(&doc, page_url), rel_next(&doc, page_url)),
    };
    let next_page = next.filter(|n| !same_page(n, page_url));
    Ok(PageExtract { items, next_page })
}

// ---------------------------------------------------------------- selectors

fn selector_items(doc: &Html, c: &Compiled, page_url: &Url) -> Vec<RawItem> {
    doc.select(&c.item)
        .filter_map(|item| selector_item(item, c, page_url))
        .collect()
}

fn selector_item(item: ElementRef<'_>, c: &Compiled, page_url: &Url) -> Option<RawItem> {
    let text = match &c.text {
        Some(field) => read_body(item, field),
        None => element_text(item),
    };
    if text.is_empty() {
        return None;
    }
    let url = c
        .link
        .as_ref()
        .and_then(|f| first_match(item, f))
        .and_then(|(el, f)| read_link(el, f.attr.as_deref()))
        .and_then(|raw| resolve(page_url, &raw));
    let guid = url.clone().or_else(|| {
        ID_ATTRS
            .iter()
            .find_map(|a| {
                item.value()
                    .attr(a)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            })
            .map(str::to_string)
    });
    let line = |field: &Option<Field>| {
        field
            .as_ref()
            .and_then(|f| first_match(item, f))
            .map(|(el, f)| read_line(el, f.attr.as_deref()))
            .filter(|s| !s.is_empty())
    };
    Some(RawItem {
        guid,
        url,
        author: line(&c.author),
        title: line(&c.title),
        text,
        published_at: c
            .date
            .as_ref()
            .and_then(|f| first_match(item, f))
            .and_then(read_date),
        rating: c
            .rating
            .as_ref()
            .and_then(|f| first_match(item, f))
            .and_then(read_rating),
    })
}

/// The first element `field` selects inside `item` (or `item` itself for `@attr`).
fn first_match<'a, 'f>(
    item: ElementRef<'a>,
    field: &'f Field,
) -> Option<(ElementRef<'a>, &'f Field)> {
    match &field.selector {
        None => Some(item),
        Some(sel) => item.select(sel).next(),
    }
    .map(|el| (el, field))
}

/// The review body: an attribute, or the text of every match (a body split
/// over several elements), leaving out matches nested in an earlier one.
fn read_body(item: ElementRef<'_>, field: &Field) -> String {
    let Some(sel) = &field.selector else {
        return read_line_or_text(item, field.attr.as_deref());
    };
    if field.attr.is_some() {
        return item
            .select(sel)
            .next()
            .map(|el| read_line_or_text(el, field.attr.as_deref()))
            .unwrap_or_default();
    }
    let mut seen = HashSet::new();
    let mut parts = Vec::new();
    for el in item.select(sel) {
        seen.insert(el.id());
        if el.ancestors().any(|a| seen.contains(&a.id())) {
            continue;
        }
        let part = element_text(el);
        if !part.is_empty() {
            parts.push(part);
        }
    }
    parts.join("\n\n")
}

fn read_line_or_text(el: ElementRef<'_>, attr: Option<&str>) -> String {
    match attr {
        Some(a) => tidy_whitespace(el.value().attr(a).unwrap_or("")),
        None => element_text(el),
    }
}

/// A one-line value: an attribute, or the element's text on one line.
fn read_line(el: ElementRef<'_>, attr: Option<&str>) -> String {
    one_line(&read_line_or_text(el, attr))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rating: the configured attribute, else a rating-bearing attribute of a
/// star widget, else the element's text.
fn read_rating((el, field): (ElementRef<'_>, &Field)) -> Option<f32> {
    if let Some(a) = &field.attr {
        return el.value().attr(a).and_then(parse_rating);
    }
    RATING_ATTRS
        .iter()
        .filter_map(|a| el.value().attr(a))
        .find_map(parse_rating)
        .or_else(|| parse_rating(&one_line(&element_text(el))))
}

/// The date: the configured attribute, else a date-bearing attribute
/// (`<time datetime>`), else the element's text.
fn read_date((el, field): (ElementRef<'_>, &Field)) -> Option<DateTime<Utc>> {
    if let Some(a) = &field.attr {
        return el.value().attr(a).and_then(parse_date);
    }
    DATE_ATTRS
        .iter()
        .filter_map(|a| el.value().attr(a))
        .find_map(parse_date)
        .or_else(|| parse_date(&one_line(&element_text(el))))
}

/// A link: the configured attribute, else `href` of the element or of the
/// first link inside it.
fn read_link(el: ElementRef<'_>, attr: Option<&str>) -> Option<String> {
    if let Some(a) = attr {
        return el.value().attr(a).map(str::to_string);
    }
    el.value()
        .attr("href")
        .or_else(|| {
            el.descendent_elements()
                .find_map(|d| d.value().attr("href").filter(|_| d.value().name() == "a"))
        })
        .map(str::to_string)
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

fn next_by_selector(doc: &Html, field: &Field, page_url: &Url) -> Option<Url> {
    let sel = field.selector.as_ref()?;
    let el = doc.select(sel).next()?;
    let raw = read_link(el, field.attr.as_deref())?;
    resolve(page_url, &raw).and_then(|u| Url::parse(&u).ok())
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

fn same_page(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

// ------------------------------------------------------ JSON-LD, microdata

/// Reviews the page publishes as structured data: JSON-LD first; microdata
/// only when there is no JSON-LD review (pages that have both repeat them).
fn structured_items(doc: &Html, page_url: &Url) -> Vec<RawItem> {
    let items = jsonld_items(doc, page_url);
    if items.is_empty() {
        microdata_items(doc, page_url)
    } else {
        items
    }
}

fn jsonld_items(doc: &Html, page_url: &Url) -> Vec<RawItem> {
    let mut out = Vec::new();
    let scripts = doc.root_element().descendent_elements().filter(|e| {
        e.value().name() == "script"
            && e.value().attr("type").is_some_and(|t| {
                t.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/ld+json")
            })
    });
    for script in scripts {
        if let Some(value) = parse_jsonld(&script.text().collect::<String>()) {
            collect_reviews(&value, page_url, &mut out, 0);
        }
    }
    out
}

/// One JSON-LD block, or `None` when it is not JSON even after the usual
/// repairs (comment or CDATA wrappers, raw newlines inside strings).
fn parse_jsonld(raw: &str) -> Option<Value> {
    let mut s = raw.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        s = s.strip_prefix(open).unwrap_or(s).trim();
        s = s.strip_suffix(close).unwrap_or(s).trim();
    }
    serde_json::from_str(s).ok().or_else(|| {
        let repaired: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&repaired).ok()
    })
}

fn collect_reviews(value: &Value, page_url: &Url, out: &mut Vec<RawItem>, depth: usize) {
    if depth > MAX_JSONLD_DEPTH {
        return;
    }
    match value {
        Value::Array(values) => {
            for v in values {
                collect_reviews(v, page_url, out, depth + 1);
            }
        }
        Value::Object(map) if is_jsonld_review(map) => {
            if let Some(item) = jsonld_item(map, page_url) {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        Value::Object(map) => {
            for v in map.values() {
                collect_reviews(v, page_url, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A `Review` by `@type` (string or list, any schema.org spelling), or an
/// untyped object that plainly is one (a business's `review` entries often
/// carry no `@type`).
fn is_jsonld_review(map: &Map<String, Value>) -> bool {
    match map.get("@type") {
        Some(Value::String(t)) => is_review_type(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(is_review_type),
        Some(_) => false,
        None => map.contains_key("reviewBody") || map.contains_key("reviewRating"),
    }
}

fn is_review_type(t: &str) -> bool {
    let name = t.rsplit(['/', ':', '#']).next().unwrap_or(t);
    matches!(
        name,
        "Review" | "UserReview" | "CriticReview" | "EmployerReview"
    )
}

fn jsonld_item(map: &Map<String, Value>, page_url: &Url) -> Option<RawItem> {
    let str_of = |keys: &[&str]| {
        keys.iter()
            .filter_map(|k| map.get(*k).and_then(json_text))
            .find(|s| !s.trim().is_empty())
    };
    let text = html_to_text(&str_of(&["reviewBody", "description", "text"])?);
    if text.is_empty() {
        return None;
    }
    let url = str_of(&["url"]).and_then(|u| resolve(page_url, &u));
    let id = str_of(&["@id"]);
    let id_url = id.as_deref().and_then(|i| resolve(page_url, i));
    Some(RawItem {
        guid: url.clone().or_else(|| id_url.clone()).or(id),
        url: url.or(id_url),
        author: map.get("author").and_then(author_name),
        title: str_of(&["name", "headline"])
            .map(|t| one_line(&html_to_text(&t)))
            .filter(|t| !t.is_empty()),
        text,
        published_at: str_of(&["datePublished", "dateCreated"]).and_then(|d| parse_date(&d)),
        rating: map.get("reviewRating").and_then(json_rating),
    })
}

/// A string, or the first string of a list.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(vs) => vs.iter().find_map(json_text),
        _ => None,
    }
}

/// `"Jane"`, `{"name": "Jane"}`, `{"givenName", "familyName"}`, or a list of those.
fn author_name(v: &Value) -> Option<String> {
    let name = match v {
        Value::String(s) => s.clone(),
        Value::Array(vs) => return vs.iter().find_map(author_name),
        Value::Object(m) => match m.get("name").and_then(json_text) {
            Some(n) => n,
            None => [m.get("givenName"), m.get("familyName")]
                .into_iter()
                .flatten()
                .filter_map(json_text)
                .collect::<Vec<_>>()
                .join(" "),
        },
        _ => return None,
    };
    Some(one_line(&html_to_text(&name))).filter(|n| !n.is_empty())
}

/// `reviewRating`: a `Rating` object (scale from `bestRating`/`worstRating`)
/// or a bare number.
fn json_rating(v: &Value) -> Option<f32> {
    match v {
        Value::Object(m) => {
            let num = |k: &str| m.get(k).and_then(json_text).and_then(|s| parse_number(&s));
            normalise_rating(num("ratingValue")?, num("bestRating"), num("worstRating"))
        }
        Value::Array(vs) => vs.iter().find_map(json_rating),
        other => json_text(other).and_then(|s| parse_rating(&s)),
    }
}

fn parse_number(s: &str) -> Option<f32> {
    s.trim()
        .replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite())
}

/// Maps `value` on the scale `worst..=best` (schema.org defaults 1..=5) to
/// 1..=5. Without a positive `worstRating` the scale is read as a fraction of
/// `best` (8 of 10 is 4 stars), as people read it.
fn normalise_rating(value: f32, best: Option<f32>, worst: Option<f32>) -> Option<f32> {
    let best = best.filter(|b| *b > 0.0).unwrap_or(5.0);
    let stars = match worst {
        Some(w) if w > 0.0 && w < best => 1.0 + (value - w) / (best - w) * 4.0,
        _ => value / best * 5.0,
    };
    clamp_stars(stars)
}

fn clamp_stars(stars: f32) -> Option<f32> {
    (stars.is_finite() && stars >= 0.0).then(|| ((stars.clamp(1.0, 5.0)) * 100.0).round() / 100.0)
}

fn microdata_items(doc: &Html, page_url: &Url) -> Vec<RawItem> {
    doc.root_element()
        .descendent_elements()
        .filter(|e| {
            e.value().attr("itemscope").is_some()
                && e.value()
                    .attr("itemtype")
                    .is_some_and(|t| t.split_whitespace().any(is_review_type))
        })
        .filter_map(|e| microdata_item(e, page_url))
        .collect()
}

/// The `itemprop` elements of one microdata item, in document order, without
/// looking inside nested items (their properties are theirs).
fn microdata_props(scope: ElementRef<'_>) -> Vec<(&str, ElementRef<'_>)> {
    let mut props = Vec::new();
    let mut stack: Vec<ElementRef<'_>> = scope.child_elements().collect();
    stack.reverse();
    while let Some(el) = stack.pop() {
        if let Some(names) = el.value().attr("itemprop") {
            props.extend(names.split_whitespace().map(|n| (n, el)));
        }
        if el.value().attr("itemscope").is_none() {
            let mut children: Vec<_> = el.child_elements().collect();
            children.reverse();
            stack.extend(children);
        }
    }
    props
}

fn prop<'a>(props: &[(&str, ElementRef<'a>)], names: &[&str]) -> Option<ElementRef<'a>> {
    names
        .iter()
        .find_map(|n| props.iter().find(|(p, _)| p == n).map(|(_, el)| *el))
}

/// A property's value by the microdata rules (`content`, `href`, `datetime`…).
fn microdata_value(el: ElementRef<'_>) -> String {
    let v = el.value();
    let attr = match v.name() {
        "meta" => v.attr("content"),
        "a" | "link" | "area" => v.attr("href"),
        "img" | "audio" | "video" | "source" | "embed" | "iframe" => v.attr("src"),
        "time" => v.attr("datetime"),
        "data" | "meter" => v.attr("value"),
        _ => v.attr("content"),
    };
    attr.map(tidy_whitespace)
        .unwrap_or_else(|| element_text(el))
}

fn microdata_item(scope: ElementRef<'_>, page_url: &Url) -> Option<RawItem> {
    let props = microdata_props(scope);
    let text = prop(&props, &["reviewBody", "description"])
        .map(microdata_value)
        .filter(|t| !t.is_empty())?;
    let url = prop(&props, &["url"]).and_then(|el| resolve(page_url, &microdata_value(el)));
    let id = scope
        .value()
        .attr("itemid")
        .and_then(|i| resolve(page_url, i))
        .or_else(|| scope.value().attr("id").map(str::to_string));
    let line = |names: &[&str]| {
        prop(&props, names)
            .map(|el| one_line(&microdata_value(el)))
            .filter(|s| !s.is_empty())
    };
    Some(RawItem {
        guid: url.clone().or(id),
        url,
        author: prop(&props, &["author"]).and_then(microdata_author),
        title: line(&["name", "headline"]),
        text,
        published_at: prop(&props, &["datePublished", "dateCreated"])
            .and_then(|el| parse_date(&microdata_value(el))),
        rating: prop(&props, &["reviewRating"]).and_then(microdata_rating),
    })
}

fn microdata_author(el: ElementRef<'_>) -> Option<String> {
    let name = if el.value().attr("itemscope").is_some() {
        let props = microdata_props(el);
        prop(&props, &["name"]).map(microdata_value)?
    } else {
        microdata_value(el)
    };
    Some(one_line(&name)).filter(|n| !n.is_empty())
}

fn microdata_rating(el: ElementRef<'_>) -> Option<f32> {
    if el.value().attr("itemscope").is_none() {
        return parse_rating(&microdata_value(el));
    }
    let props = microdata_props(el);
    let num = |name: &str| prop(&props, &[name]).and_then(|e| parse_number(&microdata_value(e)));
    normalise_rating(num("ratingValue")?, num("bestRating"), num("worstRating"))
}

// ------------------------------------------------------------------ ratings

/// A piece of a rating text.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f32),
    Word(String),
    Slash,
    Percent,
}

/// Stars 1..=5 from text like "4 stars", "4.0 out of 5", "Rated 2 of 5",
/// "3/5", "★★★☆☆", "8/10" (scaled to 5), "five stars", "80%" (only when it is
/// the only number) or a bare number up to 5. `None` when not understood.
pub fn parse_rating(s: &str) -> Option<f32> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_DATE_CHARS {
        return None;
    }
    if let Some(stars) = star_glyphs(s) {
        return Some(stars);
    }
    let tokens = tokenize_rating(&s.to_lowercase());
    ratio_rating(&tokens)
        .or_else(|| stars_word_rating(&tokens))
        .or_else(|| percent_rating(&tokens))
        .or_else(|| bare_rating(&tokens))
}

/// "★★★☆☆": filled stars out of all stars drawn.
fn star_glyphs(s: &str) -> Option<f32> {
    let filled = s.chars().filter(|c| matches!(c, '★' | '⭐')).count();
    let empty = s.chars().filter(|c| *c == '☆').count();
    let total = filled + empty;
    if filled == 0 {
        return None;
    }
    let scale = if total > 5 { total as f32 } else { 5.0 };
    clamp_stars(filled as f32 / scale * 5.0)
}

fn tokenize_rating(s: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || is_decimal_mark(&chars, i)) {
                i += 1;
            }
            let num: String = chars[start..i]
                .iter()
                .map(|c| if *c == ',' { '.' } else { *c })
                .collect();
            tokens.extend(num.parse().ok().map(Token::Num));
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(word_number(&word).map_or(Token::Word(word), Token::Num));
            continue;
        }
        match c {
            '/' => tokens.push(Token::Slash),
            '%' => tokens.push(Token::Percent),
            _ => {}
        }
        i += 1;
    }
    tokens
}

/// A `.` or `,` between a digit and one or two more digits ("4.5", "4,5"; not "1,234").
fn is_decimal_mark(chars: &[char], i: usize) -> bool {
    if !matches!(chars[i], '.' | ',') || i == 0 || !chars[i - 1].is_ascii_digit() {
        return false;
    }
    let digits = chars[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    digits >= 1 && (chars[i] == '.' || digits <= 2)
}

fn word_number(w: &str) -> Option<f32> {
    let n = match w {
        "zero" => 0.0,
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "ten" => 10.0,
        _ => return None,
    };
    Some(n)
}

/// "4 out of 5", "2 of 5", "8/10".
fn ratio_rating(tokens: &[Token]) -> Option<f32> {
    tokens.iter().enumerate().find_map(|(i, t)| {
        let Token::Num(value) = t else { return None };
        let rest = &tokens[i + 1..];
        let best = match rest {
            [Token::Slash, Token::Num(b), ..] => *b,
            [Token::Word(o), Token::Word(f), Token::Num(b), ..] if o == "out" && f == "of" => *b,
            [Token::Word(o), Token::Num(b), ..] if o == "of" || o == "von" || o == "sur" => *b,
            _ => return None,
        };
        (best > 0.0 && *value <= best)
            .then(|| normalise_rating(*value, Some(best), None))
            .flatten()
    })
}

/// "4 stars", "4.5-star", "five stars".
fn stars_word_rating(tokens: &[Token]) -> Option<f32> {
    tokens.windows(2).find_map(|w| match w {
        [Token::Num(n), Token::Word(word)] if word.starts_with("star") && *n <= 5.0 => {
            clamp_stars(*n)
        }
        _ => None,
    })
}

/// "80%", only when it is the only number in the text.
fn percent_rating(tokens: &[Token]) -> Option<f32> {
    let nums = tokens.iter().filter(|t| matches!(t, Token::Num(_))).count();
    match tokens.windows(2).find(|w| w[1] == Token::Percent) {
        Some([Token::Num(p), _]) if nums == 1 && *p <= 100.0 => clamp_stars(p / 100.0 * 5.0),
        _ => None,
    }
}

/// The first number, when it can only be stars (above 0, at most 5).
fn bare_rating(tokens: &[Token]) -> Option<f32> {
    match tokens.iter().find(|t| matches!(t, Token::Num(_))) {
        Some(Token::Num(n)) if *n > 0.0 && *n <= 5.0 => clamp_stars(*n),
        _ => None,
    }
}

// -------------------------------------------------------------------- dates

/// Dates: RFC 3339, RFC 2822, "2026-11-02", "2026-11-02 14:30", "November 2,
/// 2026", "2 Nov 2026", "Nov 2, 2026", "11/02/2026" (month first unless the
/// first number is over 12), Unix seconds, "3 days ago"/"yesterday" (from
/// now), also inside a longer text ("Reviewed on 2 Nov 2026"). Times without a
/// zone are UTC; date-only is midnight UTC. `None` when not understood.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    parse_date_at(s, Utc::now())
}

fn parse_date_at(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_DATE_CHARS {
        return None;
    }
    parse_exact_date(s)
        .or_else(|| parse_timestamp(s))
        .or_else(|| parse_relative_date(s, now))
        .or_else(|| parse_date_inside(s))
}

/// The whole of `s` is one date in a known format.
fn parse_exact_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().trim_end_matches(['.', ',', ';', '·']).trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    const ZONED: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M%z",
    ];
    if let Some(d) = ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(d.with_timezone(&Utc));
    }
    let s = normalise_date_words(s);
    let naive = s.trim_end_matches(['Z', 'z']);
    const LOCAL: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ];
    if let Some(d) = LOCAL
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
    {
        return Some(Utc.from_utc_datetime(&d));
    }
    parse_naive_date(&s)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d))
}

/// Commas dropped, ordinals ("2nd") and "Sept" made plain, whitespace folded.
fn normalise_date_words(s: &str) -> String {
    s.replace(',', " ")
        .split_whitespace()
        .map(|w| {
            let w = w.trim_end_matches('.');
            let digits = w.chars().take_while(char::is_ascii_digit).count();
            let suffix = w[digits..].to_ascii_lowercase();
            if digits > 0 && matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
                w[..digits].to_string()
            } else if w.eq_ignore_ascii_case("sept") {
                "Sep".to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_naive_date(s: &str) -> Option<NaiveDate> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%d.%m.%Y",
        "%B %d %Y",
        "%d %B %Y",
        "%A %B %d %Y",
        "%A %d %B %Y",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .or_else(|| parse_slashed_date(s))
}

/// "11/02/2026": month first (US), unless the first number cannot be a month.
fn parse_slashed_date(s: &str) -> Option<NaiveDate> {
    let parts: Vec<u32> = s
        .split('/')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, year] = parts[..] else { return None };
    if year < 1000 {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    if a > 12 {
        NaiveDate::from_ymd_opt(year, b, a)
    } else {
        NaiveDate::from_ymd_opt(year, a, b)
    }
}

/// Unix seconds (10 digits) or milliseconds (13 digits), as `data-timestamp` carries.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    match s.len() {
        9 | 10 => DateTime::from_timestamp(n, 0),
        13 => DateTime::from_timestamp_millis(n),
        _ => None,
    }
}

/// "3 days ago", "an hour ago", "yesterday", "today", counted back from
/// `now` and cut to the unit, so a re-fetch the same day gives the same date.
fn parse_relative_date(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let day_start = |d: DateTime<Utc>| {
        d.date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| Utc.from_utc_datetime(&d))
    };
    if words.contains(&"yesterday") {
        return day_start(now - Duration::days(1));
    }
    if words.contains(&"today") {
        return day_start(now);
    }
    let ago = words.iter().position(|w| *w == "ago")?;
    let (amount, unit) = match ago {
        0 | 1 => return None,
        i => (words[i - 2], words[i - 1].trim_end_matches('s')),
    };
    let n: i64 = match amount {
        "a" | "an" | "one" => 1,
        other => other.parse().ok()?,
    };
    let back = match unit {
        "second" | "sec" => return Some(now - Duration::seconds(n)),
        "minute" | "min" => return Some(now - Duration::minutes(n)),
        "hour" | "hr" => return Some(now - Duration::hours(n)),
        "day" => Duration::days(n),
        "week" => Duration::weeks(n),
        "month" => Duration::days(30 * n),
        "year" => Duration::days(365 * n),
        _ => return None,
    };
    day_start(now - back)
}

/// A date somewhere inside a longer text: the longest run of words that parses.
fn parse_date_inside(s: &str) -> Option<DateTime<Utc>> {
    let words: Vec<&str> = s.split_whitespace().collect();
    (1..=MAX_DATE_WORDS.min(words.len())).rev().find_map(|len| {
        words
            .windows(len)
            .find_map(|w| parse_exact_date(&w.join(" ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://example.com/biz/harbor/reviews?page=1").expect("valid test URL")
    }

    fn date(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid test date")
            .with_timezone(&Utc)
    }

    fn sel(item: &str) -> Selectors {
        Selectors {
            item: item.to_string(),
            ..Selectors::default()
        }
    }

    const SELECTOR_PAGE: &str = r#"
        <html><body>
        <div class="review" id="r-1">
          <span class="author"> Jane   D. </span>
          <span class="stars" aria-label="Rated 2 out of 5"></span>
          <time datetime="2026-11-02T14:30:00Z">Nov 2</time>
          <a class="permalink" href="/biz/harbor/reviews/1">link</a>
          <div class="body"><p>Cold coffee &amp; rude staff.</p><p>Never again.</p></div>
        </div>
        <div class="review" id="r-2">
          <span class="author">Sam</span>
          <span class="stars" aria-label="5 stars"></span>
          <div class="body">Lovely croissants!</div>
        </div>
        <div class="review" id="r-3"><span class="author">Empty</span><div class="body"> </div></div>
        <a class="next" href="?page=2">Next</a>
        </body></html>"#;

    #[test]
    fn selectors_read_text_attributes_and_links() {
        let s = Selectors {
            author: Some(".author".into()),
            text: Some(".body".into()),
            rating: Some(".stars@aria-label".into()),
            date: Some("time@datetime".into()),
            link: Some("a.permalink@href".into()),
            next: Some("a.next".into()),
            ..sel(".review")
        };
        let out = extract_reviews(SELECTOR_PAGE, &page(), Some(&s)).expect("valid selectors");
        assert_eq!(out.items.len(), 2, "the review with empty text is skipped");
        let first = &out.items[0];
        let link = "https://example.com/biz/harbor/reviews/1";
        assert_eq!(first.url.as_deref(), Some(link));
        assert_eq!(first.guid.as_deref(), Some(link));
        assert_eq!(first.author.as_deref(), Some("Jane D."));
        assert_eq!(first.text, "Cold coffee & rude staff.\n\nNever again.");
        assert_eq!(first.rating, Some(2.0));
        assert_eq!(first.published_at, Some(date("2026-11-02T14:30:00Z")));
        let second = &out.items[1];
        assert_eq!(second.guid.as_deref(), Some("r-2"), "no link: the item id");
        assert_eq!(second.url, None);
        assert_eq!(second.rating, Some(5.0));
        assert_eq!(
            out.next_page.map(String::from).as_deref(),
            Some("https://example.com/biz/harbor/reviews?page=2")
        );
    }

    #[test]
    fn selectors_without_attr_fall_back_to_common_attributes() {
        let s = Selectors {
            rating: Some(".stars".into()),
            date: Some("time".into()),
            link: Some("h3".into()),
            ..sel(".review")
        };
        let html = r#"<div class="review"><h3><a href="r/9">Great</a></h3><span class="stars" data-rating="4"></span>
            <time datetime="2026-11-02">two days ago</time> Tasty.</div>"#;
        let out = extract_reviews(html, &page(), Some(&s)).expect("valid selectors");
        let item = &out.items[0];
        assert_eq!(item.rating, Some(4.0));
        assert_eq!(item.published_at, Some(date("2026-11-02T00:00:00Z")));
        assert_eq!(
            item.url.as_deref(),
            Some("https://example.com/biz/harbor/r/9")
        );
        assert_eq!(
            item.text, "Great\n\ntwo days ago Tasty.",
            "no text selector: the whole item"
        );
    }

    #[test]
    fn attr_alone_reads_the_item_itself() {
        let s = Selectors {
            rating: Some("@data-stars".into()),
            ..sel("li.r")
        };
        let out = extract_reviews(
            "<ul><li class=r data-stars='3'>ok</li></ul>",
            &page(),
            Some(&s),
        )
        .expect("valid selectors");
        assert_eq!(out.items[0].rating, Some(3.0));
        assert_eq!(out.items[0].text, "ok");
    }

    #[test]
    fn unmatched_item_selector_gives_no_items() {
        let out = extract_reviews(SELECTOR_PAGE, &page(), Some(&sel(".nothing"))).expect("valid");
        assert!(out.items.is_empty());
        assert_eq!(out.next_page, None);
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

    fn jsonld_page(json: &str) -> String {
        format!("<html><head><script type=\"application/ld+json\">{json}</script></head><body></body></html>")
    }

    fn jsonld(json: &str) -> Vec<RawItem> {
        extract_reviews(&jsonld_page(json), &page(), None)
            .expect("no selectors")
            .items
    }

    #[test]
    fn jsonld_single_review() {
        let items = jsonld(
            r#"{"@context":"https://schema.org","@type":"Review","author":{"@type":"Person","name":"Jane Doe"},
               "reviewBody":"Waited forever &amp; the bread was stale.","name":"Disappointing",
               "reviewRating":{"@type":"Rating","ratingValue":"2","bestRating":"5"},
               "datePublished":"2026-11-02","url":"/reviews/77"}"#,
        );
        assert_eq!(items.len(), 1);
        let r = &items[0];
        assert_eq!(r.author.as_deref(), Some("Jane Doe"));
        assert_eq!(r.text, "Waited forever & the bread was stale.");
        assert_eq!(r.title.as_deref(), Some("Disappointing"));
        assert_eq!(r.rating, Some(2.0));
        assert_eq!(r.published_at, Some(date("2026-11-02T00:00:00Z")));
        assert_eq!(r.url.as_deref(), Some("https://example.com/reviews/77"));
        assert_eq!(r.guid, r.url);
    }

    #[test]
    fn jsonld_top_level_array_and_type_list() {
        let items = jsonld(
            r#"[{"@type":"WebPage","name":"x"},
                {"@type":["Review","CreativeWork"],"author":"Sam","reviewBody":"Great"},
                {"@type":"schema:Review","author":[{"name":"Ann"}],"description":"Fine"}]"#,
        );
        let authors: Vec<_> = items.iter().map(|i| i.author.as_deref()).collect();
        assert_eq!(authors, [Some("Sam"), Some("Ann")]);
        assert_eq!(items[1].text, "Fine");
    }

    #[test]
    fn jsonld_graph_and_nested_business_reviews() {
        let items = jsonld(
            r#"{"@context":"https://schema.org","@graph":[
                {"@type":"LocalBusiness","name":"Harbor Street Bakery",
                 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.1"},
                 "review":[
                   {"@type":"Review","@id":"https://example.com/#rev-1","author":{"name":"Jo"},"reviewBody":"Best rye in town"},
                   {"author":"Untyped","reviewBody":"Still a review","reviewRating":{"ratingValue":4}}]}]}"#,
        );
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].guid.as_deref(), Some("https://example.com/#rev-1"));
        assert_eq!(items[1].author.as_deref(), Some("Untyped"));
        assert_eq!(items[1].rating, Some(4.0));
    }

    #[test]
    fn jsonld_ratings_are_normalised_to_five() {
        let rating = |r: &str| {
            jsonld(&format!(
                r#"{{"@type":"Review","reviewBody":"x","reviewRating":{r}}}"#
            ))[0]
                .rating
        };
        assert_eq!(rating(r#"{"ratingValue":8,"bestRating":10}"#), Some(4.0));
        assert_eq!(
            rating(r#"{"ratingValue":"80","bestRating":"100","worstRating":"0"}"#),
            Some(4.0)
        );
        assert_eq!(
            rating(r#"{"ratingValue":4,"bestRating":7,"worstRating":1}"#),
            Some(3.0)
        );
        assert_eq!(rating(r#"{"ratingValue":"4,5"}"#), Some(4.5));
        assert_eq!(rating("3"), Some(3.0));
        assert_eq!(rating(r#"{"bestRating":5}"#), None);
    }

    #[test]
    fn malformed_jsonld_is_skipped_and_wrappers_are_repaired() {
        let html = format!(
            "{}{}<script type='application/ld+json'><!-- {{\"@type\":\"Review\",\"reviewBody\":\"line one\nline two\"}} --></script>",
            jsonld_page("{ not json"),
            jsonld_page(r#"{"@type":"Review","reviewBody":"Good"}"#),
        );
        let items = extract_reviews(&html, &page(), None)
            .expect("no selectors")
            .items;
        let texts: Vec<_> = items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["Good", "line one line two"]);
    }

    #[test]
    fn jsonld_reviews_without_text_are_skipped() {
        assert!(jsonld(r#"{"@type":"Review","reviewBody":"  ","reviewRating":5}"#).is_empty());
    }

    #[test]
    fn microdata_reviews_when_no_jsonld() {
        let html = r#"<div itemscope itemtype="https://schema.org/LocalBusiness"><span itemprop="name">Harbor</span>
          <div itemprop="review" itemscope itemtype="https://schema.org/Review" id="m1">
            <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Lee</span></span>
            <meta itemprop="datePublished" content="2026-10-30">
            <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
              <meta itemprop="worstRating" content="1"><span itemprop="ratingValue">1</span>/<span itemprop="bestRating">5</span></div>
            <p itemprop="reviewBody">Burnt <b>toast</b>.</p>
          </div></div>"#;
        let items = extract_reviews(html, &page(), None)
            .expect("no selectors")
            .items;
        assert_eq!(items.len(), 1);
        let r = &items[0];
        assert_eq!(r.author.as_deref(), Some("Lee"));
        assert_eq!(r.text, "Burnt toast.");
        assert_eq!(r.rating, Some(1.0));
        assert_eq!(r.published_at, Some(date("2026-10-30T00:00:00Z")));
        assert_eq!(r.title, None, "the business name is not the review's");
        assert_eq!(r.guid.as_deref(), Some("m1"));
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
    fn ratings_in_many_wordings() {
        let cases = [
            ("4 stars", Some(4.0)),
            ("4.0 out of 5", Some(4.0)),
            ("Rated 2 of 5", Some(2.0)),
            ("Rated 4.5 out of 5 stars", Some(4.5)),
            ("3/5", Some(3.0)),
            ("8/10", Some(4.0)),
            ("★★★☆☆", Some(3.0)),
            ("⭐⭐⭐⭐⭐", Some(5.0)),
            ("5", Some(5.0)),
            ("4,5 von 5", Some(4.5)),
            ("five stars", Some(5.0)),
            ("1-star review", Some(1.0)),
            ("width: 80%", Some(4.0)),
            ("Rating: 4.5 (1,234 reviews)", Some(4.5)),
            ("12 reviews, 4 stars", Some(4.0)),
            ("8", None),
            ("excellent", None),
            ("", None),
            ("0 stars", Some(1.0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rating(text), want, "{text:?}");
        }
    }

    #[test]
    fn dates_in_many_formats() {
        let midnight = date("2026-11-02T00:00:00Z");
        let cases = [
            (
                "2026-11-02T14:30:00+01:00",
                Some(date("2026-11-02T13:30:00Z")),
            ),
            (
                "Mon, 02 Nov 2026 14:30:00 +0000",
                Some(date("2026-11-02T14:30:00Z")),
            ),
            ("2026-11-02", Some(midnight)),
            ("2026-11-02 14:30", Some(date("2026-11-02T14:30:00Z"))),
            ("2026-11-02T14:30:00", Some(date("2026-11-02T14:30:00Z"))),
            ("November 2, 2026", Some(midnight)),
            ("2 Nov 2026", Some(midnight)),
            ("Nov 2, 2026", Some(midnight)),
            ("Nov. 2nd, 2026", Some(midnight)),
            ("Sept 3, 2026", Some(date("2026-09-03T00:00:00Z"))),
            ("11/02/2026", Some(midnight)),
            ("25/11/2026", Some(date("2026-11-25T00:00:00Z"))),
            ("Reviewed on 2 November 2026 · edited", Some(midnight)),
            ("1793620800", Some(date("2026-11-02T12:00:00Z"))),
            (
                "2026-11-02T14:30:00.000+0000",
                Some(date("2026-11-02T14:30:00Z")),
            ),
            ("2026-11-02T14:30Z", Some(date("2026-11-02T14:30:00Z"))),
            ("Monday, November 2, 2026", Some(midnight)),
            ("02.11.2026", Some(midnight)),
            ("not a date", None),
            ("2026", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_date(text), want, "{text:?}");
        }
    }

    #[test]
    fn relative_dates_count_back_from_now() {
        let now = date("2026-11-23T12:55:00Z");
        let at = |s| parse_date_at(s, now);
        assert_eq!(at("3 days ago"), Some(date("2026-11-20T00:00:00Z")));
        assert_eq!(at("a week ago"), Some(date("2026-11-16T00:00:00Z")));
        assert_eq!(at("Posted yesterday"), Some(date("2026-11-22T00:00:00Z")));
        assert_eq!(at("2 hours ago"), Some(date("2026-11-23T10:55:00Z")));
        assert_eq!(at("5 mins ago"), Some(date("2026-11-23T12:50:00Z")));
        assert_eq!(at("ago"), None);
    }
}
