//! Shared test helpers: a real HTTP server on 127.0.0.1, configs in temp dirs, the repo's
//! sample data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use earshot::config::Config;
use earshot::poller::{poll_cycle, CycleReport, Pipeline};
use earshot::store::Store;
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
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: Vec::new(),
        }
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
}

impl Server {
    pub async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Server {
            base,
            routes: Default::default(),
            received: Default::default(),
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

    async fn answer(self, mut socket: tokio::net::TcpStream) {
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
        let reply = self
            .routes
            .lock()
            .unwrap()
            .get(&path)
            .cloned()
            .unwrap_or(Reply::status(404));
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
    }
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
    pub store: Arc<Mutex<Store>>,
    pub pipeline: Arc<Pipeline>,
}

impl Harness {
    pub fn new(config: Config) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("earshot.db")).unwrap();
        Harness {
            _dir: dir,
            store: Arc::new(Mutex::new(store)),
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

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap()
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
