//! Statements shared by the project operations and by the token engine.

use super::ContentType;
use crate::audit::{self, AuditTarget};
use crate::domain::{Actor, ContentTypeUid, Role, TokenKind};
use crate::entities::{api_token, content_type, membership, project, user};
use crate::error::AppError;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

/// A project's content types, the built-in one first.
pub async fn load_content_types(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<ContentType>, DbErr> {
    Ok(content_type::Entity::find()
        .filter(content_type::Column::ProjectId.eq(project_id))
        .order_by_desc(content_type::Column::BuiltIn)
        .order_by_asc(content_type::Column::Uid)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|model| {
            Some(ContentType {
                id: model.id,
                uid: ContentTypeUid::parse(&model.uid).ok()?,
                display_name: model.display_name,
                built_in: model.built_in,
            })
        })
        .collect())
}

/// Serialises changes to one project's tokens and members. As the first statement of a
/// transaction it takes the row lock on PostgreSQL and MySQL and the write lock on SQLite
/// (where a transaction that read first could not upgrade to a writer once another had
/// committed), so checks made after it (name taken? cap reached? last owner?) stay true
/// until commit.
pub async fn lock_project(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<project::Model, AppError> {
    let now = Utc::now().naive_utc();
    let update = project::Entity::update_many()
        .col_expr(project::Column::UpdatedAt, Expr::value(now))
        .filter(project::Column::Id.eq(project_id));
    // One statement where the backend returns the updated row (PostgreSQL, SQLite).
    if conn.support_returning() {
        return update
            .exec_with_returning(conn)
            .await?
            .pop()
            .ok_or(AppError::NotFound);
    }
    let updated = update.exec(conn).await?;
    if updated.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    project::Entity::find_by_id(project_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn insert_content_type(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    uid: &ContentTypeUid,
    display_name: &str,
    built_in: bool,
) -> Result<content_type::Model, DbErr> {
    content_type::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        uid: Set(uid.as_str().to_owned()),
        display_name: Set(display_name.to_owned()),
        built_in: Set(built_in),
        created_at: Set(Utc::now().naive_utc()),
    }
    .insert(conn)
    .await
}

pub(super) async fn insert_membership(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Uuid,
    user: &user::Model,
    role: Role,
) -> Result<(), AppError> {
    membership::ActiveModel {
        project_id: Set(project_id),
        user_id: Set(user.id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now().naive_utc()),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        Some(project_id),
        "member.add",
        AuditTarget::new("user", user.id, &user.email),
        json!({ "role": role.as_str() }),
    )
    .await?;
    Ok(())
}

pub(super) async fn ensure_another_owner(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<(), AppError> {
    let owners = membership::Entity::find()
        .filter(membership::Column::ProjectId.eq(project_id))
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?;
    if owners <= 1 {
        return Err(AppError::conflict(
            "role",
            "A project needs at least one owner: make someone else owner first.",
        ));
    }
    Ok(())
}

/// Revokes every live personal token `user_id` owns in the project; the digests revoked,
/// so that every instance drops them from its known set. Called after the project lock, so
/// no token of the member is issued between the read and the write.
pub(super) async fn revoke_personal_tokens(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<String>, DbErr> {
    let now = Utc::now().naive_utc();
    let live = || {
        Condition::all()
            .add(api_token::Column::ProjectId.eq(project_id))
            .add(api_token::Column::OwnerId.eq(user_id))
            .add(api_token::Column::Kind.eq(TokenKind::Personal.as_str()))
            .add(api_token::Column::RevokedAt.is_null())
    };
    let digests: Vec<String> = api_token::Entity::find()
        .select_only()
        .column(api_token::Column::SecretHash)
        .filter(live())
        .into_tuple()
        .all(conn)
        .await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(api_token::Column::LiveNameKey, Expr::value(None::<String>))
        .col_expr(api_token::Column::UpdatedAt, Expr::value(now))
        .filter(live())
        .exec(conn)
        .await?;
    Ok(digests)
}

pub(super) async fn member_label(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<String, AppError> {
    Ok(user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .map_or_else(|| user_id.to_string(), |u| u.email))
}
