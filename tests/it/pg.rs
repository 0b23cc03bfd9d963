//! A real PostgreSQL server for the store tests (issue 19): Debian's `postgresql` package,
//! (this file is also the library's test module `store::pg::test_server`, so the store's
//! unit tests run on the same server code),
//! a throwaway cluster in a temp dir, on a free loopback port, stopped and removed on drop
//! (also when the test panics). No system service is used or touched.
//!
//! These tests need `/usr/lib/postgresql/*/bin/initdb` (`tests/run` installs the package).
//! Without it they fail with a message saying so: they never pass silently.
//!
//! `initdb` and `pg_ctl` refuse to run as root, so when the tests run as root (CI, this
//! machine) they run as the `postgres` user the package creates (`runuser -u postgres --`),
//! and the temp dir is handed to that user. The tests themselves connect over TCP as the
//! cluster's superuser `postgres` with `--auth=trust`, so no password is involved.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The newest `/usr/lib/postgresql/VERSION/bin` holding `initdb`, or a panic saying how to
/// get one.
pub fn require_postgres() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "the PostgreSQL tests need Debian's postgresql package \
             (/usr/lib/postgresql/*/bin/initdb is missing): run tests/run (it installs it) \
             or `apt-get install postgresql`"
        ),
    }
}

/// A running throwaway cluster with one database, `earshot`; stopped and deleted on drop.
pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    /// The temp dir: `data/` (the cluster), the Unix socket and `server.log`.
    dir: tempfile::TempDir,
    /// Run the server tools as `postgres` (we are root).
    as_postgres: bool,
}

impl PgServer {
    /// initdb, pg_ctl start (waits until it accepts connections), createdb earshot.
    pub fn start() -> PgServer {
        let bin = require_postgres();
        let as_postgres = running_as_root();
        // /tmp itself, not $TMPDIR: the postgres user must be able to reach the directory.
        let dir = tempfile::Builder::new()
            .prefix("earshot-pg-")
            .tempdir_in("/tmp")
            .unwrap();
        if as_postgres {
            hand_to_postgres_user(dir.path());
        }
        let mut server = PgServer {
            port: 0,
            bin,
            dir,
            as_postgres,
        };
        server.initdb();
        server.start_on_a_free_port();
        server.create_database("earshot");
        server
    }

    /// `postgres://postgres@127.0.0.1:PORT/earshot`.
    pub fn url(&self) -> String {
        self.url_of("earshot")
    }

    /// The URL of another database on this server.
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// `createdb NAME` (a client tool: no need to be the postgres user).
    pub fn create_database(&self, name: &str) {
        let output = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(name)
            .env_remove("PGPASSWORD")
            .output()
            .expect("createdb runs");
        check(&output, &format!("createdb {name}"), &self.log());
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The cluster's directory (to assert it is gone after drop).
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A server tool, as the postgres user when we are root.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// A C-locale UTF-8 cluster (the same on every machine), trust auth, no fsync: it is
    /// thrown away after the test.
    fn initdb(&self) {
        let output = self
            .tool("initdb")
            .arg("-D")
            .arg(self.data())
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .args(["--no-sync", "--no-instructions"])
            .output()
            .expect("initdb runs");
        check(&output, "initdb", "");
    }

    /// Another process may take the port between free_port and the server binding it:
    /// try a few.
    fn start_on_a_free_port(&mut self) {
        let mut last = None;
        for _ in 0..5 {
            self.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off",
                self.port,
                self.dir.path().display()
            );
            let output = self
                .tool("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                .stdin(Stdio::null())
                .output()
                .expect("pg_ctl runs");
            if output.status.success() {
                return;
            }
            last = Some(output);
        }
        check(&last.unwrap(), "pg_ctl start", &self.log());
    }
}

impl Drop for PgServer {
    /// `pg_ctl stop -m immediate` (no shutdown checkpoint: the data is thrown away); the
    /// temp dir then removes itself. Never panics (drop may run during a test's panic).
    fn drop(&mut self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "30", "-m", "immediate", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// One cluster shared by the tests that run at the same time (initdb + start cost about a
/// second); it stops when the last of them drops its handle, and the next test starts a
/// new one. Each test gets its own database, so tests never see each other's rows.
pub struct TestDb {
    pub name: String,
    pub server: Arc<PgServer>,
}

impl TestDb {
    pub fn url(&self) -> String {
        self.server.url_of(&self.name)
    }
}

/// A fresh, empty database on the shared cluster.
pub fn test_db() -> TestDb {
    static SHARED: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = {
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match shared.upgrade() {
            Some(server) => server,
            None => {
                let server = Arc::new(PgServer::start());
                *shared = Arc::downgrade(&server);
                server
            }
        }
    };
    let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    server.create_database(&name);
    TestDb { name, server }
}

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The effective user is root when /proc/self belongs to uid 0.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// chown the temp dir to postgres:postgres so initdb (run as that user) can write there.
fn hand_to_postgres_user(dir: &Path) {
    let id = |flag: &str| -> u32 {
        let output = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id runs");
        assert!(
            output.status.success(),
            "running as root, the PostgreSQL tests run initdb as the `postgres` user, which \
             does not exist: install Debian's postgresql package (tests/run does)"
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap()
    };
    std::os::unix::fs::chown(dir, Some(id("-u")), Some(id("-g"))).unwrap();
}

/// Panic with the tool's output (and the server log) when it failed.
fn check(output: &Output, what: &str, log: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}\n{log}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// One connection (its driver task spawned on the current tokio runtime).
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}
