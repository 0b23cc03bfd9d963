//! A shop's installation for end-to-end tests of the binary: a temp dir with a config,
//! RSS feed files, the database, and the clock in `$EARSHOT_NOW`; plus what a local SMTP
//! server received. Used by the team and locations tests.

use std::process::Output;

use assert_cmd::cargo::CommandCargoExt;
use chrono::{DateTime, Utc};

use crate::smtp::SmtpServer;

/// The installation; the clock starts at 2026-06-01 09:00 UTC.
pub struct Shop {
    pub dir: tempfile::TempDir,
    pub now: DateTime<Utc>,
}

impl Shop {
    /// An empty installation: write its config with [`Shop::configure`].
    pub fn empty() -> Shop {
        Shop {
            dir: tempfile::tempdir().unwrap(),
            now: "2026-06-01T09:00:00Z".parse().unwrap(),
        }
    }

    /// A file in the installation, as text for the config.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Write `earshot.toml`.
    pub fn configure(&self, config: &str) {
        std::fs::write(self.dir.path().join("earshot.toml"), config).unwrap();
    }

    /// `NAME.xml` now carries these (key, author, text), published an hour before now.
    pub fn feed(&self, name: &str, items: &[(&str, &str, &str)]) {
        let published = (self.now - chrono::Duration::try_hours(1).unwrap()).to_rfc2822();
        let items: String = items
            .iter()
            .map(|(key, author, text)| {
                format!(
                    "<item><guid isPermaLink=\"false\">{key}</guid>\
                     <link>https://reviews.test/r/{key}</link><author>{author}</author>\
                     <description>{text}</description><pubDate>{published}</pubDate></item>"
                )
            })
            .collect();
        let rss = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Reviews</title><link>https://reviews.test/</link>\
             <description>reviews</description>{items}</channel></rss>"
        );
        std::fs::write(self.dir.path().join(format!("{name}.xml")), rss).unwrap();
    }

    /// Move the clock forward.
    pub fn hours(&mut self, hours: i64) {
        self.now += chrono::Duration::try_hours(hours).unwrap();
    }

    /// `earshot ARGS` on this installation at its clock.
    pub fn run(&self, args: &[&str]) -> Output {
        std::process::Command::cargo_bin("earshot")
            .unwrap()
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(self.dir.path().join("earshot.toml"))
            .args(args)
            .env("EARSHOT_NOW", self.now.to_rfc3339())
            .env_remove("EARSHOT_CONFIG")
            .output()
            .unwrap()
    }

    /// Its stdout; it must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Its stderr; it must fail.
    pub fn refused(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "{args:?} should have failed");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }
}

/// (To header, subject) of every message received since `seen`.
pub fn received(smtp: &SmtpServer, seen: &mut usize) -> Vec<(String, String)> {
    let messages = smtp.messages();
    let new = messages[*seen..]
        .iter()
        .map(|m| {
            (
                m.header("To").unwrap_or_default().to_owned(),
                m.subject().to_owned(),
            )
        })
        .collect();
    *seen = messages.len();
    new
}
