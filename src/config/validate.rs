//! Checking a parsed [`RawConfig`] once: every value in its range, every address an
//! address. Problems are collected, not returned at the first, so the person editing the
//! file sees all of them in one run, each with its line and key.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use crate::alert::webhook::WebhookFormat;

use super::*;

mod platforms;

/// Bounds of a duration key; the message words come from [`human`].
#[derive(Clone, Copy)]
struct Within {
    min: Duration,
    max: Duration,
}

const fn secs(min: u64, max: u64) -> Within {
    Within {
        min: Duration::from_secs(min),
        max: Duration::from_secs(max),
    }
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// `[[source]] interval` of a web source: at least a minute (sites are polled politely),
/// at most a week (a slower source is better disabled).
const INTERVAL: Within = secs(MINUTE, 7 * DAY);
/// `[[source]] interval` of a `file:` or loopback source, which burdens no one.
const LOCAL_INTERVAL: Within = secs(1, 7 * DAY);
/// `[fetch] timeout` and `connect_timeout`.
const FETCH_TIMEOUT: Within = secs(1, 10 * MINUTE);
/// `[alerts] timeout`, per SMTP step.
const SMTP_TIMEOUT: Within = secs(1, 10 * MINUTE);
/// `[alerts] backfill`: `0s` emails everything.
const BACKFILL: Within = secs(0, 365 * DAY);
/// `[triage] repeat_window`.
const REPEAT_WINDOW: Within = secs(DAY, 365 * DAY);
/// `[triage] respond_within`.
const RESPOND_WITHIN: Within = secs(15 * MINUTE, 30 * DAY);

/// `[fetch] max_body_bytes`: 16 KiB .. 100 MiB.
const BODY_BYTES: Range<u64> = 16 * 1024..100 * 1024 * 1024 + 1;
/// `[fetch] max_concurrent`.
const MAX_CONCURRENT: Range<u64> = 1..65;
/// `[fetch] broken_after`.
const BROKEN_AFTER: Range<u64> = 1..101;
/// `[[source]] max_pages`.
const MAX_PAGES: Range<u64> = 1..51;
/// `[storage] keep`: scheduled backups kept.
const BACKUPS_KEPT: Range<u64> = 1..366;
/// `[alerts] max_per_hour`.
const ALERTS_PER_HOUR: Range<u64> = 1..1001;
/// `[triage] negative_below` and `positive_above`: scores run from -1 to +1, and a
/// threshold at either end would make a label impossible.
const THRESHOLD: (f32, f32) = (-0.9, 0.9);
/// `[replies] signature` and `offer`, in characters: a line, not a letter.
const REPLY_LINE: Range<usize> = 1..201;
/// `[replies] phone`, in characters.
const PHONE: Range<usize> = 3..41;
/// `[replies.templates]`, in characters: a reply, not an essay.
const TEMPLATE: Range<usize> = 1..4001;
/// `[customers.columns]` headers, in characters.
const COLUMN_HEADER: Range<usize> = 1..201;
/// `[sentiment.terms]` weights, on the built-in lexicon's scale.
const TERM_WEIGHT: (f32, f32) = (-4.0, 4.0);

pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
    pub(super) problems: Vec<ConfigError>,
}

impl Validator<'_> {
    pub(super) fn config(&mut self, raw: RawConfig) -> Config {
        let business = self.business(raw.business);
        let backups = self.backups(&raw.storage);
        let database = self.database(raw.storage.database);
        let database_url = self.database_url(raw.storage.url);
        let locations = self.locations(raw.locations);
        let sources = self.sources(raw.sources, &locations);
        let fetch = self.fetch(raw.fetch);
        let triage = self.triage(raw.triage);
        let sentiment_terms = self.terms(raw.sentiment.terms);
        let alerts = self.alerts(raw.alerts);
        let replies = self.replies(raw.replies);
        let customer_columns = self.customer_columns(raw.customers.columns);
        Config {
            business,
            database,
            database_url,
            backups,
            sources,
            locations,
            fetch,
            triage,
            sentiment_terms,
            alerts,
            web_public_url: raw.web.public_url.and_then(|url| self.public_url(url)),
            web_listen: raw.web.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            replies,
            customer_columns,
        }
    }

    fn business(&mut self, raw: RawBusiness) -> Business {
        let name = raw.name.get_ref().trim();
        if name.is_empty() {
            self.report(
                raw.name.span(),
                "business.name",
                "is empty: write the name customers use, e.g. name = \"Harbor Street Bakery\"",
            );
        }
        let timezone = match raw.timezone {
            Some(zone) => crate::localtime::Zone::named(zone.get_ref()).unwrap_or_else(|message| {
                self.report(zone.span(), "business.timezone", &message);
                crate::localtime::Zone::utc()
            }),
            None => crate::localtime::Zone::system(),
        };
        Business {
            timezone,
            name: name.to_owned(),
            aliases: non_empty(raw.aliases),
            exclude: non_empty(raw.exclude),
        }
    }

    fn database(&mut self, raw: Option<Spanned<String>>) -> PathBuf {
        let Some(raw) = raw else {
            return PathBuf::from(DEFAULT_DATABASE);
        };
        let text = raw.get_ref().trim();
        let problem = if text.is_empty() {
            Some("is empty, which would keep everything in a throwaway database")
        } else if text == ":memory:" || text.starts_with("file:") {
            Some("is not a plain file path (SQLite would keep everything in a throwaway database or read it as a URI)")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.report(
                raw.span(),
                "storage.database",
                &format!("{problem}: write a file path, e.g. database = \"{DEFAULT_DATABASE}\""),
            );
        }
        PathBuf::from(raw.into_inner())
    }

    /// `[storage] url`: see [`check_database_url`]; kept trimmed.
    fn database_url(&mut self, raw: Option<Spanned<String>>) -> Option<String> {
        let raw = raw?;
        let url = raw.get_ref().trim();
        match check_database_url(url) {
            Ok(_) => Some(url.to_owned()),
            Err(message) => {
                self.report(raw.span(), "storage.url", &message);
                None
            }
        }
    }

    /// `[storage] backup`, `keep` and `backup_dir`.
    fn backups(&mut self, raw: &RawStorage) -> BackupSettings {
        if let (Some(backup), Some(_)) = (&raw.backup, &raw.url) {
            self.report(
                backup.span(),
                "storage.backup",
                "copies the SQLite file, but [storage] url keeps the data in PostgreSQL: remove backup (and keep, backup_dir) and back PostgreSQL up with pg_dump (README: Growing past one machine)",
            );
        }
        let schedule = raw.backup.as_ref().and_then(|text| {
            crate::alert::digest::DigestSchedule::parse(text.get_ref())
                .map_err(|_| {
                    self.report(
                        text.span(),
                        "storage.backup",
                        &format!(
                            "'{}' is not a backup schedule: write it like backup = \"daily 03:00\" (a local time in [business] timezone)",
                            text.get_ref()
                        ),
                    )
                })
                .ok()
        });
        let keep = self.count(
            raw.keep.clone(),
            "storage.keep",
            DEFAULT_BACKUPS_KEPT,
            BACKUPS_KEPT,
        );
        let dir = match &raw.backup_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.report(
                    dir.span(),
                    "storage.backup_dir",
                    "is empty: write a folder, e.g. backup_dir = \"data/backups\", or leave it out for a backups folder beside the database",
                );
                None
            }
            Some(dir) => Some(PathBuf::from(dir.get_ref().trim())),
            None => None,
        };
        BackupSettings {
            schedule,
            keep,
            dir,
        }
    }

    /// `[[location]]` entries: a unique name each, addresses that are addresses.
    fn locations(&mut self, raw: Vec<RawLocation>) -> Vec<LocationSettings> {
        let mut seen = HashSet::new();
        let mut locations = Vec::with_capacity(raw.len());
        for location in raw {
            let name = location.name.get_ref().trim().to_owned();
            if name.is_empty() {
                self.report(
                    location.name.span(),
                    "location.name",
                    "is empty: give every location a short unique name, e.g. name = \"Soho\"",
                );
                continue;
            }
            if !seen.insert(name.to_lowercase()) {
                self.report(
                    location.name.span(),
                    "location.name",
                    &format!(
                        "duplicate location name '{name}': each [[location]] needs its own name"
                    ),
                );
                continue;
            }
            locations.push(LocationSettings {
                to: self.addresses(location.to, "location.to"),
                aliases: non_empty(location.aliases),
                name,
            });
        }
        locations
    }

    /// A source's `location = "NAME"`: one of the `[[location]]` names.
    fn source_location(
        &mut self,
        raw: Option<Spanned<String>>,
        locations: &[LocationSettings],
    ) -> Option<String> {
        let raw = raw?;
        let name = raw.get_ref().trim();
        match locations.iter().find(|l| l.name == name) {
            Some(location) => Some(location.name.clone()),
            None => {
                let message = super::unknown_location(name, locations);
                self.report(raw.span(), "source.location", &message);
                None
            }
        }
    }

    fn sources(&mut self, raw: Vec<RawSource>, locations: &[LocationSettings]) -> Vec<Source> {
        let mut seen = HashSet::new();
        let mut sources = Vec::with_capacity(raw.len());
        for source in raw {
            let name = source.name.get_ref().trim().to_owned();
            if name.is_empty() {
                self.report(
                    source.name.span(),
                    "source.name",
                    "is empty: give every source a short unique name",
                );
            } else if !seen.insert(name.clone()) {
                self.report(
                    source.name.span(),
                    "source.name",
                    &format!("duplicate source name '{name}': each [[source]] needs its own name"),
                );
            }
            if let Some(source) = self.source(name, source, locations) {
                sources.push(source);
            }
        }
        sources
    }

    fn source(
        &mut self,
        name: String,
        mut raw: RawSource,
        locations: &[LocationSettings],
    ) -> Option<Source> {
        let location_name = self.source_location(raw.location.take(), locations);
        let (location, platform) = if raw.kind.is_platform() {
            let platform = self.platform(&name, &raw);
            let location = platform.as_ref().map(|p| Location::Http(p.request_url()));
            (location, platform)
        } else {
            self.not_for_feeds_or_pages(&name, &raw);
            let location = match &raw.url {
                Some(url) => self.location(url),
                None => {
                    self.report(
                        raw.name.span(),
                        "source.url",
                        &format!("source '{name}' has no url: add url = \"https://…\" (the address of the feed or review page)"),
                    );
                    None
                }
            };
            (location, None)
        };
        let local = match &location {
            Some(Location::File(_)) => true,
            Some(Location::Http(url)) => is_loopback(url),
            None => false,
        };
        let interval = self.duration(
            raw.interval,
            "source.interval",
            DEFAULT_INTERVAL,
            if local { LOCAL_INTERVAL } else { INTERVAL },
        );
        // A Trustpilot page without a key is read a few pages deep unless told otherwise.
        let default_pages = match raw.kind {
            SourceKind::Trustpilot => crate::sources::platforms::trustpilot::DEFAULT_PAGES,
            _ => 1,
        };
        let max_pages = self.count(raw.max_pages, "source.max_pages", default_pages, MAX_PAGES);
        let selectors = raw.selectors.and_then(|spanned| {
            let span = spanned.span();
            let selectors = spanned.into_inner();
            if raw.kind != SourceKind::Page {
                self.report(
                    span,
                    "source.selectors",
                    &format!(
                        "source '{name}' is not a page: selectors only apply to kind = \"page\""
                    ),
                );
                return None;
            }
            if let Err(e) = selectors.validate() {
                self.report(span, "source.selectors", &format!("source '{name}': {e}"));
                return None;
            }
            Some(selectors)
        });
        let require_mention = raw
            .require_mention
            .unwrap_or_else(|| platforms::requires_mention_by_default(platform.as_ref()));
        Some(Source {
            name,
            kind: raw.kind,
            location: location?,
            interval,
            require_mention,
            selectors,
            max_pages,
            platform,
            location_name,
        })
    }

    pub(super) fn location(&mut self, url: &Spanned<String>) -> Option<Location> {
        let text = url.get_ref().trim();
        if let Some(rest) = text.strip_prefix("file:") {
            if !rest.starts_with("//") {
                return Some(Location::File(PathBuf::from(rest)));
            }
            let path = url::Url::parse(text)
                .ok()
                .and_then(|u| u.to_file_path().ok());
            if path.is_none() {
                self.report(url.span(), "source.url", "is not a usable file: URL; write file:relative/path.xml or file:///absolute/path.xml");
            }
            return path.map(Location::File);
        }
        let message = match url::Url::parse(text) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                return Some(Location::Http(parsed))
            }
            Ok(parsed) => format!(
                "scheme '{}:' is not supported: use http:, https: or file:",
                parsed.scheme()
            ),
            Err(e) => format!("'{text}' is not a URL ({e}): write e.g. https://example.com/feed.xml or file:feeds/local.xml"),
        };
        self.report(url.span(), "source.url", &message);
        None
    }

    fn fetch(&mut self, raw: RawFetch) -> FetchSettings {
        if let Some(contact) = &raw.contact {
            let text = contact.get_ref();
            if text.trim().is_empty() || text.chars().any(char::is_control) {
                self.report(
                    contact.span(),
                    "fetch.contact",
                    "must be one line with a URL or email, e.g. contact = \"https://example.com/contact\"",
                );
            }
        }
        FetchSettings {
            timeout: self.duration(raw.timeout, "fetch.timeout", DEFAULT_TIMEOUT, FETCH_TIMEOUT),
            connect_timeout: self.duration(
                raw.connect_timeout,
                "fetch.connect_timeout",
                DEFAULT_CONNECT_TIMEOUT,
                FETCH_TIMEOUT,
            ),
            max_body_bytes: self.count(
                raw.max_body_bytes,
                "fetch.max_body_bytes",
                DEFAULT_MAX_BODY_BYTES,
                BODY_BYTES,
            ),
            contact: raw.contact.map(|c| c.into_inner().trim().to_owned()),
            max_concurrent: self.count(
                raw.max_concurrent,
                "fetch.max_concurrent",
                DEFAULT_MAX_CONCURRENT,
                MAX_CONCURRENT,
            ),
            broken_after: self.count(
                raw.broken_after,
                "fetch.broken_after",
                DEFAULT_BROKEN_AFTER,
                BROKEN_AFTER,
            ),
        }
    }

    fn triage(&mut self, raw: RawTriage) -> TriageSettings {
        let negative = self.threshold(raw.negative_below.as_ref(), "triage.negative_below");
        let positive = self.threshold(raw.positive_above.as_ref(), "triage.positive_above");
        if let (Some(negative_below), Some(positive_above)) = (negative, positive) {
            if negative_below >= positive_above {
                // Both defaults are in order, so one of the two was written.
                let (span, key) = match (&raw.negative_below, &raw.positive_above) {
                    (Some(v), _) => (v.span(), "triage.negative_below"),
                    (None, Some(v)) => (v.span(), "triage.positive_above"),
                    (None, None) => (0..0, "triage.negative_below"),
                };
                self.report(
                    span,
                    key,
                    &format!(
                        "negative_below ({negative_below}) must be below positive_above ({positive_above}): write e.g. negative_below = -0.05 and positive_above = 0.05"
                    ),
                );
            }
        }
        let negative_below = negative.unwrap_or(-0.05);
        let positive_above = positive.unwrap_or(0.05);
        let vip_lifetime_value = match raw.vip_lifetime_value {
            Some(v) if !(v.get_ref().is_finite() && *v.get_ref() >= 0.0) => {
                self.report(
                    v.span(),
                    "triage.vip_lifetime_value",
                    "must be a number of 0 or more, e.g. vip_lifetime_value = 2000",
                );
                2000.0
            }
            Some(v) => v.into_inner(),
            None => 2000.0,
        };
        let vip_tiers = match raw.vip_tiers {
            Some(tiers) => {
                if tiers.get_ref().iter().any(|t| t.trim().is_empty()) {
                    self.report(
                        tiers.span(),
                        "triage.vip_tiers",
                        "has an empty tier: write the tiers of your customer list, e.g. vip_tiers = [\"A\"]",
                    );
                }
                tiers.into_inner()
            }
            None => vec!["A".to_owned()],
        };
        TriageSettings {
            negative_below,
            positive_above,
            vip_tiers,
            vip_lifetime_value,
            repeat_window: self.duration(
                raw.repeat_window,
                "triage.repeat_window",
                Duration::from_secs(90 * DAY),
                REPEAT_WINDOW,
            ),
            respond_within: self.duration(
                raw.respond_within,
                "triage.respond_within",
                Duration::from_secs(4 * HOUR),
                RESPOND_WITHIN,
            ),
        }
    }

    /// The value when it is a usable threshold (the default when absent), else `None`.
    fn threshold(&mut self, value: Option<&Spanned<f32>>, key: &str) -> Option<f32> {
        let Some(v) = value else {
            return Some(if key.ends_with("negative_below") {
                -0.05
            } else {
                0.05
            });
        };
        let (min, max) = THRESHOLD;
        let number = *v.get_ref();
        if number.is_finite() && (min..=max).contains(&number) {
            return Some(number);
        }
        self.report(
            v.span(),
            key,
            &format!(
                "{number} is outside {min}..{max} (scores run from -1 to +1): write e.g. negative_below = -0.05, positive_above = 0.05"
            ),
        );
        None
    }

    fn terms(&mut self, raw: BTreeMap<String, Spanned<f32>>) -> Vec<(String, f32)> {
        let (min, max) = TERM_WEIGHT;
        let mut terms = Vec::with_capacity(raw.len());
        for (term, weight) in raw {
            let key = format!("sentiment.terms.\"{term}\"");
            if term.trim().is_empty() {
                self.report(
                    weight.span(),
                    &key,
                    "the word or phrase is empty: write e.g. \"stale\" = -2.0",
                );
                continue;
            }
            let w = *weight.get_ref();
            if !(w.is_finite() && (min..=max).contains(&w)) {
                self.report(
                    weight.span(),
                    &key,
                    &format!(
                        "weight {w} is outside {min}..+{max}: write e.g. -2.0 for a bad word, +2.0 for a good one"
                    ),
                );
                continue;
            }
            terms.push((term, w));
        }
        terms
    }

    fn alerts(&mut self, raw: RawAlerts) -> AlertSettings {
        let to = self.addresses(raw.to, "alerts.to");
        let escalate_to = self.addresses(raw.escalate_to, "alerts.escalate_to");
        let from = match raw.from {
            Some(from) => {
                self.address(&from, "alerts.from");
                from.into_inner().trim().to_owned()
            }
            None => "earshot@localhost".to_owned(),
        };
        let smtp_url = self.checked(raw.smtp_url, "alerts.smtp_url", |url| {
            crate::alert::transport::SmtpSettings::check_url(url)
        });
        let digest = self.checked(raw.digest, "alerts.digest", |text| {
            crate::alert::digest::DigestSchedule::parse(text).map(|_| ())
        });
        let quiet = raw.quiet.and_then(|quiet| {
            crate::alert::quiet::QuietHours::parse(quiet.get_ref())
                .map_err(|message| self.report(quiet.span(), "alerts.quiet", &message))
                .ok()
        });
        let outbox_dir = match raw.outbox_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.report(
                    dir.span(),
                    "alerts.outbox_dir",
                    "is empty: write a folder, e.g. outbox_dir = \"data/outbox\"",
                );
                PathBuf::from("data/outbox")
            }
            Some(dir) => PathBuf::from(dir.into_inner()),
            None => PathBuf::from("data/outbox"),
        };
        let (webhook, webhook_format) = self.webhook(raw.webhook, raw.webhook_format);
        AlertSettings {
            to,
            from,
            smtp_url,
            outbox_dir,
            digest,
            escalate_to,
            max_per_hour: self.count(
                raw.max_per_hour,
                "alerts.max_per_hour",
                DEFAULT_MAX_ALERTS_PER_HOUR,
                ALERTS_PER_HOUR,
            ),
            timeout: self.duration(
                raw.timeout,
                "alerts.timeout",
                DEFAULT_SMTP_TIMEOUT,
                SMTP_TIMEOUT,
            ),
            backfill: self.duration(raw.backfill, "alerts.backfill", DEFAULT_BACKFILL, BACKFILL),
            quiet,
            webhook,
            webhook_format,
        }
    }

    /// `[alerts] webhook` and `webhook_format`: an http(s) URL, a known format, and a topic
    /// for ntfy. Messages never quote the URL (it is the webhook's password).
    fn webhook(
        &mut self,
        url: Option<Spanned<String>>,
        format: Option<Spanned<String>>,
    ) -> (Option<String>, Option<WebhookFormat>) {
        let format = format.and_then(|f| match WebhookFormat::parse_setting(f.get_ref()) {
            Ok(format) => Some(format),
            Err(message) => {
                self.report(f.span(), "alerts.webhook_format", &message);
                None
            }
        });
        let url = url.and_then(
            |u| match crate::alert::webhook::check_url(u.get_ref(), format) {
                Ok(()) => Some(u.into_inner().trim().to_owned()),
                Err(message) => {
                    self.report(u.span(), "alerts.webhook", &message);
                    None
                }
            },
        );
        (url, format)
    }

    fn checked(
        &mut self,
        value: Option<Spanned<String>>,
        key: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let value = value?;
        match check(value.get_ref()) {
            Ok(()) => Some(value.into_inner()),
            Err(message) => {
                self.report(value.span(), key, &message);
                None
            }
        }
    }

    fn addresses(&mut self, list: Vec<Spanned<String>>, key: &str) -> Vec<String> {
        list.into_iter()
            .filter(|a| self.address(a, key))
            .map(|a| a.into_inner().trim().to_owned())
            .collect()
    }

    /// True when `value` is an address the mail code can send to or from.
    fn address(&mut self, value: &Spanned<String>, key: &str) -> bool {
        let text = value.get_ref();
        if text.trim().parse::<lettre::Address>().is_ok() {
            return true;
        }
        let shown: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.report(
            value.span(),
            key,
            &format!("'{shown}' is not an email address: write one address like \"owner@example.com\", without a name or spaces"),
        );
        false
    }

    fn duration(
        &mut self,
        value: Option<Spanned<String>>,
        key: &str,
        default: Duration,
        within: Within,
    ) -> Duration {
        let Some(value) = value else {
            return default;
        };
        let text = value.get_ref().trim();
        let message = match humantime::parse_duration(text) {
            Ok(d) if d < within.min => format!(
                "'{text}' is too short: write at least {} (it can be up to {})",
                human(within.min),
                human(within.max)
            ),
            Ok(d) if d > within.max => format!(
                "'{text}' is too long: write at most {} (and at least {})",
                human(within.max),
                human(within.min)
            ),
            Ok(d) => return d,
            Err(humantime::DurationError::NumberOverflow) => {
                format!("'{text}' is too long: write at most {}", human(within.max))
            }
            Err(_) => format!(
                "'{text}' is not a duration: write it like 30s, 15m, 6h or 90d (from {} to {})",
                human(within.min),
                human(within.max)
            ),
        };
        self.report(value.span(), key, &message);
        default
    }

    fn count<T>(
        &mut self,
        value: Option<Spanned<T>>,
        key: &str,
        default: T,
        within: Range<u64>,
    ) -> T
    where
        T: Copy + TryInto<u64> + std::fmt::Display,
    {
        let Some(value) = value else {
            return default;
        };
        let number = *value.get_ref();
        if number.try_into().is_ok_and(|n: u64| within.contains(&n)) {
            return number;
        }
        let (min, max) = (within.start, within.end - 1);
        self.report(
            value.span(),
            key,
            &format!(
                "{number} is outside {min}..{max}: write a number in that range, e.g. {default}"
            ),
        );
        default
    }

    /// `[web] public_url`: an http(s) address, kept with a trailing slash so page paths
    /// join onto it.
    fn public_url(&mut self, raw: Spanned<String>) -> Option<url::Url> {
        let text = raw.get_ref().trim();
        match url::Url::parse(text) {
            Ok(mut url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                Some(url)
            }
            _ => {
                self.report(
                    raw.span(),
                    "web.public_url",
                    &format!(
                        "'{text}' is not a web address: write the address a phone opens the \
                         web log at, like public_url = \"https://earshot.example.com/\" or \
                         \"http://192.168.1.20:8080/\""
                    ),
                );
                None
            }
        }
    }

    fn replies(&mut self, raw: RawReplies) -> crate::replies::ReplySettings {
        let signature = self.reply_line(raw.signature, "replies.signature", "Sam, owner");
        let offer = self.reply_line(
            raw.offer,
            "replies.offer",
            "a free coffee on your next visit",
        );
        let phone = raw.phone.and_then(|phone| {
            let text = phone.get_ref().trim();
            let digits = text.chars().filter(char::is_ascii_digit).count();
            if PHONE.contains(&text.chars().count()) && digits >= 3 {
                return Some(text.to_owned());
            }
            self.report(
                phone.span(),
                "replies.phone",
                &format!(
                    "'{text}' is not a phone number: write the direct line as customers dial it, e.g. phone = \"0161 555 0100\" ({}..{} characters)",
                    PHONE.start,
                    PHONE.end - 1
                ),
            );
            None
        });
        let mut templates = BTreeMap::new();
        for (key, source) in raw.templates {
            let dotted = format!("replies.templates.{key}");
            let length = source.get_ref().chars().count();
            let checked = if TEMPLATE.contains(&length) {
                crate::replies::check_template(&key, source.get_ref(), phone.is_some())
            } else {
                Err(format!(
                    "is {length} characters; a reply template has {}..{}",
                    TEMPLATE.start,
                    TEMPLATE.end - 1
                ))
            };
            match checked {
                Ok(()) => {
                    templates.insert(key, source.into_inner());
                }
                Err(message) => self.report(source.span(), &dotted, &message),
            }
        }
        crate::replies::ReplySettings {
            signature,
            offer: offer.unwrap_or_else(|| crate::replies::DEFAULT_OFFER.to_owned()),
            phone,
            templates,
        }
    }

    /// `[replies] signature` or `offer`: one line of plain text, put into replies as it is.
    fn reply_line(
        &mut self,
        raw: Option<Spanned<String>>,
        key: &str,
        example: &str,
    ) -> Option<String> {
        let raw = raw?;
        let text = raw.get_ref().trim();
        let problem = if !REPLY_LINE.contains(&text.chars().count()) {
            format!(
                "must be {}..{} characters",
                REPLY_LINE.start,
                REPLY_LINE.end - 1
            )
        } else if text.contains(['{', '}']) {
            "is plain text, put into replies as written: placeholders such as {business} work only in [replies.templates]".to_owned()
        } else if text.contains('\n') {
            "must be one line".to_owned()
        } else {
            return Some(text.to_owned());
        };
        self.report(
            raw.span(),
            key,
            &format!(
                "{problem}; write e.g. {} = \"{example}\"",
                key.rsplit('.').next().unwrap_or(key)
            ),
        );
        None
    }

    fn customer_columns(&mut self, raw: RawColumns) -> crate::customers::ColumnMap {
        let mut map = crate::customers::ColumnMap::default();
        let fields = [
            ("name", raw.name),
            ("email", raw.email),
            ("phone", raw.phone),
            ("handles", raw.handles),
            ("tier", raw.tier),
            ("lifetime_value", raw.lifetime_value),
            ("notes", raw.notes),
        ];
        for (field, header) in fields {
            let Some(header) = header else { continue };
            let key = format!("customers.columns.{field}");
            let text = header.get_ref().trim();
            if !COLUMN_HEADER.contains(&text.chars().count()) {
                self.report(
                    header.span(),
                    &key,
                    &format!("write the column's heading as it is in your file, e.g. {field} = \"Full Name\""),
                );
                continue;
            }
            if let Err(other) = map.map(field, text) {
                self.report(
                    header.span(),
                    &key,
                    &format!(
                        "'{text}' is already the column for {other}; one column holds one field"
                    ),
                );
            }
        }
        map
    }

    pub(super) fn report(&mut self, span: Range<usize>, key: &str, message: &str) {
        self.problems.push(ConfigError::Invalid {
            path: self.path.to_owned(),
            line: line_of(self.text.as_bytes(), span.start),
            key: key.to_owned(),
            message: message.to_owned(),
        });
    }
}

/// How a `[storage] url` is written, for the messages about one.
const DATABASE_URL_EXAMPLE: &str =
    "url = \"postgres://earshot@db.example.com:5432/earshot\" (user@server:port/database)";

/// A PostgreSQL address Earshot can connect with, parsed: the `postgres://` or
/// `postgresql://` form, naming a server and a database, without a password (that belongs
/// in the environment or `~/.pgpass`, not in a file people copy around). The error says
/// what to write instead and never quotes the address, which may hold that password.
/// `[storage] url` is checked here, and so is any address typed on the command line.
pub fn check_database_url(url: &str) -> Result<tokio_postgres::Config, String> {
    let url = url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!(
            "is not a PostgreSQL address: write it like {DATABASE_URL_EXAMPLE}, or leave url out to keep everything in the SQLite file"
        ));
    }
    let config = url.parse::<tokio_postgres::Config>().map_err(|e| {
        // tokio-postgres says "invalid connection string"; its cause names the part.
        let why = std::error::Error::source(&e).map_or(e.to_string(), ToString::to_string);
        format!(
            "cannot be read as a PostgreSQL address ({why}): write it like {DATABASE_URL_EXAMPLE}"
        )
    })?;
    if config.get_password().is_some() {
        return Err(format!(
            "contains a password: put the password in $EARSHOT_DATABASE_PASSWORD or ~/.pgpass, not in earshot.toml, and write the address without it, like {DATABASE_URL_EXAMPLE}"
        ));
    }
    if config.get_hosts().is_empty() {
        return Err(format!(
            "names no server: write the server after the @, like {DATABASE_URL_EXAMPLE}"
        ));
    }
    if config.get_dbname().is_none_or(str::is_empty) {
        return Err(format!(
            "names no database: end it with /DATABASE, like {DATABASE_URL_EXAMPLE}"
        ));
    }
    Ok(config)
}

/// `localhost`, `127.0.0.1`, `[::1]`: a test server on this machine.
/// The phrases with their blanks trimmed, empty ones left out.
fn non_empty(phrases: Vec<String>) -> Vec<String> {
    phrases
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A bound as a person would write it: `7d`, `15m`, `1s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".to_owned(),
        _ if s.is_multiple_of(DAY) => format!("{}d", s / DAY),
        _ if s.is_multiple_of(HOUR) => format!("{}h", s / HOUR),
        _ if s.is_multiple_of(MINUTE) => format!("{}m", s / MINUTE),
        _ => format!("{s}s"),
    }
}
