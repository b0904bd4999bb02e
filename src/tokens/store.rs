//! The token tables, row by row: the statements the management operations and the views are
//! built from. Everything here runs on the connection or transaction it is given.

use super::hashing::SecretHash;
use crate::authority::access_of;
use crate::domain::{
    Action, Actor, ActorKind, ContentTypeUid, FieldErrors, Grant, Permission, PermissionSet,
    ProjectAccess, TokenDuration, TokenKind, TokenName, TokenType,
};
use crate::entities::{api_token, content_type, token_permission};
use crate::error::AppError;
use crate::projects::{ContentType, Project};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set, SqlErr,
};
use std::collections::HashMap;
use uuid::Uuid;

pub(super) fn grant_for(token_type: TokenType, explicit: &PermissionSet) -> Grant {
    match token_type {
        TokenType::ReadOnly => Grant::ReadOnly,
        TokenType::FullAccess => Grant::All,
        TokenType::Custom => Grant::Exactly(explicit.clone()),
    }
}

pub(super) fn uids(content_types: &[ContentType]) -> impl Iterator<Item = &ContentTypeUid> {
    content_types.iter().map(|ct| &ct.uid)
}

pub(super) fn type_of(model: &api_token::Model) -> Result<TokenType, AppError> {
    TokenType::parse(&model.token_type).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("token {} has a bad type: {e}", model.id))
    })
}

pub(super) fn kind_of(model: &api_token::Model) -> Result<TokenKind, AppError> {
    TokenKind::parse(&model.kind).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("token {} has a bad kind: {e}", model.id))
    })
}

pub(super) fn duration_of(model: &api_token::Model) -> TokenDuration {
    TokenDuration::from_stored(model.duration.clone(), model.lifetime_seconds)
}

/// The explicit permission sets of custom tokens, in one query.
pub(super) async fn explicit_permissions(
    conn: &impl ConnectionTrait,
    token_ids: &[Uuid],
) -> Result<HashMap<Uuid, PermissionSet>, DbErr> {
    let mut sets: HashMap<Uuid, PermissionSet> = HashMap::new();
    if token_ids.is_empty() {
        return Ok(sets);
    }
    let rows = token_permission::Entity::find()
        .filter(token_permission::Column::TokenId.is_in(token_ids.iter().copied()))
        .find_also_related(content_type::Entity)
        .all(conn)
        .await?;
    for (grant, content_type) in rows {
        let Some(content_type) = content_type else {
            continue;
        };
        let permission = ContentTypeUid::parse(&content_type.uid)
            .and_then(|uid| Permission::new(uid, Action::parse(&grant.action)?));
        if let Ok(permission) = permission {
            sets.entry(grant.token_id).or_default().insert(permission);
        }
    }
    Ok(sets)
}

/// One custom token's explicit set (empty for other types).
pub(super) async fn explicit_permissions_of(
    conn: &impl ConnectionTrait,
    token: &api_token::Model,
    token_type: TokenType,
) -> Result<PermissionSet, DbErr> {
    if token_type != TokenType::Custom {
        return Ok(PermissionSet::new());
    }
    Ok(explicit_permissions(conn, &[token.id])
        .await?
        .remove(&token.id)
        .unwrap_or_default())
}

/// What a token may do right now, and for a personal token its owner's current access.
pub(super) struct Effective {
    pub permissions: PermissionSet,
    pub owner_access: Option<ProjectAccess>,
}

/// A token's effective permissions: its grant (`explicit` for a custom one) over the project's
/// content types, capped by its owner's current role for a personal token, and nothing once
/// that owner is disabled or gone. Verification and the ceiling of every change ask this.
pub(super) async fn effective(
    conn: &impl ConnectionTrait,
    token: &api_token::Model,
    token_type: TokenType,
    kind: TokenKind,
    explicit: &PermissionSet,
    content_types: &[ContentType],
) -> Result<Effective, DbErr> {
    let own = grant_for(token_type, explicit).resolve(uids(content_types));
    if kind != TokenKind::Personal {
        return Ok(Effective {
            permissions: own,
            owner_access: None,
        });
    }
    let owner_access = match token.owner_id {
        Some(owner) => access_of(conn, owner, token.project_id).await?,
        None => None,
    };
    let permissions = match owner_access {
        Some(access) => own.intersection(&access.grant().resolve(uids(content_types))),
        None => PermissionSet::new(),
    };
    Ok(Effective {
        permissions,
        owner_access,
    })
}

pub(super) fn require_self_service(project: &Project) -> Result<(), AppError> {
    if project.plan.allows_self_service() {
        Ok(())
    } else {
        Err(AppError::PlanRequired { plan: project.plan })
    }
}

pub(super) fn ensure_content_types_exist(
    permissions: &PermissionSet,
    content_types: &[ContentType],
) -> Result<(), AppError> {
    let unknown: Vec<String> = permissions
        .iter()
        .filter(|p| !content_types.iter().any(|ct| ct.uid == *p.content_type()))
        .map(ToString::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(FieldErrors::single(
            "permissions",
            format!(
                "These permissions name content types that do not exist in this project: {}.",
                unknown.join(", ")
            ),
        )))
    }
}

pub(super) fn ensure_live(model: &api_token::Model) -> Result<(), AppError> {
    if model.revoked_at.is_some() {
        Err(AppError::Conflict {
            field: None,
            message: "This token has been revoked and can no longer be changed.".into(),
        })
    } else {
        Ok(())
    }
}

/// The user and the token recorded as a new token's creator.
pub(super) fn creator_ids(actor: &Actor) -> (Option<Uuid>, Option<Uuid>) {
    match &actor.kind {
        ActorKind::System => (None, None),
        ActorKind::User(user) => (Some(user.id), None),
        ActorKind::Token(token) => (token.owner_id, Some(token.id)),
    }
}

pub(super) async fn find(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    token_id: Uuid,
) -> Result<api_token::Model, AppError> {
    api_token::Entity::find_by_id(token_id)
        .filter(api_token::Column::ProjectId.eq(project_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn ensure_name_free(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    name: &TokenName,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    let mut query = api_token::Entity::find()
        .filter(api_token::Column::ProjectId.eq(project_id))
        .filter(api_token::Column::LiveNameKey.eq(name.uniqueness_key()));
    if let Some(id) = except {
        query = query.filter(api_token::Column::Id.ne(id));
    }
    if query.one(conn).await?.is_some() {
        return Err(name_taken());
    }
    Ok(())
}

fn name_taken() -> AppError {
    AppError::conflict(
        "name",
        "A token with this name already exists in this project.",
    )
}

/// The unique index is the last line of defence against two writers choosing one name.
pub(super) fn name_conflict_on_unique(error: DbErr) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => name_taken(),
        _ => AppError::from(error),
    }
}

pub(super) async fn insert_permissions(
    conn: &impl ConnectionTrait,
    token_id: Uuid,
    permissions: &PermissionSet,
    content_types: &[ContentType],
) -> Result<(), AppError> {
    if permissions.is_empty() {
        return Ok(());
    }
    let rows = permissions.iter().filter_map(|permission| {
        let content_type = content_types
            .iter()
            .find(|ct| ct.uid == *permission.content_type())?;
        Some(token_permission::ActiveModel {
            token_id: Set(token_id),
            content_type_id: Set(content_type.id),
            action: Set(permission.action().as_str().to_owned()),
        })
    });
    token_permission::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    Ok(())
}

pub(super) async fn replace_permissions(
    conn: &impl ConnectionTrait,
    token_id: Uuid,
    permissions: &PermissionSet,
    content_types: &[ContentType],
) -> Result<(), AppError> {
    token_permission::Entity::delete_many()
        .filter(token_permission::Column::TokenId.eq(token_id))
        .exec(conn)
        .await?;
    insert_permissions(conn, token_id, permissions, content_types).await
}

/// Tokens that count against the plan's cap: neither revoked nor expired.
pub(super) async fn count_active(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::ProjectId.eq(project_id))
        .filter(super::query::active_condition(now))
        .count(conn)
        .await
}

/// Gives the token a new secret (its hash and hint) and expiry.
pub(super) async fn replace_secret(
    conn: &impl ConnectionTrait,
    current: api_token::Model,
    hash: SecretHash,
    display_hint: String,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<api_token::Model, AppError> {
    let mut active: api_token::ActiveModel = current.into();
    active.secret_hash = Set(hash.hex);
    active.hash_key_id = Set(hash.key_id);
    active.display_hint = Set(display_hint);
    active.expires_at = Set(expires_at.map(|t| t.naive_utc()));
    active.updated_at = Set(now.naive_utc());
    Ok(active.update(conn).await?)
}

/// Marks the token revoked and frees its name.
pub(super) async fn mark_revoked(
    conn: &impl ConnectionTrait,
    current: api_token::Model,
    now: DateTime<Utc>,
) -> Result<api_token::Model, AppError> {
    let mut active: api_token::ActiveModel = current.into();
    active.revoked_at = Set(Some(now.naive_utc()));
    active.live_name_key = Set(None);
    active.updated_at = Set(now.naive_utc());
    Ok(active.update(conn).await?)
}
