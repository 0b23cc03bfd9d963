//! Bluesky through `earshot poll`: a local server stands in for both the PDS (login,
//! search) and the public AppView (an account's posts) at the source's `api_base`, and
//! answers by the token each request carries, as Bluesky does.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::cli::stdout;
use crate::platforms::vcr_body;

const SEARCH_FILE: &str = "bluesky/christopherkenny__bskyr__f_search.yml";
const AUTHOR_FILE: &str = "bluesky/christopherkenny__bskyr__f_autfeed.yml";

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    body: String,
}

/// A PDS and AppView in one: createSession hands out an access token that is already
/// expired, refreshSession a good one; searches with the expired one get Bluesky's
/// `ExpiredToken` error.
#[derive(Clone)]
struct Bluesky {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    search: Arc<Vec<u8>>,
    author: Arc<Vec<u8>>,
}

impl Bluesky {
    async fn start(search: Vec<u8>, author: Vec<u8>) -> Bluesky {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let server = Bluesky {
            base: format!("http://{}/", listener.local_addr().unwrap()),
            seen: Arc::default(),
            search: Arc::new(search),
            author: Arc::new(author),
        };
        let handle = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let handle = handle.clone();
                tokio::spawn(async move { handle.answer(socket).await });
            }
        });
        server
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn answer(&self, mut socket: tokio::net::TcpStream) {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        let mut lines = head.lines();
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let method = request_line.next().unwrap_or("").to_owned();
        let path = request_line.next().unwrap_or("/").to_owned();
        let header = |name: &str| {
            head.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
        };
        let length: usize = header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        let _ = socket.read_exact(&mut body).await;
        let authorization = header("authorization");
        self.seen.lock().unwrap().push(Seen {
            method: method.clone(),
            path: path.clone(),
            authorization: authorization.clone(),
            body: String::from_utf8_lossy(&body).to_string(),
        });
        let (status, reply) = self.reply(&method, &path, authorization.as_deref());
        let out = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.len()
        );
        let _ = socket.write_all(out.as_bytes()).await;
        let _ = socket.write_all(&reply).await;
        let _ = socket.shutdown().await;
    }

    fn reply(&self, method: &str, path: &str, authorization: Option<&str>) -> (u16, Vec<u8>) {
        let session = |access: &str| {
            format!(r#"{{"did":"did:plc:owner","handle":"owner.bsky.social","accessJwt":"{access}","refreshJwt":"refresh-1"}}"#)
                .into_bytes()
        };
        let expired = br#"{"error":"ExpiredToken","message":"Token has expired"}"#.to_vec();
        let route = path.split('?').next().unwrap_or_default();
        match (method, route, authorization) {
            ("POST", "/xrpc/com.atproto.server.createSession", None) => {
                (200, session("stale-access"))
            }
            ("POST", "/xrpc/com.atproto.server.refreshSession", Some("Bearer refresh-1")) => {
                (200, session("fresh-access"))
            }
            ("GET", "/xrpc/app.bsky.feed.searchPosts", Some("Bearer stale-access")) => {
                (400, expired)
            }
            ("GET", "/xrpc/app.bsky.feed.searchPosts", Some("Bearer fresh-access")) => {
                (200, self.search.to_vec())
            }
            ("GET", "/xrpc/app.bsky.feed.getAuthorFeed", _) => (200, self.author.to_vec()),
            _ => (
                401,
                br#"{"error":"AuthenticationRequired","message":"Authentication Required"}"#
                    .to_vec(),
            ),
        }
    }
}

fn checkout(sources: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("earshot.toml");
    std::fs::write(
        &config,
        format!("[business]\nname = \"Harbor Bakery\"\ntimezone = \"UTC\"\n{sources}"),
    )
    .unwrap();
    (dir, config)
}

/// `earshot --config CONFIG ARGS` with the Bluesky login given (or not), off the async
/// workers (the stand-in answers on them).
async fn earshot(
    dir: &Path,
    config: &Path,
    login: Option<(&str, &str)>,
    args: &[&str],
) -> std::process::Output {
    let mut command = assert_cmd::Command::cargo_bin("earshot").unwrap();
    command
        .current_dir(dir)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_BLUESKY_HANDLE")
        .env_remove("EARSHOT_BLUESKY_APP_PASSWORD")
        .arg("--config")
        .arg(config)
        .args(args);
    if let Some((handle, password)) = login {
        command
            .env("EARSHOT_BLUESKY_HANDLE", handle)
            .env("EARSHOT_BLUESKY_APP_PASSWORD", password);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_logs_in_refreshes_an_expired_token_once_and_stores_the_posts() {
    let (Some(search), Some(author)) = (vcr_body(SEARCH_FILE), vcr_body(AUTHOR_FILE)) else {
        return;
    };
    let server = Bluesky::start(search, author).await;
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"bsky\"\nkind = \"bluesky\"\nquery = \"redistricting\"\napi_base = \"{}\"\n",
        server.base
    ));
    let password = "app-pass-1234";
    let out = earshot(
        dir.path(),
        &config,
        Some(("@owner.bsky.social", password)),
        &["poll"],
    )
    .await;
    let summary = stdout(&out);
    assert!(summary.contains("25 new"), "{summary}");
    let seen = server.seen();
    let calls: Vec<(&str, &str, Option<&str>)> = seen
        .iter()
        .map(|s| {
            (
                s.method.as_str(),
                s.path.split('?').next().unwrap(),
                s.authorization.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/xrpc/com.atproto.server.createSession", None),
            (
                "GET",
                "/xrpc/app.bsky.feed.searchPosts",
                Some("Bearer stale-access")
            ),
            (
                "POST",
                "/xrpc/com.atproto.server.refreshSession",
                Some("Bearer refresh-1")
            ),
            (
                "GET",
                "/xrpc/app.bsky.feed.searchPosts",
                Some("Bearer fresh-access")
            ),
        ]
    );
    let login: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(login["identifier"], "owner.bsky.social");
    assert_eq!(login["password"], password);
    assert!(seen[1].path.contains("q=redistricting") && seen[1].path.contains("sort=latest"));
    // Neither the password nor a token reaches the output or the log.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in [password, "stale-access", "fresh-access", "refresh-1"] {
        assert!(
            !summary.contains(secret) && !stderr.contains(secret),
            "{secret} leaked"
        );
    }
    let listed =
        stdout(&earshot(dir.path(), &config, None, &["mentions", "--format", "json"]).await);
    let stored: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    assert!(stored.iter().all(|m| m["url"]
        .as_str()
        .unwrap()
        .starts_with("https://bsky.app/profile/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_login_fails_the_search_alone_and_is_named_in_sources() {
    let (Some(search), Some(author)) = (vcr_body(SEARCH_FILE), vcr_body(AUTHOR_FILE)) else {
        return;
    };
    let server = Bluesky::start(search, author).await;
    let (dir, config) = checkout(&format!(
        "[[source]]\nname = \"bsky-search\"\nkind = \"bluesky\"\nquery = \"harbor\"\napi_base = \"{base}\"\n\
         [[source]]\nname = \"bsky-account\"\nkind = \"bluesky\"\nhandle = \"chriskenny.bsky.social\"\nrequire_mention = false\napi_base = \"{base}\"\n",
        base = server.base
    ));
    // Before any poll, `earshot sources` already says what is missing.
    let before = stdout(&earshot(dir.path(), &config, None, &["sources"]).await);
    assert!(
        before.contains("$EARSHOT_BLUESKY_HANDLE and $EARSHOT_BLUESKY_APP_PASSWORD is not set"),
        "{before}"
    );
    let polled = earshot(dir.path(), &config, None, &["poll"]).await;
    assert!(
        !polled.status.success(),
        "a failed source makes the poll fail"
    );
    let summary = String::from_utf8_lossy(&polled.stdout).into_owned();
    // The account's own posts (reposts skipped) are read without a login.
    assert!(summary.contains("1 sources ok, 1 failed"), "{summary}");
    assert!(summary.contains("43 new"), "{summary}");
    let seen = server.seen();
    assert!(
        seen.iter().all(|s| s
            .path
            .starts_with("/xrpc/app.bsky.feed.getAuthorFeed?actor=chriskenny.bsky.social")),
        "no login attempted without credentials: {seen:?}"
    );
    let after = stdout(&earshot(dir.path(), &config, None, &["sources"]).await);
    let line = after
        .lines()
        .find(|l| l.starts_with("bsky-search"))
        .unwrap();
    assert!(line.contains("EARSHOT_BLUESKY_HANDLE"), "{after}");
}
