//! Schema migrations for Latchkey. The same files run on SQLite, PostgreSQL and MySQL/MariaDB;
//! each has a working `down`. Never edit a migration that has shipped: add a new one.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_create_users;
mod m20261122_000002_create_projects;
mod m20261122_000003_create_memberships;
mod m20261122_000004_create_content_types;
mod m20261122_000005_create_api_tokens;
mod m20261122_000006_create_token_permissions;
mod m20261122_000007_create_audit_events;
mod m20261122_000008_create_sessions;
mod m20261122_000009_index_api_tokens_updated_at;
mod m20261123_000010_index_live_token_lists;
mod m20261201_000011_credentials_and_session_details;
mod m20261201_000012_token_name_keys;
mod m20261202_000013_theme_and_recent_clients;
mod m20261202_000014_trigram_token_search;
mod m20261203_000015_shared_auth_failures;
mod m20261203_000016_verification_changes;
mod m20261204_000017_project_route_prefix;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_users::Migration),
            Box::new(m20261122_000002_create_projects::Migration),
            Box::new(m20261122_000003_create_memberships::Migration),
            Box::new(m20261122_000004_create_content_types::Migration),
            Box::new(m20261122_000005_create_api_tokens::Migration),
            Box::new(m20261122_000006_create_token_permissions::Migration),
            Box::new(m20261122_000007_create_audit_events::Migration),
            Box::new(m20261122_000008_create_sessions::Migration),
            Box::new(m20261122_000009_index_api_tokens_updated_at::Migration),
            Box::new(m20261123_000010_index_live_token_lists::Migration),
            Box::new(m20261201_000011_credentials_and_session_details::Migration),
            Box::new(m20261201_000012_token_name_keys::Migration),
            Box::new(m20261202_000013_theme_and_recent_clients::Migration),
            Box::new(m20261202_000014_trigram_token_search::Migration),
            Box::new(m20261203_000015_shared_auth_failures::Migration),
            Box::new(m20261203_000016_verification_changes::Migration),
            Box::new(m20261204_000017_project_route_prefix::Migration),
        ]
    }
}
