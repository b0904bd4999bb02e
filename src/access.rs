//! What a user may do in a project: their role there, or everything as a super admin.

use crate::domain::{Actor, ActorKind, Grant, Role};
use crate::entities::{membership, user};
use crate::error::AppError;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    SuperAdmin,
    Member(Role),
}

impl ProjectAccess {
    pub fn grant(self) -> Grant {
        match self {
            Self::SuperAdmin => Grant::All,
            Self::Member(role) => role.grant(),
        }
    }

    /// At least `role`, counting a super admin as an owner.
    pub fn at_least(self, role: Role) -> bool {
        match self {
            Self::SuperAdmin => true,
            Self::Member(own) => own >= role,
        }
    }
}

/// The access of an enabled user; `None` when disabled or not a member.
pub async fn user_access(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    project_id: Uuid,
) -> Result<Option<ProjectAccess>, DbErr> {
    let Some(user) = user::Entity::find_by_id(user_id).one(conn).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if user.is_super_admin {
        return Ok(Some(ProjectAccess::SuperAdmin));
    }
    let membership = membership::Entity::find_by_id((project_id, user_id))
        .one(conn)
        .await?;
    Ok(membership
        .and_then(|m| Role::parse(&m.role).ok())
        .map(ProjectAccess::Member))
}

/// Requires the actor to hold at least `minimum` in the project. The command line may do
/// anything; API tokens never manage projects. A non-member gets `NotFound`, so the
/// project's existence does not leak.
pub async fn require_role(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Uuid,
    minimum: Role,
) -> Result<(), AppError> {
    match &actor.kind {
        ActorKind::System => Ok(()),
        ActorKind::Token(_) => Err(AppError::forbidden(
            "API tokens cannot manage project settings.",
        )),
        ActorKind::User(user) => match user_access(conn, user.id, project_id).await? {
            None => Err(AppError::NotFound),
            Some(access) if access.at_least(minimum) => Ok(()),
            Some(_) => Err(AppError::forbidden(format!(
                "This action needs the {} role.",
                minimum.label()
            ))),
        },
    }
}

/// Requires the command line or a super admin.
pub fn require_super_admin(actor: &Actor) -> Result<(), AppError> {
    match &actor.kind {
        ActorKind::System => Ok(()),
        ActorKind::User(user) if user.is_super_admin => Ok(()),
        _ => Err(AppError::forbidden("This action needs a super admin.")),
    }
}
