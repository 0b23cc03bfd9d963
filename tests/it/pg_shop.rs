//! A shop whose data lives in PostgreSQL (`[storage] url`, issue 19): the same commands,
//! the same emails and the same search as on the SQLite file, through the real binary
//! against a throwaway server and a local SMTP server.

use crate::pg::test_db;
use crate::shop::{received, Shop};
use crate::smtp::SmtpServer;

fn configure(shop: &Shop, url: &str, smtp: &SmtpServer) {
    shop.configure(&format!(
        "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"UTC\"\n\n\
         [storage]\nurl = \"{url}\"\n\n\
         [[location]]\nname = \"Soho\"\nto = [\"soho@example.com\"]\n\n\
         [[source]]\nname = \"soho-reviews\"\nurl = \"file://{feed}\"\nlocation = \"Soho\"\n\n\
         [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
         smtp_url = \"{smtp}\"\n",
        feed = shop.path("soho.xml"),
        smtp = smtp.url(),
    ));
}

#[test]
fn a_shop_on_postgres_polls_alerts_searches_and_keeps_case_history() {
    let db = test_db();
    let smtp = SmtpServer::start();
    let mut shop = Shop::empty();
    configure(&shop, &db.url(), &smtp);
    shop.feed("soho", &[]);
    let mut seen = 0;
    shop.ok(&["poll"]); // the source's first poll: its start
    std::fs::write(
        shop.dir.path().join("customers.csv"),
        "name,email,handles,tier,lifetime_value\nPriya Nair,priya@example.com,,A,3200\n",
    )
    .unwrap();
    shop.ok(&["customers", "import", "customers.csv"]);

    shop.hours(1);
    shop.feed(
        "soho",
        &[
            (
                "s1",
                "Priya Nair",
                "Our anniversary cake arrived squashed and the staff were rude.",
            ),
            (
                "s2",
                "Tom Reed",
                "Lovely croissants, friendly staff, will be back.",
            ),
        ],
    );
    shop.ok(&["poll"]);
    let urgent = received(&smtp, &mut seen);
    assert_eq!(urgent.len(), 1, "{urgent:?}");
    assert!(urgent[0].0.contains("soho@example.com"), "{urgent:?}");
    assert!(urgent[0].0.contains("owner@example.com"), "{urgent:?}");
    assert!(
        urgent[0].1.starts_with("[URGENT] [Soho] Priya Nair ("),
        "{urgent:?}"
    );

    // Search: every typed word, accents and case ignored, and a name by its prefixes.
    let found = shop.ok(&[
        "mentions",
        "--search",
        "ANNIVERSÁRY cake",
        "--format",
        "json",
    ]);
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let id = found[0]["id"].as_i64().unwrap();
    let by_name = shop.ok(&["mentions", "--customer", "Pri N", "--format", "json"]);
    let by_name: serde_json::Value = serde_json::from_str(&by_name).unwrap();
    assert_eq!(by_name.as_array().unwrap().len(), 1, "{by_name}");
    let none = shop.ok(&[
        "mentions",
        "--search",
        "cake OR croissants",
        "--format",
        "json",
    ]);
    assert_eq!(none.trim(), "[]", "OR is a word to find, not an operator");

    // The case's history is kept.
    shop.ok(&["ack", &id.to_string(), "--note", "called Priya"]);
    shop.ok(&["resolve", &id.to_string(), "--note", "new cake delivered"]);
    let shown = shop.ok(&["show", &id.to_string()]);
    assert!(shown.contains("called Priya"), "{shown}");
    assert!(shown.contains("new cake delivered"), "{shown}");

    // Nothing was written to a SQLite file beside the config.
    assert!(!shop.dir.path().join("data").exists());
    assert!(!shop.dir.path().join("earshot.db").exists());
}

#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let db = test_db();
    let smtp = SmtpServer::start();
    let shop = Shop::empty();
    configure(&shop, &db.url(), &smtp);
    let said = shop.refused(&["backup", "copy.db"]);
    assert!(said.contains("pg_dump"), "{said}");
}

#[test]
fn an_unreachable_server_is_named_with_what_to_check() {
    let smtp = SmtpServer::start();
    let shop = Shop::empty();
    let port = crate::smtp::free_port();
    configure(
        &shop,
        &format!("postgres://earshot@127.0.0.1:{port}/earshot"),
        &smtp,
    );
    let said = shop.refused(&["mentions"]);
    assert!(
        said.contains(&format!("earshot@127.0.0.1:{port}/earshot")),
        "{said}"
    );
    assert!(said.contains("[storage] url"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}
