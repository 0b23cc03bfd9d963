//! Schema.org reviews published as JSON-LD: `<script type="application/ld+json">`
//! blocks walked through `@graph`, arrays and nested objects (a business's
//! `review` list), with the usual wrappers and raw newlines repaired.

use scraper::Html;
use serde_json::{Map, Value};
use url::Url;

use super::date::parse_date;
use super::rating::{normalise_rating, parse_number, parse_rating};
use super::{one_line, resolve, Deadline, Overtime};
use crate::sources::author::{parse_author, Author};
use crate::sources::text::html_to_text;
use crate::sources::RawItem;

/// How deep the JSON-LD walk goes; real pages nest a handful of levels.
const MAX_JSONLD_DEPTH: usize = 64;

/// Every review in the page's JSON-LD blocks, in page order, without repeats. The
/// deadline is checked between blocks.
pub(super) fn jsonld_items(
    doc: &Html,
    page_url: &Url,
    deadline: Deadline,
) -> Result<Vec<RawItem>, Overtime> {
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
        deadline.check(out.len())?;
        if let Some(value) = parse_jsonld(&script.text().collect::<String>()) {
            collect_reviews(&value, page_url, &mut out, 0);
        }
    }
    Ok(out)
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

/// `Review` or one of its subtypes, in any spelling (`schema:Review`, a full IRI).
pub(super) fn is_review_type(t: &str) -> bool {
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
    let author = map.get("author").map(json_author).unwrap_or_default();
    Some(RawItem {
        guid: url.clone().or_else(|| id_url.clone()).or(id),
        url: url.or(id_url),
        author: author.display(),
        author_email: author.email,
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

/// `"Jane"`, `"Jane <jane@x.example>"`, `{"name": "Jane", "email": "…"}`,
/// `{"givenName", "familyName"}`, or the first of a list of those.
fn json_author(v: &Value) -> Author {
    match v {
        Value::String(s) => Author::from_parts(Some(&name_text(s)), None),
        Value::Array(vs) => vs
            .iter()
            .map(json_author)
            .find(|a| !a.is_empty())
            .unwrap_or_default(),
        Value::Object(m) => {
            let name = m.get("name").and_then(json_text).unwrap_or_else(|| {
                [m.get("givenName"), m.get("familyName")]
                    .into_iter()
                    .flatten()
                    .filter_map(json_text)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let email = m.get("email").and_then(json_text);
            Author::from_parts(Some(&name_text(&name)), email.as_deref())
        }
        _ => Author::default(),
    }
}

/// A name that may carry HTML (`<b>Jane</b>`) but may also be `Jane <jane@x.example>`,
/// which is not markup.
fn name_text(raw: &str) -> String {
    let author = parse_author(raw);
    if author.email.is_some() {
        return raw.to_owned();
    }
    html_to_text(raw)
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{date, page};
    use crate::sources::page::extract_reviews;
    use crate::sources::RawItem;

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
    fn jsonld_authors_with_addresses() {
        let items = jsonld(
            r#"[{"@type":"Review","reviewBody":"a","author":"Jill Watts <Jill@x.example>"},
                {"@type":"Review","reviewBody":"b","author":{"@type":"Person","name":"Jíll Wätts","email":"mailto:jill@x.example"}},
                {"@type":"Review","reviewBody":"c","author":{"name":"greta@mail.example"}},
                {"@type":"Review","reviewBody":"d","author":{"name":"<b>Sam</b> &amp; Co"}},
                {"@type":"Review","reviewBody":"e","author":[{"name":" "},{"givenName":"Ann","familyName":"Lee\nSmith"}]}]"#,
        );
        let authors: Vec<_> = items
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
                (Some("Sam & Co"), None),
                (Some("Ann Lee Smith"), None),
            ]
        );
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
}
