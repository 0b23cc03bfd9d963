//! `earshot sources add URL` against local pages of each kind, `sources test NAME`, and a
//! running `earshot run` reloading its config on SIGHUP.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{output_text as text, sample, Reply, Server};

/// A config with comments and layout an owner wrote, one `file:` source and a database
/// in `dir`.
fn owner_config(dir: &Path, extra: &str) -> String {
    format!(
        "# Harbor Street's config: keep these notes.\n[business]\nname = \"Harbor Street Bakery\"   # our name\n\
         aliases = [\"Harbor St Bakery\"]\n\n[storage]\ndatabase = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         # The forum, read from a saved copy.\n[[source]]\nname = \"saved-forum\"\nkind = \"feed\"\nurl = \"file://{}\"\n{extra}",
        dir.join("e.db").display(),
        crate::common::repo().join("feeds/town-forum.xml").display(),
    )
}

fn earshot_command(config: &Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("earshot"));
    command
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_WEB_TOKEN");
    command
}

/// Run earshot off the async workers (the test's HTTP server runs on them).
async fn earshot(config: &Path, args: &[&str]) -> Output {
    let mut command = earshot_command(config, args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn serve_pages(server: &Server) {
    server.route(
        "/forum/feed.xml",
        Reply::ok("application/rss+xml", sample("feeds/town-forum.xml")),
    );
    server.route(
        "/forum/index.html",
        Reply::ok(
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>Port Alder forum</title>\
             <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Around town\" href=\"feed.xml\">\
             </head><body><p>Welcome</p></body></html>",
        ),
    );
    server.route(
        "/tabletalk.html",
        Reply::ok(
            "text/html; charset=utf-8",
            sample("feeds/reviews-jsonld.html"),
        ),
    );
    server.route(
        "/about.html",
        Reply::ok(
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>About us</title></head><body><p>We bake.</p></body></html>",
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_add_reads_each_kind_of_page_and_appends_the_block_keeping_the_file() {
    let server = Server::start().await;
    serve_pages(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    let original = owner_config(dir.path(), "");
    std::fs::write(&path, &original).unwrap();

    // A page that links its feed: the feed (resolved from a relative href) is added.
    let out = earshot(&path, &["sources", "add", &server.url("/forum/index.html")]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("kind:  feed"), "{said}");
    assert!(
        said.contains(&format!("url:   {}", server.url("/forum/feed.xml"))),
        "{said}"
    );
    assert!(said.contains("items: 14 now"), "{said}");
    assert!(said.contains("names the business"), "{said}");
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.starts_with(&original),
        "the owner's text changed:\n{after}"
    );
    let block = &after[original.len()..];
    assert!(
        block.contains(&format!(
            "[[source]]\nname = \"port-alder-commons-around-town\"\nkind = \"feed\"\nurl = \"{}\"\n",
            server.url("/forum/feed.xml")
        )),
        "{block}"
    );
    assert!(
        block.contains("# Added by `earshot sources add` on "),
        "{block}"
    );

    // The same feed again, directly: refused, nothing written.
    let out = earshot(&path, &["sources", "add", &server.url("/forum/feed.xml")]).await;
    assert!(!out.status.success());
    assert!(
        text(&out).contains("is already the source \"port-alder-commons-around-town\""),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);

    // A review page with JSON-LD: a page source, under the name asked for.
    let out = earshot(
        &path,
        &[
            "sources",
            "add",
            &server.url("/tabletalk.html"),
            "--name",
            "tabletalk-live",
        ],
    )
    .await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("kind:  page"), "{said}");
    let after_page = std::fs::read_to_string(&path).unwrap();
    assert!(after_page.starts_with(&after));
    assert!(
        after_page.ends_with(&format!(
            "[[source]]\nname = \"tabletalk-live\"\nkind = \"page\"\nurl = \"{}\"\n",
            server.url("/tabletalk.html")
        )),
        "{after_page}"
    );

    // A page with nothing to read: why, and the file untouched.
    let out = earshot(&path, &["sources", "add", &server.url("/about.html")]).await;
    let said = text(&out);
    assert!(!out.status.success());
    assert!(said.contains("found nothing Earshot can read"), "{said}");
    assert!(said.contains("links no feed"), "{said}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after_page);

    // The file still loads, with all three sources.
    let listing = earshot(&path, &["sources"]).await;
    let said = text(&listing);
    assert!(listing.status.success(), "{said}");
    for name in ["saved-forum", "port-alder-commons-", "tabletalk-live"] {
        assert!(said.contains(name), "{name} missing:\n{said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_test_previews_a_source_and_stores_nothing() {
    let server = Server::start().await;
    serve_pages(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    let extra = format!(
        "\n[[source]]\nname = \"forum\"\nurl = \"{}\"\n",
        server.url("/forum/feed.xml")
    );
    std::fs::write(&path, owner_config(dir.path(), &extra)).unwrap();

    let out = earshot(&path, &["sources", "test", "forum"]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("source \"forum\" (dry run: nothing stored)"),
        "{said}"
    );
    assert!(said.contains("items: 14 now"), "{said}");
    // Three scored lines: label, signed score, whether it names the business.
    let scored = said
        .lines()
        .filter(|l| l.trim_start().starts_with(['1', '2', '3']) && l.contains("the business"))
        .count();
    assert_eq!(scored, 3, "{said}");
    assert_eq!(server.received("/forum/feed.xml").len(), 1);

    let mentions = earshot(&path, &["mentions", "--format", "json"]).await;
    assert_eq!(
        String::from_utf8_lossy(&mentions.stdout).trim(),
        "[]",
        "{}",
        text(&mentions)
    );

    let out = earshot(&path, &["sources", "test", "nope"]).await;
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no source named \"nope\""),
        "{}",
        text(&out)
    );
}

/// `earshot run` in the background, its log in a file.
struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    fn start(config: &Path, log: PathBuf) -> Running {
        let file = std::fs::File::create(&log).unwrap();
        let child = earshot_command(config, &["run"])
            .env("EARSHOT_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        Running { child, log }
    }

    fn signal(&self, name: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn eventually(what: &str, running: &Running, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}; log:\n{}", running.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_reloads_its_config_on_sighup_and_keeps_the_old_one_when_the_new_is_invalid() {
    let server = Server::start().await;
    serve_pages(&server);
    server.route(
        "/second.json",
        Reply::ok(
            "application/feed+json",
            sample("feeds/social-mentions.json"),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    let first = format!(
        "\n[[source]]\nname = \"forum\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/forum/feed.xml")
    );
    let original = owner_config(dir.path(), &first);
    std::fs::write(&path, &original).unwrap();
    let running = Running::start(&path, dir.path().join("run.log"));
    eventually("the first source was never polled", &running, || {
        !server.received("/forum/feed.xml").is_empty()
    })
    .await;
    assert!(server.received("/second.json").is_empty());

    // A source added to the file is polled after SIGHUP, without a restart.
    let second = format!(
        "{original}\n[[source]]\nname = \"second\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/second.json")
    );
    std::fs::write(&path, &second).unwrap();
    running.signal("HUP");
    eventually(
        "the added source was not polled after SIGHUP",
        &running,
        || !server.received("/second.json").is_empty(),
    )
    .await;
    assert!(
        running.log().contains("config reloaded"),
        "{}",
        running.log()
    );

    // An invalid file is refused with its error in the log; the old sources go on.
    std::fs::write(&path, format!("{second}\n[[source]]\nname = \"broken\"\n")).unwrap();
    running.signal("HUP");
    eventually("the refused reload was not logged", &running, || {
        running
            .log()
            .contains("config not reloaded, the previous one stays in force")
    })
    .await;
    let before = server.received("/second.json").len();
    eventually("the old config stopped polling", &running, || {
        server.received("/second.json").len() > before
    })
    .await;

    // Removing a source stops its polls.
    std::fs::write(&path, &original).unwrap();
    running.signal("HUP");
    eventually("the reload after the fix was not logged", &running, || {
        running.log().matches("config reloaded").count() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let settled = server.received("/second.json").len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        server.received("/second.json").len(),
        settled,
        "a removed source was polled"
    );

    running.signal("TERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sources_page_adds_a_source_reloads_and_shows_a_refused_reload() {
    use axum::http::StatusCode;
    use earshot::live::Live;

    let server = Server::start().await;
    serve_pages(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    let original = owner_config(dir.path(), "");
    std::fs::write(&path, &original).unwrap();
    let config = std::sync::Arc::new(earshot::config::Config::load(&path).unwrap());
    let live = Live::from_file(config.clone(), path.clone()).unwrap();
    let store = earshot::store::StoreHandle::open(&dir.path().join("e.db")).unwrap();
    let state = earshot::web::AppState::new(config, store, None).with_live(live.clone());
    let mut web = crate::web::Browser::new(earshot::web::router(state));

    let page = web.get("/sources").await;
    assert!(
        page.body.contains("action=\"/sources/add\""),
        "{}",
        page.body
    );
    // Without the form's token: refused, nothing written.
    let forged = web
        .post("/sources/add", &[("url", &server.url("/forum/index.html"))])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

    let csrf = page.csrf();
    let added = web
        .post(
            "/sources/add",
            &[
                ("csrf", &csrf),
                ("url", &server.url("/forum/index.html")),
                ("name", "forum"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(added.body.contains("Source added") && added.body.contains("items: 14 now"));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with(&original) && written.contains("name = \"forum\""));
    // Reloaded at once: the running service polls it from its next round.
    let names: Vec<String> = live
        .config()
        .sources
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names, ["saved-forum", "forum"]);
    assert!(web.get("/sources").await.body.contains("forum"));

    // Nothing readable: the reason, as a 400 page.
    let nothing = web
        .post(
            "/sources/add",
            &[("csrf", &csrf), ("url", &server.url("/about.html"))],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert!(nothing.body.contains("links no feed"), "{}", nothing.body);

    // A broken file is refused; the page says so and the old sources stay.
    std::fs::write(&path, format!("{written}\n[[source]]\nname = 3\n")).unwrap();
    assert!(live.reload().is_err());
    assert_eq!(live.config().sources.len(), 2);
    let page = web.get("/sources").await;
    assert!(
        page.body
            .contains("config not reloaded, the previous one stays in force"),
        "{}",
        page.body
    );
}

/// Issue 16: a Mastodon tag added by its address becomes a `kind = "mastodon"` source
/// with `instance` and `tag` (the server is asked whether it is Mastodon first), and its
/// preview reads the recorded timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_add_turns_a_mastodon_tag_address_into_a_mastodon_source() {
    let Some(cassette) =
        crate::platforms::vcr_body("mastodon/gesistsa__rtoot__get_timeline_hashtag_default.yml")
    else {
        return;
    };
    let server = Server::start().await;
    server.route(
        "/api/v1/instance",
        Reply::ok(
            "application/json",
            "{\"uri\":\"fosstodon.org\",\"title\":\"Fosstodon\",\"version\":\"4.3.0\"}",
        ),
    );
    server.route(
        "/api/v1/timelines/tag/rstats?limit=40",
        Reply::ok("application/json; charset=utf-8", cassette),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("earshot.toml");
    let original = owner_config(dir.path(), "");
    std::fs::write(&path, &original).unwrap();

    let out = earshot(&path, &["sources", "add", &server.url("/tags/rstats")]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("kind:  mastodon"), "{said}");
    assert!(said.contains("items: 5 now"), "{said}");
    let after = std::fs::read_to_string(&path).unwrap();
    let block = &after[original.len()..];
    let host = server.url("/");
    let host = host.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        block.contains(&format!(
            "kind = \"mastodon\"\ninstance = \"{host}\"\ntag = \"rstats\"\napi_base = \"{}\"\n",
            server.url("/")
        )),
        "{block}"
    );

    // A /tags/ page on a server that is not Mastodon is read by its content instead: a
    // blog's tag page with its feed linked becomes a feed source.
    let blog = Server::start().await;
    serve_pages(&blog);
    blog.route(
        "/tags/bread",
        Reply::ok(
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>Bread posts</title>\
             <link rel=\"alternate\" type=\"application/rss+xml\" href=\"/forum/feed.xml\">\
             </head><body><p>Posts tagged bread</p></body></html>",
        ),
    );
    let out = earshot(&path, &["sources", "add", &blog.url("/tags/bread")]).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("kind:  feed"), "{said}");
}
