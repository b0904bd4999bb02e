//! sea-orm entities, one file per table. Only the service layer uses them.
//!
//! Instants are stored as UTC without a zone (`DateTime` here is chrono's `NaiveDateTime`),
//! the one representation that round-trips identically on SQLite, PostgreSQL and MySQL.

pub mod api_token;
pub mod audit_event;
pub mod auth_failure;
pub mod content_type;
pub mod membership;
pub mod project;
pub mod session;
pub mod token_permission;
pub mod user;
pub mod verification_change;
