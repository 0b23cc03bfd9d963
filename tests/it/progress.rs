//! Progress bars and log colours are for a person at a terminal: with stderr captured (a
//! pipe, as in a script, a service log or CI) `poll`, `customers import` and `eval` print
//! no bar and no colour code, while their logs still arrive.

use assert_cmd::Command;

use crate::cli::fresh_checkout;

/// Run `earshot args` in `dir` with debug logging, stdout and stderr captured; its stderr.
fn stderr_of(dir: &std::path::Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("earshot")
        .unwrap()
        .current_dir(dir)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("NO_COLOR")
        .env("EARSHOT_LOG", "debug")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{args:?} failed: {stderr}");
    stderr
}

#[test]
fn captured_output_has_no_progress_bar_and_no_colour_codes() {
    let dir = fresh_checkout();
    let labelled = dir.path().join("labelled.tsv");
    std::fs::write(
        &labelled,
        "-1\tThe waiter was rude and the soup was cold.\n1\tWonderful bread, lovely staff!\n",
    )
    .unwrap();
    let runs = [
        stderr_of(dir.path(), &["poll"]),
        stderr_of(dir.path(), &["customers", "import", "config/customers.csv"]),
        stderr_of(dir.path(), &["eval", labelled.to_str().unwrap()]),
    ];
    // The logs are there (so the check below has something to look at)…
    assert!(
        runs[0].contains("DEBUG") || runs[0].contains("INFO"),
        "{}",
        runs[0]
    );
    for stderr in &runs {
        // …without colour codes, and without any bar or its redraws.
        assert!(
            !stderr.contains("\u{1b}["),
            "colour codes in a pipe: {stderr:?}"
        );
        for bar in ["polling [", "linking mentions [", "scoring [", "\r"] {
            assert!(
                !stderr.contains(bar),
                "progress in a pipe ({bar:?}): {stderr}"
            );
        }
    }
}
