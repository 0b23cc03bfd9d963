//! Delivery failures, classified so the dispatcher knows whether to retry and worded so
//! the owner knows what to fix (DNS, connection refused, timeout, TLS, login, refusal).

use super::transport::{SmtpSettings, SMTP_PASSWORD_ENV, SMTP_USER_ENV};

/// Why a delivery failed, in the owner's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens on that port.
    Refused,
    /// The server did not answer in time.
    Timeout,
    /// The TLS handshake or certificate failed.
    Tls,
    /// The login was refused or is missing.
    Auth,
    /// 5xx on the message: a recipient, the sender or the content was refused for good.
    Rejected,
    /// 4xx: the server asks to try later.
    Busy,
    /// Any other network or protocol failure.
    Network,
    /// The local setup (config, folder, environment).
    Setup,
}

/// A delivery failure with a message that says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The class of failure.
    pub kind: FailureKind,
    /// What happened and what to do.
    pub message: String,
}

impl SendError {
    pub(super) fn new(kind: FailureKind, message: String) -> SendError {
        SendError { kind, message }
    }

    /// The server refused this message for good: retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        self.kind == FailureKind::Rejected
    }

    /// The failure is about the server or setup, not this message: every other message
    /// would fail the same way right now.
    pub fn is_connection(&self) -> bool {
        !matches!(self.kind, FailureKind::Rejected | FailureKind::Busy)
    }
}

pub(super) fn setup(message: &str) -> SendError {
    SendError::new(FailureKind::Setup, message.to_owned())
}

/// Classify lettre's error and word it for the owner.
pub(super) fn classify(e: &lettre::transport::smtp::Error, s: &SmtpSettings) -> SendError {
    let chain = error_chain(e);
    if let Some(code) = e.status() {
        let code = code.to_string();
        let reply = chain.trim().to_owned();
        return if matches!(code.as_str(), "530" | "534" | "535" | "538" | "454") {
            auth_error(s, &reply)
        } else if e.is_permanent() {
            SendError::new(FailureKind::Rejected, format!("the mail server refused the message ({reply}): check the addresses in [alerts] to, escalate_to and from"))
        } else {
            SendError::new(
                FailureKind::Busy,
                format!("the mail server asked to try later ({reply}); Earshot will retry"),
            )
        };
    }
    let lower = chain.to_ascii_lowercase();
    let kind = if e.is_timeout() || lower.contains("timed out") {
        FailureKind::Timeout
    } else if refused(e) {
        FailureKind::Refused
    } else if lower.contains("lookup")
        || lower.contains("resolve")
        || lower.contains("name or service")
        || lower.contains("nodename")
    {
        FailureKind::Dns
    } else if e.is_tls()
        || [
            "tls",
            "certificate",
            "handshake",
            "corrupt message",
            "starttls",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        FailureKind::Tls
    } else if lower.contains("authentication mechanism") {
        return auth_error(s, &chain);
    } else {
        FailureKind::Network
    };
    network(kind, chain.trim(), s)
}

/// A failure below SMTP (DNS, TCP, TLS, a dropped connection), worded for the owner with
/// what went wrong in brackets.
pub(super) fn network(kind: FailureKind, detail: &str, s: &SmtpSettings) -> SendError {
    let server = format!("{}:{}", s.host, s.port);
    let advice = match kind {
        FailureKind::Timeout => format!("the mail server {server} did not answer within {}: check the host and port in [alerts] smtp_url, or a firewall", seconds(s)),
        FailureKind::Refused => format!("the mail server {server} refused the connection: check the port in [alerts] smtp_url (587 for smtp://, 465 for smtps://) and that the server is running"),
        FailureKind::Dns => format!("cannot find the mail server '{}' (DNS lookup failed): check the host name in [alerts] smtp_url", s.host),
        FailureKind::Tls => format!("TLS with {server} failed: use smtps:// for port 465 and smtp:// for 587, and check the server's certificate matches '{}'", s.host),
        _ => format!("talking to the mail server {server} failed: check [alerts] smtp_url"),
    };
    SendError::new(kind, format!("{advice} ({detail})"))
}

/// The server took the connection, then did not answer `step` within the timeout: a
/// temporary failure, retried with backoff like a 4xx.
pub(super) fn stalled(step: &str, s: &SmtpSettings) -> SendError {
    SendError::new(
        FailureKind::Timeout,
        format!(
            "the mail server {}:{} stopped answering at {step} after {}; the alert stays queued and will be retried",
            s.host,
            s.port,
            seconds(s)
        ),
    )
}

/// The whole message and its final "." went out but no reply came: the server may or may
/// not have taken it. Without its 250 the alert is not known to be delivered, so it is
/// retried (at least once, as everywhere in the dispatcher): a copy, if any, carries the
/// same Message-ID.
pub(super) fn stalled_after_message(s: &SmtpSettings) -> SendError {
    SendError::new(
        FailureKind::Timeout,
        format!(
            "the mail server {}:{} stopped answering after the end of the message (no reply to the final \".\" within {}); it did not confirm delivery, so the alert stays queued and will be retried (if the server did keep it, the copy has the same Message-ID)",
            s.host,
            s.port,
            seconds(s)
        ),
    )
}

/// The timeout as the owner wrote it ("30s", "1s", "500ms").
fn seconds(s: &SmtpSettings) -> String {
    humantime::format_duration(s.timeout).to_string()
}

fn auth_error(s: &SmtpSettings, reply: &str) -> SendError {
    let advice = match &s.login {
        Some(login) => format!("the mail server rejected the login for '{}' ({reply}): check ${SMTP_USER_ENV} and ${SMTP_PASSWORD_ENV}", login.user),
        None => format!("the mail server requires a login ({reply}): set ${SMTP_USER_ENV} and ${SMTP_PASSWORD_ENV}"),
    };
    SendError::new(FailureKind::Auth, advice)
}

fn refused(e: &lettre::transport::smtp::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        source = err.source();
    }
    false
}

/// An error's message and every cause, joined (each said once).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = source {
        let part = err.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = err.source();
    }
    text
}
