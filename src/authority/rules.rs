//! The rules themselves, with no I/O: what a caller holds (the ceiling of anything it creates),
//! which tokens it manages, and which project settings it may change.

use crate::domain::{
    Actor, ActorKind, Grant, ManageScope, Permission, PermissionSet, Plan, ProjectAccess, Role,
    TokenActor, TokenKind,
};
use crate::error::AppError;
use uuid::Uuid;

/// The permissions a caller holds: a role's grant (over whatever content types exist), or a
/// token's effective set.
#[derive(Debug, Clone)]
enum Held {
    Grant(Grant),
    Set(PermissionSet),
}

impl Held {
    fn allows(&self, permission: &Permission) -> bool {
        match self {
            Self::Grant(grant) => grant.allows(permission),
            Self::Set(set) => set.contains(permission),
        }
    }
}

/// What one caller may do with one project's tokens.
#[derive(Debug, Clone)]
pub struct Authority {
    held: Held,
    scope: ManageScope,
    /// The user a personal token created by this caller would belong to.
    acting_user: Option<Uuid>,
}

impl Authority {
    /// The command line: everything.
    pub fn system() -> Self {
        Self {
            held: Held::Grant(Grant::All),
            scope: ManageScope::All,
            acting_user: None,
        }
    }

    /// A signed-in user with `access` in the project.
    pub fn member(user_id: Uuid, access: ProjectAccess) -> Self {
        Self {
            held: Held::Grant(access.grant()),
            scope: access.scope(user_id),
            acting_user: Some(user_id),
        }
    }

    /// An API token. A personal token acts as its owner (whose current access is
    /// `owner_access`), within its own permissions; a service token manages every token.
    pub fn token(token: &TokenActor, owner_access: Option<ProjectAccess>) -> Self {
        let (scope, acting_user) = match (token.kind, token.owner_id) {
            (TokenKind::Personal, Some(owner)) => (
                owner_access.map_or(ManageScope::Nothing, |access| access.scope(owner)),
                Some(owner),
            ),
            _ => (ManageScope::All, None),
        };
        Self {
            held: Held::Set(token.permissions.clone()),
            scope,
            acting_user,
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.held.allows(&permission) {
            Ok(())
        } else {
            Err(AppError::missing_permission(permission))
        }
    }

    /// Every permission of `wanted` must be held.
    pub fn require_all(&self, wanted: &PermissionSet) -> Result<(), AppError> {
        match wanted.iter().find(|p| !self.held.allows(p)) {
            None => Ok(()),
            Some(missing) => Err(AppError::Forbidden {
                required: Some(missing.to_string()),
                message: format!(
                    "You cannot grant {missing}: a token can never have more permissions than the one who creates it."
                ),
            }),
        }
    }

    /// The token (of `kind`, owned by `owner`) must be one this caller manages.
    pub fn require_manage(&self, kind: TokenKind, owner: Option<Uuid>) -> Result<(), AppError> {
        if self.scope.covers(kind, owner) {
            Ok(())
        } else {
            Err(AppError::forbidden(match self.scope {
                ManageScope::OwnPersonal(_) => "You can manage only your own personal tokens.",
                _ => "Your role can view tokens but not change them.",
            }))
        }
    }

    /// Who would own a new token of `kind` made by this caller.
    pub fn owner_for(&self, kind: TokenKind) -> Result<Option<Uuid>, AppError> {
        let cannot_create =
            || AppError::forbidden("Your role can view tokens but not create them.");
        match kind {
            TokenKind::Service => match self.scope {
                ManageScope::All => Ok(None),
                ManageScope::OwnPersonal(_) => Err(AppError::forbidden(
                    "Developers can create personal tokens only.",
                )),
                ManageScope::Nothing => Err(cannot_create()),
            },
            TokenKind::Personal => match (self.scope, self.acting_user) {
                (ManageScope::Nothing, _) => Err(cannot_create()),
                (_, Some(user)) => Ok(Some(user)),
                (_, None) => Err(AppError::invalid(
                    "kind",
                    "A personal token belongs to a person: only a signed-in user (or their personal token) can create one.",
                )),
            },
        }
    }
}

/// What a signed-in member may do with the project's tokens, for offering the right actions.
/// The same scope and plan rules as `Authority`, without the permission ceiling (a member's
/// role grants every permission except to viewers, who manage nothing).
#[derive(Debug, Clone, Copy)]
pub struct TokenAbilities {
    self_service: bool,
    scope: ManageScope,
}

impl TokenAbilities {
    pub fn of(plan: Plan, user_id: Uuid, access: ProjectAccess) -> Self {
        Self {
            self_service: plan.allows_self_service(),
            scope: access.scope(user_id),
        }
    }

    /// The plan includes self-service token management.
    pub fn self_service(self) -> bool {
        self.self_service
    }

    pub fn can_create(self) -> bool {
        self.self_service && self.scope.creates()
    }

    /// Service account tokens, not only personal ones.
    pub fn can_create_service_tokens(self) -> bool {
        self.scope == ManageScope::All
    }

    /// Edit, regenerate or delete a live token of `kind` owned by `owner`.
    pub fn can_manage(self, kind: TokenKind, owner: Option<Uuid>, revoked: bool) -> bool {
        !revoked && self.scope.covers(kind, owner)
    }
}

/// Project settings beyond tokens, each with the least role it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAbility {
    ManageMembers,
    ManageContentTypes,
    ReadAuditLog,
}

impl ProjectAbility {
    fn minimum(self) -> Role {
        match self {
            Self::ManageMembers => Role::Owner,
            Self::ManageContentTypes | Self::ReadAuditLog => Role::Admin,
        }
    }

    pub fn allowed(self, access: ProjectAccess) -> bool {
        access.at_least(self.minimum())
    }

    /// The refusal for a member whose `access` falls short.
    pub(super) fn require(self, access: ProjectAccess) -> Result<(), AppError> {
        if self.allowed(access) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "This action needs the {} role.",
                self.minimum().label()
            )))
        }
    }
}

/// The command line or a super admin.
pub fn require_super_admin(actor: &Actor) -> Result<(), AppError> {
    match &actor.kind {
        ActorKind::System => Ok(()),
        ActorKind::User(user) if user.is_super_admin => Ok(()),
        _ => Err(AppError::forbidden("This action needs a super admin.")),
    }
}
