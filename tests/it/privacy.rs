//! A customer's data on request: `customers export` and `customers forget` on a real
//! installation (the binary, a feed served over HTTP on 127.0.0.1, alerts written as
//! `.eml` files), for a customer with several posts, a worked case and sent alerts.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{output_text, Reply, Server};
use crate::smtp::read_dir_mails;

const NOW: &str = "2026-06-01T09:00:00Z";

const CUSTOMERS: &str = "name,email,tier,lifetime_value,notes\n\
    Nora Quill,Nora@Quill.example,A,900,prefers rye\n\
    Otto Bell,otto@bell.example,B,120,\n";

/// A temp installation reading its feed from `server`, with the clock at [`NOW`].
struct Install {
    dir: tempfile::TempDir,
}

impl Install {
    fn new(server: &Server) -> Install {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"UTC\"\n\n\
             [storage]\ndatabase = \"{db}\"\n\n\
             [[source]]\nname = \"reviews\"\nurl = \"{feed}\"\ninterval = \"15m\"\n\n\
             [alerts]\nto = [\"owner@bakery.example\"]\nfrom = \"earshot@bakery.example\"\n\
             outbox_dir = \"{outbox}\"\n",
            db = dir.path().join("earshot.db").display(),
            feed = server.url("/feed.xml"),
            outbox = dir.path().join("outbox").display(),
        );
        std::fs::write(dir.path().join("earshot.toml"), config).unwrap();
        std::fs::write(dir.path().join("customers.csv"), CUSTOMERS).unwrap();
        Install { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run the binary off the async workers (the feed server answers on them).
    async fn run(&self, args: &[&str]) -> Output {
        let (dir, args) = (self.dir.path().to_owned(), owned(args));
        tokio::task::spawn_blocking(move || command(&dir, &args).output().unwrap())
            .await
            .unwrap()
    }

    async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "earshot {args:?}: {}",
            output_text(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    async fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args).await).unwrap()
    }

    /// Every byte of the database (the file and its write-ahead log) as text.
    fn database_bytes(&self) -> String {
        let mut bytes = std::fs::read(self.path("earshot.db")).unwrap();
        bytes.extend(std::fs::read(self.path("earshot.db-wal")).unwrap_or_default());
        String::from_utf8_lossy(&bytes).to_lowercase()
    }
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn command(dir: &Path, args: &[String]) -> Command {
    let mut command = Command::cargo_bin("earshot").unwrap();
    command
        .current_dir(dir)
        .arg("--config")
        .arg(dir.join("earshot.toml"))
        .args(args)
        .env("EARSHOT_NOW", NOW)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_SMTP_USER")
        .env_remove("EARSHOT_SMTP_PASSWORD");
    command
}

/// Nora's two complaints and a praise, a stranger's post, all from the last hours.
fn feed() -> String {
    let items = [
        (
            "n1",
            "Nora Quill",
            "Waited 40 minutes and the order was wrong. Very disappointed.",
            1,
        ),
        (
            "n2",
            "Nora Quill",
            "Cold coffee again and nobody apologized. Terrible.",
            2,
        ),
        ("n3", "Nora Quill", "Lovely sourdough today, thank you!", 3),
        ("s1", "Sam Green", "They open at 7 on weekdays.", 4),
    ];
    let items: String = items
        .iter()
        .map(|(key, author, text, hours)| {
            let at = chrono::DateTime::parse_from_rfc3339(NOW).unwrap()
                - chrono::Duration::hours(*hours);
            format!(
                "<item><guid isPermaLink=\"false\">{key}</guid>\
                 <link>https://reviews.example/r/{key}</link><author>{author}</author>\
                 <description>{text}</description><pubDate>{}</pubDate></item>",
                at.to_rfc2822()
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Reviews</title><link>https://reviews.example/</link>\
         <description>reviews</description>{items}</channel></rss>"
    )
}

/// Nora imported, her posts polled (their alerts written), her first complaint worked
/// through ack, promise and resolve with notes. Returns that complaint's id.
async fn nora_with_a_case(install: &Install) -> String {
    install.ok(&["customers", "import", "customers.csv"]).await;
    install.ok(&["poll"]).await;
    let mentions = install
        .json(&["mentions", "--customer", "Nora Quill", "--format", "json"])
        .await;
    let complaint = mentions
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["url"] == "https://reviews.example/r/n1")
        .unwrap_or_else(|| panic!("no linked complaint: {mentions:#}"));
    let id = complaint["id"].to_string();
    install
        .ok(&["ack", &id, "--note", "called Nora back", "--by", "priya"])
        .await;
    install
        .ok(&[
            "promise",
            &id,
            "--due",
            "2d",
            "--note",
            "refund to nora@quill.example",
            "--by",
            "priya",
        ])
        .await;
    install
        .ok(&["resolve", &id, "--note", "refunded", "--by", "priya"])
        .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_holds_the_record_every_post_its_case_and_the_alerts_sent() {
    let server = Server::start().await;
    server.route("/feed.xml", Reply::ok("application/rss+xml", feed()));
    let install = Install::new(&server);
    let id = nora_with_a_case(&install).await;

    // Any case and surrounding spaces find her.
    let export = install
        .json(&["customers", "export", "  nora@QUILL.example "])
        .await;
    assert_eq!(export["exported_at"], NOW);
    assert!(export["about"].as_str().unwrap().contains("case history"));
    assert_eq!(export["customers"].as_array().unwrap().len(), 1);
    let record = &export["customers"][0];
    assert_eq!(record["name"], "Nora Quill");
    assert_eq!(
        record["email"], "nora@quill.example",
        "as imported: lowercased"
    );
    assert_eq!(record["tier"], "A");
    assert_eq!(record["lifetime_value"], 900.0);
    assert_eq!(record["notes"], "prefers rye");

    let mentions = export["mentions"].as_array().unwrap();
    let urls: Vec<&str> = mentions
        .iter()
        .map(|m| m["mention"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://reviews.example/r/n1",
            "https://reviews.example/r/n2",
            "https://reviews.example/r/n3"
        ],
        "her posts, not the stranger's"
    );
    assert!(mentions.iter().all(|m| m["relation"] == "linked"));
    let case = &mentions[0];
    assert_eq!(case["mention"]["id"].to_string(), id);
    assert_eq!(case["mention"]["author"], "Nora Quill");
    assert_eq!(case["mention"]["source"], "reviews");
    assert_eq!(case["mention"]["label"], "negative");
    assert_eq!(case["mention"]["status"], "resolved");
    assert!(case["mention"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Waited 40 minutes"));
    let history: Vec<(&str, &str)> = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["note"].is_null())
        .map(|e| (e["kind"].as_str().unwrap(), e["note"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("acknowledged", "called Nora back"),
            ("promised", "refund to nora@quill.example"),
            ("resolved", "refunded")
        ]
    );
    let promise = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "promised")
        .unwrap();
    assert_eq!(promise["due"], "2026-06-03T09:00:00Z");
    assert_eq!(promise["by"], "priya");
    let alert = &case["emails"][0];
    assert_eq!(alert["kind"], "alert");
    assert_eq!(alert["status"], "sent");
    assert_eq!(
        alert["recipients"],
        serde_json::json!(["owner@bakery.example"])
    );
    assert!(alert["subject"].as_str().unwrap().contains("Nora Quill"));
    assert!(alert.get("message").is_none(), "never the message bytes");

    // --out writes the same file and says so.
    let said = install
        .ok(&[
            "customers",
            "export",
            "nora@quill.example",
            "--out",
            "nora.json",
        ])
        .await;
    assert!(
        said.contains("1 customer record(s) and 3 mention(s)"),
        "{said}"
    );
    let file: Value =
        serde_json::from_slice(&std::fs::read(install.path("nora.json")).unwrap()).unwrap();
    assert_eq!(file["mentions"], export["mentions"]);

    let missing = install
        .run(&["customers", "export", "nobody@x.example"])
        .await;
    assert!(!missing.status.success());
    assert!(
        output_text(&missing).contains("earshot customers list --search"),
        "{}",
        output_text(&missing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_erases_her_everywhere_but_the_fact_and_lists_what_left() {
    let server = Server::start().await;
    server.route("/feed.xml", Reply::ok("application/rss+xml", feed()));
    let install = Install::new(&server);
    let id = nora_with_a_case(&install).await;
    let sent = read_dir_mails(&install.path("outbox"));
    let about_her: Vec<&str> = sent
        .iter()
        .map(|m| m.subject())
        .filter(|s| s.contains("Nora Quill"))
        .collect();
    assert!(!about_her.is_empty(), "alerts about her went out");

    let before = install.ok(&["show", &id]).await;
    assert!(before.contains("Why urgent: A-list (tier A)"), "{before}");

    // Not on a terminal and no --yes: refused, nothing changed.
    let refused = install
        .run(&["customers", "forget", "nora@quill.example"])
        .await;
    assert!(!refused.status.success());
    assert!(
        output_text(&refused).contains("--yes"),
        "{}",
        output_text(&refused)
    );
    install
        .ok(&["customers", "export", "nora@quill.example"])
        .await;

    let summary = install
        .ok(&[
            "customers",
            "forget",
            "nora@quill.example",
            "--yes",
            "--by",
            "owner",
        ])
        .await;
    for expected in [
        "Erased Nora Quill",
        "3 mention(s) unlinked",
        "3 case note(s) erased",
        "The posts' own text stays",
        "Already sent",
        "to owner@bakery.example",
        "written as .eml files in",
        "Remove nora@quill.example from the customer list you import",
    ] {
        assert!(summary.contains(expected), "{expected} missing:\n{summary}");
    }
    for subject in &about_her {
        assert!(
            summary.contains(subject),
            "{subject} not listed:\n{summary}"
        );
    }

    // Nothing finds her: not the customer list, the author, the search or the history.
    let list = install.ok(&["customers", "list"]).await;
    assert!(!list.to_lowercase().contains("quill"), "{list}");
    assert!(list.contains("Otto Bell"), "{list}");
    for args in [
        ["mentions", "--search", "Quill", "--format", "json"],
        ["mentions", "--customer", "Nora", "--format", "json"],
    ] {
        assert_eq!(install.json(&args).await, serde_json::json!([]), "{args:?}");
    }
    let all = install.json(&["mentions", "--format", "json"]).await;
    let erased: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"] == "(erased)")
        .collect();
    assert_eq!(erased.len(), 3, "{all:#}");
    assert!(erased.iter().all(|m| m["customer"].is_null()));
    let text = install
        .json(&["mentions", "--search", "disappointed", "--format", "json"])
        .await;
    assert_eq!(text.as_array().unwrap().len(), 1, "the public text stays");
    let show = install.ok(&["show", &id]).await;
    assert!(!show.to_lowercase().contains("nora"), "{show}");
    assert!(!show.contains("refunded"), "{show}");
    assert!(show.contains("erased"), "{show}");
    // Re-decided as a post by nobody known: her tier no longer raises it.
    assert!(
        !show.contains("A-list") && !show.contains("URGENT"),
        "{show}"
    );
    // Not in the file either (its free pages, the write-ahead log), the posts' text apart.
    let bytes = install.database_bytes();
    for trace in ["quill", "prefers rye", "called nora back"] {
        assert!(
            !bytes.contains(trace),
            "{trace} is still in the database file"
        );
    }
    // Only the fact is kept.
    let db = rusqlite::Connection::open(install.path("earshot.db")).unwrap();
    let fact: (String, String, i64) = db
        .query_row("SELECT at, by, mentions FROM erasures", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(fact, (NOW.to_owned(), "owner".to_owned(), 3));

    // A second time there is nobody with that email.
    let again = install
        .run(&["customers", "forget", "nora@quill.example", "--yes"])
        .await;
    assert!(!again.status.success());
    assert!(
        output_text(&again).contains("no customer has the email 'nora@quill.example'"),
        "{}",
        output_text(&again)
    );

    // Importing the old list brings her record back, as the reminder says, but her erased
    // posts stay unlinked.
    install.ok(&["customers", "import", "customers.csv"]).await;
    install.ok(&["poll", "--force"]).await;
    let relinked = install
        .json(&["mentions", "--customer", "Nora", "--format", "json"])
        .await;
    assert_eq!(relinked, serde_json::json!([]));
}
