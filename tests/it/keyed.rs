//! Platforms read with an API key from the environment (Google Places, Trustpilot's
//! official API) or from a public page (Trustpilot without a key), through `earshot poll`
//! against a real HTTP server on 127.0.0.1 standing in at the source's `api_base`. The
//! key is sent as a header and never printed; a missing key fails its source alone.
//!
//! Google Places replays a real recorded Place Details answer (`../shared`). No recorded
//! Trustpilot response is there: its fixtures here follow Trustpilot's documented formats
//! field for field (the review page's schema.org JSON-LD `@graph` of `Review` objects;
//! the Business Units API's `find` and `reviews` JSON).

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use crate::common::{output_text as text, Reply, Server};
use crate::platforms::{checkout, corpus};

const GOOGLE_KEY: &str = "EARSHOT_GOOGLE_API_KEY";
const TRUSTPILOT_KEY: &str = "EARSHOT_TRUSTPILOT_API_KEY";
const SECRET: &str = "sekrit-key-4242";
const PLACE: &str = "ChIJN1t_tDeuEmsRUsoyG83frY4";
const TP_PAGE: &str = "/review/harborbakery.example";

/// The binary with exactly these platform keys in its environment (off the async
/// workers, which the server answers on).
async fn run(dir: &Path, config: &Path, keys: &[(&str, &str)], args: &[&str]) -> Output {
    let (dir, config) = (dir.to_owned(), config.to_owned());
    let keys: Vec<(String, String)> = keys
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::cargo_bin("earshot").unwrap();
        command
            .current_dir(&dir)
            .env_remove("EARSHOT_CONFIG")
            .env_remove(GOOGLE_KEY)
            .env_remove(TRUSTPILOT_KEY)
            .arg("--config")
            .arg(&config)
            .args(&args);
        for (k, v) in keys {
            command.env(k, v);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

async fn mentions(dir: &Path, config: &Path) -> Vec<serde_json::Value> {
    let out = run(dir, config, &[], &["mentions", "--format", "json"]).await;
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn source_line(sources: &str, name: &str) -> String {
    sources
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in {sources}"))
        .to_owned()
}

fn places_source(server: &Server) -> String {
    format!(
        "[[source]]\nname = \"places\"\nkind = \"google-places\"\nplace_id = \"{PLACE}\"\napi_base = \"{}\"\n",
        server.url("/")
    )
}

fn places_path() -> String {
    format!("/v1/places/{PLACE}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_places_reviews_are_stored_with_stars_and_the_key_stays_in_a_header() {
    let Some(body) = corpus(
        "google_places/googlemaps__google-maps-services-java__PlaceDetailsLookupGoogleSydneyResponse.json",
    ) else {
        return;
    };
    let server = Server::start().await;
    server.route(&places_path(), Reply::ok("application/json", body));
    let (dir, config) = checkout(&places_source(&server));
    let poll = run(dir.path(), &config, &[(GOOGLE_KEY, SECRET)], &["poll"]).await;
    assert!(poll.status.success(), "{}", text(&poll));
    assert!(!text(&poll).contains(SECRET));

    let request = &server.received(&places_path())[0];
    assert_eq!(request.headers["x-goog-api-key"], SECRET);
    assert_eq!(
        request.headers["x-goog-fieldmask"],
        "id,displayName,reviews"
    );
    assert!(!request.path.contains(SECRET), "{}", request.path);

    let stored = mentions(dir.path(), &config).await;
    assert_eq!(stored.len(), 5, "{stored:#?}");
    let mark = stored
        .iter()
        .find(|m| m["author"] == "Mark Sales")
        .unwrap_or_else(|| panic!("{stored:#?}"));
    assert_eq!(mark["rating"], 1.0);
    assert_eq!(
        mark["url"],
        "https://www.google.com/maps/contrib/100341567599258416785/reviews"
    );
    assert_eq!(mark["source"], "places");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_fails_only_its_source_and_names_the_variable() {
    let server = Server::start().await;
    let page = trustpilot_page(&[(
        "t1",
        "Ann",
        "2026-11-20T10:00:00.000Z",
        2,
        "Harbor Bakery was slow.",
    )]);
    server.route(TP_PAGE, Reply::ok("text/html; charset=utf-8", page));
    let sources = format!(
        "{}[[source]]\nname = \"tp\"\nkind = \"trustpilot\"\nurl = \"https://www.trustpilot.com{TP_PAGE}\"\napi_base = \"{}\"\n",
        places_source(&server),
        server.url("/")
    );
    let (dir, config) = checkout(&sources);
    let poll = run(dir.path(), &config, &[], &["poll"]).await;
    let said = text(&poll);
    assert!(said.contains("1 sources ok, 1 failed"), "{said}");
    assert!(
        said.contains("$EARSHOT_GOOGLE_API_KEY"),
        "the log names the variable: {said}"
    );
    assert!(
        server.received(&places_path()).is_empty(),
        "no request without a key"
    );

    let listing = run(dir.path(), &config, &[], &["sources"]).await;
    let listing = text(&listing);
    let places = source_line(&listing, "places");
    assert!(places.contains("$EARSHOT_GOOGLE_API_KEY"), "{places}");
    assert!(places.contains("never in the config file"), "{places}");
    assert!(!source_line(&listing, "tp").contains("error"), "{listing}");
    // The Trustpilot page was read without a key meanwhile.
    let stored = mentions(dir.path(), &config).await;
    assert_eq!(stored.len(), 1, "{stored:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_google_key_says_so_without_printing_it() {
    let server = Server::start().await;
    let refusal = r#"{"error":{"code":403,"message":"API key not valid. Please pass a valid API key.","status":"PERMISSION_DENIED"}}"#;
    server.route(
        &places_path(),
        Reply {
            status: 403,
            ..Reply::ok("application/json", refusal)
        },
    );
    let (dir, config) = checkout(&places_source(&server));
    let poll = run(dir.path(), &config, &[(GOOGLE_KEY, SECRET)], &["poll"]).await;
    assert!(!text(&poll).contains(SECRET), "{}", text(&poll));
    let listing = text(&run(dir.path(), &config, &[(GOOGLE_KEY, SECRET)], &["sources"]).await);
    let line = source_line(&listing, "places");
    assert!(line.contains("the key was refused"), "{line}");
    assert!(line.contains("$EARSHOT_GOOGLE_API_KEY"), "{line}");
    assert!(!listing.contains(SECRET));
}

/// A public review page: schema.org JSON-LD, a `@graph` of the business and its
/// `Review`s, as Trustpilot's pages carry them (written after that format).
fn trustpilot_page(reviews: &[(&str, &str, &str, u8, &str)]) -> String {
    let graph: Vec<String> = reviews
        .iter()
        .map(|(id, author, date, stars, body)| {
            format!(
                r#"{{"@type":"Review","@id":"https://www.trustpilot.com/#/schema/Review/harborbakery.example/{id}","url":"https://www.trustpilot.com/reviews/{id}","author":{{"@type":"Person","name":"{author}"}},"datePublished":"{date}","headline":"Visit","reviewBody":"{body}","reviewRating":{{"@type":"Rating","bestRating":"5","worstRating":"1","ratingValue":"{stars}"}},"inLanguage":"en"}}"#
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html><head><title>Harbor Bakery Reviews</title><script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{{"@type":"Organization","name":"Harbor Bakery"}},{}]}}</script></head><body></body></html>"#,
        graph.join(",")
    )
}

fn trustpilot_source(server: &Server, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"tp\"\nkind = \"trustpilot\"\nurl = \"https://www.trustpilot.com{TP_PAGE}\"\napi_base = \"{}\"\n{extra}",
        server.url("/")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trustpilot_page_is_read_page_by_page_until_one_adds_nothing() {
    let server = Server::start().await;
    let first = trustpilot_page(&[
        (
            "a1",
            "Ann",
            "2026-11-20T10:00:00.000Z",
            1,
            "Burnt bread at Harbor Bakery.",
        ),
        ("b2", "Bo", "2026-11-19T10:00:00.000Z", 5, "Lovely."),
    ]);
    let second = trustpilot_page(&[("c3", "Cy", "2026-11-01T10:00:00.000Z", 3, "Fine.")]);
    server.route(TP_PAGE, Reply::ok("text/html; charset=utf-8", first));
    let page2 = format!("{TP_PAGE}?page=2");
    let page3 = format!("{TP_PAGE}?page=3");
    let page4 = format!("{TP_PAGE}?page=4");
    server.route(
        &page2,
        Reply::ok("text/html; charset=utf-8", second.clone()),
    );
    // Trustpilot repeats its last page past the end: nothing new there ends the walk.
    server.route(&page3, Reply::ok("text/html; charset=utf-8", second));
    let (dir, config) = checkout(&trustpilot_source(&server, "max_pages = 5\n"));
    let poll = run(dir.path(), &config, &[], &["poll"]).await;
    assert!(poll.status.success(), "{}", text(&poll));
    assert_eq!(server.received(&page3).len(), 1);
    assert!(
        server.received(&page4).is_empty(),
        "the walk stops at a page adding nothing"
    );

    let stored = mentions(dir.path(), &config).await;
    assert_eq!(stored.len(), 3, "{stored:#?}");
    let ann = stored.iter().find(|m| m["author"] == "Ann").unwrap();
    assert_eq!(ann["rating"], 1.0);
    assert_eq!(ann["url"], "https://www.trustpilot.com/reviews/a1");
    let cy = stored.iter().find(|m| m["author"] == "Cy").unwrap();
    assert_eq!(cy["rating"], 3.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trustpilot_challenge_shows_blocked_and_suggests_the_api_key() {
    let server = Server::start().await;
    server.route(
        TP_PAGE,
        Reply {
            status: 403,
            ..Reply::ok(
                "text/html; charset=utf-8",
                "<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>",
            )
        }
        .header("cf-mitigated", "challenge"),
    );
    let (dir, config) = checkout(&trustpilot_source(&server, ""));
    run(dir.path(), &config, &[], &["poll"]).await;
    let listing = text(&run(dir.path(), &config, &[], &["sources"]).await);
    let line = source_line(&listing, "tp");
    assert!(line.contains("blocked"), "{line}");
    assert!(
        line.contains("Trustpilot refused Earshot (HTTP 403"),
        "{line}"
    );
    assert!(line.contains("$EARSHOT_TRUSTPILOT_API_KEY"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_key_trustpilot_is_read_through_its_official_api() {
    let server = Server::start().await;
    let find = "/v1/business-units/find?name=harborbakery.example";
    let reviews =
        "/v1/business-units/507f191e810c19729de860ea/reviews?orderBy=createdat.desc&perPage=100";
    server.route(
        find,
        Reply::ok(
            "application/json",
            r#"{"id":"507f191e810c19729de860ea","displayName":"Harbor Bakery","name":{"identifying":"harborbakery.example","referring":["harborbakery.example"]}}"#,
        ),
    );
    server.route(
        reviews,
        Reply::ok(
            "application/json",
            r#"{"links":[],"reviews":[{"id":"5f1a01","stars":2,"title":"Cold coffee","text":"The coffee at Harbor Bakery was cold.","language":"en","createdAt":"2026-11-18T08:30:00Z","consumer":{"id":"c1","displayName":"Priya N."},"businessUnit":{"id":"507f191e810c19729de860ea"}}]}"#,
        ),
    );
    let (dir, config) = checkout(&trustpilot_source(&server, ""));
    let poll = run(dir.path(), &config, &[(TRUSTPILOT_KEY, SECRET)], &["poll"]).await;
    assert!(poll.status.success(), "{}", text(&poll));
    assert!(!text(&poll).contains(SECRET));
    assert!(
        server.received(TP_PAGE).is_empty(),
        "the page is left alone with a key"
    );
    for path in [find, reviews] {
        let request = &server.received(path)[0];
        assert_eq!(request.headers["apikey"], SECRET, "{path}");
        assert!(!request.path.contains(SECRET));
    }
    let stored = mentions(dir.path(), &config).await;
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!(stored[0]["author"], "Priya N.");
    assert_eq!(stored[0]["rating"], 2.0);
    assert_eq!(
        stored[0]["url"],
        "https://www.trustpilot.com/reviews/5f1a01"
    );
}
