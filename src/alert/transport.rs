//! How a rendered message leaves: SMTP (lettre, rustls) or, with no `smtp_url`, an `.eml`
//! file in `outbox_dir`. Both receive the very same bytes.
//!
//! `smtp://host:587` upgrades with STARTTLS when the server offers it (`?tls=required`
//! insists); `smtps://host:465` is TLS from the first byte. The login comes from
//! `$EARSHOT_SMTP_USER` / `$EARSHOT_SMTP_PASSWORD`, never from the config file, and never
//! appears in `Debug` output or logs. Every failure is classified so the dispatcher knows
//! whether to retry and the owner is told what to fix.
//!
//! Each step of the conversation is bounded by `[alerts] timeout` (see `session`): a
//! server that stops answering is a temporary failure naming the step, never a hang.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::client::TlsParameters;

pub use super::failure::SendError;
use super::failure::{setup, FailureKind};
use crate::config::AlertSettings;

mod session;
use session::Session;

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
        /// TLS settings for the host (one connection per message, see `session`).
        tls: Box<TlsParameters>,
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
        let tls = TlsParameters::new(settings.host.clone())
            .map_err(|e| setup(&format!("cannot set up TLS for {}: {e}", settings.host)))?;
        Ok(Transport::Smtp {
            tls: Box::new(tls),
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
            Transport::Smtp { tls, settings } => {
                let envelope = envelope(from, to)?;
                Session::open(settings, tls)
                    .await?
                    .send(&envelope, message)
                    .await
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
            Transport::Smtp { tls, settings } => Session::open(settings, tls).await?.noop().await,
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
