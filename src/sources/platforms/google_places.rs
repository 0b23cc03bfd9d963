//! A Google place's reviews through the Places API (New): `GET /v1/places/{id}` with the
//! key in `X-Goog-Api-Key` (never in the URL, so it never shows in a log) and a field
//! mask asking for the reviews only. Google returns at most five reviews, its choice.
//!
//! The older Place Details answer (`result.reviews[]`, as in the recordings in
//! `../shared`) carries the same review fields under other names; both are read.

use serde::Deserialize;

use super::{api_url, from_epoch, non_empty, RawItem};

/// The environment variable holding the Google API key.
pub const KEY_VAR: &str = "EARSHOT_GOOGLE_API_KEY";

/// What the request asks Google for: the reviews, and nothing billed beyond them.
pub const FIELD_MASK: &str = "id,displayName,reviews";

/// The place's details request.
pub fn place_url(base: &url::Url, place_id: &str) -> url::Url {
    let mut url = api_url(base, "/v1/places/");
    // A segment push percent-encodes whatever an id holds.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().push(place_id);
    }
    url
}

/// Why a reply is not reviews.
#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    /// Google refused the key (`REQUEST_DENIED`, `PERMISSION_DENIED`).
    #[error("{0}")]
    KeyRefused(String),
    /// Not JSON of either shape.
    #[error("{0}")]
    Unreadable(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Place {
    id: Option<String>,
    #[serde(default)]
    reviews: Vec<NewReview>,
    /// The older Place Details shape.
    result: Option<LegacyPlace>,
    status: Option<String>,
    error_message: Option<String>,
    /// An error answered with a 200 (or read from a refusal's body).
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    status: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewReview {
    name: Option<String>,
    rating: Option<f64>,
    text: Option<LocalizedText>,
    original_text: Option<LocalizedText>,
    author_attribution: Option<Attribution>,
    publish_time: Option<String>,
    google_maps_uri: Option<String>,
}

#[derive(Deserialize)]
struct LocalizedText {
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attribution {
    display_name: Option<String>,
    uri: Option<String>,
}

#[derive(Deserialize)]
struct LegacyPlace {
    place_id: Option<String>,
    #[serde(default)]
    reviews: Vec<LegacyReview>,
}

#[derive(Deserialize)]
struct LegacyReview {
    author_name: Option<String>,
    author_url: Option<String>,
    rating: Option<f64>,
    text: Option<String>,
    time: Option<f64>,
}

/// The place's reviews as items, in either answer's shape.
pub fn parse(bytes: &[u8], place_id: &str) -> Result<Vec<RawItem>, PlacesError> {
    let place: Place =
        serde_json::from_slice(bytes).map_err(|e| PlacesError::Unreadable(e.to_string()))?;
    if let Some(error) = &place.error {
        let status = error.status.as_deref().unwrap_or("error");
        let message = error.message.as_deref().unwrap_or("no reason given");
        return Err(refusal(status, message));
    }
    if let Some(status) = place.status.as_deref().filter(|s| *s != "OK") {
        let message = place.error_message.as_deref().unwrap_or("no reason given");
        return Err(refusal(status, message));
    }
    if let Some(legacy) = place.result {
        let id = legacy.place_id.unwrap_or_else(|| place_id.to_owned());
        return Ok(legacy
            .reviews
            .into_iter()
            .map(|r| legacy_item(&id, r))
            .collect());
    }
    let id = place.id.unwrap_or_else(|| place_id.to_owned());
    Ok(place
        .reviews
        .into_iter()
        .map(|r| new_item(&id, r))
        .collect())
}

/// A key problem is the owner's to fix; anything else is Google's answer as it came.
fn refusal(status: &str, message: &str) -> PlacesError {
    let detail = format!("{status}: {message}");
    if matches!(
        status,
        "REQUEST_DENIED" | "PERMISSION_DENIED" | "UNAUTHENTICATED"
    ) {
        PlacesError::KeyRefused(detail)
    } else {
        PlacesError::Unreadable(detail)
    }
}

/// The place on Google Maps, for reviews that carry no link of their own.
fn place_link(place_id: &str) -> String {
    let mut url = url::Url::parse("https://www.google.com/maps/place/").expect("a valid URL");
    url.query_pairs_mut()
        .append_pair("q", &format!("place_id:{place_id}"));
    url.to_string()
}

fn new_item(place_id: &str, review: NewReview) -> RawItem {
    let text = review
        .text
        .and_then(|t| t.text)
        .or_else(|| review.original_text.and_then(|t| t.text))
        .unwrap_or_default();
    let (author, author_uri) = match review.author_attribution {
        Some(a) => (a.display_name, a.uri),
        None => (None, None),
    };
    RawItem {
        guid: review.name.map(|n| format!("google-places:{n}")),
        url: review
            .google_maps_uri
            .or(author_uri)
            .or_else(|| Some(place_link(place_id))),
        author: non_empty(author.as_deref()),
        text: text.trim().to_owned(),
        published_at: review
            .publish_time
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        rating: review.rating.map(|r| r as f32),
        ..RawItem::default()
    }
}

fn legacy_item(place_id: &str, review: LegacyReview) -> RawItem {
    // The older answer gives a review no id: the place, the author and the time are one.
    let guid = format!(
        "google-places:{place_id}:{}:{}",
        review.author_url.as_deref().unwrap_or_default(),
        review.time.unwrap_or_default()
    );
    RawItem {
        guid: Some(guid),
        url: review.author_url.or_else(|| Some(place_link(place_id))),
        author: non_empty(review.author_name.as_deref()),
        text: review.text.unwrap_or_default().trim().to_owned(),
        published_at: review.time.and_then(from_epoch),
        rating: review.rating.map(|r| r as f32),
        ..RawItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::platforms::corpus;

    /// A Places API (New) answer written after Google's reference for `Place` and
    /// `Review` (developers.google.com/maps/documentation/places/web-service/reference/rest/v1/places),
    /// field for field: no recording of the New API is in `../shared`.
    const NEW_SHAPE: &str = r#"{
      "id": "ChIJharborbakery",
      "displayName": {"text": "Harbor Bakery", "languageCode": "en"},
      "reviews": [{
        "name": "places/ChIJharborbakery/reviews/ChdDSUhNMG9nS0VJQ0FnSUR",
        "relativePublishTimeDescription": "a week ago",
        "rating": 2,
        "text": {"text": "Stale croissants and a long wait.", "languageCode": "en"},
        "originalText": {"text": "Stale croissants and a long wait.", "languageCode": "en"},
        "authorAttribution": {
          "displayName": "Dana Reyes",
          "uri": "https://www.google.com/maps/contrib/1122334455",
          "photoUri": "https://lh3.googleusercontent.com/a/x"
        },
        "publishTime": "2026-11-20T09:15:00.123456Z",
        "googleMapsUri": "https://www.google.com/maps/reviews/data=!4m8!14m7"
      }, {
        "name": "places/ChIJharborbakery/reviews/second",
        "rating": 5,
        "originalText": {"text": "Best rye in town.", "languageCode": "en"},
        "authorAttribution": {"displayName": "Sam"},
        "publishTime": "2026-11-18T10:00:00Z"
      }]
    }"#;

    #[test]
    fn a_new_api_answer_gives_stars_authors_links_and_times() {
        let items = parse(NEW_SHAPE.as_bytes(), "ChIJharborbakery").unwrap();
        assert_eq!(items.len(), 2);
        let first = &items[0];
        assert_eq!(first.rating, Some(2.0));
        assert_eq!(first.author.as_deref(), Some("Dana Reyes"));
        assert_eq!(first.text, "Stale croissants and a long wait.");
        assert_eq!(
            first.url.as_deref(),
            Some("https://www.google.com/maps/reviews/data=!4m8!14m7")
        );
        assert_eq!(
            first.guid.as_deref(),
            Some("google-places:places/ChIJharborbakery/reviews/ChdDSUhNMG9nS0VJQ0FnSUR")
        );
        assert_eq!(first.published_at.unwrap().timestamp(), 1_795_166_100);
        // No translation: the original text; no link of its own: the place on Maps.
        assert_eq!(items[1].text, "Best rye in town.");
        assert_eq!(
            items[1].url.as_deref(),
            Some("https://www.google.com/maps/place/?q=place_id%3AChIJharborbakery")
        );
    }

    #[test]
    fn recorded_place_details_answers_are_read() {
        let Some(sydney) =
            corpus("google_places/googlemaps__google-maps-services-java__PlaceDetailsLookupGoogleSydneyResponse.json")
        else {
            return;
        };
        let items = parse(&sydney, "unused").unwrap();
        assert_eq!(items.len(), 5);
        let first = &items[0];
        assert_eq!(first.author.as_deref(), Some("Mark Sales"));
        assert_eq!(first.rating, Some(1.0));
        assert_eq!(first.published_at.unwrap().timestamp(), 1_496_880_715);
        assert_eq!(
            first.url.as_deref(),
            Some("https://www.google.com/maps/contrib/100341567599258416785/reviews")
        );
        assert!(first.text.starts_with("You have to  FIX"), "{}", first.text);
        let guids: std::collections::HashSet<_> = items.iter().map(|i| &i.guid).collect();
        assert_eq!(guids.len(), 5, "each review keeps its own identity");

        let Some(quay) =
            corpus("google_places/googlemaps__google-maps-services-java__PlaceDetailsQuay.json")
        else {
            return;
        };
        let stars: Vec<_> = parse(&quay, "unused")
            .unwrap()
            .iter()
            .map(|i| i.rating)
            .collect();
        assert_eq!(
            stars,
            [Some(3.0), Some(5.0), Some(2.0), Some(1.0), Some(2.0)]
        );
    }

    #[test]
    fn a_refused_key_is_told_apart_from_broken_data() {
        let new = br#"{"error":{"code":403,"message":"API key not valid. Please pass a valid API key.","status":"PERMISSION_DENIED"}}"#;
        let err = parse(new, "x").unwrap_err();
        assert!(matches!(err, PlacesError::KeyRefused(_)), "{err}");
        assert!(err.to_string().contains("API key not valid"), "{err}");
        let legacy = br#"{"html_attributions":[],"status":"REQUEST_DENIED","error_message":"The provided API key is invalid."}"#;
        assert!(matches!(
            parse(legacy, "x").unwrap_err(),
            PlacesError::KeyRefused(_)
        ));
        assert!(matches!(
            parse(b"[1,2]", "x").unwrap_err(),
            PlacesError::Unreadable(_)
        ));
    }

    #[test]
    fn the_place_id_is_one_path_segment() {
        let base = url::Url::parse("https://places.googleapis.com/").unwrap();
        assert_eq!(
            place_url(&base, "ChIJN1t_tDeuEmsRUsoyG83frY4").as_str(),
            "https://places.googleapis.com/v1/places/ChIJN1t_tDeuEmsRUsoyG83frY4"
        );
        assert_eq!(
            place_url(&base, "a/b?c").as_str(),
            "https://places.googleapis.com/v1/places/a%2Fb%3Fc"
        );
    }
}
