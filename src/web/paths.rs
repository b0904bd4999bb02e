//! URL paths, built in one place for handlers and templates alike.

use uuid::Uuid;

pub fn tokens(slug: &str) -> String {
    format!("/projects/{slug}/settings/api-tokens")
}

pub fn new_token(slug: &str) -> String {
    format!("/projects/{slug}/settings/api-tokens/new")
}

pub fn token(slug: &str, id: Uuid) -> String {
    format!("/projects/{slug}/settings/api-tokens/{id}")
}

pub fn content_types(slug: &str) -> String {
    format!("/projects/{slug}/settings/content-types")
}

pub fn members(slug: &str) -> String {
    format!("/projects/{slug}/settings/members")
}

pub fn audit_log(slug: &str) -> String {
    format!("/projects/{slug}/settings/audit-log")
}
