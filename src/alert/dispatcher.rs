//! The dispatcher: queue what time makes due (escalations, reminders, the digest), then
//! send every due outbox row.
//!
//! Delivery guarantee: a row is marked "sending" (claimed) before the server is contacted
//! and "sent" as soon as it accepted the message, so a row the server accepted is never
//! sent again. If the process dies between the server's acceptance and that mark (the
//! seconds of one SMTP transaction), the row is still "sending" and is taken again once
//! its claim is older than [`SEND_LEASE`]: for that narrow window Earshot chooses
//! at-least-once, because a lost complaint costs more than a duplicate email (the
//! duplicate carries the same Message-ID, so mail clients can fold it). A row that was
//! queued but not yet claimed when the process died is simply sent once after restart.
//!
//! With `[alerts] webhook`, each email of a [`PUSHED`] kind gets a push row of its own
//! (channel "webhook"), queued at the start of a pass and delivered by the same rules: a
//! push endpoint that is down holds back the other pushes, not the emails, and the other
//! way round.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::alert_context;
use super::compose::{self, Addressing, ComposeError, Email};
use super::digest::{self, DigestSchedule};
use super::quiet;
use super::transport::{SendError, Transport};
use super::webhook::{Push, Webhook};
use crate::config::Config;
use crate::localtime::Zone;
use crate::pipeline::decide::may_fold;
use crate::store::{
    OutboxChannel, OutboxEntry, OutboxKind, OutboxStatus, Rendered, SourceHealth, SourceStatus,
    Store, StoreError, StoreHandle,
};

/// A "sending" row older than this belonged to a process that died mid-send.
pub const SEND_LEASE: Duration = Duration::from_secs(10 * 60);
/// First retry delay; doubled per failed attempt.
pub const RETRY_BASE: Duration = Duration::from_secs(30);
/// Longest retry delay.
pub const RETRY_MAX: Duration = Duration::from_secs(3600);
/// What is also pushed to `[alerts] webhook`: what needs the owner now. The digest is a
/// read for the morning email and the flood summary stands for alerts already pushed one
/// by one, so neither is pushed.
pub const PUSHED: &[OutboxKind] = &[
    OutboxKind::Alert,
    OutboxKind::BecameUrgent,
    OutboxKind::Escalation,
    OutboxKind::Reminder,
    OutboxKind::Overdue,
    OutboxKind::SourceDown,
    OutboxKind::SourceUp,
    OutboxKind::BackupFailed,
];
/// A digest more than this late (the service was down at its time) is skipped.
#[allow(
    clippy::disallowed_methods,
    reason = "a constant: evaluated at compile time"
)]
const DIGEST_GRACE: chrono::Duration = chrono::Duration::hours(6);

/// What one dispatcher pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    /// Rows queued by the schedule (escalations, reminders, digest).
    pub queued: usize,
    /// Accepted by the server (or written as files), pushes included.
    pub sent: usize,
    /// Of those, pushes accepted by the webhook.
    pub pushed: usize,
    /// Left pending for a later attempt.
    pub retrying: usize,
    /// Refused for good.
    pub failed: usize,
    /// Folded into a flood summary.
    pub rolled: usize,
    /// Held in the outbox until quiet hours end.
    pub held: usize,
    /// The distinct errors met, for the log and the CLI.
    pub errors: Vec<String>,
}

/// Sends the outbox through one transport.
pub struct Dispatcher {
    config: Arc<Config>,
    store: StoreHandle,
    transport: Transport,
    zone: Option<Zone>,
    /// The push channel: none without `[alerts] webhook`; an error keeps pushes queued.
    webhook: Result<Option<Webhook>, SendError>,
}

/// The channels found unreachable in this pass, with the error and retry time.
type Down = std::collections::HashMap<OutboxChannel, (SendError, DateTime<Utc>)>;

enum Outcome {
    Sent,
    Retry(SendError, DateTime<Utc>),
    Failed(String),
}

impl Dispatcher {
    /// A dispatcher for `config`'s recipients over `transport`.
    pub fn new(config: Arc<Config>, store: StoreHandle, transport: Transport) -> Dispatcher {
        let webhook = Webhook::from_config(&config.alerts);
        if let Err(e) = &webhook {
            tracing::error!("pushes stay queued: {e}");
        }
        Dispatcher {
            config,
            store,
            transport,
            zone: None,
            webhook,
        }
    }

    /// Where messages go: the transport, and the webhook when there is one.
    pub fn describe(&self) -> String {
        match &self.webhook {
            Ok(Some(webhook)) => {
                format!("{} and {}", self.transport.describe(), webhook.describe())
            }
            Ok(None) => self.transport.describe(),
            Err(_) => format!("{} (the webhook is not usable)", self.transport.describe()),
        }
    }

    /// Keep the digest time and quiet hours in `zone` instead of `[business] timezone`.
    pub fn with_zone(mut self, zone: Zone) -> Dispatcher {
        self.zone = Some(zone);
        self
    }

    /// The transport in use.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Queue what is due at `now`, then send every due row.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
        let queued = self.schedule(now).await?;
        let mut report = self.send_due(now, false).await?;
        report.queued = queued;
        Ok(report)
    }

    /// Queue escalations, overdue-promise reminders and the digest that are due at `now`.
    pub async fn schedule(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let respond = chrono::Duration::from_std(self.config.triage.respond_within)
            .unwrap_or(crate::clock::HOUR * 4);
        let zone = self.zone();
        let digest_since = self.config.alerts.digest.as_deref().and_then(|schedule| {
            let schedule = DigestSchedule::parse(schedule).ok()?;
            let slot = schedule.latest_slot(now, zone);
            // The period is one local day: 23 or 25 hours across a daylight-saving change.
            (now - slot <= DIGEST_GRACE)
                .then(|| schedule.latest_slot(slot - crate::clock::SECOND, zone))
        });
        // A configured span longer than dates reach: nothing is that old.
        let answer_cutoff = now
            .checked_sub_signed(respond)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        self.store
            .write(move |store| {
                let mut queued = store.queue_escalations(
                    answer_cutoff,
                    now,
                    crate::pipeline::decide::needs_escalation,
                )?;
                queued += store.queue_reminders(now)?;
                // An assignee reminded at the due time has `respond_within` to keep the
                // promise before the owner hears.
                queued += store.queue_overdue(answer_cutoff, now)?;
                queued += store.queue_source_alerts(now)?;
                if let Some(since) = digest_since {
                    queued += usize::from(store.queue_digest(since, now)?);
                }
                Ok(queued)
            })
            .await
    }

    /// Send due rows (all pending rows when `ignore_schedule`, quiet hours or not), then
    /// any flood summary.
    pub async fn send_due(
        &self,
        now: DateTime<Utc>,
        ignore_schedule: bool,
    ) -> Result<PassReport, StoreError> {
        let lease_cutoff = now - lease();
        let hour_ago = now - crate::clock::HOUR;
        if !matches!(self.webhook, Ok(None)) {
            // Each email still on its way gets its push row (once: keyed by the email's).
            self.store
                .write(move |s| s.queue_pushes(PUSHED, now))
                .await?;
        }
        let (due, mut alerts_this_hour) = self
            .store
            .read(move |s| -> Result<_, StoreError> {
                let due = s.due_outbox(now, lease_cutoff, ignore_schedule)?;
                Ok((due, s.alerts_sent_since(hour_ago, may_fold)?))
            })
            .await?;
        let max = self.config.alerts.max_per_hour as usize;
        let mut report = PassReport::default();
        let mut down = Down::new();
        for entry in due {
            if let Some((error, next)) = down.get(&entry.channel) {
                // The server is unreachable: wait with the row that just failed.
                let (id, message, next) = (entry.id, error.message.clone(), *next);
                self.store
                    .write(move |s| s.defer_outbox(id, &message, next))
                    .await?;
                report.retrying += 1;
                continue;
            }
            if let Some(until) = self.quiet_until(&entry, now).filter(|_| !ignore_schedule) {
                // Quiet hours: the row (an email or a push) waits in the outbox, so a
                // restart keeps it waiting.
                let id = entry.id;
                self.store.write(move |s| s.hold_outbox(id, until)).await?;
                report.held += 1;
                continue;
            }
            // Only high alert emails fold into the hourly summary: urgent ones always go
            // out alone, and pushes are not capped.
            let foldable = entry.kind == OutboxKind::Alert
                && entry.channel == OutboxChannel::Email
                && entry.status == OutboxStatus::Pending
                && may_fold(entry.priority);
            if foldable && alerts_this_hour >= max {
                let id = entry.id;
                self.store.write(move |s| s.roll_alert(id)).await?;
                report.rolled += 1;
                continue;
            }
            if !self.claim(entry.id, now, lease_cutoff).await? {
                continue;
            }
            if foldable {
                alerts_this_hour += 1;
            }
            if let Some(error) = self.deliver(&entry, now, &mut report).await? {
                down.insert(entry.channel, error);
            }
        }
        if !down.contains_key(&OutboxChannel::Email) {
            self.send_flood(hour_ago, now, &mut report).await?;
        }
        Ok(report)
    }

    async fn send_flood(
        &self,
        hour_ago: DateTime<Utc>,
        now: DateTime<Utc>,
        report: &mut PassReport,
    ) -> Result<(), StoreError> {
        let queued = self.store.write(move |s| s.queue_flood(hour_ago, now));
        let Some(id) = queued.await? else {
            return Ok(());
        };
        let entry = self.store.read(move |s| s.outbox_entry(id)).await?;
        if let Some(entry) = entry {
            if self.claim(id, now, now - lease()).await? {
                self.deliver(&entry, now, report).await?;
            }
        }
        Ok(())
    }

    /// Take a due row for this pass; false when another dispatcher has it.
    async fn claim(
        &self,
        id: i64,
        now: DateTime<Utc>,
        lease_cutoff: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store
            .write(move |s| s.claim_outbox(id, now, lease_cutoff))
            .await
    }

    /// Render (once), send and record one claimed row. Returns the error and retry time
    /// when the server itself is unreachable, so the rest of the pass can wait too.
    async fn deliver(
        &self,
        entry: &OutboxEntry,
        now: DateTime<Utc>,
        report: &mut PassReport,
    ) -> Result<Option<(SendError, DateTime<Utc>)>, StoreError> {
        let outcome = match self.rendered(entry, now).await {
            Ok(rendered) => self.send(entry, &rendered, now).await,
            Err(Rendering::Store(e)) => return Err(e),
            Err(Rendering::Compose(e)) => Outcome::Failed(e.to_string()),
        };
        let id = entry.id;
        let mut down = None;
        match outcome {
            Outcome::Sent => {
                // A sign-in link lives only in the email once it has left.
                let forget = entry.kind == OutboxKind::SignIn;
                self.store
                    .write(move |s| {
                        s.mark_sent(id, now)?;
                        if forget {
                            s.forget_message(id)?;
                        }
                        Ok::<(), StoreError>(())
                    })
                    .await?;
                report.sent += 1;
                report.pushed += usize::from(entry.channel == OutboxChannel::Webhook);
            }
            Outcome::Failed(error) => {
                tracing::error!(outbox = entry.id, "alert not delivered: {error}");
                let message = error.clone();
                self.store
                    .write(move |s| s.mark_failed(id, &message))
                    .await?;
                note(report, &error);
                report.failed += 1;
            }
            Outcome::Retry(error, next) => {
                tracing::warn!(outbox = entry.id, "alert delivery will be retried: {error}");
                let message = error.message.clone();
                self.store
                    .write(move |s| s.mark_retry(id, &message, next))
                    .await?;
                note(report, &error.message);
                report.retrying += 1;
                if error.is_connection() {
                    down = Some((error, next));
                }
            }
        }
        Ok(down)
    }

    async fn send(&self, entry: &OutboxEntry, rendered: &Rendered, now: DateTime<Utc>) -> Outcome {
        let result = match entry.channel {
            OutboxChannel::Email => self.send_email(entry, rendered).await,
            OutboxChannel::Webhook => match &self.webhook {
                Ok(Some(webhook)) => webhook.post(&rendered.message).await,
                Ok(None) => return Outcome::Failed(NO_WEBHOOK.to_owned()),
                Err(e) => Err(e.clone()),
            },
        };
        match result {
            Ok(()) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Failed(e.message),
            Err(e) => {
                let delay = retry_delay(entry.attempts + 1, 0.8 + fastrand::f64() * 0.4);
                let next = now + chrono::Duration::from_std(delay).unwrap_or(crate::clock::HOUR);
                Outcome::Retry(e, next)
            }
        }
    }

    async fn send_email(&self, entry: &OutboxEntry, rendered: &Rendered) -> Result<(), SendError> {
        let file_name = format!(
            "{}-{:06}-{}.eml",
            entry.created_at.format("%Y%m%d-%H%M%S"),
            entry.id,
            entry.kind.as_str()
        );
        self.transport
            .send(
                &self.config.alerts.from,
                &rendered.recipients,
                &rendered.message,
                &file_name,
            )
            .await
    }

    /// The row's message: the one rendered at its first attempt, or a new one (kept).
    async fn rendered(
        &self,
        entry: &OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<Rendered, Rendering> {
        let (config, row, zone) = (self.config.clone(), entry.clone(), self.zone().clone());
        let email = self
            .store
            .read(move |s| -> Result<_, Rendering> {
                let Some(rendered) = s.outbox_rendered(row.id)? else {
                    let email = compose(s, &config, &row, &zone)?;
                    let heard_at = locations_of(s, &row)?;
                    return Ok(Ok((email, assignee_address(s, &row)?, heard_at)));
                };
                Ok(Err(rendered))
            })
            .await?;
        let (email, assignee, heard_at) = match email {
            Ok(email) => email,
            Err(rendered) => return Ok(rendered),
        };
        let rendered = match (entry.channel, &self.webhook) {
            (OutboxChannel::Email, _) => {
                let to = self.recipients(entry, assignee.as_deref(), &heard_at);
                self.email(entry, &email, to, now)?
            }
            (OutboxChannel::Webhook, Ok(Some(webhook))) => {
                self.push(entry, &email, webhook).await?
            }
            // No usable webhook: sending says why, and nothing is kept for a later one.
            (OutboxChannel::Webhook, _) => {
                return Ok(Rendered {
                    subject: email.subject,
                    recipients: Vec::new(),
                    message: Vec::new(),
                })
            }
        };
        let (id, saved) = (entry.id, rendered.clone());
        self.store
            .write(move |s| s.save_rendered(id, &saved))
            .await?;
        Ok(rendered)
    }

    /// Who a row's email goes to: the pipeline's rule for its kind, its case's assignee
    /// and the locations its mentions were heard at (`[[location]] to`).
    fn recipients(
        &self,
        entry: &OutboxEntry,
        assignee: Option<&str>,
        heard_at: &[String],
    ) -> Vec<String> {
        let alerts = &self.config.alerts;
        let tos: Vec<&[String]> = heard_at
            .iter()
            .filter_map(|name| self.config.location(name))
            .map(|l| l.to.as_slice())
            .collect();
        if entry.kind == OutboxKind::Flood {
            // The hour's summary folds high alerts, some of them a location's.
            return crate::pipeline::decide::flood_recipients(&alerts.to, &tos);
        }
        let location_to = tos.first().copied().unwrap_or_default();
        crate::pipeline::decide::location_recipients(
            entry.kind,
            entry.priority,
            location_to,
            &alerts.to,
            &alerts.escalate_to,
            assignee,
        )
    }

    /// The RFC 5322 message of an email row to `to`.
    fn email(
        &self,
        entry: &OutboxEntry,
        email: &Email,
        to: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Rendered, Rendering> {
        let addressing = Addressing {
            from: self.config.alerts.from.clone(),
            to: to.clone(),
            message_id: message_id(entry, &self.config.alerts.from),
            date: now,
        };
        Ok(Rendered {
            message: compose::build_message(email, &addressing)?,
            subject: email.subject.clone(),
            recipients: to,
        })
    }

    /// The JSON body of a push row: the email's subject and text, and a link to the post.
    async fn push(
        &self,
        entry: &OutboxEntry,
        email: &Email,
        webhook: &Webhook,
    ) -> Result<Rendered, Rendering> {
        // A tap on the push opens the mention's page in the web log when there is one
        // (acknowledge from there), else the post itself.
        let link = match entry.mention_id {
            Some(id) => match super::mention_page(&self.config, id) {
                Some(page) => Some(page),
                None => {
                    self.store
                        .read(move |s| s.mention_detail(id))
                        .await?
                        .mention
                        .url
                }
            },
            None => None,
        };
        let push = Push {
            priority: entry.priority,
            mention_id: entry.mention_id,
            url: link,
            ..Push::new(entry.kind, &email.subject, &email.text)
        };
        Ok(Rendered {
            message: webhook.body(&push),
            subject: email.subject.clone(),
            recipients: vec![webhook.host()],
        })
    }

    fn zone(&self) -> &Zone {
        self.zone.as_ref().unwrap_or(&self.config.business.timezone)
    }

    /// When a row that may wait ([`quiet::may_wait`]) should go, if `now` is in quiet hours.
    fn quiet_until(&self, entry: &OutboxEntry, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let hours = self.config.alerts.quiet.as_ref()?;
        let waits =
            entry.status == OutboxStatus::Pending && quiet::may_wait(entry.kind, entry.priority);
        waits.then(|| hours.end_after(now, self.zone())).flatten()
    }
}

/// The locations a row's mentions were heard at: its case's, or those of the alerts a flood
/// summary folds (each once).
fn locations_of(store: &Store, entry: &OutboxEntry) -> Result<Vec<String>, StoreError> {
    let ids = match (entry.kind, entry.mention_id) {
        (OutboxKind::Flood, _) => store.flood_members(entry.id)?,
        (_, Some(id)) => vec![id],
        (_, None) => Vec::new(),
    };
    let mut places = Vec::new();
    for id in ids {
        if let Some(place) = store.mention_location(id)? {
            if !places.contains(&place) {
                places.push(place);
            }
        }
    }
    Ok(places)
}

/// The address of the person on the team a row's case is theirs: the one named by an
/// "assigned" row, else whoever the case is assigned to now.
fn assignee_address(store: &Store, entry: &OutboxEntry) -> Result<Option<String>, StoreError> {
    if entry.kind == OutboxKind::Assigned {
        let id = entry.detail.as_deref().and_then(|d| d.parse().ok());
        let member = match id {
            Some(id) => store.staff_by_id(id)?,
            None => None,
        };
        return Ok(member.filter(|m| m.removed_at.is_none()).map(|m| m.email));
    }
    match entry.mention_id {
        Some(id) => store.assignee_email(id),
        None => Ok(None),
    }
}

/// The email for a row, from what the store holds now (run on a read connection).
fn compose(
    store: &Store,
    config: &Config,
    entry: &OutboxEntry,
    zone: &Zone,
) -> Result<Email, Rendering> {
    let respond = config.triage.respond_within;
    let business = config.business.name.as_str();
    let mention = || entry.mention_id.ok_or(StoreError::NoSuchMention(0));
    Ok(match entry.kind {
        OutboxKind::Alert => compose::alert(&alert_context(store, mention()?, config)?, respond),
        OutboxKind::BecameUrgent => compose::became_urgent(
            &alert_context(store, mention()?, config)?,
            entry.detail.as_deref().unwrap_or("its priority rose"),
            respond,
        ),
        OutboxKind::Escalation => {
            compose::escalation(&alert_context(store, mention()?, config)?, respond)
        }
        OutboxKind::Reminder | OutboxKind::Overdue => {
            let due = entry.detail.as_deref().and_then(crate::store::parse_ts);
            let ctx = alert_context(store, mention()?, config)?;
            let due = due.unwrap_or(entry.created_at);
            match entry.kind {
                OutboxKind::Reminder => compose::reminder(&ctx, due),
                _ => compose::overdue(&ctx, due),
            }
        }
        OutboxKind::Assigned => {
            compose::assigned(&alert_context(store, mention()?, config)?, respond)
        }
        OutboxKind::Digest => {
            let since = entry.detail.as_deref().and_then(crate::store::parse_ts);
            let since = since.unwrap_or(entry.created_at - crate::clock::DAY);
            let schedule = config.alerts.digest.as_deref();
            let schedule = schedule.and_then(|s| DigestSchedule::parse(s).ok());
            // A scheduled digest covers one local day (23 to 25 hours); `earshot digest
            // --send`, which starts at no slot, the 24 hours before it.
            let until = schedule
                .filter(|s| s.latest_slot(since, zone) == since)
                .and_then(|s| s.next_slot(since, zone));
            let mut data = store.digest_data(since, until.unwrap_or(since + crate::clock::DAY))?;
            data.locations = config.locations.iter().map(|l| l.name.clone()).collect();
            digest::compose(&data, business)
        }
        OutboxKind::Flood => {
            let mut mentions = Vec::new();
            for id in store.flood_members(entry.id)? {
                mentions.push(store.mention_detail(id)?.mention);
            }
            compose::flood(&mentions, config.alerts.max_per_hour)
        }
        OutboxKind::BackupFailed => compose::backup_failed(
            entry
                .detail
                .as_deref()
                .unwrap_or("the backup could not be written"),
            entry.created_at,
        ),
        OutboxKind::SourceDown | OutboxKind::SourceUp => {
            let name = entry.detail.clone().unwrap_or_default();
            let health = store.source_health()?.into_iter().find(|h| h.name == name);
            let health = health.unwrap_or_else(|| SourceHealth {
                name,
                url: String::new(),
                config_url: None,
                state: SourceStatus::Broken,
                last_fetch_at: None,
                last_success_at: None,
                last_error: None,
                consecutive_failures: 0,
                next_due_at: None,
                mentions_seen: 0,
                polled_by: None,
            });
            match entry.kind {
                OutboxKind::SourceDown => compose::source_down(&health),
                _ => compose::source_up(&health),
            }
        }
        // Written when it was asked for (its link is nowhere else); reaching here means
        // that message is gone.
        OutboxKind::SignIn => return Err(ComposeError::SignInLost.into()),
    })
}

enum Rendering {
    Store(StoreError),
    Compose(ComposeError),
}

impl From<StoreError> for Rendering {
    fn from(e: StoreError) -> Self {
        Rendering::Store(e)
    }
}

impl From<ComposeError> for Rendering {
    fn from(e: ComposeError) -> Self {
        Rendering::Compose(e)
    }
}

/// A push row whose webhook was removed from the config.
const NO_WEBHOOK: &str =
    "no [alerts] webhook is set any more: set it again and run `earshot outbox --retry`";

fn note(report: &mut PassReport, error: &str) {
    if !report.errors.iter().any(|e| e == error) {
        report.errors.push(error.to_owned());
    }
}

fn lease() -> chrono::Duration {
    chrono::Duration::from_std(SEND_LEASE).unwrap_or(crate::clock::MINUTE * 10)
}

/// Stable per row, so a message sent twice after a crash is recognisably the same one.
fn message_id(entry: &OutboxEntry, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("localhost");
    format!(
        "earshot.{}.{}.{}@{domain}",
        entry.kind.as_str(),
        entry.id,
        entry.created_at.timestamp()
    )
}

/// Delay before attempt `attempts + 1`: [`RETRY_BASE`] doubled per failure, capped at
/// [`RETRY_MAX`], times `jitter` (0.8–1.2 in production, so many alerts do not retry in step).
pub fn retry_delay(attempts: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
    let delay = RETRY_BASE.saturating_mul(factor).min(RETRY_MAX);
    Duration::try_from_secs_f64(delay.as_secs_f64() * jitter.clamp(0.5, 1.5)).unwrap_or(delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_caps_and_jitters() {
        assert_eq!(retry_delay(1, 1.0), Duration::from_secs(30));
        assert_eq!(retry_delay(2, 1.0), Duration::from_secs(60));
        assert_eq!(retry_delay(30, 1.0), RETRY_MAX);
        assert_eq!(retry_delay(1, 0.8), Duration::from_secs(24));
    }
}
