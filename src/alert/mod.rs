//! Alerts: tell the owner about complaints by email, and never lose one.
//!
//! The poller queues an outbox row in the transaction that stores an urgent or high
//! mention (`store::outbox`). The [`dispatcher`] turns due rows into messages
//! ([`compose`], [`digest`]) and hands them to a [`transport`] (SMTP, or `.eml` files),
//! retrying with backoff while the server is down. Composition is pure; the dispatcher is
//! the only part that touches both the store and the network.

pub mod compose;
pub mod digest;
pub mod dispatcher;
mod doc;
mod failure;
#[cfg(test)]
mod golden;
pub mod quiet;
pub mod transport;
pub mod webhook;

use crate::config::Config;
use crate::replies::Category;
use crate::store::{Store, StoreError, StoredDetail};

pub use dispatcher::{Dispatcher, PassReport};
pub use failure::{FailureKind, SendError};
pub use transport::Transport;
pub use webhook::Webhook;

/// Everything an alert about one mention shows.
#[derive(Debug, Clone)]
pub struct AlertContext {
    /// The mention, its priority reasons and its case history.
    pub detail: StoredDetail,
    /// The linked customer's card (tier, lifetime value, past mentions, open cases) as
    /// plain text lines; `None` when the mention is not linked to a known customer.
    pub customer_card: Option<String>,
    /// A suggested reply addressing the customer by name; `None` (a neutral mention)
    /// leaves the section out.
    pub suggested_reply: Option<String>,
    /// The mention's page in the web log (`[web] public_url`), for acting from a phone.
    pub page_url: Option<String>,
    /// What a complaint is about; `None` for praise and neutral mentions.
    pub category: Option<Category>,
}

/// The context of an alert about `mention_id`, read from the store.
pub fn alert_context(
    store: &Store,
    mention_id: i64,
    config: &Config,
) -> Result<AlertContext, StoreError> {
    let case = store.case_file(mention_id)?;
    Ok(AlertContext {
        customer_card: case.customer.as_ref().map(crate::casework::customer_card),
        suggested_reply: crate::casework::reply_for(&case, config),
        page_url: mention_page(config, mention_id),
        category: crate::replies::complaint_category(&case.detail.mention),
        detail: case.detail,
    })
}

/// The web log's page of a mention, when `[web] public_url` says where the log is.
pub fn mention_page(config: &Config, mention_id: i64) -> Option<String> {
    let base = config.web_public_url.as_ref()?;
    base.join(&format!("mentions/{mention_id}"))
        .ok()
        .map(String::from)
}
