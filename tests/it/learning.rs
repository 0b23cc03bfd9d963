//! The learned keyword layer end to end: `earshot train` remakes the shipped base model
//! byte for byte, `eval` cross-validates it on its own training files, and `learn`
//! teaches a business's own words from its rated reviews (a JSON-LD review page on a
//! local HTTP server), then scores an unrated post with them, without emailing about it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use earshot::config::Config;
use earshot::pipeline::learning::{self, Verdict};
use earshot::poller::{poll_cycle, Pipeline};
use earshot::sentiment::Label;
use earshot::store::{MentionFilter, Store, StoreHandle};

use crate::alerts::write_feed;
use crate::cli::earshot;
use crate::common::{config, output_text, repo, Reply, Server};

/// The labelled sets the base model is trained on, in the order its header lists them.
const TRAINING_SETS: [&str; 4] = [
    "uci-yelp.tsv",
    "uci-amazon.tsv",
    "vader-amazon.tsv",
    "vader-tweets.tsv",
];

/// `../shared/eval`, beside the clone (CI has it there).
fn shared_eval() -> PathBuf {
    let dir = repo().join("../shared/eval");
    assert!(
        dir.join("uci-yelp.tsv").exists(),
        "these tests need the shared labelled sets at {} (../shared/eval beside the clone)",
        dir.display()
    );
    dir
}

#[test]
fn train_remakes_the_shipped_base_model_byte_for_byte() {
    let eval = shared_eval();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("base.tsv");
    let mut args = vec![
        "train".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    args.extend(
        TRAINING_SETS
            .iter()
            .map(|f| eval.join(f).display().to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = earshot(dir.path(), &args);
    assert!(run.status.success(), "{}", output_text(&run));
    assert!(
        output_text(&run).contains("learned terms"),
        "{}",
        output_text(&run)
    );
    let made = std::fs::read_to_string(&out).unwrap();
    let shipped =
        std::fs::read_to_string(repo().join("src/sentiment/data/learned_base.tsv")).unwrap();
    assert!(
        made == shipped,
        "the shipped model is not what `earshot train` makes from the same files: a rule or \
         the lexicon changed since it was trained; remake it with the command in its header"
    );
}

#[test]
fn eval_cross_validates_the_files_the_model_learned_from() {
    let eval = shared_eval();
    let dir = tempfile::tempdir().unwrap();
    let yelp = eval.join("uci-yelp.tsv").display().to_string();
    let nyt = eval.join("vader-nyt.tsv").display().to_string();
    let run = earshot(dir.path(), &["eval", &yelp, &nyt]);
    let table = output_text(&run);
    assert!(run.status.success(), "{table}");
    let line = |file: &str| {
        table
            .lines()
            .find(|l| l.starts_with(file))
            .unwrap_or_else(|| panic!("no {file} row in {table}"))
            .to_owned()
    };
    assert!(line("uci-yelp.tsv").contains("model·cv"), "{table}");
    assert!(!line("vader-nyt.tsv").contains("model·cv"), "{table}");
    assert!(table.contains("rules"), "{table}");

    // Alone in a folder, a training file cannot be cross-validated: say what is missing.
    std::fs::copy(eval.join("uci-yelp.tsv"), dir.path().join("uci-yelp.tsv")).unwrap();
    let alone = earshot(dir.path(), &["eval", "uci-yelp.tsv"]);
    let said = output_text(&alone);
    assert!(!alone.status.success(), "{said}");
    assert!(said.contains("cannot cross-validate"), "{said}");
    assert!(said.contains("uci-amazon.tsv"), "{said}");
}

/// A review page carrying schema.org JSON-LD `Review`s with star ratings.
fn review_page(reviews: &[(usize, u8, &str)]) -> String {
    let items: Vec<String> = reviews
        .iter()
        .map(|(id, stars, body)| {
            format!(
                r#"{{"@type":"Review","url":"https://reviews.test/r/{id}","author":{{"@type":"Person","name":"Client {id}"}},"datePublished":"{date}","reviewBody":"{body}","reviewRating":{{"@type":"Rating","bestRating":"5","worstRating":"1","ratingValue":"{stars}"}}}}"#,
                date = (Utc::now() - chrono::Duration::hours(2)).to_rfc3339(),
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html><head><title>Reviews</title><script type="application/ld+json">{{"@context":"https://schema.org","@type":"HairSalon","name":"Harbor Street Salon","review":[{}]}}</script></head><body></body></html>"#,
        items.join(",")
    )
}

/// A salon's complaints are told as plain facts ("took it above my shoulders"), which no
/// lexicon word marks; its happy clients say so in words the rules already know.
fn salon_reviews() -> Vec<(usize, u8, String)> {
    let mut reviews = Vec::new();
    let asked = [
        "a trim",
        "an inch off",
        "the ends done",
        "a light trim",
        "a tidy up",
        "two inches off",
    ];
    for (i, what) in asked.iter().enumerate() {
        reviews.push((
            i,
            1 + (i % 2) as u8,
            format!("Asked for {what} and she took it above my shoulders."),
        ));
        reviews.push((
            10 + i,
            2,
            format!("Visit {i}: the colour came out orange and the fringe above my eyebrows."),
        ));
        reviews.push((
            20 + i,
            5,
            format!("Lovely visit {i}, friendly staff and a great cut."),
        ));
    }
    reviews
}

struct Salon {
    dir: tempfile::TempDir,
    _server: Server,
    config: Arc<Config>,
    store: StoreHandle,
    pipeline: Arc<Pipeline>,
}

impl Salon {
    async fn new() -> Salon {
        let server = Server::start().await;
        let reviews = salon_reviews();
        let borrowed: Vec<(usize, u8, &str)> = reviews
            .iter()
            .map(|(i, s, t)| (*i, *s, t.as_str()))
            .collect();
        server.route("/reviews", Reply::ok("text/html", review_page(&borrowed)));
        let dir = tempfile::tempdir().unwrap();
        let feed = dir.path().join("forum.json");
        write_feed(&feed, &[]);
        let config = Arc::new(config(&format!(
            "[[source]]\nname = \"salon-reviews\"\nkind = \"page\"\nurl = \"{}\"\n\n\
             [[source]]\nname = \"forum\"\nurl = \"file://{}\"\n\n[alerts]\n\
             to = [\"owner@example.com\"]\nfrom = \"earshot@salon.test\"\noutbox_dir = \"{}\"\n",
            server.url("/reviews"),
            feed.display(),
            dir.path().join("outbox").display()
        )));
        let store = StoreHandle::new(Store::open(&dir.path().join("earshot.db")).unwrap()).unwrap();
        Salon {
            pipeline: Arc::new(Pipeline::new(config.clone()).unwrap()),
            config,
            store,
            dir,
            _server: server,
        }
    }

    async fn poll(&self) {
        poll_cycle(
            self.pipeline.clone(),
            self.store.clone(),
            None,
            true,
            Utc::now(),
        )
        .await
        .unwrap();
    }

    fn forum(&self, text: &str) {
        write_feed(&self.dir.path().join("forum.json"), &[("f1", "Jo", text)]);
    }

    fn mention(&self, needle: &str) -> earshot::model::Mention {
        let all = self
            .store
            .lock()
            .mentions(&MentionFilter::default())
            .unwrap();
        all.into_iter()
            .find(|m| m.text.contains(needle))
            .unwrap_or_else(|| panic!("no mention with {needle:?}"))
    }

    fn learn(&self) -> learning::LearnOutcome {
        let options = self.config.sentiment_options();
        learning::learn(
            &mut self.store.lock(),
            &options,
            &self.config.triage,
            &[],
            Utc::now(),
        )
        .unwrap()
    }
}

fn db(path: &Path) -> String {
    path.join("earshot.db").display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_learns_its_own_complaints_from_its_stars() {
    let salon = Salon::new().await;
    salon.poll().await;
    // An unrated forum post, told in the salon's clients' words.
    let post = "Harbor Street Salon took mine above my shoulders";
    salon.forum(post);
    salon.poll().await;
    assert_ne!(
        salon.mention(post).label,
        Label::Negative,
        "the base model alone misses it"
    );
    let outbox_before = salon.store.lock().outbox(None).unwrap().len();

    let outcome = salon.learn();
    let Verdict::Kept { terms, relabelled } = outcome.verdict.clone() else {
        panic!("the fit was not kept: {outcome:?}");
    };
    assert_eq!(
        outcome.labels, 18,
        "12 low-star and 6 high-star reviews: {outcome:?}"
    );
    assert!(terms > 0 && relabelled >= 1, "{outcome:?}");
    assert_eq!(salon.store.lock().learning_text_count().unwrap(), 18);
    assert_eq!(
        learning::new_labels(&salon.store.lock()).unwrap(),
        0,
        "all learned from"
    );
    let (before, after) = (outcome.before.unwrap(), outcome.after.unwrap());
    assert!(after.neg_f1 > before.neg_f1 && after.neg_precision >= before.neg_precision);

    let learned = salon.mention(post);
    assert_eq!(learned.label, Label::Negative, "{learned:?}");
    assert!(
        learned
            .terms
            .iter()
            .any(|t| t.term.contains("shoulders") && t.term.ends_with("(learned)")),
        "the explanation names the learned words: {:?}",
        learned.terms
    );
    assert_eq!(
        salon.store.lock().outbox(None).unwrap().len(),
        outbox_before,
        "re-scoring an old post emails no one"
    );
    let shown = learning::show(&salon.store.lock(), 10).unwrap();
    assert!(
        shown.contains("Learned from 18 labelled mentions"),
        "{shown}"
    );
    assert!(shown.contains("shoulders"), "{shown}");

    // The next poll scores new posts with what it learned (the running pipeline
    // picks the terms up from the database).
    salon
        .pipeline
        .load_business_terms(&salon.store.lock())
        .unwrap();
    let (score, _) = salon.pipeline.preview(&earshot::sources::RawItem {
        text: "Harbor Street Salon took it above my shoulders".to_owned(),
        ..Default::default()
    });
    assert_eq!(score.label, Label::Negative, "{score:?}");

    // The digest says how many stored mentions changed label.
    let data = salon
        .store
        .lock()
        .digest_data(
            Utc::now() - chrono::Duration::days(1),
            Utc::now() + chrono::Duration::minutes(1),
        )
        .unwrap();
    assert_eq!(data.relabelled_by_learning, relabelled);

    // `learn --show` on the command line lists them with their support.
    let config_path = salon.dir.path().join("earshot.toml");
    std::fs::write(&config_path, "[business]\nname = \"Harbor Street Salon\"\n").unwrap();
    let show = earshot(
        salon.dir.path(),
        &[
            "--config",
            "earshot.toml",
            "--db",
            &db(salon.dir.path()),
            "learn",
            "--show",
        ],
    );
    let text = output_text(&show);
    assert!(show.status.success(), "{text}");
    assert!(text.contains("shoulders"), "{text}");

    // `earshot score` scores as the service does: with the business's learned terms.
    let scored = earshot(
        salon.dir.path(),
        &[
            "--config",
            "earshot.toml",
            "--db",
            &db(salon.dir.path()),
            "score",
            "They took mine above my shoulders",
        ],
    );
    let json = output_text(&scored);
    assert!(json.contains("\"label\":\"negative\""), "{json}");
    assert!(json.contains("shoulders (learned)"), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learned_term_never_overrides_a_staff_correction() {
    let salon = Salon::new().await;
    salon.poll().await;
    let post = "Harbor Street Salon took mine above my shoulders";
    salon.forum(post);
    salon.poll().await;
    assert!(matches!(salon.learn().verdict, Verdict::Kept { .. }));
    assert_eq!(salon.mention(post).label, Label::Negative);
    // Staff know better: it was the short cut the client asked for.
    let id = salon.mention(post).id;
    earshot::pipeline::correct(
        &mut salon.store.lock(),
        id,
        earshot::pipeline::Correction::Label(Label::Positive),
        None,
        "Sam",
        &salon.config.triage,
        Utc::now(),
    )
    .unwrap();
    // Re-scoring with the learned terms (what every kept fit does) keeps staff's label.
    let base = salon.config.sentiment_options();
    let mut store = salon.store.lock();
    let learned = learning::options_with_business(&base, &store).unwrap();
    let analyzer = earshot::sentiment::Analyzer::new(learned);
    assert_eq!(
        analyzer.score(post).label,
        Label::Negative,
        "the terms still say complaint"
    );
    let rules = salon.config.triage.clone();
    store
        .transaction(|tx| learning::rescore(tx, &analyzer, &rules, Utc::now()))
        .unwrap();
    drop(store);
    assert_eq!(salon.mention(post).label, Label::Positive, "staff said so");
    // And a new fit learns from the correction as a staff label.
    let again = salon.learn();
    assert_eq!(again.from_staff, 1, "{again:?}");
    assert_eq!(salon.mention(post).label, Label::Positive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_few_labels_are_refused_with_the_reason() {
    let salon = Salon::new().await;
    // No poll: nothing labelled.
    let outcome = salon.learn();
    match outcome.verdict {
        Verdict::Rejected(why) => assert!(why.contains("at least 10"), "{why}"),
        other => panic!("kept with no labels: {other:?}"),
    }
    assert!(salon.store.lock().business_terms().unwrap().is_empty());
    let shown = learning::show(&salon.store.lock(), 10).unwrap();
    assert!(shown.starts_with("Nothing learned yet"), "{shown}");
    assert!(shown.contains("at least 10 labelled mentions"), "{shown}");
}
