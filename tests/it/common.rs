//! Shared test helpers: a real HTTP server on 127.0.0.1, configs in temp dirs, the repo's
//! sample data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot::config::Config;
use earshot::poller::{poll_cycle, CycleReport, Pipeline};
use earshot::store::{Store, StoreHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The repository root (for the sample feeds and config).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A canned HTTP response.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub behavior: Behavior,
}

/// How the server misbehaves (or not) when sending a reply.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Behavior {
    /// Send the reply at once.
    Normal,
    /// Wait this long, then send the reply (to measure concurrency).
    Slow(Duration),
    /// Read the request and never answer.
    Hang,
    /// Read the request and reset the connection.
    Reset,
    /// Stream this many bytes of body in 64 KiB chunks, without Content-Length.
    Stream(u64),
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            behavior: Behavior::Normal,
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: Vec::new(),
            behavior: Behavior::Normal,
        }
    }

    /// A redirect to `location` with the given 3xx status.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    pub fn behave(mut self, behavior: Behavior) -> Reply {
        self.behavior = behavior;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
}

/// A small HTTP/1.1 server on 127.0.0.1:0 whose routes the test sets and changes.
#[derive(Clone)]
pub struct Server {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
    stats: Arc<Stats>,
}

/// What the server measured.
#[derive(Default)]
pub struct Stats {
    in_flight: AtomicUsize,
    /// Most requests it was answering at once (all paths: one host).
    pub max_in_flight: AtomicUsize,
    in_flight_by_path: Mutex<HashMap<String, usize>>,
    /// Most requests for one path it was answering at once.
    pub max_in_flight_one_path: AtomicUsize,
    /// Body bytes a `Stream` reply managed to write before the client went away.
    pub streamed: AtomicU64,
    /// Set when a `Stream` reply ended (finished or cut off).
    pub stream_done: AtomicBool,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_on("127.0.0.1").await
    }

    /// A server on another loopback address (`127.0.0.2`: all of 127/8 is this machine).
    pub async fn start_on(ip: &str) -> Server {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Server {
            base,
            routes: Default::default(),
            received: Default::default(),
            stats: Default::default(),
        };
        let handle = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(handle.clone().answer(socket));
            }
        });
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.into(), reply);
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn answer(self, socket: tokio::net::TcpStream) {
        self.stats.in_flight.fetch_add(1, Ordering::SeqCst);
        let now = self.stats.in_flight.load(Ordering::SeqCst);
        self.stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let path = self.answer_inner(socket).await;
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Some(path) = path {
            self.stats.leave_path(&path);
        }
    }

    async fn answer_inner(&self, mut socket: tokio::net::TcpStream) -> Option<String> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if socket.read(&mut byte).await.unwrap_or(0) == 0 {
                return None;
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        let mut lines = head.lines();
        let path = lines
            .next()
            .unwrap_or("")
            .split(' ')
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        self.received.lock().unwrap().push(Received {
            path: path.clone(),
            headers,
        });
        self.stats.enter_path(&path);
        let reply = self
            .routes
            .lock()
            .unwrap()
            .get(&path)
            .cloned()
            .unwrap_or(Reply::status(404));
        match reply.behavior {
            Behavior::Hang => std::future::pending::<()>().await,
            Behavior::Reset => {
                #[allow(deprecated)]
                let _ = socket.set_linger(Some(Duration::ZERO));
                return Some(path);
            }
            Behavior::Slow(delay) => tokio::time::sleep(delay).await,
            Behavior::Stream(total) => {
                self.stream(&mut socket, &reply, total).await;
                return Some(path);
            }
            Behavior::Normal => {}
        }
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.status,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        let _ = socket.write_all(out.as_bytes()).await;
        let _ = socket.write_all(&reply.body).await;
        let _ = socket.shutdown().await;
        Some(path)
    }

    /// A body of `total` bytes in chunks, until done or the client hangs up.
    async fn stream(&self, socket: &mut tokio::net::TcpStream, reply: &Reply, total: u64) {
        let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        if socket.write_all(out.as_bytes()).await.is_ok() {
            while self.stats.streamed.load(Ordering::SeqCst) < total {
                if socket.write_all(&chunk).await.is_err() {
                    break;
                }
                self.stats
                    .streamed
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
        self.stats.stream_done.store(true, Ordering::SeqCst);
    }
}

impl Stats {
    fn enter_path(&self, path: &str) {
        let mut by_path = self.in_flight_by_path.lock().unwrap();
        let count = by_path.entry(path.to_owned()).or_default();
        *count += 1;
        self.max_in_flight_one_path
            .fetch_max(*count, Ordering::SeqCst);
    }

    fn leave_path(&self, path: &str) {
        if let Some(count) = self.in_flight_by_path.lock().unwrap().get_mut(path) {
            *count = count.saturating_sub(1);
        }
    }
}

/// Wait until `done` holds, checking every 20 ms for at most `limit`.
pub async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

/// A config for the sample business with the given `[[source]]` tables.
pub fn config(sources: &str) -> Config {
    let text = format!(
        "[business]\nname = \"Harbor Street Bakery\"\naliases = [\"Harbor St Bakery\", \"Harbour Street Bakery\", \"@harborbakery\"]\n{sources}"
    );
    Config::parse(&text, Path::new("test.toml")).expect("test config is valid")
}

/// A store in a temp dir plus the pipeline for `config`.
pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub store: StoreHandle,
    pub pipeline: Arc<Pipeline>,
}

impl Harness {
    pub fn new(config: Config) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreHandle::open(&dir.path().join("earshot.db")).unwrap();
        Harness {
            _dir: dir,
            store,
            pipeline: Arc::new(Pipeline::new(Arc::new(config)).unwrap()),
        }
    }

    /// One forced cycle (ignores the schedule, like `poll --force`).
    pub async fn poll(&self) -> CycleReport {
        poll_cycle(
            self.pipeline.clone(),
            self.store.clone(),
            None,
            true,
            chrono::Utc::now(),
        )
        .await
        .unwrap()
    }

    /// One cycle at `now`, honouring the schedule unless `force` (like `poll` / `poll --force`).
    pub async fn poll_at(&self, force: bool, now: chrono::DateTime<chrono::Utc>) -> CycleReport {
        poll_cycle(self.pipeline.clone(), self.store.clone(), None, force, now)
            .await
            .unwrap()
    }

    /// The writer, for a test's own reads and writes (async writes wait while it is held).
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock()
    }
}

/// Read a repo file.
pub fn sample(path: &str) -> Vec<u8> {
    std::fs::read(repo().join(path)).unwrap()
}

/// The rows of tests/data/sample_expectations.tsv as maps keyed by column name.
pub fn expectations() -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(repo().join("tests/data/sample_expectations.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split('\t').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// What a command printed, stdout then stderr, for assertions and failure messages.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
