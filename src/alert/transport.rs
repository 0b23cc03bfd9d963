//! How a rendered message leaves: SMTP (lettre, rustls) or, with no `smtp_url`, an `.eml`
//! file in `outbox_dir`. Both receive the very same bytes.
//!
//! `smtp://host:587` upgrades with STARTTLS when the server offers it (`?tls=required`
//! insists); `smtps://host:465` is TLS from the first byte. The login comes from
//! `$EARSHOT_SMTP_USER` / `$EARSHOT_SMTP_PASSWORD`, never from the config file, and never
//! appears in `Debug` output or logs. Every failure is classified so the dispatcher knows
//! whether to retry and the owner is told what to fix.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::AlertSettings;

/// Environment variable holding the SMTP user name.
pub const SMTP_USER_ENV: &str = "EARSHOT_SMTP_USER";
/// Environment variable holding the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "EARSHOT_SMTP_PASSWORD";

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtp://`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://…?tls=required`: STARTTLS or fail.
    Required,
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

/// A login whose password never prints.
#[derive(Clone, PartialEq)]
pub struct Login {
    /// User name.
    pub user: String,
    password: String,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The SMTP server to use, from `smtp_url` and the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// Login, if the environment gives one.
    pub login: Option<Login>,
    /// Time allowed for each step.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Check an `smtp_url` as the config validator does.
    pub fn check_url(url: &str) -> Result<(), String> {
        parse_url(url).map(|_| ())
    }

    /// Settings from the URL and a variable lookup (the process environment in production).
    pub fn new(
        url: &str,
        timeout: Duration,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<SmtpSettings, SendError> {
        let (host, port, tls) =
            parse_url(url).map_err(|m| SendError::new(FailureKind::Setup, m))?;
        let user = var(SMTP_USER_ENV).filter(|v| !v.is_empty());
        let password = var(SMTP_PASSWORD_ENV).filter(|v| !v.is_empty());
        let login = match (user, password) {
            (Some(user), Some(password)) => Some(Login { user, password }),
            (None, None) => None,
            (Some(_), None) => return Err(setup(&format!("{SMTP_USER_ENV} is set but {SMTP_PASSWORD_ENV} is not: set both, or neither for a server without login"))),
            (None, Some(_)) => return Err(setup(&format!("{SMTP_PASSWORD_ENV} is set but {SMTP_USER_ENV} is not: set the user name too"))),
        };
        Ok(SmtpSettings {
            host,
            port,
            tls,
            login,
            timeout,
        })
    }

    fn describe(&self) -> String {
        let tls = match self.tls {
            TlsMode::Opportunistic => "STARTTLS when offered",
            TlsMode::Required => "STARTTLS required",
            TlsMode::Implicit => "TLS",
        };
        let login = match &self.login {
            Some(login) => format!("login as {}", login.user),
            None => "no login".to_owned(),
        };
        format!("SMTP server {}:{} ({tls}, {login})", self.host, self.port)
    }
}

fn parse_url(text: &str) -> Result<(String, u16, TlsMode), String> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        format!("'{text}' is not a URL ({e}): write e.g. smtp://mail.example.com:587")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "do not put the login in the config file: remove it from the URL and set ${SMTP_USER_ENV} and ${SMTP_PASSWORD_ENV}"
        ));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("'{text}' has no host: write e.g. smtp://mail.example.com:587"))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    let mut tls = match url.scheme() {
        "smtp" => TlsMode::Opportunistic,
        "smtps" => TlsMode::Implicit,
        other => {
            return Err(format!(
                "scheme '{other}:' is not supported: use smtp:// (STARTTLS, port 587) or smtps:// (TLS, port 465)"
            ))
        }
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref(), tls) {
            ("tls", "required", TlsMode::Opportunistic) => tls = TlsMode::Required,
            ("tls", "opportunistic", _) => {}
            _ => {
                return Err(format!(
                "unknown option '{key}={value}': the only option is ?tls=required (with smtp://)"
            ))
            }
        }
    }
    let port = url.port().unwrap_or(match tls {
        TlsMode::Implicit => 465,
        _ => 587,
    });
    Ok((host, port, tls))
}

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    /// A real SMTP server.
    Smtp {
        /// Its settings (password redacted in Debug).
        settings: SmtpSettings,
        /// lettre's transport (one connection per message).
        inner: Box<AsyncSmtpTransport<Tokio1Executor>>,
    },
    /// `.eml` files in a directory (the offline default).
    Files(PathBuf),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Transport {
    /// The transport `[alerts]` asks for, with the login from the process environment.
    pub fn from_config(alerts: &AlertSettings) -> Result<Transport, SendError> {
        match &alerts.smtp_url {
            None => Ok(Transport::Files(alerts.outbox_dir.clone())),
            Some(url) => {
                let settings = SmtpSettings::new(url, alerts.timeout, |k| std::env::var(k).ok())?;
                Transport::smtp(settings)
            }
        }
    }

    /// An SMTP transport for these settings.
    pub fn smtp(settings: SmtpSettings) -> Result<Transport, SendError> {
        let parameters = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| setup(&format!("cannot set up TLS for {}: {e}", settings.host)))
        };
        let tls = match settings.tls {
            TlsMode::Opportunistic => Tls::Opportunistic(parameters()?),
            TlsMode::Required => Tls::Required(parameters()?),
            TlsMode::Implicit => Tls::Wrapper(parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let Some(login) = &settings.login {
            builder =
                builder.credentials(Credentials::new(login.user.clone(), login.password.clone()));
        }
        Ok(Transport::Smtp {
            inner: Box::new(builder.build()),
            settings,
        })
    }

    /// One line for the owner: where mail goes.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { settings, .. } => settings.describe(),
            Transport::Files(dir) => {
                format!(".eml files in {} (no [alerts] smtp_url set)", dir.display())
            }
        }
    }

    /// Deliver `message`; `file_name` names the `.eml` (same name = same file, so a
    /// repeated write never makes a second copy).
    pub async fn send(
        &self,
        from: &str,
        to: &[String],
        message: &[u8],
        file_name: &str,
    ) -> Result<(), SendError> {
        match self {
            Transport::Files(dir) => write_eml(dir, file_name, message),
            Transport::Smtp { inner, settings } => {
                let envelope = envelope(from, to)?;
                inner
                    .send_raw(&envelope, message)
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e, settings))
            }
        }
    }

    /// Connect, secure and log in without sending (the first half of `alerts test`).
    pub async fn check(&self) -> Result<(), SendError> {
        match self {
            Transport::Files(dir) => std::fs::create_dir_all(dir).map_err(|e| {
                setup(&format!(
                    "cannot create the outbox folder {}: {e}",
                    dir.display()
                ))
            }),
            Transport::Smtp { inner, settings } => match inner.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err(SendError::new(
                    FailureKind::Network,
                    format!("{}:{} did not answer NOOP", settings.host, settings.port),
                )),
                Err(e) => Err(classify(&e, settings)),
            },
        }
    }
}

fn envelope(from: &str, to: &[String]) -> Result<Envelope, SendError> {
    let parse = |a: &str, key: &str| {
        a.trim()
            .parse::<Address>()
            .map_err(|_| setup(&format!("'{a}' in [alerts] {key} is not an email address")))
    };
    let recipients = to
        .iter()
        .map(|a| parse(a, "to"))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(parse(from, "from")?), recipients)
        .map_err(|e| setup(&format!("cannot address the message: {e}")))
}

fn write_eml(dir: &Path, file_name: &str, message: &[u8]) -> Result<(), SendError> {
    let io = |e: std::io::Error| {
        setup(&format!(
            "cannot write to the outbox folder {}: {e}. Check it is writable, or set [alerts] outbox_dir",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let target = dir.join(file_name);
    let partial = dir.join(format!(".{file_name}.partial"));
    std::fs::write(&partial, message).map_err(io)?;
    std::fs::rename(&partial, &target).map_err(io)
}

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
    fn new(kind: FailureKind, message: String) -> SendError {
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

fn setup(message: &str) -> SendError {
    SendError::new(FailureKind::Setup, message.to_owned())
}

/// Classify lettre's error and word it for the owner.
fn classify(e: &lettre::transport::smtp::Error, s: &SmtpSettings) -> SendError {
    let server = format!("{}:{}", s.host, s.port);
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
    let (kind, advice) = if e.is_timeout() || lower.contains("timed out") {
        (FailureKind::Timeout, format!("the mail server {server} did not answer within {}s: check the host and port in [alerts] smtp_url, or a firewall", s.timeout.as_secs()))
    } else if refused(e) {
        (FailureKind::Refused, format!("the mail server {server} refused the connection: check the port in [alerts] smtp_url (587 for smtp://, 465 for smtps://) and that the server is running"))
    } else if lower.contains("lookup")
        || lower.contains("resolve")
        || lower.contains("name or service")
        || lower.contains("nodename")
    {
        (FailureKind::Dns, format!("cannot find the mail server '{}' (DNS lookup failed): check the host name in [alerts] smtp_url", s.host))
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
        (FailureKind::Tls, format!("TLS with {server} failed: use smtps:// for port 465 and smtp:// for 587, and check the server's certificate matches '{}'", s.host))
    } else if lower.contains("authentication mechanism") {
        return auth_error(s, &chain);
    } else {
        (
            FailureKind::Network,
            format!("talking to the mail server {server} failed: check [alerts] smtp_url"),
        )
    };
    SendError::new(kind, format!("{advice} ({})", chain.trim()))
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

/// lettre's message and every cause, joined.
fn error_chain(e: &lettre::transport::smtp::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn urls_choose_port_and_tls() {
        let t = Duration::from_secs(5);
        let s = SmtpSettings::new("smtp://mail.example.com", t, vars(&[])).unwrap();
        assert_eq!((s.port, s.tls), (587, TlsMode::Opportunistic));
        let s = SmtpSettings::new("smtp://m.example.com:25?tls=required", t, vars(&[])).unwrap();
        assert_eq!((s.port, s.tls), (25, TlsMode::Required));
        let s = SmtpSettings::new("smtps://m.example.com", t, vars(&[])).unwrap();
        assert_eq!((s.port, s.tls), (465, TlsMode::Implicit));
        assert!(SmtpSettings::check_url("http://m.example.com")
            .unwrap_err()
            .contains("smtps://"));
        assert!(SmtpSettings::check_url("smtp://u:pw@m.example.com")
            .unwrap_err()
            .contains(SMTP_PASSWORD_ENV));
    }

    #[test]
    fn the_password_never_prints() {
        let env = [(SMTP_USER_ENV, "owner"), (SMTP_PASSWORD_ENV, "hunter2")];
        let s =
            SmtpSettings::new("smtp://m.example.com", Duration::from_secs(5), vars(&env)).unwrap();
        let transport = Transport::smtp(s.clone()).unwrap();
        for text in [
            format!("{s:?}"),
            format!("{transport:?}"),
            transport.describe(),
        ] {
            assert!(!text.contains("hunter2"), "{text}");
        }
        let half = SmtpSettings::new(
            "smtp://m.example.com",
            Duration::from_secs(5),
            vars(&env[..1]),
        );
        assert!(half.unwrap_err().message.contains(SMTP_PASSWORD_ENV));
    }
}
