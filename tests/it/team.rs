//! The team from the command line: `staff add|list|remove|password`, `--as`, and the case
//! history recording who acted.

use std::io::Write;
use std::process::Stdio;

use assert_cmd::cargo::CommandCargoExt;

use crate::cli::{earshot, fresh_checkout, stdout};

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
        list.contains("Olga Petrova  olga@example.com  owner  link only"),
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
