//! Latchkey: a self-hosted API token manager.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod authority;
pub mod background;
pub mod client_address;
pub mod commands;
pub mod config;
pub mod db;
pub mod deadline;
pub mod domain;
pub mod entities;
pub mod error;
pub mod private_files;
pub mod projects;
pub mod random;
pub mod schema;
pub mod services;
pub mod sessions;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
pub mod throttle;
pub mod tokens;
pub mod verification_cache;
pub mod web;
