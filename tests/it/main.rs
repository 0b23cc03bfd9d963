//! Integration tests: one binary (compiled once), one module per area.

#![allow(
    clippy::disallowed_methods,
    reason = "tests build constant spans; clippy.toml's rule is for input"
)]

mod alerts;
mod backup;
mod bluesky;
mod browser;
mod chaos;
mod cli;
mod common;
mod customers;
mod encoding;
mod exports;
mod fetch;
mod keyed;
mod language;
mod learning;
mod liveness;
mod localtime;
mod locations;
mod migrate;
mod mutations;
mod onboard;
mod pages;
mod pg;
mod pg_shop;
mod pg_web;
mod platforms;
mod poll;
mod postgres;
mod privacy;
mod progress;
mod push;
mod scenarios;
mod sentiment;
mod service;
mod shop;
mod signin;
mod smtp;
mod team;
mod upgrade;
mod web;
mod workers;
