//! A real SMTP server for the alert tests: aiosmtpd on 127.0.0.1, a free port, a Maildir in
//! a temp dir; and a small reader for the messages it (or the `.eml` outbox) received.
//!
//! These tests need python3 with aiosmtpd (`tests/run` installs it). Without it they fail
//! with a message saying so: they never pass silently.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use crate::common::repo;

/// Panic with instructions when python3 or aiosmtpd is missing.
pub fn require_aiosmtpd() {
    static CHECK: Once = Once::new();
    CHECK.call_once(|| {
        let ok = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "the SMTP tests need python3 with aiosmtpd: run tests/run (it installs it) \
             or `python3 -m pip install aiosmtpd`"
        );
    });
}

/// A port nothing listens on (bound, read, released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A running aiosmtpd, killed on drop.
pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

/// Options of the test server.
#[derive(Default)]
pub struct Options<'a> {
    /// Require this USER:PASSWORD.
    pub auth: Option<&'a str>,
    /// Refuse recipients in this domain with a 550.
    pub reject_domain: Option<&'a str>,
    /// Stop answering at this point of every conversation (issue 13): `greeting`, `ehlo`,
    /// `mail`, `rcpt`, `data`, `after-dot` (the message is stored, the final "." never
    /// answered) or `quit` (the message is answered 250, QUIT never).
    pub stall: Option<&'a str>,
}

impl SmtpServer {
    /// `python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c aiosmtpd.handlers.Mailbox DIR`.
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    /// The plain Mailbox server on a given port (to bring a "down" server back).
    pub fn start_on(port: u16) -> SmtpServer {
        require_aiosmtpd();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        SmtpServer::ready(port, maildir, child, dir)
    }

    /// `tests/smtp/server.py`: the Mailbox server with AUTH required, a refused domain
    /// and/or a stall.
    pub fn start_with(options: Options<'_>) -> SmtpServer {
        require_aiosmtpd();
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let mut command = Command::new("python3");
        command
            .arg(repo().join("tests/smtp/server.py"))
            .arg(port.to_string())
            .arg(&maildir);
        if let Some(auth) = options.auth {
            command.args(["--auth", auth]);
        }
        if let Some(domain) = options.reject_domain {
            command.args(["--reject-domain", domain]);
        }
        if let Some(point) = options.stall {
            command.args(["--stall", point]);
        }
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        SmtpServer::ready(port, maildir, child, dir)
    }

    fn ready(port: u16, maildir: PathBuf, mut child: Child, dir: tempfile::TempDir) -> SmtpServer {
        if let Some(stdout) = child.stdout.take() {
            // server.py says "ready" once it listens; wait for that line.
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let addr = format!("127.0.0.1:{port}").parse().unwrap();
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("aiosmtpd exited ({status}) before accepting connections on {port}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not accept connections on {port} within 20s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            port,
            maildir,
            child,
            _dir: dir,
        }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<Mail> {
        read_dir_mails(&self.maildir.join("new"))
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file in `dir` parsed as a message, sorted by file name.
pub fn read_dir_mails(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, std::time::SystemTime)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let modified = p.metadata().unwrap().modified().unwrap();
            (p, modified)
        })
        .collect();
    files.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    files
        .into_iter()
        .map(|(p, _)| Mail::parse(&String::from_utf8_lossy(&std::fs::read(p).unwrap())))
        .collect()
}

/// A received message: its top-level headers and its decoded text and HTML parts.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Mail {
        let raw = raw.replace("\r\n", "\n");
        let (head, _) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        Mail {
            headers: headers(head),
            text: part(&raw, "text/plain"),
            html: part(&raw, "text/html"),
            raw: raw.clone(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn subject(&self) -> &str {
        self.header("Subject").unwrap_or("")
    }
}

fn headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    for (_, value) in &mut out {
        *value = decode_words(value);
    }
    out
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) as a mail app shows them;
/// the blanks between two encoded words are not part of the text.
fn decode_words(value: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut pending_blank = String::new();
    let mut last_was_word = false;
    for token in value.split_inclusive(' ') {
        let word = token.trim_end_matches(' ');
        let blank = &token[word.len()..];
        let parts: Vec<&str> = word.split('?').collect();
        let decoded = match parts.as_slice() {
            ["=", _charset, enc, text, "="] if word.starts_with("=?") && word.ends_with("?=") => {
                match enc.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .ok()
                        .map(|b| String::from_utf8_lossy(&b).into_owned()),
                    "q" => Some(decode_q(text)),
                    _ => None,
                }
            }
            _ => None,
        };
        match decoded {
            Some(text) => {
                if !last_was_word {
                    out.push_str(&pending_blank);
                }
                out.push_str(&text);
                last_was_word = true;
            }
            None => {
                out.push_str(&pending_blank);
                out.push_str(word);
                last_was_word = false;
            }
        }
        pending_blank = blank.to_owned();
    }
    out.push_str(&pending_blank);
    out
}

fn decode_q(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'_', _) => out.push(b' '),
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded body of the first part with this content type.
fn part(raw: &str, content_type: &str) -> String {
    let Some(boundary) = raw
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
    else {
        return String::new();
    };
    let Some(section) = raw
        .split(&format!("--{boundary}"))
        .find(|p| p.contains(&format!("Content-Type: {content_type}")))
    else {
        return String::new();
    };
    let (head, body) = section
        .trim_start()
        .split_once("\n\n")
        .unwrap_or((section, ""));
    let body = body.strip_suffix('\n').unwrap_or(body);
    if head.contains("quoted-printable") {
        decode_qp(body)
    } else if head.contains("base64") {
        use base64::Engine;
        let compact: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap(),
        )
        .unwrap()
    } else {
        body.to_owned()
    }
}

fn decode_qp(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
