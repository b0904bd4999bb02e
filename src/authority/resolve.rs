//! Resolving a caller's authority in a project: the access the face already read when it
//! has one (see `Actor::known_access`), otherwise one read of the user and their membership.

use super::rules::{Authority, ProjectAbility};
use crate::domain::{Actor, ActorKind, ProjectAccess, Role, TokenKind};
use crate::entities::{membership, user};
use crate::error::AppError;
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, JoinType, QuerySelect, RelationTrait};
use uuid::Uuid;

/// The access of an enabled user in a project; `None` when disabled, gone or not a member.
/// One statement: the user, with their membership of this project joined.
pub async fn access_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectAccess>, DbErr> {
    let row: Option<(bool, bool, Option<String>)> = user::Entity::find_by_id(user_id)
        .select_only()
        .column(user::Column::Disabled)
        .column(user::Column::IsSuperAdmin)
        .column(membership::Column::Role)
        .join(
            JoinType::LeftJoin,
            user::Relation::Membership
                .def()
                .on_condition(move |_, membership_table| {
                    Expr::col((membership_table, membership::Column::ProjectId))
                        .eq(project_id)
                        .into_condition()
                }),
        )
        .into_tuple()
        .one(conn)
        .await?;
    Ok(match row {
        None | Some((true, _, _)) => None,
        Some((false, true, _)) => Some(ProjectAccess::SuperAdmin),
        Some((false, false, role)) => role
            .and_then(|role| Role::parse(&role).ok())
            .map(ProjectAccess::Member),
    })
}

/// The access of the person `actor` acts as, in `project_id`.
async fn person_access(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectAccess>, DbErr> {
    match actor.known_access(project_id) {
        Some(known) => Ok(known),
        None => access_of(conn, user_id, project_id).await,
    }
}

/// What `actor` may do with the tokens of `project_id`. A user outside the project, or a
/// token of another project, gets `NotFound`.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Uuid,
) -> Result<Authority, AppError> {
    match &actor.kind {
        ActorKind::System => Ok(Authority::system()),
        ActorKind::User(user) => {
            let access = person_access(conn, actor, user.id, project_id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Authority::member(user.id, access))
        }
        ActorKind::Token(token) => {
            if token.project_id != project_id {
                return Err(AppError::NotFound);
            }
            let owner_access = match (token.kind, token.owner_id) {
                (TokenKind::Personal, Some(owner)) => {
                    person_access(conn, actor, owner, project_id).await?
                }
                _ => None,
            };
            Ok(Authority::token(token, owner_access))
        }
    }
}

/// Requires `ability` in the project. The command line may do anything; API tokens never
/// manage project settings. A non-member gets `NotFound`, so the project's existence does
/// not leak.
pub async fn require_ability(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Uuid,
    ability: ProjectAbility,
) -> Result<(), AppError> {
    match &actor.kind {
        ActorKind::System => Ok(()),
        ActorKind::Token(_) => Err(AppError::forbidden(
            "API tokens cannot manage project settings.",
        )),
        ActorKind::User(user) => match person_access(conn, actor, user.id, project_id).await? {
            None => Err(AppError::NotFound),
            Some(access) => ability.require(access),
        },
    }
}
