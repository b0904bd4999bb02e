//! What an actor may do with a project's tokens: which permissions it holds (the ceiling of
//! anything it creates) and which tokens it may manage.

use crate::access::{ProjectAccess, user_access};
use crate::domain::{Actor, ActorKind, Grant, Permission, PermissionSet, Role, TokenKind};
use crate::entities::api_token;
use crate::error::AppError;
use crate::projects::ContentType;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ManageScope {
    /// Every token of the project.
    All,
    /// Only personal tokens owned by this user.
    OwnPersonal(Uuid),
    /// Reads only.
    Nothing,
}

#[derive(Debug, Clone)]
pub(super) struct Authority {
    pub permissions: PermissionSet,
    pub scope: ManageScope,
    /// The user a personal token created by this actor would belong to.
    pub acting_user: Option<Uuid>,
}

impl Authority {
    pub async fn of(
        conn: &impl ConnectionTrait,
        actor: &Actor,
        project_id: Uuid,
        content_types: &[ContentType],
    ) -> Result<Self, AppError> {
        let uids = || content_types.iter().map(|ct| &ct.uid);
        match &actor.kind {
            ActorKind::System => Ok(Self {
                permissions: Grant::All.resolve(uids()),
                scope: ManageScope::All,
                acting_user: None,
            }),
            ActorKind::User(user) => {
                let access = user_access(conn, user.id, project_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Ok(Self {
                    permissions: access.grant().resolve(uids()),
                    scope: scope_of(access, user.id),
                    acting_user: Some(user.id),
                })
            }
            ActorKind::Token(token) => {
                if token.project_id != project_id {
                    return Err(AppError::NotFound);
                }
                let (scope, acting_user) = match (token.kind, token.owner_id) {
                    (TokenKind::Personal, Some(owner)) => {
                        // A personal token acts as its owner, within its own permissions.
                        let access = user_access(conn, owner, project_id).await?;
                        let scope = access.map_or(ManageScope::Nothing, |a| scope_of(a, owner));
                        (scope, Some(owner))
                    }
                    _ => (ManageScope::All, None),
                };
                Ok(Self {
                    permissions: token.permissions.clone(),
                    scope,
                    acting_user,
                })
            }
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.permissions.contains(&permission) {
            Ok(())
        } else {
            Err(AppError::missing_permission(permission))
        }
    }

    /// Every permission of `wanted` must be held by the actor.
    pub fn require_all(&self, wanted: &PermissionSet) -> Result<(), AppError> {
        match wanted.first_missing_from(&self.permissions) {
            None => Ok(()),
            Some(missing) => Err(AppError::Forbidden {
                required: Some(missing.to_string()),
                message: format!(
                    "You cannot grant {missing}: a token can never have more permissions than the one who creates it."
                ),
            }),
        }
    }

    pub fn require_manage(&self, token: &api_token::Model) -> Result<(), AppError> {
        let allowed = match self.scope {
            ManageScope::All => true,
            ManageScope::OwnPersonal(user) => {
                token.kind == TokenKind::Personal.as_str() && token.owner_id == Some(user)
            }
            ManageScope::Nothing => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden(match self.scope {
                ManageScope::OwnPersonal(_) => "You can manage only your own personal tokens.",
                _ => "Your role can view tokens but not change them.",
            }))
        }
    }

    /// Who would own a new token of `kind` made by this actor.
    pub fn owner_for(&self, kind: TokenKind) -> Result<Option<Uuid>, AppError> {
        match kind {
            TokenKind::Service => match self.scope {
                ManageScope::All => Ok(None),
                ManageScope::OwnPersonal(_) => Err(AppError::forbidden(
                    "Developers can create personal tokens only.",
                )),
                ManageScope::Nothing => Err(AppError::forbidden(
                    "Your role can view tokens but not create them.",
                )),
            },
            TokenKind::Personal => match (self.scope, self.acting_user) {
                (ManageScope::Nothing, _) => Err(AppError::forbidden(
                    "Your role can view tokens but not create them.",
                )),
                (_, Some(user)) => Ok(Some(user)),
                (_, None) => Err(AppError::invalid(
                    "kind",
                    "A personal token belongs to a person: only a signed-in user (or their personal token) can create one.",
                )),
            },
        }
    }
}

fn scope_of(access: ProjectAccess, user_id: Uuid) -> ManageScope {
    match access {
        ProjectAccess::SuperAdmin => ManageScope::All,
        ProjectAccess::Member(role) if role.manages_all_tokens() => ManageScope::All,
        ProjectAccess::Member(role) if role.manages_own_tokens() => {
            ManageScope::OwnPersonal(user_id)
        }
        ProjectAccess::Member(Role::Viewer | _) => ManageScope::Nothing,
    }
}
