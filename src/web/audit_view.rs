//! Audit entries as people read them: "Ada regenerated *CI pipeline*", the target linked to
//! its page, and each changed field as before → after. Shared by the audit log and a token's
//! history.

use super::dates::Moment;
use super::paths;
use crate::audit::AuditEntry;
use crate::error::AppError;
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// One changed field: "Type: Read-only → Full access".
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: String,
}

pub struct EventView {
    pub at: Moment,
    /// Who acted, by their current name ("Ada Lovelace"), or as recorded.
    pub actor: String,
    /// As recorded (a user's email, a token's name), for the tooltip.
    pub actor_recorded: String,
    /// "regenerated", "changed the role of".
    pub verb: &'static str,
    pub target: String,
    pub target_href: Option<String>,
    pub changes: Vec<Change>,
    pub client_ip: Option<String>,
    /// `token.regenerate`: what exports and filters use.
    pub action: String,
}

/// The words of an action, for the filter menu and the timeline.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "token.create" => "Token created",
        "token.update" => "Token edited",
        "token.regenerate" => "Token regenerated",
        "token.refresh" => "Token refreshed",
        "token.revoke" => "Token deleted",
        "member.add" => "Member added",
        "member.remove" => "Member removed",
        "member.role_change" => "Role changed",
        "content_type.create" => "Content type added",
        "content_type.delete" => "Content type removed",
        "project.create" => "Project created",
        "project.plan_change" => "Plan changed",
        _ => "Other change",
    }
}

fn verb(action: &str) -> &'static str {
    match action {
        "token.create" => "created",
        "token.update" => "edited",
        "token.regenerate" => "regenerated",
        "token.refresh" => "refreshed",
        "token.revoke" => "deleted",
        "member.add" => "added",
        "member.remove" => "removed",
        "member.role_change" => "changed the role of",
        "content_type.create" => "added the content type",
        "content_type.delete" => "removed the content type",
        "project.create" => "created the project",
        "project.plan_change" => "changed the plan of",
        _ => "changed",
    }
}

/// `entries` as views, each user named as they are now.
pub async fn events(
    services: &Services,
    entries: Vec<AuditEntry>,
    slug: &str,
) -> Result<Vec<EventView>, AppError> {
    let users: Vec<uuid::Uuid> = entries
        .iter()
        .filter(|entry| entry.actor_kind == "user")
        .filter_map(|entry| entry.actor_id)
        .collect();
    let names = services.accounts.display_names(&users).await?;
    let now = Utc::now();
    Ok(entries
        .into_iter()
        .map(|entry| EventView::of(entry, &names, slug, now))
        .collect())
}

impl EventView {
    fn of(
        entry: AuditEntry,
        names: &HashMap<uuid::Uuid, String>,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let actor = entry
            .actor_id
            .filter(|_| entry.actor_kind == "user")
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| entry.actor_label.clone());
        let target_href = match entry.target_kind.as_str() {
            "api_token" => entry
                .target_id
                .as_deref()
                .and_then(|id| id.parse().ok())
                .map(|id| paths::token(slug, id)),
            "user" => Some(paths::members(slug)),
            "content_type" => Some(paths::content_types(slug)),
            "project" => Some(paths::tokens(slug)),
            _ => None,
        };
        Self {
            at: Moment::of(entry.created_at, now),
            actor,
            actor_recorded: entry.actor_label,
            verb: verb(&entry.action),
            target: entry.target_label,
            target_href,
            changes: changes_of(&entry.details),
            client_ip: entry.client_ip,
            action: entry.action,
        }
    }
}

/// Each field of the details: `{from, to}` as before → after, anything else as its value.
pub fn changes_of(details: &Value) -> Vec<Change> {
    let Value::Object(fields) = details else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(field, value)| {
            let field = field_label(field);
            match value {
                Value::Object(pair) if pair.contains_key("from") || pair.contains_key("to") => {
                    Change {
                        field,
                        before: pair.get("from").map(text_of),
                        after: pair.get("to").map_or_else(String::new, text_of),
                    }
                }
                Value::Object(pair) if pair.get("changed") == Some(&Value::Bool(true)) => Change {
                    field,
                    before: None,
                    after: "changed".into(),
                },
                other => Change {
                    field,
                    before: None,
                    after: text_of(other),
                },
            }
        })
        .collect()
}

fn field_label(field: &str) -> String {
    let spaced = field.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        // Instants read as the rest of the dashboard writes them.
        Value::String(text) => DateTime::parse_from_rfc3339(text).map_or_else(
            |_| text.clone(),
            |at| super::dates::date_time(at.with_timezone(&Utc)),
        ),
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_read_as_before_and_after() {
        let changes = changes_of(&json!({
            "type": {"from": "read-only", "to": "full-access"},
            "description": {"changed": true},
            "permissions": {"from": [], "to": ["article.find", "article.create"]},
            "expires_at": null,
            "lifetime_restarted": false,
        }));
        let read: Vec<_> = changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.field,
                    c.before.as_deref().unwrap_or("-"),
                    c.after
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                "Description: - → changed",
                "Lifetime restarted: - → no",
                "Permissions: none → article.find, article.create",
                "Type: read-only → full-access",
            ]
        );
    }

    #[test]
    fn every_recorded_action_has_words() {
        for action in [
            "token.create",
            "token.update",
            "token.regenerate",
            "token.refresh",
            "token.revoke",
            "member.add",
            "member.remove",
            "member.role_change",
            "content_type.create",
            "content_type.delete",
            "project.create",
            "project.plan_change",
        ] {
            assert_ne!(action_label(action), "Other change", "{action}");
            assert_ne!(verb(action), "changed", "{action}");
        }
    }
}
