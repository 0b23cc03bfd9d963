//! Section 2: a full poll cycle over many feed sources served on loopback by this process,
//! run through the real `earshot poll` binary; then the same cycle when every source
//! answers 304. Sources are spread over many loopback addresses (127.0.0.x), so the
//! per-host limit of 2 applies as it would across real sites.

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::report::{duration, Table};
use crate::text::{mention_text, person, Rng};

const ITEMS_PER_FEED: usize = 50;
const HOSTS: usize = 50;

/// Run the section with `sources` feeds of 50 items each.
pub fn run(table: &mut Table, sources: usize) {
    let label = format!("2. poll {sources} sources x {ITEMS_PER_FEED}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let feeds = Arc::new(make_feeds(sources, ITEMS_PER_FEED, |i| {
        format!("Mon, 02 Nov 2026 10:{:02}:00 +0000", i % 60)
    }));
    let hosts = runtime.block_on(serve(feeds.clone()));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("earshot.toml");
    std::fs::write(&config, config_text(sources, &hosts)).expect("config");
    let (wall, rss) = poll(dir.path());
    let mentions = sources * ITEMS_PER_FEED;
    table.add(&label, "cycle wall time", duration(wall), "<= 10 s at 1000");
    table.add(
        &label,
        "peak RSS of `earshot poll`",
        format!("{:.0} MiB", rss as f64 / 1024.0),
        "<= 150 MiB",
    );
    table.add(
        &label,
        "mentions stored/s",
        format!("{:.0}", mentions as f64 / wall.as_secs_f64()),
        "",
    );
    let (wall, rss) = poll(dir.path());
    table.add(
        &label,
        "304 cycle wall time",
        duration(wall),
        "<= 3 s at 1000",
    );
    table.add(
        &label,
        "304 cycle peak RSS",
        format!("{:.0} MiB", rss as f64 / 1024.0),
        "",
    );
    drop(runtime);
}

/// `sources` RSS feeds of `items` items each, keyed by path (`/feed/{s}.xml`); item `i`'s
/// `pubDate` is `published(i)` (RFC 2822).
pub fn make_feeds(
    sources: usize,
    items: usize,
    published: impl Fn(usize) -> String,
) -> HashMap<String, String> {
    let mut rng = Rng::new(3);
    (0..sources)
        .map(|s| {
            let items: String = (0..items)
                .map(|i| {
                    format!(
                        "<item><guid>feed{s}-item{i}</guid><title>Review {i}</title><link>https://reviews.example/{s}/{i}</link>\
                         <dc:creator>{}</dc:creator><pubDate>{}</pubDate><description>&lt;p&gt;{}&lt;/p&gt;</description></item>",
                        person(&mut rng, 50),
                        published(i),
                        mention_text(&mut rng)
                    )
                })
                .collect();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Feed {s}</title>{items}</channel></rss>"
            );
            (format!("/feed/{s}.xml"), body)
        })
        .collect()
}

/// Start one listener per loopback host; returns their `ip:port`.
pub async fn serve(feeds: Arc<HashMap<String, String>>) -> Vec<String> {
    let mut hosts = Vec::new();
    for h in 0..HOSTS {
        let listener = TcpListener::bind(format!("127.0.0.{}:0", h + 2))
            .await
            .expect("loopback address");
        hosts.push(listener.local_addr().expect("address").to_string());
        let feeds = feeds.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(socket, feeds.clone()));
            }
        });
    }
    hosts
}

async fn answer(mut socket: tokio::net::TcpStream, feeds: Arc<HashMap<String, String>>) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let reply = match feeds.get(&path) {
        Some(_) if head.contains("if-none-match: \"v1\"") => "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n".to_owned(),
        Some(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
    };
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// A config with `sources` feed sources spread over `hosts`.
pub fn config_text(sources: usize, hosts: &[String]) -> String {
    let mut text = String::from(
        "[business]\nname = \"Harbor Street Bakery\"\n[storage]\ndatabase = \"earshot.db\"\n",
    );
    for s in 0..sources {
        let host = &hosts[s % hosts.len()];
        text.push_str(&format!("[[source]]\nname = \"feed-{s}\"\nurl = \"http://{host}/feed/{s}.xml\"\ninterval = \"15m\"\n"));
    }
    text
}

/// Run `earshot poll --force` in `dir`; wall time and peak RSS (KiB) sampled from /proc.
pub fn poll(dir: &std::path::Path) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .args(["--config", "earshot.toml", "poll", "--force"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("earshot runs");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            peak = peak.max(vm_hwm_kib(&status));
        }
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "earshot poll failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (start.elapsed(), peak)
}

pub fn vm_hwm_kib(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
