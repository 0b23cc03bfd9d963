//! Integration tests: one binary (compiled once), one module per area.

mod alerts;
mod cli;
mod common;
mod poll;
mod smtp;
