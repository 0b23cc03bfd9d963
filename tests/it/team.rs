//! The team from the command line: `staff add|list|remove|password`, `--as`, and the case
//! history recording who acted.

use std::io::Write;
use std::process::Stdio;

use assert_cmd::cargo::CommandCargoExt;

use crate::cli::{earshot, fresh_checkout, stdout};
use crate::shop::{received, Shop};

fn stderr(output: &std::process::Output) -> String {
    assert!(!output.status.success(), "should have failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `earshot ARGS` with `input` on stdin (a password, as a script would pipe it).
fn earshot_with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = std::process::Command::cargo_bin("earshot")
        .unwrap()
        .current_dir(dir)
        .env_remove("EARSHOT_CONFIG")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn first_open_mention(dir: &std::path::Path) -> String {
    let open: serde_json::Value = serde_json::from_str(&stdout(&earshot(
        dir,
        &["mentions", "--status", "open", "--format", "json"],
    )))
    .unwrap();
    open[0]["id"].as_i64().expect("an open case").to_string()
}

#[test]
fn a_team_acts_under_its_own_names_and_a_leaver_cannot() {
    let dir = fresh_checkout();
    let dir = dir.path();
    stdout(&earshot(dir, &["poll", "--no-send"]));
    let id = first_open_mention(dir);

    // Before the team exists, any name acts (as before).
    stdout(&earshot(
        dir,
        &["ack", &id, "--note", "seen", "--as", "temp"],
    ));

    let olga = stdout(&earshot(
        dir,
        &[
            "staff",
            "add",
            "Olga Petrova",
            "--email",
            "olga@example.com",
        ],
    ));
    assert!(olga.contains("as owner"), "{olga}");
    stdout(&earshot(
        dir,
        &["staff", "add", "Sam", "--email", "sam@example.com"],
    ));
    let set = earshot_with_stdin(
        dir,
        &["staff", "password", "sam", "--as", "Sam"],
        "a long enough password\n",
    );
    assert!(stdout(&set).contains("Set Sam's password"));

    let list = stdout(&earshot(dir, &["staff", "list"]));
    assert!(
        list.contains("Olga Petrova  olga@example.com  owner  not set"),
        "{list}"
    );
    assert!(list.contains("Sam"), "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("Sam") && l.contains("staff") && l.contains("yes")),
        "{list}"
    );

    // --as names a person on the team; without it the owner acts.
    stdout(&earshot(
        dir,
        &[
            "promise", &id, "--due", "2d", "--note", "refund", "--as", "sam",
        ],
    ));
    stdout(&earshot(dir, &["resolve", &id, "--note", "refunded"]));
    let show = stdout(&earshot(dir, &["show", &id]));
    for expected in [
        "acknowledged by temp",
        "promised",
        "by Sam",
        "resolved by Olga Petrova",
    ] {
        assert!(show.contains(expected), "{expected} missing:\n{show}");
    }
    let unknown = stderr(&earshot(dir, &["ack", &id, "--as", "temp"]));
    assert!(
        unknown.contains("nobody on the team is called 'temp'"),
        "{unknown}"
    );
    assert!(unknown.contains("Olga Petrova, Sam"), "{unknown}");

    // Staff cannot manage the team; the owner can, and a leaver's name stays in history.
    let refused = stderr(&earshot(
        dir,
        &[
            "staff",
            "add",
            "Tim",
            "--email",
            "tim@example.com",
            "--as",
            "Sam",
        ],
    ));
    assert!(
        refused.contains("only an owner can add people"),
        "{refused}"
    );
    for (args, what) in [
        (
            &["backup", "copy.db", "--as", "Sam"][..],
            "back up the database",
        ),
        (
            &["restore", "copy.db", "--as", "Sam"][..],
            "restore the database",
        ),
        (
            &["sources", "add", "https://example.com/feed", "--as", "Sam"][..],
            "add sources",
        ),
        (
            &[
                "customers",
                "forget",
                "a@example.com",
                "--yes",
                "--as",
                "Sam",
            ][..],
            "erase a customer",
        ),
    ] {
        let refused = stderr(&earshot(dir, args));
        assert!(
            refused.contains(&format!("only an owner can {what}")),
            "{refused}"
        );
    }
    assert!(!dir.join("copy.db").exists());
    let removed = stdout(&earshot(dir, &["staff", "remove", "Sam"]));
    assert!(removed.contains("Removed Sam"), "{removed}");
    let gone = stderr(&earshot(dir, &["ack", &id, "--as", "Sam"]));
    assert!(gone.contains("'Sam' was removed from the team"), "{gone}");
    assert!(stdout(&earshot(dir, &["show", &id])).contains("by Sam"));
    let all = stdout(&earshot(dir, &["staff", "list", "--removed"]));
    assert!(
        all.lines()
            .any(|l| l.starts_with("Sam") && l.contains("removed")),
        "{all}"
    );
}

#[test]
fn bad_staff_details_are_refused_with_what_to_write() {
    let dir = fresh_checkout();
    let dir = dir.path();
    let email = stderr(&earshot(dir, &["staff", "add", "Ana", "--email", "ana"]));
    assert!(email.contains("'ana' is not an email address"), "{email}");
    let reserved = stderr(&earshot(
        dir,
        &["staff", "add", "me", "--email", "me@example.com"],
    ));
    assert!(
        reserved.contains("'me' cannot be a staff name"),
        "{reserved}"
    );
    let role = stderr(&earshot(
        dir,
        &[
            "staff",
            "add",
            "Ana",
            "--email",
            "ana@example.com",
            "--role",
            "boss",
        ],
    ));
    assert!(
        role.contains("unknown role 'boss': use owner or staff"),
        "{role}"
    );
    stdout(&earshot(
        dir,
        &["staff", "add", "Ana", "--email", "ana@example.com"],
    ));
    let twice = stderr(&earshot(
        dir,
        &["staff", "add", "ANA", "--email", "a2@example.com"],
    ));
    assert!(twice.contains("already called 'ANA'"), "{twice}");
    let short = earshot_with_stdin(dir, &["staff", "password", "Ana"], "short\n");
    assert!(stderr(&short).contains("10 to 200 characters"));
}

/// A shop on a local SMTP server with the clock in `$EARSHOT_NOW`: a feed file, the
/// database, and `[alerts] to` the owner.
fn shop_on(smtp: &crate::smtp::SmtpServer) -> Shop {
    let shop = Shop::empty();
    shop.configure(&format!(
        "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"UTC\"\n\n\
         [storage]\ndatabase = \"{db}\"\n\n\
         [[source]]\nname = \"reviews\"\nurl = \"file://{feed}\"\ninterval = \"15m\"\n\n\
         [triage]\nrespond_within = \"4h\"\n\n\
         [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
         smtp_url = \"{smtp}\"\n",
        db = shop.path("earshot.db"),
        feed = shop.path("reviews.xml"),
        smtp = smtp.url(),
    ));
    shop.feed("reviews", &[]);
    shop
}

/// The ids of the mentions the filter lists.
fn ids(shop: &Shop, filter: &[&str]) -> Vec<i64> {
    let mut args = vec!["mentions", "--format", "json"];
    args.extend_from_slice(filter);
    let json: serde_json::Value = serde_json::from_str(&shop.ok(&args)).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn an_assigned_case_routes_its_emails_to_its_owner_first() {
    let smtp = crate::smtp::SmtpServer::start();
    let mut shop = shop_on(&smtp);
    let mut seen = 0;
    shop.ok(&["poll"]); // the first poll of an empty feed: the source's start
    shop.ok(&[
        "staff",
        "add",
        "Olga",
        "--email",
        "owner@example.com",
        "--role",
        "owner",
    ]);
    shop.ok(&["staff", "add", "Sam", "--email", "sam@example.com"]);

    shop.hours(1);
    shop.feed(
        "reviews",
        &[(
            "r1",
            "Jill Watts",
            "Waited 40 minutes, the order was wrong and the staff were rude.",
        )],
    );
    shop.ok(&["poll"]);
    let alert = received(&smtp, &mut seen);
    assert_eq!(alert.len(), 1, "{alert:?}");
    assert_eq!(alert[0].0, "owner@example.com", "{alert:?}");
    let id = ids(&shop, &[])[0].to_string();
    assert_eq!(
        ids(&shop, &["--assigned", "nobody"]),
        [id.parse::<i64>().unwrap()]
    );

    // Assigned by the owner: the case goes to Sam alone, and it is his.
    let said = shop.ok(&["assign", &id, "sam"]);
    assert!(said.contains("now Sam's; an email tells them"), "{said}");
    shop.ok(&["poll"]);
    let yours = received(&smtp, &mut seen);
    assert_eq!(yours.len(), 1, "{yours:?}");
    assert_eq!(yours[0].0, "sam@example.com");
    assert!(yours[0].1.starts_with("[Yours] Jill Watts"), "{yours:?}");
    assert_eq!(ids(&shop, &["--assigned", "Sam"]).len(), 1);
    assert_eq!(ids(&shop, &["--assigned", "me", "--as", "Sam"]).len(), 1);
    assert!(
        ids(&shop, &["--assigned", "me"]).is_empty(),
        "Olga has none"
    );
    assert!(ids(&shop, &["--assigned", "nobody"]).is_empty());
    assert!(shop.ok(&["show", &id]).contains("Assigned:  Sam"));

    // Sam promises; at the due time the reminder goes to Sam alone.
    shop.ok(&[
        "promise",
        &id,
        "--due",
        "2026-06-01 12:00",
        "--note",
        "refund",
        "--as",
        "Sam",
    ]);
    shop.hours(2); // 12:00: due now, not yet past
    shop.ok(&["poll"]);
    shop.hours(1); // 13:00
    shop.ok(&["poll"]);
    let reminder = received(&smtp, &mut seen);
    assert_eq!(reminder.len(), 1, "{reminder:?}");
    assert_eq!(reminder[0].0, "sam@example.com");
    assert!(reminder[0].1.starts_with("[Reminder]"), "{reminder:?}");

    // Still not kept respond_within (4h) after the due time: the owner hears, once.
    shop.hours(2); // 15:00, 3h past due
    shop.ok(&["poll"]);
    assert!(received(&smtp, &mut seen).is_empty());
    shop.hours(2); // 17:00, 5h past due
    shop.ok(&["poll"]);
    shop.hours(1);
    shop.ok(&["poll"]);
    let overdue = received(&smtp, &mut seen);
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert!(overdue[0].0.contains("owner@example.com"), "{overdue:?}");
    assert!(overdue[0].0.contains("sam@example.com"), "{overdue:?}");
    assert!(
        overdue[0].1.starts_with("[Overdue] Sam's promise:"),
        "{overdue:?}"
    );

    // The digest counts open cases per person.
    let digest = shop.ok(&["digest"]);
    assert!(digest.contains("By person: Sam 1 (1 overdue)."), "{digest}");
    assert!(digest.contains("[Sam]"), "{digest}");

    // Taking a case yourself sends nothing; unassigning is recorded.
    shop.ok(&["assign", &id, "me", "--as", "Olga"]);
    shop.ok(&["assign", &id, "nobody"]);
    shop.ok(&["poll"]);
    assert!(received(&smtp, &mut seen).is_empty());
    let history = shop.ok(&["show", &id]);
    for expected in [
        "assigned by Olga: to Sam",
        "assigned by Olga: to Olga",
        "unassigned by Olga: was Olga",
    ] {
        assert!(history.contains(expected), "{expected} missing:\n{history}");
    }
}
