//! Integration tests: one binary (compiled once), one module per area.

mod cli;
mod common;
mod fetch;
mod pages;
mod poll;
mod service;
