//! Selector mode: one review per `item` match, its fields read by the
//! selectors the user configured, with fallbacks to the attributes star
//! widgets and `<time>` elements commonly carry.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html};
use url::Url;

use super::date::parse_date;
use super::rating::parse_rating;
use super::{one_line, resolve, Compiled, Deadline, Field, Overtime};
use crate::sources::author::Author;
use crate::sources::text::{element_text, tidy_whitespace};
use crate::sources::RawItem;

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

/// One [`RawItem`] per `item` match; matches whose text is empty are skipped. The
/// deadline is checked between matches.
pub(super) fn selector_items(
    doc: &Html,
    c: &Compiled,
    page_url: &Url,
    deadline: Deadline,
) -> Result<Vec<RawItem>, Overtime> {
    let mut items = Vec::new();
    for item in doc.select(&c.item) {
        deadline.check(items.len())?;
        items.extend(selector_item(item, c, page_url));
    }
    Ok(items)
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
    let author = c
        .author
        .as_ref()
        .and_then(|f| first_match(item, f))
        .map(read_author)
        .unwrap_or_default();
    Some(RawItem {
        guid,
        url,
        author: author.display(),
        author_email: author.email,
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

/// The author: the configured attribute or the element's text, with the address of
/// a `mailto:` link on or inside the element when the text has none.
fn read_author((el, field): (ElementRef<'_>, &Field)) -> Author {
    let written = read_line_or_text(el, field.attr.as_deref());
    let mailto = field
        .attr
        .is_none()
        .then(|| {
            el.descendent_elements()
                .filter_map(|e| e.value().attr("href"))
                .find(|h| h.trim_start().to_ascii_lowercase().starts_with("mailto:"))
        })
        .flatten();
    let author = Author::from_parts(Some(&written), None);
    Author {
        email: author
            .email
            .or_else(|| Author::from_parts(None, mailto).email),
        ..author
    }
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

/// The next page by the `next` selector, searched in the whole page.
pub(super) fn next_by_selector(doc: &Html, field: &Field, page_url: &Url) -> Option<Url> {
    let sel = field.selector.as_ref()?;
    let el = doc.select(sel).next()?;
    let raw = read_link(el, field.attr.as_deref())?;
    resolve(page_url, &raw).and_then(|u| Url::parse(&u).ok())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{date, page, sel};
    use crate::sources::page::{extract_reviews, Selectors};

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
    fn authors_are_parsed_with_their_address() {
        let s = Selectors {
            author: Some(".by".into()),
            ..sel(".review")
        };
        let html = r#"
            <div class="review"><a class="by" href="mailto:Jill@X.example?subject=Re">Jill
              Watts</a> Great.</div>
            <div class="review"><span class="by">jill@x.example (Jíll Wätts)</span> Fine.</div>
            <div class="review"><span class="by">greta@mail.example</span> Ok.</div>
            <div class="review"><span class="by"><a href="/u/sam">@sam</a></span> Meh.</div>"#;
        let out = extract_reviews(html, &page(), Some(&s)).expect("valid selectors");
        let authors: Vec<_> = out
            .items
            .iter()
            .map(|i| (i.author.as_deref(), i.author_email.as_deref()))
            .collect();
        let jill = Some("jill@x.example");
        let greta = Some("greta@mail.example");
        assert_eq!(
            authors,
            [
                (Some("Jill Watts"), jill),
                (Some("Jíll Wätts"), jill),
                (greta, greta),
                (Some("@sam"), None),
            ]
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
}
