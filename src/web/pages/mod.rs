//! One module per page; `actions` holds the POST handlers that move a case along.

pub mod account;
pub mod actions;
pub mod customers;
pub mod log;
pub mod mention;
pub mod sources;
pub mod team;

/// An optional form or query value: blank means absent.
pub(crate) fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
