//! Integration tests: one binary (compiled once), one module per area.

mod browser;
mod cli;
mod common;
mod customers;
mod encoding;
mod poll;
mod web;
