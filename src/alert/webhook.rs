//! Phone push: every alert is also posted as JSON to `[alerts] webhook`, through the same
//! outbox as the email (its own row, claimed, retried and sent once like an email).
//!
//! One URL setting serves the three services a small business uses, each with its own
//! payload, chosen from the host (or `[alerts] webhook_format`):
//! - **ntfy** (`ntfy.sh`, or a host with "ntfy" in its name): `{"topic","title","message",
//!   "priority" 1-5,"click","tags"}` posted to the server's root, the topic taken from the
//!   URL's last path segment (ntfy's "publish as JSON");
//! - **Slack** (`hooks.slack.com`): `{"text"}` in Slack's mrkdwn;
//! - **Teams**: a legacy Office 365 connector (`*.webhook.office.com`) takes a MessageCard;
//!   a Workflows webhook (`*.logic.azure.com`, Power Automate / Power Platform hosts)
//!   takes an Adaptive Card in a message's attachments;
//! - **json** (anything else): `{"subject","text","priority","level","kind","mention_id","url"}`.
//!
//! The URL of a webhook is its password (Slack and Teams put the secret in the path,
//! ntfy's topic is guessable only by its name), so only its host is ever printed or logged.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use url::Url;

use super::failure::{FailureKind, SendError};
use crate::config::AlertSettings;
use crate::model::{OutboxKind, Priority};

/// Environment variable with a bearer token for a protected webhook (an ntfy access token).
pub const WEBHOOK_TOKEN_ENV: &str = "EARSHOT_WEBHOOK_TOKEN";

/// The longest text a push carries (ntfy keeps messages under 4096 bytes; a phone shows
/// a few lines anyway): the full alert is in the email.
pub const PUSH_TEXT_CHARS: usize = 1000;

/// The payload shape a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum WebhookFormat {
    /// Slack incoming webhook: `{"text"}`.
    Slack,
    /// Microsoft Teams: MessageCard (Office 365 connector) or Adaptive Card (Workflows).
    Teams,
    /// ntfy's JSON publishing.
    Ntfy,
    /// Earshot's own JSON, for any other endpoint.
    Json,
}

impl WebhookFormat {
    /// The format a URL's host implies.
    pub fn detect(url: &Url) -> WebhookFormat {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host == "hooks.slack.com" {
            WebhookFormat::Slack
        } else if is_teams_connector(&host) || is_teams_workflow(&host) {
            WebhookFormat::Teams
        } else if host.contains("ntfy") {
            WebhookFormat::Ntfy
        } else {
            WebhookFormat::Json
        }
    }

    /// `[alerts] webhook_format` as the config validator checks it.
    pub fn parse_setting(text: &str) -> Result<WebhookFormat, String> {
        WebhookFormat::from_str(text.trim()).map_err(|_| {
            format!("'{text}' is not a webhook format: write slack, teams, ntfy or json")
        })
    }
}

/// An Office 365 connector ("Incoming Webhook" app), retired by Microsoft in favour of
/// Workflows but still in use: it takes MessageCards.
fn is_teams_connector(host: &str) -> bool {
    host.ends_with(".webhook.office.com") || host == "outlook.office.com"
}

/// A Teams Workflows ("Post to a channel when a webhook request is received") URL.
fn is_teams_workflow(host: &str) -> bool {
    host.ends_with(".logic.azure.com")
        || host.contains("powerautomate")
        || host.ends_with(".powerplatform.com")
        || host == "flow.microsoft.com"
}

/// Check `[alerts] webhook` (and the format it is used with) as the config validator
/// does. Messages never repeat the URL: it holds the webhook's secret.
pub fn check_url(text: &str, format: Option<WebhookFormat>) -> Result<(), String> {
    parse(text, format).map(|_| ())
}

fn parse(text: &str, format: Option<WebhookFormat>) -> Result<(Url, WebhookFormat), String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        format!(
            "is not a URL ({e}): paste the whole webhook address, e.g. https://ntfy.sh/your-topic"
        )
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an https:// address, e.g. https://ntfy.sh/your-topic".into());
    }
    let format = format.unwrap_or_else(|| WebhookFormat::detect(&url));
    if format == WebhookFormat::Ntfy && ntfy_topic(&url).is_none() {
        return Err(
            "names no ntfy topic: add it to the path, e.g. https://ntfy.sh/your-topic".into(),
        );
    }
    Ok((url, format))
}

/// The last path segment of an ntfy URL: its topic.
fn ntfy_topic(url: &Url) -> Option<String> {
    url.path_segments()?
        .rfind(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An ntfy URL without its topic: JSON is published to the server's root.
fn ntfy_root(url: &Url) -> Url {
    let mut root = url.clone();
    let path = url.path().trim_end_matches('/');
    let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
    root.set_path(&format!("{parent}/"));
    root
}

/// What one push says.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// What it is about.
    pub kind: OutboxKind,
    /// The email's subject.
    pub subject: String,
    /// The email's text, cut to what a push carries.
    pub text: String,
    /// The mention's priority when it was queued, if about a mention.
    pub priority: Option<Priority>,
    /// The mention, if any.
    pub mention_id: Option<i64>,
    /// Where a tap leads: the post itself, when the source gave its link.
    pub url: Option<String>,
}

impl Push {
    /// A push with the email's subject and the lead of its text: what happened, the post
    /// and its link, cut to [`PUSH_TEXT_CHARS`]. The sections after it (the customer card
    /// with their phone and email, the reply draft, the commands) stay in the email: a
    /// push passes through a third party's servers (ntfy.sh, Slack, Microsoft).
    pub fn new(kind: OutboxKind, subject: &str, text: &str) -> Push {
        Push {
            kind,
            subject: subject.to_owned(),
            text: cut(lead(text).trim(), PUSH_TEXT_CHARS),
            priority: None,
            mention_id: None,
            url: None,
        }
    }

    /// How loudly the phone should ring, on ntfy's scale: 5 urgent … 1 min.
    pub fn level(&self) -> u8 {
        match self.kind {
            OutboxKind::BecameUrgent | OutboxKind::Escalation => 5,
            OutboxKind::Alert if self.priority == Some(Priority::Urgent) => 5,
            OutboxKind::Alert
            | OutboxKind::Reminder
            | OutboxKind::Overdue
            | OutboxKind::SourceDown
            | OutboxKind::BackupFailed => 4,
            OutboxKind::Digest | OutboxKind::Flood | OutboxKind::Assigned => 3,
            OutboxKind::SourceUp | OutboxKind::SignIn => 2,
        }
    }

    fn level_word(&self) -> &'static str {
        match self.level() {
            5 => "urgent",
            4 => "high",
            3 => "normal",
            _ => "low",
        }
    }
}

/// An email's text up to its first section (a heading underlined with dashes).
fn lead(text: &str) -> &str {
    let mut previous = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare.len() >= 3 && bare.chars().all(|c| c == '-') {
            return &text[..previous];
        }
        previous = offset;
        offset += line.len();
    }
    text
}

/// `text` cut to at most `max` characters, on a line or word where possible, with "…".
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let end = text
        .char_indices()
        .nth(max - 1)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let at = head
        .rfind('\n')
        .filter(|&i| i > end / 2)
        .or_else(|| head.rfind(' ').filter(|&i| i > end / 2))
        .unwrap_or(end);
    format!("{}…", head[..at].trim_end())
}

/// The JSON body `format` expects for `push`, for the webhook at `url`.
pub fn payload(format: WebhookFormat, url: &Url, push: &Push) -> Value {
    match format {
        WebhookFormat::Ntfy => ntfy(url, push),
        WebhookFormat::Slack => slack(push),
        WebhookFormat::Teams if is_teams_connector(url.host_str().unwrap_or_default()) => {
            message_card(push)
        }
        WebhookFormat::Teams => adaptive_card(push),
        WebhookFormat::Json => generic(push),
    }
}

fn ntfy(url: &Url, push: &Push) -> Value {
    let mut body = json!({
        "topic": ntfy_topic(url).unwrap_or_default(),
        "title": push.subject,
        "message": push.text,
        "priority": push.level(),
        "tags": [if push.level() >= 4 { "rotating_light" } else { "loudspeaker" }],
    });
    if let Some(link) = &push.url {
        body["click"] = json!(link);
    }
    body
}

/// Slack's mrkdwn: `&`, `<` and `>` are its control characters.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack(push: &Push) -> Value {
    let mut text = format!(
        "*{}*\n{}",
        slack_escape(&push.subject),
        slack_escape(&push.text)
    );
    if let Some(link) = &push.url {
        text.push_str(&format!("\n<{}|Open the post>", slack_escape(link)));
    }
    json!({ "text": text })
}

fn message_card(push: &Push) -> Value {
    let mut card = json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": push.subject,
        "title": push.subject,
        // Teams renders a single line break as a space.
        "text": push.text.replace('\n', "\n\n"),
        "themeColor": if push.level() >= 4 { "D13438" } else { "0078D7" },
    });
    if let Some(link) = &push.url {
        card["potentialAction"] = json!([{
            "@type": "OpenUri",
            "name": "Open the post",
            "targets": [{ "os": "default", "uri": link }],
        }]);
    }
    card
}

fn adaptive_card(push: &Push) -> Value {
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.2",
        "body": [
            { "type": "TextBlock", "text": push.subject, "weight": "Bolder", "wrap": true },
            { "type": "TextBlock", "text": push.text, "wrap": true },
        ],
    });
    if let Some(link) = &push.url {
        content["actions"] =
            json!([{ "type": "Action.OpenUrl", "title": "Open the post", "url": link }]);
    }
    json!({
        "type": "message",
        "summary": push.subject,
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": content,
        }],
    })
}

fn generic(push: &Push) -> Value {
    json!({
        "subject": push.subject,
        "text": push.text,
        "priority": push.level_word(),
        "level": push.level(),
        "kind": push.kind.as_str(),
        "mention_id": push.mention_id,
        "url": push.url,
    })
}

/// The configured webhook and the client that posts to it.
#[derive(Clone)]
pub struct Webhook {
    url: Url,
    format: WebhookFormat,
    token: Option<String>,
    timeout: Duration,
    client: reqwest::Client,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Webhook {
    /// The webhook `[alerts]` names, if any, with its token from the process environment.
    pub fn from_config(alerts: &AlertSettings) -> Result<Option<Webhook>, SendError> {
        let Some(url) = &alerts.webhook else {
            return Ok(None);
        };
        let token = std::env::var(WEBHOOK_TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty());
        Webhook::new(url, alerts.webhook_format, alerts.timeout, token).map(Some)
    }

    /// A webhook at `url`; `format` overrides what the host implies.
    pub fn new(
        url: &str,
        format: Option<WebhookFormat>,
        timeout: Duration,
        token: Option<String>,
    ) -> Result<Webhook, SendError> {
        let (url, format) = parse(url, format)
            .map_err(|m| SendError::new(FailureKind::Setup, format!("[alerts] webhook {m}")))?;
        let tls = crate::fetch::tls_config()
            .map_err(|e| SendError::new(FailureKind::Setup, format!("cannot set up TLS: {e}")))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(format!("Earshot/{}", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout)
            .timeout(timeout)
            // A redirected POST becomes a GET: report it instead of following it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SendError::new(FailureKind::Setup, format!("cannot set up HTTP: {e}")))?;
        Ok(Webhook {
            url,
            format,
            token,
            timeout,
            client,
        })
    }

    /// The payload shape in use.
    pub fn format(&self) -> WebhookFormat {
        self.format
    }

    /// `host` or `host:port`: all of the URL that may be shown.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// One line for the owner: where pushes go (never the secret part of the URL).
    pub fn describe(&self) -> String {
        format!("webhook at {} ({})", self.host(), self.format)
    }

    /// The JSON body for `push`.
    pub fn body(&self, push: &Push) -> Vec<u8> {
        payload(self.format, &self.url, push)
            .to_string()
            .into_bytes()
    }

    /// Post a rendered body. A 2xx is delivered; 408, 429 and 5xx and network failures
    /// are retried; any other answer is refused for good (a wrong or revoked URL).
    pub async fn post(&self, body: &[u8]) -> Result<(), SendError> {
        let target = match self.format {
            WebhookFormat::Ntfy => ntfy_root(&self.url),
            _ => self.url.clone(),
        };
        let mut request = self
            .client
            .post(target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| self.network(e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let reply = response.text().await.unwrap_or_default();
        Err(self.refusal(status, &reply))
    }

    fn network(&self, error: reqwest::Error) -> SendError {
        // reqwest names the URL in its messages: the secret must not reach a log.
        let error = error.without_url();
        let detail = super::failure::error_chain(&error);
        let host = self.host();
        let lower = detail.to_ascii_lowercase();
        let (kind, advice) = if error.is_timeout() {
            let after = humantime::format_duration(self.timeout);
            (
                FailureKind::Timeout,
                format!("the webhook at {host} did not answer within {after}"),
            )
        } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
            (FailureKind::Dns, format!("cannot find the webhook host '{host}' (DNS lookup failed): check [alerts] webhook"))
        } else if error.is_connect() {
            (
                FailureKind::Refused,
                format!("cannot connect to the webhook at {host}"),
            )
        } else {
            (
                FailureKind::Network,
                format!("posting to the webhook at {host} failed"),
            )
        };
        SendError::new(
            kind,
            format!("{advice} ({detail}); the push stays queued and will be retried"),
        )
    }

    fn refusal(&self, status: StatusCode, reply: &str) -> SendError {
        let host = self.host();
        let reply = cut(&reply.split_whitespace().collect::<Vec<_>>().join(" "), 200);
        let said = if reply.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {reply}")
        };
        match status.as_u16() {
            408 | 425 | 429 => SendError::new(
                FailureKind::Busy,
                format!("the webhook at {host} asked to try later ({said}); Earshot will retry"),
            ),
            // The service itself is down: every push would fail the same way now.
            500..=599 => SendError::new(
                FailureKind::Network,
                format!("the webhook at {host} failed ({said}); the push stays queued and will be retried"),
            ),
            _ => SendError::new(
                FailureKind::Rejected,
                format!(
                    "the webhook at {host} refused the push ({said}): check [alerts] webhook (a revoked or mistyped URL) and webhook_format ({}), then `earshot outbox --retry`",
                    self.format
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn push() -> Push {
        Push {
            priority: Some(Priority::Urgent),
            mention_id: Some(42),
            url: Some("https://reviews.test/r/42".into()),
            ..Push::new(
                OutboxKind::Alert,
                "[URGENT] reviews: Jane <jane@x.test>",
                "Rude & slow\nCall back today.",
            )
        }
    }

    #[test]
    fn the_host_chooses_the_format() {
        let detect = |u: &str| WebhookFormat::detect(&url(u));
        assert_eq!(
            detect("https://hooks.slack.com/services/T0/B0/xyz"),
            WebhookFormat::Slack
        );
        assert_eq!(
            detect("https://contoso.webhook.office.com/webhookb2/abc"),
            WebhookFormat::Teams
        );
        assert_eq!(
            detect("https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s"),
            WebhookFormat::Teams
        );
        assert_eq!(detect("https://ntfy.sh/bakery-alerts"), WebhookFormat::Ntfy);
        assert_eq!(
            detect("https://ntfy.example.com/bakery"),
            WebhookFormat::Ntfy
        );
        assert_eq!(detect("https://example.com/hook"), WebhookFormat::Json);
    }

    #[test]
    fn ntfy_gets_its_json_at_the_server_root_with_the_topic() {
        let u = url("https://ntfy.sh/bakery-alerts");
        let body = payload(WebhookFormat::Ntfy, &u, &push());
        assert_eq!(body["topic"], "bakery-alerts");
        assert_eq!(body["title"], "[URGENT] reviews: Jane <jane@x.test>");
        assert_eq!(body["message"], "Rude & slow\nCall back today.");
        assert_eq!(body["priority"], 5);
        assert_eq!(body["click"], "https://reviews.test/r/42");
        assert_eq!(ntfy_root(&u).as_str(), "https://ntfy.sh/");
        let nested = url("https://example.com/ntfy/bakery/?auth=tk");
        assert_eq!(
            ntfy_root(&nested).as_str(),
            "https://example.com/ntfy/?auth=tk"
        );
        assert_eq!(ntfy_topic(&nested).as_deref(), Some("bakery"));
        assert!(check_url("https://ntfy.sh/", None)
            .unwrap_err()
            .contains("no ntfy topic"));
    }

    #[test]
    fn slack_gets_escaped_text() {
        let body = payload(
            WebhookFormat::Slack,
            &url("https://hooks.slack.com/services/T/B/x"),
            &push(),
        );
        let object = body.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["text"]);
        assert_eq!(
            body["text"],
            "*[URGENT] reviews: Jane &lt;jane@x.test&gt;*\nRude &amp; slow\nCall back today.\n<https://reviews.test/r/42|Open the post>"
        );
    }

    #[test]
    fn teams_gets_a_message_card_or_an_adaptive_card() {
        let connector = payload(
            WebhookFormat::Teams,
            &url("https://contoso.webhook.office.com/webhookb2/x"),
            &push(),
        );
        assert_eq!(connector["@type"], "MessageCard");
        assert_eq!(connector["text"], "Rude & slow\n\nCall back today.");
        let workflow = payload(
            WebhookFormat::Teams,
            &url("https://prod-1.westus.logic.azure.com/workflows/x"),
            &push(),
        );
        assert_eq!(workflow["type"], "message");
        let card = &workflow["attachments"][0];
        assert_eq!(
            card["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(card["content"]["type"], "AdaptiveCard");
        assert_eq!(
            card["content"]["body"][1]["text"],
            "Rude & slow\nCall back today."
        );
    }

    #[test]
    fn generic_json_names_subject_priority_and_mention() {
        let body = payload(WebhookFormat::Json, &url("https://example.com/h"), &push());
        assert_eq!(body["subject"], "[URGENT] reviews: Jane <jane@x.test>");
        assert_eq!(body["priority"], "urgent");
        assert_eq!(body["mention_id"], 42);
        assert_eq!(body["kind"], "alert");
        assert_eq!(body["url"], "https://reviews.test/r/42");
    }

    #[test]
    fn a_push_leaves_the_customer_card_and_the_reply_in_the_email() {
        let email = "Urgent: a complaint (Jane on reviews)\n\n> Cold coffee.\n\nLink: https://r.test/1\n\nCustomer\n--------\nReach them: jane@x.test, +1 555-0100\n\nSuggested reply\n---------------\n> Hi Jane,\n";
        let push = Push::new(OutboxKind::Alert, "s", email);
        assert_eq!(
            push.text,
            "Urgent: a complaint (Jane on reviews)\n\n> Cold coffee.\n\nLink: https://r.test/1"
        );
        assert_eq!(lead("no sections\n"), "no sections\n");
    }

    #[test]
    fn a_long_text_is_cut_on_a_word() {
        let text = "word ".repeat(400);
        let short = Push::new(OutboxKind::Alert, "s", &text).text;
        assert!(short.chars().count() <= PUSH_TEXT_CHARS, "{}", short.len());
        assert!(short.ends_with("word…"), "{short}");
    }

    #[test]
    fn the_secret_part_of_the_url_never_prints() {
        let hook = Webhook::new(
            "https://hooks.slack.com/services/T0/B0/s3cr3t",
            None,
            Duration::from_secs(5),
            Some("tk_token".into()),
        )
        .unwrap();
        for text in [format!("{hook:?}"), hook.describe()] {
            assert!(
                !text.contains("s3cr3t") && !text.contains("tk_token"),
                "{text}"
            );
            assert!(text.contains("hooks.slack.com"), "{text}");
        }
        let refused = hook.refusal(StatusCode::NOT_FOUND, "no_service");
        assert!(refused.is_permanent());
        assert!(!refused.message.contains("s3cr3t"), "{}", refused.message);
        assert!(hook
            .refusal(StatusCode::SERVICE_UNAVAILABLE, "")
            .is_connection());
        assert!(!hook
            .refusal(StatusCode::TOO_MANY_REQUESTS, "")
            .is_permanent());
        let err = check_url("hooks.slack.com/services/T0/B0/s3cr3t", None).unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}
