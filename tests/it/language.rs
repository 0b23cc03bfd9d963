//! Posts not in English: real posts of the shared corpus are told apart from English ones,
//! and a feed with a French and an English complaint, polled over HTTP through the
//! binary, gives one unscored mention (no alert, listed by `--sentiment unscored`, relabelled
//! by staff like any other) and one scored complaint with its alert.

use std::path::Path;

use earshot::sentiment::foreign_language;

use crate::cli::{earshot, stdout};
use crate::common::{Reply, Server};
use crate::platforms::{corpus, vcr_body};

const FEEDPARSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feedparser");

/// The language code `foreign_language` gives, or "English" when it leaves the text be.
fn detected(text: &str) -> &'static str {
    foreign_language(text).map_or("English", |l| l.code())
}

#[test]
fn real_french_reviews_are_french_and_real_english_posts_stay_english() {
    let Some(places) =
        corpus("google_places/googlemaps__google-maps-services-java__PlacesApiDetailsInFrenchResponse.json")
    else {
        return;
    };
    let places: serde_json::Value = serde_json::from_slice(&places).unwrap();
    let reviews = places["result"]["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 5);
    for review in reviews {
        let text = review["text"].as_str().unwrap();
        assert_eq!(detected(text), "fra", "{text}");
    }

    // Bluesky and Mastodon posts tagged English by their authors' apps: none is set aside
    // (short ones, hashtags, links, names and all).
    let Some(bluesky) =
        corpus("bluesky/christopherkenny__bskyr__app.bsky.feed.searchPosts-5d343d.json")
    else {
        return;
    };
    let bluesky: serde_json::Value = serde_json::from_slice(&bluesky).unwrap();
    let mut english = 0;
    for post in bluesky["posts"].as_array().unwrap() {
        let text = post["record"]["text"].as_str().unwrap();
        assert_eq!(detected(text), "English", "{text}");
        english += 1;
    }
    for file in [
        "mastodon/gesistsa__rtoot__get_account_statuses_default.yml",
        "mastodon/gesistsa__rtoot__get_timeline_hashtag_default.yml",
    ] {
        let Some(body) = vcr_body(file) else {
            return;
        };
        let statuses: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for status in statuses.as_array().unwrap() {
            if status["language"] == "en" {
                let text = strip_tags(status["content"].as_str().unwrap());
                assert_eq!(detected(&text), "English", "{text}");
                english += 1;
            }
        }
    }
    assert!(english > 40, "{english} English posts read");
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[test]
fn real_japanese_and_russian_posts_are_recognised() {
    for (file, encoding, tag, expected) in [
        ("eucjp.xml", encoding_rs::EUC_JP, "description", "jpn"),
        ("shiftjis.xml", encoding_rs::SHIFT_JIS, "title", "jpn"),
        ("koi8r.xml", encoding_rs::KOI8_R, "description", "rus"),
    ] {
        let path = Path::new(FEEDPARSER).join("illformed/chardet").join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "shared corpus not found at {}; CI has it beside the clone; skipping",
                path.display()
            );
            return;
        };
        let (xml, _, _) = encoding.decode(&bytes);
        let open = format!("<{tag}>");
        let start = xml.find(&open).unwrap() + open.len();
        let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
        let text = &xml[start..end];
        assert_eq!(detected(text), expected, "{file}: {text}");
    }
}

const FRENCH: &str = "Nous avons attendu une heure pour notre commande, le pain était \
    rassis et la serveuse a été très désagréable. Plus jamais!";
const ENGLISH: &str = "We waited an hour for our order, the bread was stale and the \
    waitress was really rude. Never again!";

/// A JSON Feed of two recent posts naming the bakery: one French, one English.
fn feed() -> String {
    let recent = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let item = |id: &str, text: &str| {
        serde_json::json!({
            "id": id,
            "url": format!("https://reviews.test/r/{id}"),
            "content_text": format!("Harbor Bakery: {text}"),
            "date_published": recent,
            "authors": [{ "name": format!("author {id}") }],
        })
    };
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "reviews",
        "items": [item("fr", FRENCH), item("en", ENGLISH)],
    })
    .to_string()
}

/// Run the binary off the async workers (the server answers on them).
async fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let dir = dir.to_owned();
    let mut full = vec!["--config".to_owned(), "earshot.toml".to_owned()];
    full.extend(args.iter().map(|a| a.to_string()));
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = full.iter().map(String::as_str).collect();
        earshot(&dir, &args)
    })
    .await
    .unwrap()
}

async fn mentions_json(dir: &Path, filter: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["mentions", "--format", "json"];
    args.extend(filter);
    let out = stdout(&run(dir, &args).await);
    serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_complaint_is_unscored_for_a_person_and_the_english_one_alerts() {
    let server = Server::start().await;
    server.route("/reviews.json", Reply::ok("application/feed+json", feed()));
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    std::fs::write(
        dir.path().join("earshot.toml"),
        format!(
            "[business]\nname = \"Harbor Bakery\"\ntimezone = \"UTC\"\n\
             [storage]\ndatabase = \"earshot.db\"\n\
             [[source]]\nname = \"reviews\"\nkind = \"feed\"\nurl = \"{}\"\n\
             [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             outbox_dir = \"{}\"\n",
            server.url("/reviews.json"),
            outbox.display()
        ),
    )
    .unwrap();
    let polled = stdout(&run(dir.path(), &["poll"]).await);
    assert!(polled.contains("alerts sent: 1"), "{polled}");

    // One alert, about the English complaint only.
    let emails: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(emails.len(), 1, "{emails:#?}");
    assert!(emails[0].contains("stale"), "{}", emails[0]);

    let all = mentions_json(dir.path(), &[]).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let french = all.iter().find(|m| m["url"] == "https://reviews.test/r/fr");
    let english = all.iter().find(|m| m["url"] == "https://reviews.test/r/en");
    let (french, english) = (french.unwrap(), english.unwrap());
    assert_eq!(french["label"], "unscored", "{french:#}");
    assert_eq!(french["score"], serde_json::Value::Null, "{french:#}");
    assert_eq!(french["language"], "fra");
    assert_eq!(french["priority"], "normal");
    assert_eq!(french["terms"], serde_json::json!([]));
    assert_eq!(english["label"], "negative", "{english:#}");
    assert_eq!(english["priority"], "high");
    assert_eq!(english["language"], serde_json::Value::Null);
    assert!(english["score"].as_f64().unwrap() < 0.0);

    // `--sentiment unscored` lists the French post alone, in the table too.
    let unscored = mentions_json(dir.path(), &["--sentiment", "unscored"]).await;
    assert_eq!(unscored.len(), 1);
    assert_eq!(unscored[0]["id"], french["id"]);
    let table = stdout(&run(dir.path(), &["mentions", "--sentiment", "unscored"]).await);
    assert!(table.contains("unscored (French) \u{2014}"), "{table}");
    assert!(!table.contains("stale"), "{table}");
    let csv = stdout(&run(dir.path(), &["mentions", "--format", "csv"]).await);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let row = rows
        .iter()
        .find(|r| &r[2] == "https://reviews.test/r/fr")
        .unwrap();
    assert_eq!((&row[9], &row[10], &row[15]), ("", "unscored", "fra"));

    let id = french["id"].to_string();
    let shown = stdout(&run(dir.path(), &["show", &id]).await);
    assert!(shown.contains("unscored (French) (\u{2014})"), "{shown}");
    assert!(shown.contains("not in English"), "{shown}");

    // Staff read it: a person's label, not "unscored", and it becomes a complaint.
    let refused = run(dir.path(), &["relabel", &id, "unscored"]).await;
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("negative, neutral or positive"), "{why}");
    let relabelled = stdout(&run(dir.path(), &["relabel", &id, "negative"]).await);
    assert!(
        relabelled.contains("is now negative (the model said unscored (French))"),
        "{relabelled}"
    );
    let negatives = mentions_json(dir.path(), &["--sentiment", "negative"]).await;
    assert_eq!(negatives.len(), 2, "{negatives:#?}");
    assert!(mentions_json(dir.path(), &["--sentiment", "unscored"])
        .await
        .is_empty());
}

#[test]
fn score_prints_a_line_not_in_english_as_unscored_with_its_language() {
    let dir = tempfile::tempdir().unwrap();
    let json = stdout(&earshot(dir.path(), &["score", FRENCH]));
    let line: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(line["label"], "unscored", "{json}");
    assert_eq!(line["language"], "fra", "{json}");
    assert_eq!(line["score"], serde_json::Value::Null, "{json}");
    let text = stdout(&earshot(dir.path(), &["score", "--format", "text", FRENCH]));
    assert!(
        text.starts_with("unscored (French) \u{2014}  Nous avons attendu"),
        "{text}"
    );
    // English keeps its score and no language key.
    let json = stdout(&earshot(dir.path(), &["score", ENGLISH]));
    assert!(
        json.starts_with("{\"label\":\"negative\",\"score\":-"),
        "{json}"
    );
}
