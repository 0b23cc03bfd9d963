//! Earshot: hears every public mention of a small business in time.
//!
//! The pipeline, one module per step:
//! source → [`fetch`] → [`sources`] (extract, keep relevant, dedupe key) → [`sentiment`]
//! → [`triage`] → [`store`] → [`alert`] (outbox, email, digest) and the mention log
//! ([`cli`], [`web`]). [`poller`] ties one cycle together and [`service`] runs it on a
//! schedule beside the web log ([`schedule`] decides when, and how healthy a source is).

pub mod alert;
pub mod casework;
pub mod cli;
pub mod config;
pub mod customers;
pub mod fetch;
pub mod model;
pub mod poller;
pub mod schedule;
pub mod sentiment;
pub mod service;
pub mod sources;
pub mod store;
pub mod triage;
pub mod web;

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, Utc};

    /// A time written as RFC 3339 text, as the tests write them.
    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a valid RFC 3339 time")
            .with_timezone(&Utc)
    }
}
