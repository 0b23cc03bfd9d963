//! One-time sign-in links, emailed through the outbox.
//!
//! A link is `{[web] public_url}sign-in/{token}`: the address comes from the config,
//! never from a request's Host header (a forged Host would mail the owner a link to an
//! attacker's site, carrying a valid token). The token is kept only as its SHA-256; the
//! email carrying it is rendered at once and queued for that one person. Quiet hours, the
//! hourly cap and the digest never hold it: someone is waiting at the sign-in page.

use chrono::{DateTime, Utc};

use crate::alert::compose::{self, Addressing, ComposeError};
use crate::config::Config;
use crate::store::{Rendered, StaffMember, Store, StoreError};

/// How long an asked-for link works.
pub const LINK_VALID: chrono::TimeDelta = crate::clock::span_secs(15 * 60);
/// How long the link in a welcome email works: read the next morning, it still works.
pub const WELCOME_VALID: chrono::TimeDelta = crate::clock::DAY;

/// Why a link is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// They asked for one at the sign-in page.
    SignIn,
    /// They were just added to the team.
    Welcome,
}

impl Purpose {
    /// How long the link works.
    pub fn valid_for(self) -> chrono::TimeDelta {
        match self {
            Purpose::SignIn => LINK_VALID,
            Purpose::Welcome => WELCOME_VALID,
        }
    }

    /// The same, in words.
    pub fn valid_words(self) -> &'static str {
        match self {
            Purpose::SignIn => "15 minutes",
            Purpose::Welcome => "24 hours",
        }
    }
}

/// A link that cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// No `[web] public_url`: there is no address to put in the link.
    #[error("set [web] public_url in the config (the address staff open the web log at, like \"http://192.168.1.10:8080/\") so Earshot can email sign-in links")]
    NoPublicUrl,
    /// The email cannot be built (a bad `[alerts] from`).
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The sign-in page of `token` under the web log's public address.
pub fn link_url(public_url: &url::Url, token: &str) -> Option<String> {
    public_url
        .join(&format!("sign-in/{token}"))
        .ok()
        .map(String::from)
}

/// Make a link for `member` and queue the email carrying it to their address; returns the
/// outbox row. `earshot run`'s dispatcher sends it on its next pass.
pub fn queue_link(
    store: &mut Store,
    config: &Config,
    member: &StaffMember,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<i64, LinkError> {
    let base = config
        .web_public_url
        .as_ref()
        .ok_or(LinkError::NoPublicUrl)?;
    let token = crate::staff::new_token();
    let link = link_url(base, &token).ok_or(LinkError::NoPublicUrl)?;
    let email = compose::sign_in(
        &config.business.name,
        &member.name,
        &link,
        purpose.valid_words(),
        purpose == Purpose::Welcome,
    );
    let addressing = Addressing {
        from: config.alerts.from.clone(),
        to: vec![member.email.clone()],
        message_id: message_id(&config.alerts.from),
        date: now,
    };
    let rendered = Rendered {
        message: compose::build_message(&email, &addressing)?,
        subject: email.subject,
        recipients: addressing.to,
    };
    let hash = crate::staff::token_hash(&token);
    Ok(store.queue_sign_in(&hash, member.id, &rendered, now, now + purpose.valid_for())?)
}

/// A random Message-ID at the sender's domain (the row has no id yet when it is built).
fn message_id(from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("localhost");
    format!("earshot.sign-in.{}@{domain}", crate::hashes::random_hex(12))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn the_link_is_under_the_public_address_and_queued_for_that_person_only() {
        let base = url::Url::parse("https://earshot.example.com/log/").unwrap();
        assert_eq!(
            link_url(&base, "ab12").as_deref(),
            Some("https://earshot.example.com/log/sign-in/ab12")
        );
        let mut config = Config::parse(
            "[business]\nname = \"Harbor Street Bakery\"\n",
            std::path::Path::new("test.toml"),
        )
        .unwrap();
        let mut store = crate::test_support::test_store();
        let now = crate::test_support::at("2026-11-30T09:00:00Z");
        let ana = store
            .add_staff("Ana", "ana@example.com", Role::Staff, now)
            .unwrap();
        let refused = queue_link(&mut store, &config, &ana, Purpose::SignIn, now);
        assert!(matches!(refused, Err(LinkError::NoPublicUrl)));
        config.web_public_url = Some(base);
        let id = queue_link(&mut store, &config, &ana, Purpose::SignIn, now).unwrap();
        let rendered = store.outbox_rendered(id).unwrap().unwrap();
        assert_eq!(rendered.recipients, ["ana@example.com"]);
        let message = String::from_utf8_lossy(&rendered.message).replace("=\r\n", "");
        let start = message.find("/log/sign-in/").unwrap() + "/log/sign-in/".len();
        let token = &message[start..start + 64];
        let hash = crate::staff::token_hash(token);
        assert_eq!(
            store.sign_in_link_staff(&hash, now).unwrap().unwrap().id,
            ana.id
        );
        assert!(store
            .sign_in_link_staff(&hash, now + LINK_VALID)
            .unwrap()
            .is_none());
        assert!(message.contains("15 minutes"), "{message}");
    }
}
