//! Black-box tests of the token engine, the command line and the HTTP server. Every
//! database test runs on SQLite, and also on PostgreSQL and MySQL/MariaDB when
//! `LATCHKEY_TEST_POSTGRES_URL` / `LATCHKEY_TEST_MYSQL_URL` are set.

// A failed unwrap is a failed test, which is what a test helper should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod helpers;

mod api;
mod audit_trail;
mod cache;
mod cli;
mod client;
mod client_tls;
mod concurrency;
mod dashboard;
mod escalation;
mod faults;
mod health;
mod instances;
mod key_ring;
mod listing;
mod matrix;
mod migrations;
mod nginx;
mod permissions;
mod personal_tokens;
mod plans;
mod process;
mod proxies;
mod sessions;
mod shutdown;
mod statements;
mod storage;
mod token_operations;
mod validation;
mod verification;
