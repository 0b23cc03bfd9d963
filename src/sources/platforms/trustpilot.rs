//! A business's Trustpilot reviews. With `$EARSHOT_TRUSTPILOT_API_KEY`, Trustpilot's
//! official API (the key in its `apikey` header, never in a URL): the business unit is
//! found by its domain name, then its reviews are read newest first. Without a key, the
//! public review page's schema.org JSON-LD, page by page (`?page=2`…) up to the source's
//! `max_pages`.

use serde::Deserialize;

use super::{api_url, non_empty, RawItem};
use crate::sources::{encoding, page};

/// The environment variable holding the Trustpilot API key.
pub const KEY_VAR: &str = "EARSHOT_TRUSTPILOT_API_KEY";

/// Trustpilot's API host, used with a key unless `api_base` names a stand-in.
pub const API_BASE: &str = "https://api.trustpilot.com/";

/// Review pages read without a key when the source sets no `max_pages`.
pub const DEFAULT_PAGES: u32 = 3;

/// The business's domain name: the last segment of `/review/harborbakery.example`.
pub fn domain(page: &url::Url) -> Option<String> {
    let segments: Vec<&str> = page.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["review", domain] if domain.contains('.') => Some(domain.to_ascii_lowercase()),
        _ => None,
    }
}

/// Review page `n` (1-based) of the business at `base` (the page's host or a stand-in).
pub fn page_url(base: &url::Url, page: &url::Url, n: u32) -> url::Url {
    let mut url = api_url(base, page.path());
    if n > 1 {
        url.query_pairs_mut().append_pair("page", &n.to_string());
    }
    url
}

/// The API request that finds the business unit of `domain`.
pub fn find_url(base: &url::Url, domain: &str) -> url::Url {
    let mut url = api_url(base, "/v1/business-units/find");
    url.query_pairs_mut().append_pair("name", domain);
    url
}

/// The API request for a business unit's newest reviews.
pub fn reviews_url(base: &url::Url, unit_id: &str) -> url::Url {
    let mut url = api_url(base, "/v1/business-units/");
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(unit_id).push("reviews");
    }
    url.query_pairs_mut()
        .append_pair("orderBy", "createdat.desc")
        .append_pair("perPage", "100");
    url
}

/// The reviews in one public review page's JSON-LD, newest first.
pub fn parse_page(
    bytes: &[u8],
    content_type: Option<&str>,
    page_url: &url::Url,
) -> Result<Vec<RawItem>, page::PageError> {
    let html = encoding::decode_html(bytes, content_type);
    let mut items = page::extract_reviews(&html, page_url, None)?.items;
    newest_first(&mut items);
    Ok(items)
}

/// Items sorted by publication, newest first (undated last).
pub fn newest_first(items: &mut [RawItem]) {
    items.sort_by_key(|i| std::cmp::Reverse(i.published_at));
}

#[derive(Deserialize)]
struct BusinessUnit {
    id: String,
}

/// The business unit id in a `business-units/find` answer.
pub fn parse_unit(bytes: &[u8]) -> Result<String, serde_json::Error> {
    Ok(serde_json::from_slice::<BusinessUnit>(bytes)?.id)
}

#[derive(Deserialize)]
struct Reviews {
    reviews: Vec<Review>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    id: String,
    stars: Option<f64>,
    title: Option<String>,
    text: Option<String>,
    consumer: Option<Consumer>,
    created_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consumer {
    display_name: Option<String>,
}

/// The reviews of a `business-units/{id}/reviews` answer, newest first.
pub fn parse_api(bytes: &[u8]) -> Result<Vec<RawItem>, serde_json::Error> {
    let reviews: Reviews = serde_json::from_slice(bytes)?;
    let mut items: Vec<RawItem> = reviews.reviews.into_iter().map(api_item).collect();
    newest_first(&mut items);
    Ok(items)
}

fn api_item(review: Review) -> RawItem {
    RawItem {
        url: Some(format!("https://www.trustpilot.com/reviews/{}", review.id)),
        guid: Some(format!("trustpilot:{}", review.id)),
        author: non_empty(review.consumer.and_then(|c| c.display_name).as_deref()),
        title: non_empty(review.title.as_deref()),
        text: review.text.unwrap_or_default().trim().to_owned(),
        published_at: review
            .created_at
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        rating: review.stars.map(|s| s as f32),
        ..RawItem::default()
    }
}

/// Test fixtures written after Trustpilot's documented formats, field for field: no
/// recorded Trustpilot response is in `../shared` (its SOURCES.md says why).
#[cfg(test)]
pub mod fixtures {
    /// A public review page as Trustpilot serves it: schema.org JSON-LD in a `@graph`
    /// holding the business and `Review` objects (author.name, datePublished, headline,
    /// reviewBody, reviewRating.ratingValue, `@id`/url), oldest first here on purpose.
    pub fn review_page(reviews: &[(&str, &str, &str, u8, &str)]) -> String {
        let graph: Vec<String> = reviews
            .iter()
            .map(|(id, author, date, stars, body)| {
                format!(
                    r#"{{"@type":"Review","@id":"https://www.trustpilot.com/#/schema/Review/harborbakery.example/{id}","url":"https://www.trustpilot.com/reviews/{id}","itemReviewed":{{"@id":"https://www.trustpilot.com/#/schema/Organization/harborbakery.example"}},"author":{{"@type":"Person","name":"{author}","url":"https://www.trustpilot.com/users/{id}u"}},"datePublished":"{date}","headline":"About {author}'s visit","reviewBody":"{body}","reviewRating":{{"@type":"Rating","bestRating":"5","worstRating":"1","ratingValue":"{stars}"}},"inLanguage":"en"}}"#
                )
            })
            .collect();
        format!(
            r#"<!DOCTYPE html><html lang="en"><head><title>Harbor Bakery Reviews | Read Customer Service Reviews of harborbakery.example</title>
<script type="application/ld+json" data-business-unit-json-ld="true">{{"@context":"https://schema.org","@graph":[{{"@id":"https://www.trustpilot.com/#/schema/Organization/harborbakery.example","@type":"Organization","name":"Harbor Bakery"}},{}]}}</script>
</head><body><h1>Harbor Bakery</h1></body></html>"#,
            graph.join(",")
        )
    }

    /// A `business-units/find` answer (developers.trustpilot.com, Business Units API).
    pub const FIND: &str = r#"{"id":"507f191e810c19729de860ea","displayName":"Harbor Bakery","name":{"identifying":"harborbakery.example","referring":["harborbakery.example"]},"links":[{"href":"https://api.trustpilot.com/v1/business-units/507f191e810c19729de860ea","method":"GET","rel":"self"}]}"#;

    /// A `business-units/{id}/reviews` answer (Business Units API, public reviews).
    pub const REVIEWS: &str = r#"{"links":[],"reviews":[
      {"id":"5f1a00000000000000000001","stars":2,"title":"Cold coffee","text":"The coffee was cold and nobody came back.","language":"en","createdAt":"2026-11-18T08:30:00Z","updatedAt":null,"consumer":{"id":"c1","displayName":"Priya N.","numberOfReviews":3},"businessUnit":{"id":"507f191e810c19729de860ea","identifyingName":"harborbakery.example","displayName":"Harbor Bakery"},"isVerified":false},
      {"id":"5f1a00000000000000000002","stars":5,"title":"Lovely rye","text":"Best rye bread in the harbor.","language":"en","createdAt":"2026-11-25T16:05:00Z","consumer":{"id":"c2","displayName":"Tom W."},"businessUnit":{"id":"507f191e810c19729de860ea"}}
    ]}"#;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> url::Url {
        url::Url::parse("https://www.trustpilot.com/review/harborbakery.example").unwrap()
    }

    #[test]
    fn a_review_page_names_its_business_and_its_next_pages() {
        assert_eq!(domain(&page()).as_deref(), Some("harborbakery.example"));
        assert_eq!(
            domain(&url::Url::parse("https://www.trustpilot.com/categories/bakery").unwrap()),
            None
        );
        let stand_in = url::Url::parse("http://127.0.0.1:9/tp/").unwrap();
        assert_eq!(
            page_url(&stand_in, &page(), 2).as_str(),
            "http://127.0.0.1:9/tp/review/harborbakery.example?page=2"
        );
        let api = url::Url::parse(API_BASE).unwrap();
        assert_eq!(
            find_url(&api, "harborbakery.example").as_str(),
            "https://api.trustpilot.com/v1/business-units/find?name=harborbakery.example"
        );
        assert_eq!(
            reviews_url(&api, "507f").as_str(),
            "https://api.trustpilot.com/v1/business-units/507f/reviews?orderBy=createdat.desc&perPage=100"
        );
    }

    #[test]
    fn the_pages_json_ld_reviews_come_newest_first_with_their_stars() {
        let html = fixtures::review_page(&[
            ("a1", "Ann", "2026-11-01T10:00:00.000Z", 4, "Good bread."),
            (
                "b2",
                "Bo",
                "2026-11-20T10:00:00.000Z",
                1,
                "Burnt &amp; late.",
            ),
        ]);
        let items = parse_page(html.as_bytes(), Some("text/html"), &page()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].author.as_deref(), Some("Bo"));
        assert_eq!(items[0].rating, Some(1.0));
        assert_eq!(
            items[0].url.as_deref(),
            Some("https://www.trustpilot.com/reviews/b2")
        );
        assert_eq!(items[0].title.as_deref(), Some("About Bo's visit"));
        assert_eq!(items[1].rating, Some(4.0));
    }

    #[test]
    fn the_apis_reviews_come_newest_first_with_their_stars() {
        assert_eq!(
            parse_unit(fixtures::FIND.as_bytes()).unwrap(),
            "507f191e810c19729de860ea"
        );
        let items = parse_api(fixtures::REVIEWS.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].author.as_deref(), Some("Tom W."));
        assert_eq!(items[0].rating, Some(5.0));
        assert_eq!(items[1].title.as_deref(), Some("Cold coffee"));
        assert_eq!(
            items[1].url.as_deref(),
            Some("https://www.trustpilot.com/reviews/5f1a00000000000000000001")
        );
        assert_eq!(
            items[1].guid.as_deref(),
            Some("trustpilot:5f1a00000000000000000001")
        );
    }
}
