//! `config/earshot.toml`: read the raw TOML, then validate it once so the rest of Earshot
//! only ever sees checked values. Every error names the file, the line and the key, and
//! every problem in the file is reported in one run (`validate` holds the checks and the
//! limits of each key).

mod shape;
mod validate;

pub use validate::check_database_url;

use std::collections::BTreeMap;
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
/// Default number of scheduled backups kept (`[storage] keep`).
pub const DEFAULT_BACKUPS_KEPT: u32 = 7;
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
    /// The file is not UTF-8 text.
    #[error("{path} line {line}: this line is not UTF-8 text (byte {byte} of the file); save the file as UTF-8 (\"UTF-8\" in your editor's Save As / Encoding menu)")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based offset of the first bad byte in the file.
        byte: usize,
    },
    /// Several problems, one per line, in file order.
    #[error("{path}: {} problems; fix them all and run again:\n{}", .problems.len(), one_per_line(.problems))]
    Several {
        /// The file.
        path: PathBuf,
        /// Each problem, itself naming the file, line and key.
        problems: Vec<ConfigError>,
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

impl ConfigError {
    /// The line a problem is on (0 when it is about the whole file).
    fn line(&self) -> usize {
        match self {
            ConfigError::Parse { line, .. }
            | ConfigError::Invalid { line, .. }
            | ConfigError::NotUtf8 { line, .. } => *line,
            ConfigError::Read { .. } | ConfigError::Several { .. } => 0,
        }
    }
}

fn one_per_line(problems: &[ConfigError]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The business being monitored.
    pub business: Business,
    /// The SQLite file.
    pub database: PathBuf,
    /// `[storage] url`: a checked PostgreSQL address without a password
    /// (`postgres://user@host:5432/db`); None: the SQLite file, as for one shop.
    pub database_url: Option<String>,
    /// Scheduled backups (`[storage] backup`, `keep`, `backup_dir`).
    pub backups: BackupSettings,
    /// Sources in file order.
    pub sources: Vec<Source>,
    /// The locations of a chain (`[[location]]`), in file order; empty for one shop.
    pub locations: Vec<LocationSettings>,
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
    /// `[web] public_url`: the address a phone opens the web log at (alerts link to a
    /// mention's page under it); None: alerts carry no link to the log.
    pub web_public_url: Option<url::Url>,
    /// Reply drafts: signature, offer, direct line and the owner's templates.
    pub replies: crate::replies::ReplySettings,
    /// Which column of an exported customer file holds which field.
    pub customer_columns: crate::customers::ColumnMap,
}

/// When `earshot run` backs the database up, where to, and how many it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupSettings {
    /// `backup = "daily 03:00"`, in `[business] timezone`; None: no scheduled backups.
    pub schedule: Option<crate::alert::digest::DigestSchedule>,
    /// How many scheduled backups to keep (the oldest beyond are deleted).
    pub keep: u32,
    /// `backup_dir`; None: a `backups` folder beside the database file.
    pub dir: Option<PathBuf>,
}

impl Config {
    /// The folder scheduled backups go to: `[storage] backup_dir`, or `backups` beside the
    /// database file (the database in use, so `--db` moves it too).
    pub fn backup_dir(&self) -> PathBuf {
        if let Some(dir) = &self.backups.dir {
            return dir.clone();
        }
        match self.database.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.join("backups"),
            _ => PathBuf::from("backups"),
        }
    }
}

/// One location of a chain (`[[location]]`): its sources' mentions carry its name, its
/// aliases count as the business's name for those sources, and its `to` get its alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationSettings {
    /// Unique name, shown in alert subjects and the log (`Soho`).
    pub name: String,
    /// Other names of this location (`Harbor Bakery Soho`), added to the business's.
    pub aliases: Vec<String>,
    /// This location's recipients; empty: its alerts go to `[alerts] to` as if it had none.
    pub to: Vec<String>,
}

/// The business and the names people use for it.
#[derive(Debug, Clone)]
pub struct Business {
    /// Official name.
    pub name: String,
    /// Other names and handles (`@harborbakery`).
    pub aliases: Vec<String>,
    /// Phrases that mark an item as not about the business (a street, a namesake, a
    /// competitor's product): such items are dropped before they are stored.
    pub exclude: Vec<String>,
    /// The zone a person reads and types times in, and the digest and quiet hours keep.
    pub timezone: crate::localtime::Zone,
}

/// What a source is: a feed, an HTML page, or a named platform read through its own
/// request (`crate::sources::platforms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML review page.
    Page,
    /// Reddit search (`query`, optional `subreddit`).
    Reddit,
    /// Hacker News search through Algolia (`query`).
    HackerNews,
    /// A Mastodon instance's tag timeline or an account's posts (`instance` + `tag`/`account`).
    Mastodon,
    /// Bluesky post search (`query`, needs a login) or an account's posts (`handle`).
    Bluesky,
    /// A Google Alerts feed (`url`).
    #[serde(rename = "google-alerts")]
    GoogleAlerts,
    /// A business's Trustpilot reviews (`url` = its review page).
    Trustpilot,
    /// A Google place's reviews through the Places API (`place_id`).
    #[serde(rename = "google-places")]
    GooglePlaces,
}

impl SourceKind {
    /// The config spelling of a kind (`kind = "google-alerts"`).
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Page => "page",
            SourceKind::Reddit => "reddit",
            SourceKind::HackerNews => "hackernews",
            SourceKind::Mastodon => "mastodon",
            SourceKind::Bluesky => "bluesky",
            SourceKind::GoogleAlerts => "google-alerts",
            SourceKind::Trustpilot => "trustpilot",
            SourceKind::GooglePlaces => "google-places",
        }
    }

    /// A named platform, read through [`Source::platform`].
    pub fn is_platform(self) -> bool {
        !matches!(self, SourceKind::Feed | SourceKind::Page)
    }
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
    /// What a named platform is asked (platform kinds only); `location` is then the
    /// request this derives.
    pub platform: Option<crate::sources::platforms::PlatformSource>,
    /// The `[[location]]` it belongs to (`location = "Soho"`), by name; None: the business
    /// as a whole.
    pub location_name: Option<String>,
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
    /// Local hours in which high alerts wait (urgent ones still go out).
    pub quiet: Option<crate::alert::quiet::QuietHours>,
    /// Where each alert is also pushed as JSON (ntfy, Slack, Teams or any JSON endpoint).
    /// Holds a secret: never printed whole.
    pub webhook: Option<String>,
    /// The payload shape, when the webhook's host does not say it.
    pub webhook_format: Option<crate::alert::webhook::WebhookFormat>,
}

impl Config {
    /// Read and validate a config file, and show times in its zone from now on
    /// ([`crate::localtime::install`]): every program reads its config through here.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| ConfigError::NotUtf8 {
            path: path.to_owned(),
            line: line_of(&bytes, e.valid_up_to()),
            byte: e.valid_up_to() + 1,
        })?;
        let config = Config::parse(text, path)?;
        crate::localtime::install(&config.business.timezone);
        Ok(config)
    }

    /// Validate config text; `path` is only used in messages. Every problem is reported,
    /// not only the first: one alone as itself, several as [`ConfigError::Several`].
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let (raw, refilled) = shape::parse_raw(text, path, &mut problems);
        let mut validator = validate::Validator {
            text,
            path,
            problems: Vec::new(),
        };
        let config = raw.map(|raw| validator.config(raw));
        problems.extend(
            validator
                .problems
                .into_iter()
                .filter(|p| !refilled.contains(&p.line())),
        );
        problems.sort_by_key(ConfigError::line);
        match (config, problems.len()) {
            (Some(config), 0) => Ok(config),
            (_, 1) => Err(problems.remove(0)),
            _ => Err(ConfigError::Several {
                path: path.to_owned(),
                problems,
            }),
        }
    }

    /// How mentions are scored for this business: its thresholds and its own terms.
    pub fn sentiment_options(&self) -> crate::sentiment::Options {
        crate::sentiment::Options {
            negative_below: self.triage.negative_below,
            positive_above: self.triage.positive_above,
            extra_terms: self.sentiment_terms.clone(),
            ..crate::sentiment::Options::default()
        }
    }

    /// The `[[location]]` called `name`, if there is one.
    pub fn location(&self, name: &str) -> Option<&LocationSettings> {
        self.locations.iter().find(|l| l.name == name)
    }

    /// The location called `name` as typed by a person (any case), or an error that lists
    /// the known names.
    pub fn find_location(&self, name: &str) -> Result<&LocationSettings, String> {
        let name = name.trim();
        self.locations
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| unknown_location(name, &self.locations))
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
    #[serde(default, rename = "location")]
    locations: Vec<RawLocation>,
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
    #[serde(default)]
    replies: RawReplies,
    #[serde(default)]
    customers: RawCustomers,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBusiness {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    timezone: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    to: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    database: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    backup: Option<Spanned<String>>,
    keep: Option<Spanned<u32>>,
    backup_dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    #[serde(default = "default_kind")]
    kind: SourceKind,
    /// Required for `feed`, `page`, `google-alerts` and `trustpilot`; other platforms derive their own.
    url: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    /// Default: false, except a Mastodon account's own posts (which need not be about
    /// the business).
    require_mention: Option<bool>,
    selectors: Option<Spanned<Selectors>>,
    max_pages: Option<Spanned<u32>>,
    query: Option<Spanned<String>>,
    subreddit: Option<Spanned<String>>,
    instance: Option<Spanned<String>>,
    tag: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    handle: Option<Spanned<String>>,
    api_base: Option<Spanned<String>>,
    place_id: Option<Spanned<String>>,
    /// The `[[location]]` this source belongs to, by name.
    location: Option<Spanned<String>>,
}

fn default_kind() -> SourceKind {
    SourceKind::Feed
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_body_bytes: Option<Spanned<u64>>,
    contact: Option<Spanned<String>>,
    max_concurrent: Option<Spanned<usize>>,
    broken_after: Option<Spanned<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    negative_below: Option<Spanned<f32>>,
    positive_above: Option<Spanned<f32>>,
    vip_tiers: Option<Spanned<Vec<String>>>,
    vip_lifetime_value: Option<Spanned<f64>>,
    repeat_window: Option<Spanned<String>>,
    respond_within: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSentiment {
    #[serde(default)]
    terms: BTreeMap<String, Spanned<f32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    #[serde(default)]
    to: Vec<Spanned<String>>,
    from: Option<Spanned<String>>,
    smtp_url: Option<Spanned<String>>,
    outbox_dir: Option<Spanned<String>>,
    digest: Option<Spanned<String>>,
    #[serde(default)]
    escalate_to: Vec<Spanned<String>>,
    max_per_hour: Option<Spanned<u32>>,
    timeout: Option<Spanned<String>>,
    backfill: Option<Spanned<String>>,
    quiet: Option<Spanned<String>>,
    webhook: Option<Spanned<String>>,
    webhook_format: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    listen: Option<String>,
    public_url: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReplies {
    signature: Option<Spanned<String>>,
    offer: Option<Spanned<String>>,
    phone: Option<Spanned<String>>,
    #[serde(default)]
    templates: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCustomers {
    #[serde(default)]
    columns: RawColumns,
}

/// `[customers.columns]`: one key per field the importer knows (`COLUMNS`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    name: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
    phone: Option<Spanned<String>>,
    handles: Option<Spanned<String>>,
    tier: Option<Spanned<String>>,
    lifetime_value: Option<Spanned<String>>,
    notes: Option<Spanned<String>>,
}

/// "no location called 'Mayfair'; the locations are: Soho, Camden" (or how to add one).
pub fn unknown_location(name: &str, locations: &[LocationSettings]) -> String {
    if locations.is_empty() {
        return format!(
            "no location called '{name}': the config has no [[location]] entries (add one with name = \"{name}\")"
        );
    }
    let known: Vec<&str> = locations.iter().map(|l| l.name.as_str()).collect();
    format!(
        "no location called '{name}'; the locations are: {}",
        known.join(", ")
    )
}

/// Parse a human duration: `30s`, `15m`, `6h`, `90d` (and humantime's longer forms).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|_| format!("'{text}' is not a duration: write it like 30s, 15m, 6h or 90d"))
}

/// 1-based line of a byte offset.
fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
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
    fn the_time_zone_is_an_iana_name_and_defaults_to_the_machines() {
        let london = parse(&format!("{MINIMAL}timezone = \"Europe/London\"\n")).unwrap();
        assert_eq!(london.business.timezone.name(), "Europe/London");
        let machine = parse(MINIMAL).unwrap();
        assert_eq!(machine.business.timezone, crate::localtime::Zone::system());
        let err = parse(&format!(
            "{MINIMAL}timezone = \"GMT+1\"\n[alerts]\nquiet = \"22:00\"\n"
        ))
        .unwrap_err()
        .to_string();
        // Both problems at once, each with its line and key.
        assert!(
            err.contains("line 3: `business.timezone`: 'GMT+1' is not a time zone name"),
            "{err}"
        );
        assert!(err.contains("IANA name like Europe/London"), "{err}");
        assert!(err.contains("line 5: `alerts.quiet`"), "{err}");
        let quiet = parse(&format!("{MINIMAL}[alerts]\nquiet = \"22:00-07:00\"\n")).unwrap();
        assert_eq!(
            quiet.alerts.quiet.map(|q| q.start.to_string()),
            Some("22:00:00".into())
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
        let quiet = err("quiet = \"10pm-7am\"");
        assert!(
            quiet.contains("line 4")
                && quiet.contains("alerts.quiet")
                && quiet.contains("22:00-07:00"),
            "{quiet}"
        );
        let ok = parse(&format!(
            "{MINIMAL}[alerts]\nsmtp_url = \"smtps://mail.example.com\"\n"
        ))
        .unwrap();
        assert_eq!(ok.alerts.max_per_hour, DEFAULT_MAX_ALERTS_PER_HOUR);
        assert_eq!(ok.alerts.timeout, DEFAULT_SMTP_TIMEOUT);
    }

    #[test]
    fn webhook_settings_are_checked_without_repeating_the_secret() {
        let err = |alerts: &str| {
            parse(&format!("{MINIMAL}[alerts]\n{alerts}\n"))
                .unwrap_err()
                .to_string()
        };
        let scheme = err("webhook = \"ftp://hooks.example.com/s3cr3t\"");
        assert!(
            scheme.contains("line 4")
                && scheme.contains("alerts.webhook")
                && scheme.contains("https://"),
            "{scheme}"
        );
        let topic = err("webhook = \"https://ntfy.sh/\"");
        assert!(topic.contains("no ntfy topic"), "{topic}");
        let both = err("webhook = \"hooks\"\nwebhook_format = \"discord\"");
        assert!(
            both.contains("alerts.webhook_format") && both.contains("slack, teams, ntfy or json"),
            "{both}"
        );
        assert!(both.contains("`alerts.webhook`: is not a URL"), "{both}");
        assert!(!scheme.contains("s3cr3t"), "{scheme}");
        // The format decides what the URL needs: ntfy wants a topic.
        let root = err("webhook = \"https://example.com/\"\nwebhook_format = \"ntfy\"");
        assert!(
            root.contains("`alerts.webhook`") && root.contains("no ntfy topic"),
            "{root}"
        );
        let ok = parse(&format!(
            "{MINIMAL}[alerts]\nwebhook = \"https://hooks.slack.com/services/T/B/x\"\n"
        ))
        .unwrap();
        assert_eq!(
            ok.alerts.webhook.as_deref(),
            Some("https://hooks.slack.com/services/T/B/x")
        );
        assert_eq!(ok.alerts.webhook_format, None);
    }

    /// The one error `extra` (appended to a minimal config) causes, as printed.
    fn problem(extra: &str) -> String {
        match parse(&format!("{MINIMAL}{extra}\n")) {
            Err(e @ ConfigError::Invalid { .. }) | Err(e @ ConfigError::Parse { .. }) => {
                e.to_string()
            }
            other => panic!("expected one problem for {extra:?}, got {other:?}"),
        }
    }

    fn assert_names(err: &str, line: usize, key: &str, hint: &str) {
        assert!(
            err.starts_with(&format!("test.toml line {line}: `{key}`: ")),
            "{err}"
        );
        assert!(err.contains(hint), "{err}");
    }

    #[test]
    fn backup_keys_are_checked_and_the_folder_defaults_beside_the_database() {
        let config = parse(&format!(
            "{MINIMAL}[storage]\ndatabase = \"/srv/earshot/e.db\"\nbackup = \"daily 03:30\"\n"
        ))
        .unwrap();
        assert_eq!(
            config.backups.schedule.map(|s| s.at.to_string()),
            Some("03:30:00".to_owned())
        );
        assert_eq!(config.backups.keep, DEFAULT_BACKUPS_KEPT);
        assert_eq!(config.backup_dir(), PathBuf::from("/srv/earshot/backups"));
        let config = parse(&format!(
            "{MINIMAL}[storage]\nbackup_dir = \"/mnt/usb\"\nkeep = 30\n"
        ))
        .unwrap();
        assert_eq!(config.backups.schedule, None);
        assert_eq!(
            (config.backups.keep, config.backup_dir()),
            (30, PathBuf::from("/mnt/usb"))
        );

        let err = problem("[storage]\nbackup = \"nightly\"");
        assert_names(&err, 4, "storage.backup", "daily 03:00");
        let err = problem("[storage]\nkeep = 0");
        assert_names(&err, 4, "storage.keep", "outside 1..365");
        let err = problem("[storage]\nkeep = 366");
        assert_names(&err, 4, "storage.keep", "outside 1..365");
        let err = problem("[storage]\nbackup_dir = \" \"");
        assert_names(&err, 4, "storage.backup_dir", "is empty");
    }

    #[test]
    fn a_postgres_url_is_kept_and_without_one_the_sqlite_file_is_used() {
        assert_eq!(parse(MINIMAL).unwrap().database_url, None);
        for url in [
            "postgres://earshot@db.example.com:5432/earshot",
            "postgresql://earshot@10.0.0.5/earshot",
            "postgres://earshot@%2Fvar%2Frun%2Fpostgresql/earshot",
        ] {
            let config = parse(&format!("{MINIMAL}[storage]\nurl = \" {url} \"\n")).unwrap();
            assert_eq!(config.database_url.as_deref(), Some(url));
        }
    }

    #[test]
    fn a_postgres_url_with_a_password_or_missing_parts_is_refused() {
        let err = problem("[storage]\nurl = \"postgres://earshot:hunter2@db.example.com/earshot\"");
        assert_names(
            &err,
            4,
            "storage.url",
            "put the password in $EARSHOT_DATABASE_PASSWORD or ~/.pgpass, not in earshot.toml",
        );
        assert!(!err.contains("hunter2"), "{err}");
        let err = problem(
            "[storage]\nurl = \"postgres://earshot@db.example.com/earshot?password=hunter2\"",
        );
        assert_names(&err, 4, "storage.url", "contains a password");
        let err = problem("[storage]\nurl = \"mysql://earshot:hunter2@db.example.com/earshot\"");
        assert_names(&err, 4, "storage.url", "is not a PostgreSQL address");
        assert!(!err.contains("hunter2"), "{err}");
        let err = problem("[storage]\nurl = \"host=db.example.com dbname=earshot\"");
        assert_names(
            &err,
            4,
            "storage.url",
            "postgres://earshot@db.example.com:5432/earshot",
        );
        let err = problem("[storage]\nurl = \"postgres://earshot@db.example.com\"");
        assert_names(&err, 4, "storage.url", "names no database");
        let err = problem("[storage]\nurl = \"postgres://earshot@db.example.com/\"");
        assert_names(&err, 4, "storage.url", "names no database");
        let err = problem("[storage]\nurl = \"postgres:///earshot\"");
        assert_names(&err, 4, "storage.url", "names no server");
        let err = problem("[storage]\nurl = \"postgres://earshot@db.example.com:port/earshot\"");
        assert_names(
            &err,
            4,
            "storage.url",
            "cannot be read as a PostgreSQL address (invalid value for option `port`)",
        );
    }

    #[test]
    fn empty_database_path_is_refused_not_a_throwaway_database() {
        let err = problem("[storage]\ndatabase = \"\"");
        assert_names(&err, 4, "storage.database", "data/earshot.db");
        let err = problem("[storage]\ndatabase = \":memory:\"");
        assert_names(&err, 4, "storage.database", "write a file path");
    }

    #[test]
    fn nan_threshold_is_refused_so_negatives_still_alert() {
        let err = problem("[triage]\nnegative_below = nan");
        assert_names(&err, 4, "triage.negative_below", "-0.05");
        let err = problem("[triage]\npositive_above = inf");
        assert_names(&err, 4, "triage.positive_above", "-0.9..0.9");
    }

    #[test]
    fn inverted_thresholds_are_refused() {
        let err = problem("[triage]\nnegative_below = 0.3\npositive_above = 0.1");
        assert_names(
            &err,
            4,
            "triage.negative_below",
            "must be below positive_above",
        );
        let err = problem("[triage]\npositive_above = -0.5");
        assert_names(&err, 4, "triage.positive_above", "must be below");
        let equal = parse(&format!(
            "{MINIMAL}[triage]\nnegative_below = 0.1\npositive_above = 0.1\n"
        ));
        assert!(equal.is_err());
        let ok = parse(&format!(
            "{MINIMAL}[triage]\nnegative_below = -0.2\npositive_above = 0.4\n"
        ))
        .unwrap();
        assert_eq!(ok.triage.negative_below, -0.2);
    }

    #[test]
    fn alert_addresses_that_are_not_emails_are_refused() {
        let err = problem("[alerts]\nto = [\"owner@example.com\", \"not an email\"]");
        assert_names(
            &err,
            4,
            "alerts.to",
            "'not an email' is not an email address",
        );
        let err = problem("[alerts]\nfrom = \"nobody\"");
        assert_names(&err, 4, "alerts.from", "owner@example.com");
        let err = problem("[alerts]\nescalate_to = [\"Manager <m@example.com>\"]");
        assert_names(&err, 4, "alerts.escalate_to", "without a name");
        let ok = parse(&format!(
            "{MINIMAL}[alerts]\nto = [\" owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n"
        ))
        .unwrap();
        assert_eq!(ok.alerts.to, ["owner@example.com"]);
    }

    #[test]
    fn sentiment_term_weight_of_100_is_refused() {
        let err = problem("[sentiment.terms]\n\"stale\" = -2.0\n\"divine\" = 100");
        assert_names(&err, 5, "sentiment.terms.\"divine\"", "-4..+4");
        let ok = parse(&format!("{MINIMAL}[sentiment.terms]\n\"stale\" = -4\n")).unwrap();
        assert_eq!(ok.sentiment_terms, [("stale".to_owned(), -4.0)]);
    }

    #[test]
    fn zero_smtp_timeout_is_refused() {
        let err = problem("[alerts]\ntimeout = \"0s\"");
        assert_names(&err, 4, "alerts.timeout", "at least 1s");
        let err = problem("[fetch]\ntimeout = \"2h\"");
        assert_names(&err, 4, "fetch.timeout", "at most 10m");
    }

    #[test]
    fn zero_max_body_bytes_is_refused() {
        let err = problem("[fetch]\nmax_body_bytes = 0");
        assert_names(&err, 4, "fetch.max_body_bytes", "16384..104857600");
        let err = problem("[fetch]\nmax_concurrent = 1000");
        assert_names(&err, 4, "fetch.max_concurrent", "1..64");
    }

    #[test]
    fn zero_max_pages_is_refused_not_silently_one() {
        let err = problem(
            "[[source]]\nname = \"p\"\nkind = \"page\"\nurl = \"https://x.test/r\"\nmax_pages = 0",
        );
        assert_names(&err, 7, "source.max_pages", "1..50");
    }

    const SOURCE: &str = "[[source]]\nname = \"a\"\nurl = \"https://x.test/f\"\n";

    #[test]
    fn interval_of_500000000y_is_refused_not_ignored() {
        let err = problem(&format!("{SOURCE}interval = \"500000000y\""));
        assert_names(&err, 6, "source.interval", "at most 7d");
        let err = problem(&format!("{SOURCE}interval = \"99999999999999999999y\""));
        assert_names(&err, 6, "source.interval", "at most 7d");
    }

    #[test]
    fn intervals_of_1ms_and_0s_name_their_line_not_line_0() {
        for interval in ["1ms", "0s", "30s"] {
            let err = problem(&format!("{SOURCE}interval = \"{interval}\""));
            assert_names(&err, 6, "source.interval", "at least 1m");
        }
        // A local file or test server burdens no one: one second is enough.
        let local = "[[source]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/f\"\ninterval = \"1s\"\n";
        assert_eq!(
            parse(&format!("{MINIMAL}{local}")).unwrap().sources[0].interval,
            Duration::from_secs(1)
        );
        let err = problem("[[source]]\nname = \"a\"\nurl = \"file:a.xml\"\ninterval = \"0s\"");
        assert_names(&err, 6, "source.interval", "at least 1s");
    }

    #[test]
    fn invalid_utf8_in_the_config_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("earshot.toml");
        std::fs::write(&path, b"[business]\nname = \"Caf\xe9 Luna\"\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("earshot.toml line 2: "), "{err}");
        assert!(err.contains("save the file as UTF-8"), "{err}");
    }

    #[test]
    fn bad_css_selector_names_the_selector_and_key_not_report_to_developer() {
        let err = problem(
            "[[source]]\nname = \"r\"\nkind = \"page\"\nurl = \"https://x.test/r\"\nselectors = { item = \".review >\", author = \".who\" }",
        );
        assert_names(&err, 7, "source.selectors", "selectors.item: `.review >`");
        assert!(!err.contains("report this"), "{err}");
        assert!(err.contains("between two selectors"), "{err}");
        for (selector, hint) in [
            (":foo", "`:foo` is not supported"),
            ("a,,b", "part of it is empty"),
            ("[x~]", "`[attribute]` part"),
            ("div[", "stops in the middle"),
        ] {
            let err = problem(&format!(
                "[[source]]\nname = \"r\"\nkind = \"page\"\nurl = \"https://x.test/r\"\nselectors = {{ item = \".r\", text = \"{selector}\" }}"
            ));
            assert!(err.contains(hint) && !err.contains("report this"), "{err}");
        }
    }

    #[test]
    fn every_problem_in_the_file_is_reported_at_once() {
        let text = format!(
            "{MINIMAL}[storage]\ndatabase = \"\"\n\
             {SOURCE}intervall = \"5m\"\n\
             [[source]]\nname = \"b\"\nurl = \"https://x.test/b\"\ninterval = \"1ms\"\n\
             [fetch]\nmax_body_bytes = 0\ncontact = 5\n\
             [triage]\nnegative_below = nan\n\
             [alerts]\nto = [\"not an email\"]\nfrom = \"nobody\"\ntimeout = \"0s\"\n"
        );
        let err = parse(&text).unwrap_err();
        let ConfigError::Several { problems, .. } = &err else {
            panic!("{err}");
        };
        let lines: Vec<usize> = problems.iter().map(ConfigError::line).collect();
        assert_eq!(lines, [4, 8, 12, 14, 15, 17, 19, 20, 21], "{err}");
        let printed = err.to_string();
        assert!(printed.starts_with("test.toml: 9 problems"), "{printed}");
        assert_eq!(printed.lines().count(), 10, "{printed}");
        for key in [
            "storage.database",
            "source.intervall",
            "source.interval",
            "fetch.max_body_bytes",
            "fetch.contact",
            "triage.negative_below",
            "alerts.to",
            "alerts.from",
            "alerts.timeout",
        ] {
            assert!(printed.contains(key), "{key} missing: {printed}");
        }
    }

    #[test]
    fn values_of_the_wrong_type_are_all_reported_even_for_required_keys() {
        let text = "[business]\nname = 5\n[[source]]\nname = \"a\"\nurl = 4\n\
                    [fetch]\ntimeout = 20\nmax_body_bytes = \"big\"\n[alerts]\nto = \"o@example.com\"\n";
        let err = parse(text).unwrap_err().to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 6, "{err}");
        assert!(
            lines[1].starts_with("test.toml line 2: `business.name`: ")
                && lines[1].contains("name = \"…\""),
            "{err}"
        );
        assert!(
            lines[2].starts_with("test.toml line 5: `source.url`: "),
            "{err}"
        );
        assert!(
            lines[3].starts_with("test.toml line 7: `fetch.timeout`: "),
            "{err}"
        );
        assert!(
            lines[4].contains("`fetch.max_body_bytes`") && lines[4].contains("whole number"),
            "{err}"
        );
        assert!(
            lines[5].contains("`alerts.to`") && lines[5].contains("square brackets"),
            "{err}"
        );
    }

    #[test]
    fn reply_settings_default_and_take_the_owners_templates() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.replies, crate::replies::ReplySettings::default());
        let config = parse(&format!(
            "{MINIMAL}[replies]\nsignature = \"Sam, owner\"\noffer = \"a free coffee\"\nphone = \"0161 555 0100\"\n\
             [replies.templates]\nwaiting = \"\"\"\nHi {{first_name}},\n\nSorry. Call {{phone}}.\n\n{{signature}}\"\"\"\n"
        ))
        .unwrap();
        assert_eq!(config.replies.signature.as_deref(), Some("Sam, owner"));
        assert_eq!(config.replies.phone.as_deref(), Some("0161 555 0100"));
        assert!(config.replies.templates["waiting"].contains("Call {phone}"));
    }

    #[test]
    fn a_wrong_reply_template_names_the_template_and_the_placeholder() {
        let err = problem("[replies.templates]\nwaiting = \"Hi {frist_name}\"");
        assert_names(
            &err,
            4,
            "replies.templates.waiting",
            "unknown placeholder {frist_name}; use one of {first_name}, {business},",
        );
        let err = problem("[replies.templates]\nrepeat = \"Call me on {phone}\"");
        assert_names(
            &err,
            4,
            "replies.templates.repeat",
            "[replies] phone is not set",
        );
        let err = problem("[replies.templates]\nstaff = \"Hi {first_name\"");
        assert_names(&err, 4, "replies.templates.staff", "single braces");
        let err = problem("[replies.templates]\nwaitng = \"Hi\"");
        assert_names(&err, 4, "replies.templates.waitng", "the templates are: ");
    }

    #[test]
    fn reply_signature_offer_and_phone_are_checked() {
        let err = problem("[replies]\nsignature = \"The team at {business}\"");
        assert_names(&err, 4, "replies.signature", "plain text");
        let err = problem("[replies]\noffer = \"\"");
        assert_names(&err, 4, "replies.offer", "1..200 characters");
        let err = problem("[replies]\nphone = \"call me\"");
        assert_names(&err, 4, "replies.phone", "not a phone number");
        let err = problem("[replies]\nreply_to = \"x\"");
        assert!(err.contains("replies.reply_to"), "{err}");
    }

    #[test]
    fn customer_columns_map_headings_and_refuse_one_heading_for_two_fields() {
        let config = parse(&format!(
            "{MINIMAL}[customers.columns]\nname = \"Full Name\"\nemail = \"E-mail\"\n"
        ))
        .unwrap();
        let mut expected = crate::customers::ColumnMap::default();
        expected.map("name", "Full Name").unwrap();
        expected.map("email", "E-mail").unwrap();
        assert_eq!(config.customer_columns, expected);
        let err = problem("[customers.columns]\nname = \"Client\"\nnotes = \"client\"");
        assert_names(
            &err,
            5,
            "customers.columns.notes",
            "'client' is already the column for name",
        );
        let err = problem("[customers.columns]\nbirthday = \"DOB\"");
        assert!(
            err.contains("customers.columns.birthday") && err.contains("lifetime_value"),
            "{err}"
        );
        let err = problem("[customers.columns]\nemail = \" \"");
        assert_names(&err, 4, "customers.columns.email", "Full Name");
    }

    const LOCATIONS: &str =
        "[[location]]\nname = \"Soho\"\naliases = [\"Harbor Soho\"]\nto = [\"soho@example.com\"]\n\
                             [[location]]\nname = \"Camden\"\n";

    #[test]
    fn sources_name_their_location_and_without_locations_nothing_changes() {
        let config = parse(&format!(
            "{MINIMAL}{LOCATIONS}[[source]]\nname = \"a\"\nurl = \"file:a.xml\"\nlocation = \"Soho\"\n\
             [[source]]\nname = \"b\"\nurl = \"file:b.xml\"\n"
        ))
        .unwrap();
        assert_eq!(config.sources[0].location_name.as_deref(), Some("Soho"));
        assert_eq!(config.sources[1].location_name, None);
        let soho = config.location("Soho").unwrap();
        assert_eq!(
            (soho.aliases.clone(), soho.to.clone()),
            (
                vec!["Harbor Soho".to_owned()],
                vec!["soho@example.com".to_owned()]
            )
        );
        assert_eq!(config.find_location("camden").unwrap().name, "Camden");
        let err = config.find_location("Mayfair").unwrap_err();
        assert!(
            err.contains("'Mayfair'") && err.contains("Soho, Camden"),
            "{err}"
        );
        assert!(parse(MINIMAL).unwrap().locations.is_empty());
    }

    #[test]
    fn an_unknown_or_duplicate_location_names_file_line_key_and_the_known_names() {
        let err = problem(&format!(
            "{LOCATIONS}[[source]]\nname = \"a\"\nurl = \"file:a.xml\"\nlocation = \"Mayfair\""
        ));
        assert_names(&err, 12, "source.location", "no location called 'Mayfair'");
        assert!(err.contains("the locations are: Soho, Camden"), "{err}");
        let err = problem("[[location]]\nname = \"Soho\"\n[[location]]\nname = \"soho\"");
        assert_names(&err, 6, "location.name", "duplicate location name 'soho'");
        let err = problem("[[location]]\nname = \"Soho\"\nto = [\"manager\"]");
        assert_names(&err, 5, "location.to", "'manager' is not an email address");
        // No [[location]] at all: the error says how to add one.
        let err = problem("[[source]]\nname = \"a\"\nurl = \"file:a.xml\"\nlocation = \"Soho\"");
        assert_names(&err, 6, "source.location", "has no [[location]] entries");
    }

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of(b"a\nb\nc", 0), 1);
        assert_eq!(line_of(b"a\nb\nc", 4), 3);
    }
}
