//! `earshot outbox`, `earshot digest` and `earshot alerts test`: the owner's view of the
//! email side, and the way to check the mail setup before relying on it.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};

use super::output::short_time;
use crate::alert::compose::{self, Addressing};
use crate::alert::webhook::Push;
use crate::alert::{digest, Dispatcher, PassReport, Transport, Webhook};
use crate::config::Config;
use crate::store::{OutboxEntry, OutboxKind, OutboxStatus, StoreHandle};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

fn dispatcher(config: &Arc<Config>, store: &StoreHandle) -> Result<Dispatcher> {
    let transport = Transport::from_config(&config.alerts)?;
    Ok(Dispatcher::new(config.clone(), store.clone(), transport))
}

/// `earshot outbox [--retry]`.
pub fn outbox(config: Arc<Config>, store: StoreHandle, retry: bool) -> Result<()> {
    let mut problem = None;
    if retry {
        let now = crate::clock::now();
        let dispatcher = dispatcher(&config, &store)?;
        store.lock().retry_outbox_now(now)?;
        let pass = runtime()?.block_on(dispatcher.send_due(now, true))?;
        println!("{}", pass_summary(&pass, &dispatcher));
        problem = undelivered(&pass);
    }
    let entries = store.lock().outbox(None)?;
    print!("{}", outbox_table(&entries));
    match problem {
        Some(reason) => bail!("{reason}"),
        None => Ok(()),
    }
}

/// `earshot digest [--send]`.
pub fn digest(config: Arc<Config>, store: StoreHandle, send: bool) -> Result<()> {
    let now = crate::clock::now();
    let since = now - crate::clock::DAY;
    if !send {
        // Times are stored to the second: include mentions stored in this very second.
        let until = now + crate::clock::SECOND;
        let mut data = store.lock().digest_data(since, until)?;
        data.locations = config.locations.iter().map(|l| l.name.clone()).collect();
        let email = digest::compose(&data, &config.business.name);
        println!("Subject: {}\n\n{}", email.subject, email.text);
        return Ok(());
    }
    let dispatcher = dispatcher(&config, &store)?;
    store.lock().queue_digest(since, now)?;
    let pass = runtime()?.block_on(dispatcher.send_due(now, false))?;
    println!("{}", pass_summary(&pass, &dispatcher));
    match undelivered(&pass) {
        Some(reason) => bail!("{reason}"),
        None => Ok(()),
    }
}

/// `earshot alerts test`: connect, secure, log in, then send one message.
pub fn test(config: &Config) -> Result<()> {
    let transport = Transport::from_config(&config.alerts)
        .map_err(|e| anyhow::anyhow!("alerts test failed: {e}"))?;
    let to = config.alerts.to.clone();
    println!(
        "Sending a test message to {} via {}",
        to.join(", "),
        transport.describe()
    );
    let email = compose::test_message(&config.business.name);
    let now = crate::clock::now();
    let addressing = Addressing {
        from: config.alerts.from.clone(),
        to: to.clone(),
        message_id: format!("earshot.test.{}@earshot", now.timestamp_millis()),
        date: now,
    };
    let message = compose::build_message(&email, &addressing)
        .map_err(|e| anyhow::anyhow!("alerts test failed: {e}"))?;
    let file_name = format!("{}-test.eml", now.format("%Y%m%d-%H%M%S"));
    runtime()?
        .block_on(async {
            transport.check().await?;
            transport
                .send(&config.alerts.from, &to, &message, &file_name)
                .await
        })
        .map_err(|e| anyhow::anyhow!("alerts test failed: {e}"))?;
    match &transport {
        Transport::Files(dir) => println!("ok: written to {}", dir.join(file_name).display()),
        Transport::Smtp { .. } => println!("ok: the server accepted the test message"),
    }
    println!("{}", web_link_advice(config));
    test_push(config, &email)
}

/// The second half of `alerts test` when `[alerts] webhook` is set: one push.
fn test_push(config: &Config, email: &compose::Email) -> Result<()> {
    let webhook = Webhook::from_config(&config.alerts)
        .map_err(|e| anyhow::anyhow!("alerts test failed: {e}"))?;
    let Some(webhook) = webhook else {
        println!("No phone push: set [alerts] webhook (ntfy, Slack or Teams) to get one.");
        return Ok(());
    };
    println!("Pushing a test message to the {}", webhook.describe());
    let push = Push::new(OutboxKind::SourceUp, &email.subject, &email.text);
    runtime()?
        .block_on(webhook.post(&webhook.body(&push)))
        .map_err(|e| anyhow::anyhow!("alerts test failed: {e}"))?;
    println!("ok: the webhook accepted the test push");
    Ok(())
}

/// Whether alerts will link to the web log, and how to make them when they do not.
fn web_link_advice(config: &Config) -> String {
    match &config.web_public_url {
        Some(url) => format!(
            "Alerts link to each mention's page under {url} (acknowledge, promise or resolve \
             it there from your phone)."
        ),
        None => "note: alerts carry no link to the web log. To act on an alert from your phone \
                 in two taps, let the web log listen off loopback ([web] listen = \"0.0.0.0:8080\" \
                 with $EARSHOT_WEB_TOKEN set) and add [web] public_url = \"http://ADDRESS:8080/\", \
                 the address your phone opens it at."
            .to_owned(),
    }
}

fn undelivered(pass: &PassReport) -> Option<String> {
    let left = pass.retrying + pass.failed;
    (left > 0).then(|| {
        format!(
            "{left} message(s) not delivered: {}",
            pass.errors
                .first()
                .map(String::as_str)
                .unwrap_or("see `earshot outbox`")
        )
    })
}

fn pass_summary(pass: &PassReport, dispatcher: &Dispatcher) -> String {
    let mut text = format!(
        "via {}: {} sent, {} to retry, {} failed",
        dispatcher.describe(),
        pass.sent,
        pass.retrying,
        pass.failed
    );
    if pass.rolled > 0 {
        text.push_str(&format!(
            ", {} folded into a summary (over max_per_hour)",
            pass.rolled
        ));
    }
    text
}

/// The outbox as a table, newest first, with each failure's last error under its row.
pub fn outbox_table(entries: &[OutboxEntry]) -> String {
    if entries.is_empty() {
        return "The outbox is empty: no alert has been queued yet.\n".into();
    }
    let count = |status: OutboxStatus| entries.iter().filter(|e| e.status == status).count();
    let mut text = format!(
        "{} pending, {} sending, {} sent, {} failed, {} rolled into summaries\n\n",
        count(OutboxStatus::Pending),
        count(OutboxStatus::Sending),
        count(OutboxStatus::Sent),
        count(OutboxStatus::Failed),
        count(OutboxStatus::Rolled)
    );
    text.push_str(&format!(
        "{:>5}  {:<10}  {:<7}  {:<8}  {:>7}  {:<16}  {:>5}  {:<22}  {}\n",
        "ID",
        "KIND",
        "CHANNEL",
        "STATUS",
        "MENTION",
        "QUEUED",
        "TRIES",
        "SENT / NEXT TRY",
        "SUBJECT"
    ));
    for e in entries {
        text.push_str(&format!(
            "{:>5}  {:<10}  {:<7}  {:<8}  {:>7}  {:<16}  {:>5}  {:<22}  {}\n",
            e.id,
            e.kind.as_str(),
            e.channel.as_str(),
            e.status,
            e.mention_id
                .map(|m| format!("#{m}"))
                .unwrap_or_else(|| "-".into()),
            short_time(e.created_at),
            e.attempts,
            when(e),
            e.subject.as_deref().unwrap_or("")
        ));
        if let Some(error) = e
            .last_error
            .as_deref()
            .filter(|_| e.status != OutboxStatus::Sent)
        {
            text.push_str(&format!("       last error: {error}\n"));
        }
    }
    text
}

fn when(e: &OutboxEntry) -> String {
    let t = |time: DateTime<Utc>| short_time(time);
    match e.status {
        OutboxStatus::Sent => e
            .sent_at
            .map(|s| format!("sent {}", t(s)))
            .unwrap_or_default(),
        OutboxStatus::Pending => format!("next {}", t(e.next_attempt_at)),
        OutboxStatus::Rolled => e
            .rolled_into
            .map(|id| format!("in summary #{id}"))
            .unwrap_or_else(|| "awaiting summary".into()),
        OutboxStatus::Superseded => "replaced by its urgent email".into(),
        OutboxStatus::Withdrawn => "taken back: staff corrected the mention".into(),
        OutboxStatus::Sending | OutboxStatus::Failed => String::new(),
    }
}
