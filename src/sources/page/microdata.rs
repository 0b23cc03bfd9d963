//! Schema.org reviews published as microdata (`itemscope`/`itemprop`), read
//! when a page has no JSON-LD reviews.

use scraper::{ElementRef, Html};
use url::Url;

use super::date::parse_date;
use super::jsonld::is_review_type;
use super::rating::{normalise_rating, parse_number, parse_rating};
use super::{one_line, resolve, Deadline, Overtime};
use crate::sources::author::Author;
use crate::sources::text::{element_text, tidy_whitespace};
use crate::sources::RawItem;

/// Every microdata item typed as a review, in page order. The deadline is checked
/// between items.
pub(super) fn microdata_items(
    doc: &Html,
    page_url: &Url,
    deadline: Deadline,
) -> Result<Vec<RawItem>, Overtime> {
    let scopes = doc.root_element().descendent_elements().filter(|e| {
        e.value().attr("itemscope").is_some()
            && e.value()
                .attr("itemtype")
                .is_some_and(|t| t.split_whitespace().any(is_review_type))
    });
    let mut items = Vec::new();
    for scope in scopes {
        deadline.check(items.len())?;
        items.extend(microdata_item(scope, page_url));
    }
    Ok(items)
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
    let author = prop(&props, &["author"])
        .map(microdata_author)
        .unwrap_or_default();
    Some(RawItem {
        guid: url.clone().or(id),
        url,
        author: author.display(),
        author_email: author.email,
        title: line(&["name", "headline"]),
        text,
        published_at: prop(&props, &["datePublished", "dateCreated"])
            .and_then(|el| parse_date(&microdata_value(el))),
        rating: prop(&props, &["reviewRating"]).and_then(microdata_rating),
    })
}

/// A `Person` item (`name`, `email`) or a plain value, through [`Author::from_parts`].
fn microdata_author(el: ElementRef<'_>) -> Author {
    if el.value().attr("itemscope").is_some() {
        let props = microdata_props(el);
        let value = |name: &str| prop(&props, &[name]).map(microdata_value);
        return Author::from_parts(value("name").as_deref(), value("email").as_deref());
    }
    Author::from_parts(Some(&microdata_value(el)), None)
}

fn microdata_rating(el: ElementRef<'_>) -> Option<f32> {
    if el.value().attr("itemscope").is_none() {
        return parse_rating(&microdata_value(el));
    }
    let props = microdata_props(el);
    let num = |name: &str| prop(&props, &[name]).and_then(|e| parse_number(&microdata_value(e)));
    normalise_rating(num("ratingValue")?, num("bestRating"), num("worstRating"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{date, page};
    use crate::sources::page::extract_reviews;

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
        assert_eq!(r.author_email, None);
    }

    #[test]
    fn microdata_author_email() {
        let html = r#"<div itemscope itemtype="https://schema.org/Review">
            <span itemprop="author" itemscope itemtype="https://schema.org/Person">
              <span itemprop="name">Jíll
                Wätts</span><a itemprop="email" href="mailto:Jill@x.example">write</a></span>
            <p itemprop="reviewBody">Fine.</p></div>
            <div itemscope itemtype="https://schema.org/Review">
              <meta itemprop="author" content="greta@mail.example"><p itemprop="reviewBody">Ok.</p></div>"#;
        let items = extract_reviews(html, &page(), None)
            .expect("no selectors")
            .items;
        let authors: Vec<_> = items
            .iter()
            .map(|i| (i.author.as_deref(), i.author_email.as_deref()))
            .collect();
        let greta = Some("greta@mail.example");
        assert_eq!(
            authors,
            [(Some("Jíll Wätts"), Some("jill@x.example")), (greta, greta)]
        );
    }
}
