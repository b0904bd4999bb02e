//! The audit trail: who did what to which object, when and from where. Every entry is
//! written with the same connection (transaction) as the change it records.

use crate::domain::Actor;
use crate::entities::audit_event;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

/// What an entry is about.
#[derive(Debug, Clone)]
pub struct AuditTarget {
    pub kind: &'static str,
    pub id: Option<String>,
    pub label: String,
}

impl AuditTarget {
    pub fn new(kind: &'static str, id: impl ToString, label: impl Into<String>) -> Self {
        Self {
            kind,
            id: Some(id.to_string()),
            label: label.into(),
        }
    }
}

/// Writes one entry. `details` must never carry a secret.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Option<Uuid>,
    action: &'static str,
    target: AuditTarget,
    details: Value,
) -> Result<(), DbErr> {
    // Without reading the row back: MySQL has no `RETURNING`, and nothing here needs it.
    let entry = audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        actor_kind: Set(actor.kind_str().to_owned()),
        actor_id: Set(actor.id()),
        actor_label: Set(truncate(&actor.label(), 254)),
        action: Set(action.to_owned()),
        target_kind: Set(target.kind.to_owned()),
        target_id: Set(target.id.clone()),
        target_label: Set(truncate(&target.label, 254)),
        details: Set(details.to_string()),
        client_ip: Set(actor.client_ip.clone()),
        created_at: Set(Utc::now().naive_utc()),
    };
    audit_event::Entity::insert(entry)
        .exec_without_returning(conn)
        .await?;
    // Every audited change is a security event too: the log line says who did what to which
    // target; the details (which may quote names) stay in the audit trail.
    crate::security_event!(
        info,
        "audited",
        action,
        actor_kind = actor.kind_str(),
        actor_id = %actor.id().map_or_else(String::new, |id| id.to_string()),
        project_id = %project_id.map_or_else(String::new, |id| id.to_string()),
        target_kind = target.kind,
        target_id = target.id.as_deref().unwrap_or("-"),
        client_ip = actor.client_ip.as_deref().unwrap_or("-"),
        "audit event recorded"
    );
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// An entry as read back.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: Uuid,
    pub project_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub target_label: String,
    pub details: Value,
    pub client_ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_event::Model> for AuditEntry {
    fn from(model: audit_event::Model) -> Self {
        Self {
            id: model.id,
            project_id: model.project_id,
            actor_kind: model.actor_kind,
            actor_id: model.actor_id,
            actor_label: model.actor_label,
            action: model.action,
            target_kind: model.target_kind,
            target_id: model.target_id,
            target_label: model.target_label,
            details: serde_json::from_str(&model.details).unwrap_or(Value::Null),
            client_ip: model.client_ip,
            created_at: model.created_at.and_utc(),
        }
    }
}

/// The filter menus offer at most this many actors and actions.
const FACET_LIMIT: u64 = 200;

/// Which of a project's entries to read; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    /// The target's id: a token's, a member's, a content type's.
    pub target_id: Option<String>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub before: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn select(&self, project_id: Uuid) -> sea_orm::Select<audit_event::Entity> {
        let mut select =
            audit_event::Entity::find().filter(audit_event::Column::ProjectId.eq(project_id));
        if let Some(actor_id) = self.actor_id {
            select = select.filter(audit_event::Column::ActorId.eq(actor_id));
        }
        if let Some(action) = &self.action {
            select = select.filter(audit_event::Column::Action.eq(action.as_str()));
        }
        if let Some(target_id) = &self.target_id {
            select = select.filter(audit_event::Column::TargetId.eq(target_id.as_str()));
        }
        if let Some(since) = self.since {
            select = select.filter(audit_event::Column::CreatedAt.gte(since.naive_utc()));
        }
        if let Some(before) = self.before {
            select = select.filter(audit_event::Column::CreatedAt.lt(before.naive_utc()));
        }
        select
    }
}

/// The choices of the audit log's filter menus.
pub struct AuditFacets {
    pub actors: Vec<(Uuid, String)>,
    pub actions: Vec<String>,
}

/// Reads the trail.
#[derive(Clone)]
pub struct AuditLog {
    db: DatabaseConnection,
}

impl AuditLog {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// A project's entries that `filter` selects, newest first.
    pub async fn for_project(
        &self,
        project_id: Uuid,
        filter: &AuditFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(filter
            .select(project_id)
            .order_by_desc(audit_event::Column::CreatedAt)
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }

    pub async fn count_for_project(
        &self,
        project_id: Uuid,
        filter: &AuditFilter,
    ) -> Result<u64, AppError> {
        Ok(filter.select(project_id).count(&self.db).await?)
    }

    /// Who has acted in the project and which actions it has seen, for the filter menus.
    pub async fn facets(&self, project_id: Uuid) -> Result<AuditFacets, AppError> {
        let in_project =
            || audit_event::Entity::find().filter(audit_event::Column::ProjectId.eq(project_id));
        let actors: Vec<(Option<Uuid>, String)> = in_project()
            .select_only()
            .column(audit_event::Column::ActorId)
            .column(audit_event::Column::ActorLabel)
            .distinct()
            .order_by_asc(audit_event::Column::ActorLabel)
            .limit(FACET_LIMIT)
            .into_tuple()
            .all(&self.db)
            .await?;
        let actions: Vec<String> = in_project()
            .select_only()
            .column(audit_event::Column::Action)
            .distinct()
            .order_by_asc(audit_event::Column::Action)
            .limit(FACET_LIMIT)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(AuditFacets {
            // One entry per actor: a renamed user appears under their latest-sorted label.
            actors: actors
                .into_iter()
                .filter_map(|(id, label)| id.map(|id| (id, label)))
                .filter(|(id, _)| seen.insert(*id))
                .collect(),
            actions,
        })
    }

    /// Entries that belong to no project (users, sign-ins), newest first.
    pub async fn instance_wide(&self, limit: u64) -> Result<Vec<AuditEntry>, AppError> {
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::ProjectId.is_null())
            .order_by_desc(audit_event::Column::CreatedAt)
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }
}
