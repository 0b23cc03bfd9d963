//! `config/earshot.toml`: read the raw TOML, then validate it once so the rest of Earshot
//! only ever sees checked values. Every error names the file, the line and the key.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::sources::page::Selectors;

/// Where the config lives when neither `--config` nor `$EARSHOT_CONFIG` says.
pub const DEFAULT_CONFIG_PATH: &str = "config/earshot.toml";
/// Default database file.
pub const DEFAULT_DATABASE: &str = "data/earshot.db";
/// Default polling interval of a source.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Default total timeout of one fetch.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body, after decompression.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;
/// Default number of requests in flight at once, all hosts together.
pub const DEFAULT_MAX_CONCURRENT: usize = 8;
/// Default number of failed cycles in a row after which a source is shown as broken.
pub const DEFAULT_BROKEN_AFTER: u32 = 3;
/// Default cap on immediate alerts per hour (`[alerts] max_per_hour`).
pub const DEFAULT_MAX_ALERTS_PER_HOUR: u32 = 20;
/// Default backfill window (`[alerts] backfill`): items published more than this before a
/// source's first successful poll are logged but alert no one.
pub const DEFAULT_BACKFILL: Duration = Duration::from_secs(3 * 86_400);
/// Default SMTP timeout (`[alerts] timeout`).
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Default web log address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// A config problem, worded for the person editing the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}. Check the path, or pass --config FILE (or set EARSHOT_CONFIG)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key, a missing key or a value of the wrong type.
    #[error("{path} line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line toml points at.
        line: usize,
        /// toml's message, which names the key.
        message: String,
    },
    /// A value that parses but makes no sense.
    #[error("{path} line {line}: `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending value.
        line: usize,
        /// The key, dotted (`source.interval`).
        key: String,
        /// What is wrong and what to write instead.
        message: String,
    },
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The business being monitored.
    pub business: Business,
    /// The SQLite file.
    pub database: PathBuf,
    /// Sources in file order.
    pub sources: Vec<Source>,
    /// HTTP behaviour.
    pub fetch: FetchSettings,
    /// Priority thresholds and rules.
    pub triage: TriageSettings,
    /// Owner's extra sentiment terms (word or phrase → weight on the -4..+4 scale).
    pub sentiment_terms: Vec<(String, f32)>,
    /// Alert delivery.
    pub alerts: AlertSettings,
    /// Web log address.
    pub web_listen: String,
}

/// The business and the names people use for it.
#[derive(Debug, Clone)]
pub struct Business {
    /// Official name.
    pub name: String,
    /// Other names and handles (`@harborbakery`).
    pub aliases: Vec<String>,
}

/// Whether a source is a feed or an HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML review page.
    Page,
}

/// Where a source's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `http:` or `https:`.
    Http(url::Url),
    /// `file:` (relative paths resolve against the working directory).
    File(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Http(url) => write!(f, "{url}"),
            Location::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

/// One validated source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique name.
    pub name: String,
    /// Feed or page.
    pub kind: SourceKind,
    /// Where to read it.
    pub location: Location,
    /// How often to poll.
    pub interval: Duration,
    /// Keep only items that name the business.
    pub require_mention: bool,
    /// CSS selectors (pages only; none = JSON-LD).
    pub selectors: Option<Selectors>,
    /// Pages to follow through `selectors.next`.
    pub max_pages: u32,
}

/// HTTP client behaviour.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Total timeout per request.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Body cap after decompression.
    pub max_body_bytes: u64,
    /// Contact put in the User-Agent.
    pub contact: Option<String>,
    /// Requests in flight at once, all hosts together (each host gets at most 2).
    pub max_concurrent: usize,
    /// Failed cycles in a row after which a source is "broken" (and alerts once).
    pub broken_after: u32,
}

/// Triage rules from `[triage]`.
#[derive(Debug, Clone)]
pub struct TriageSettings {
    /// Score below this is negative.
    pub negative_below: f32,
    /// Score above this is positive.
    pub positive_above: f32,
    /// Tiers that count as A-list.
    pub vip_tiers: Vec<String>,
    /// Lifetime value from which a customer counts as A-list.
    pub vip_lifetime_value: f64,
    /// A second negative mention within this window is urgent.
    pub repeat_window: Duration,
    /// An urgent/high case not acknowledged by then escalates.
    pub respond_within: Duration,
}

/// Alert delivery from `[alerts]`.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// Recipients.
    pub to: Vec<String>,
    /// Sender.
    pub from: String,
    /// SMTP server; none = write `.eml` files to `outbox_dir`.
    pub smtp_url: Option<String>,
    /// Where `.eml` files go without SMTP.
    pub outbox_dir: PathBuf,
    /// Digest schedule, e.g. "daily 08:00".
    pub digest: Option<String>,
    /// Extra recipients of escalations.
    pub escalate_to: Vec<String>,
    /// Immediate alerts per hour; beyond that they roll into one summary.
    pub max_per_hour: u32,
    /// Time allowed for each SMTP step (connect, each command).
    pub timeout: Duration,
    /// Items published more than this before a source's first successful poll are old
    /// news: logged and scored, emailed to no one (the digest counts them).
    pub backfill: Duration,
}

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Validate config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().trim_end().replace('\n', " "),
        })?;
        Validator { text, path }.config(raw)
    }

    /// How mentions are scored for this business: its thresholds and its own terms.
    pub fn sentiment_options(&self) -> crate::sentiment::Options {
        crate::sentiment::Options {
            negative_below: self.triage.negative_below,
            positive_above: self.triage.positive_above,
            extra_terms: self.sentiment_terms.clone(),
            domain_layer: true,
        }
    }

    /// Every name the business goes by.
    pub fn business_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.business.name.as_str())
            .chain(self.business.aliases.iter().map(String::as_str))
    }
}

// ---- raw TOML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    business: RawBusiness,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    triage: RawTriage,
    #[serde(default)]
    sentiment: RawSentiment,
    #[serde(default)]
    alerts: RawAlerts,
    #[serde(default)]
    web: RawWeb,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBusiness {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    database: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    #[serde(default = "default_kind")]
    kind: SourceKind,
    url: Spanned<String>,
    interval: Option<Spanned<String>>,
    #[serde(default)]
    require_mention: bool,
    selectors: Option<Spanned<Selectors>>,
    max_pages: Option<u32>,
}

fn default_kind() -> SourceKind {
    SourceKind::Feed
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_body_bytes: Option<u64>,
    contact: Option<String>,
    max_concurrent: Option<Spanned<usize>>,
    broken_after: Option<Spanned<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    negative_below: Option<f32>,
    positive_above: Option<f32>,
    vip_tiers: Option<Vec<String>>,
    vip_lifetime_value: Option<f64>,
    repeat_window: Option<Spanned<String>>,
    respond_within: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSentiment {
    #[serde(default)]
    terms: BTreeMap<String, f32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    #[serde(default)]
    to: Vec<String>,
    from: Option<String>,
    smtp_url: Option<Spanned<String>>,
    outbox_dir: Option<PathBuf>,
    digest: Option<Spanned<String>>,
    #[serde(default)]
    escalate_to: Vec<String>,
    max_per_hour: Option<Spanned<u32>>,
    timeout: Option<Spanned<String>>,
    backfill: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    listen: Option<String>,
}

// ---- validation ----

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Validator<'_> {
    fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let business = self.business(raw.business)?;
        let sources = self.sources(raw.sources)?;
        let fetch = self.fetch(raw.fetch)?;
        let triage = self.triage(raw.triage)?;
        let alerts = self.alerts(raw.alerts)?;
        Ok(Config {
            business,
            database: raw
                .storage
                .database
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATABASE)),
            sources,
            fetch,
            triage,
            sentiment_terms: raw.sentiment.terms.into_iter().collect(),
            alerts,
            web_listen: raw.web.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
        })
    }

    fn fetch(&self, raw: RawFetch) -> Result<FetchSettings, ConfigError> {
        Ok(FetchSettings {
            timeout: self.duration_or(raw.timeout, "fetch.timeout", DEFAULT_TIMEOUT)?,
            connect_timeout: self.duration_or(
                raw.connect_timeout,
                "fetch.connect_timeout",
                DEFAULT_CONNECT_TIMEOUT,
            )?,
            max_body_bytes: raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            contact: raw.contact,
            max_concurrent: self
                .at_least_one(raw.max_concurrent, "fetch.max_concurrent")?
                .unwrap_or(DEFAULT_MAX_CONCURRENT),
            broken_after: self
                .at_least_one(raw.broken_after, "fetch.broken_after")?
                .unwrap_or(DEFAULT_BROKEN_AFTER),
        })
    }

    fn at_least_one<T: PartialOrd + From<u8>>(
        &self,
        value: Option<Spanned<T>>,
        key: &str,
    ) -> Result<Option<T>, ConfigError> {
        match value {
            Some(v) if *v.get_ref() < T::from(1) => {
                Err(self.invalid(v.span(), key, "must be at least 1"))
            }
            other => Ok(other.map(Spanned::into_inner)),
        }
    }

    fn business(&self, raw: RawBusiness) -> Result<Business, ConfigError> {
        let name = raw.name.get_ref().trim();
        if name.is_empty() {
            return Err(self.invalid(
                raw.name.span(),
                "business.name",
                "is empty: write the name customers use, e.g. name = \"Harbor Street Bakery\"",
            ));
        }
        Ok(Business {
            name: name.to_owned(),
            aliases: raw
                .aliases
                .into_iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
        })
    }

    fn sources(&self, raw: Vec<RawSource>) -> Result<Vec<Source>, ConfigError> {
        let mut seen = HashSet::new();
        let mut sources = Vec::with_capacity(raw.len());
        for source in raw {
            let name = source.name.get_ref().trim().to_owned();
            if name.is_empty() {
                return Err(self.invalid(
                    source.name.span(),
                    "source.name",
                    "is empty: give every source a short unique name",
                ));
            }
            if !seen.insert(name.clone()) {
                return Err(self.invalid(
                    source.name.span(),
                    "source.name",
                    &format!("duplicate source name '{name}': each [[source]] needs its own name"),
                ));
            }
            sources.push(self.source(name, source)?);
        }
        Ok(sources)
    }

    fn source(&self, name: String, raw: RawSource) -> Result<Source, ConfigError> {
        let location = self.location(&raw.url)?;
        let interval = self.duration_or(raw.interval, "source.interval", DEFAULT_INTERVAL)?;
        if interval < Duration::from_secs(1) {
            return Err(ConfigError::Invalid {
                path: self.path.to_owned(),
                line: 0,
                key: "source.interval".into(),
                message: format!("source '{name}': the interval must be at least 1s"),
            });
        }
        let selectors = match raw.selectors {
            Some(spanned) => {
                let span = spanned.span();
                let selectors = spanned.into_inner();
                if raw.kind == SourceKind::Feed {
                    return Err(self.invalid(
                        span,
                        "source.selectors",
                        &format!(
                            "source '{name}' is a feed: selectors only apply to kind = \"page\""
                        ),
                    ));
                }
                selectors
                    .validate()
                    .map_err(|e| self.invalid(span, "source.selectors", &e.to_string()))?;
                Some(selectors)
            }
            None => None,
        };
        Ok(Source {
            name,
            kind: raw.kind,
            location,
            interval,
            require_mention: raw.require_mention,
            selectors,
            max_pages: raw.max_pages.unwrap_or(1).max(1),
        })
    }

    fn location(&self, url: &Spanned<String>) -> Result<Location, ConfigError> {
        let text = url.get_ref().trim();
        if let Some(rest) = text.strip_prefix("file:") {
            let path = if rest.starts_with("//") {
                url::Url::parse(text)
                    .ok()
                    .and_then(|u| u.to_file_path().ok())
                    .ok_or_else(|| {
                        self.invalid(url.span(), "source.url", "is not a usable file: URL; write file:relative/path.xml or file:///absolute/path.xml")
                    })?
            } else {
                PathBuf::from(rest)
            };
            return Ok(Location::File(path));
        }
        match url::Url::parse(text) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(Location::Http(parsed)),
            Ok(parsed) => Err(self.invalid(
                url.span(),
                "source.url",
                &format!("scheme '{}:' is not supported: use http:, https: or file:", parsed.scheme()),
            )),
            Err(e) => Err(self.invalid(
                url.span(),
                "source.url",
                &format!("'{text}' is not a URL ({e}): write e.g. https://example.com/feed.xml or file:feeds/local.xml"),
            )),
        }
    }

    fn alerts(&self, raw: RawAlerts) -> Result<AlertSettings, ConfigError> {
        let checked =
            |value: Option<Spanned<String>>, key: &str, check: fn(&str) -> Result<(), String>| {
                match value {
                    Some(v) => {
                        check(v.get_ref()).map_err(|msg| self.invalid(v.span(), key, &msg))?;
                        Ok(Some(v.into_inner()))
                    }
                    None => Ok(None),
                }
            };
        let smtp_url = checked(raw.smtp_url, "alerts.smtp_url", |url| {
            crate::alert::transport::SmtpSettings::check_url(url)
        })?;
        let digest = checked(raw.digest, "alerts.digest", |text| {
            crate::alert::digest::DigestSchedule::parse(text).map(|_| ())
        })?;
        let max_per_hour = match raw.max_per_hour {
            Some(v) if *v.get_ref() == 0 => {
                return Err(self.invalid(
                    v.span(),
                    "alerts.max_per_hour",
                    "must be at least 1 (alerts beyond it roll into one summary)",
                ))
            }
            Some(v) => v.into_inner(),
            None => DEFAULT_MAX_ALERTS_PER_HOUR,
        };
        Ok(AlertSettings {
            to: raw.to,
            from: raw.from.unwrap_or_else(|| "earshot@localhost".to_owned()),
            smtp_url,
            outbox_dir: raw
                .outbox_dir
                .unwrap_or_else(|| PathBuf::from("data/outbox")),
            digest,
            escalate_to: raw.escalate_to,
            max_per_hour,
            timeout: self.duration_or(raw.timeout, "alerts.timeout", DEFAULT_SMTP_TIMEOUT)?,
            backfill: self.duration_or(raw.backfill, "alerts.backfill", DEFAULT_BACKFILL)?,
        })
    }

    fn triage(&self, raw: RawTriage) -> Result<TriageSettings, ConfigError> {
        Ok(TriageSettings {
            negative_below: raw.negative_below.unwrap_or(-0.05),
            positive_above: raw.positive_above.unwrap_or(0.05),
            vip_tiers: raw.vip_tiers.unwrap_or_else(|| vec!["A".to_owned()]),
            vip_lifetime_value: raw.vip_lifetime_value.unwrap_or(2000.0),
            repeat_window: self.duration_or(
                raw.repeat_window,
                "triage.repeat_window",
                Duration::from_secs(90 * 86_400),
            )?,
            respond_within: self.duration_or(
                raw.respond_within,
                "triage.respond_within",
                Duration::from_secs(4 * 3600),
            )?,
        })
    }

    fn duration_or(
        &self,
        value: Option<Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) => parse_duration(v.get_ref()).map_err(|msg| self.invalid(v.span(), key, &msg)),
        }
    }

    fn invalid(&self, span: std::ops::Range<usize>, key: &str, message: &str) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            line: line_of(self.text, span.start),
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// Parse a human duration: `30s`, `15m`, `6h`, `90d` (and humantime's longer forms).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|_| format!("'{text}' is not a duration: write it like 30s, 15m, 6h or 90d"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    const MINIMAL: &str = "[business]\nname = \"Harbor Street Bakery\"\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.database, PathBuf::from(DEFAULT_DATABASE));
        assert_eq!(
            config.triage.repeat_window,
            Duration::from_secs(90 * 86_400)
        );
        assert!(config.sources.is_empty());
    }

    #[test]
    fn file_urls_keep_relative_paths() {
        let text = format!("{MINIMAL}[[source]]\nname = \"a\"\nurl = \"file:feeds/a.xml\"\n");
        let config = parse(&text).unwrap();
        assert_eq!(
            config.sources[0].location,
            Location::File("feeds/a.xml".into())
        );
        assert_eq!(config.sources[0].interval, DEFAULT_INTERVAL);
    }

    #[test]
    fn bad_duration_names_key_and_line() {
        let text = format!(
            "{MINIMAL}[[source]]\nname = \"a\"\nurl = \"https://x.test/f\"\ninterval = \"soon\"\n"
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("line 6"), "{err}");
        assert!(err.contains("source.interval"), "{err}");
        assert!(err.contains("30s, 15m"), "{err}");
    }

    #[test]
    fn fetch_limits_default_and_refuse_zero() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.fetch.broken_after, DEFAULT_BROKEN_AFTER);
        assert_eq!(config.fetch.max_concurrent, DEFAULT_MAX_CONCURRENT);
        let err = parse(&format!("{MINIMAL}[fetch]\nbroken_after = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fetch.broken_after") && err.contains("line 4"),
            "{err}"
        );
    }

    #[test]
    fn bad_alert_settings_name_key_and_line() {
        let err = |alerts: &str| {
            parse(&format!("{MINIMAL}[alerts]\n{alerts}\n"))
                .unwrap_err()
                .to_string()
        };
        let url = err("smtp_url = \"smtp://me:secret@mail.example.com\"");
        assert!(
            url.contains("line 4") && url.contains("alerts.smtp_url"),
            "{url}"
        );
        assert!(url.contains("EARSHOT_SMTP_PASSWORD"), "{url}");
        let digest = err("digest = \"weekly\"");
        assert!(
            digest.contains("alerts.digest") && digest.contains("daily 08:00"),
            "{digest}"
        );
        let cap = err("max_per_hour = 0");
        assert!(cap.contains("alerts.max_per_hour"), "{cap}");
        let ok = parse(&format!(
            "{MINIMAL}[alerts]\nsmtp_url = \"smtps://mail.example.com\"\n"
        ))
        .unwrap();
        assert_eq!(ok.alerts.max_per_hour, DEFAULT_MAX_ALERTS_PER_HOUR);
        assert_eq!(ok.alerts.timeout, DEFAULT_SMTP_TIMEOUT);
    }

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
