//! The rules themselves, with no I/O: what a caller holds (the ceiling of anything it creates
//! or acts on), how wide its own grant is, which tokens it manages, whose secrets it may
//! obtain, and which project settings it may change.

use crate::domain::{
    Actor, ActorKind, Grant, ManageScope, Permission, PermissionSet, Plan, ProjectAccess, Role,
    TokenActor, TokenKind, TokenType,
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

/// How wide a grant is. Full-access and read-only grants grow with every content type added
/// later, so only a caller at least as wide may make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Breadth {
    Custom,
    ReadOnly,
    Full,
}

impl Breadth {
    fn of_grant(grant: &Grant) -> Self {
        match grant {
            Grant::All => Self::Full,
            Grant::ReadOnly => Self::ReadOnly,
            Grant::Exactly(_) => Self::Custom,
        }
    }

    fn of_type(token_type: TokenType) -> Self {
        match token_type {
            TokenType::FullAccess => Self::Full,
            TokenType::ReadOnly => Self::ReadOnly,
            TokenType::Custom => Self::Custom,
        }
    }
}

/// What one caller may do with one project's tokens.
#[derive(Debug, Clone)]
pub struct Authority {
    held: Held,
    breadth: Breadth,
    scope: ManageScope,
    /// The user a personal token created by this caller would belong to, and whose personal
    /// tokens' secrets it may obtain.
    acting_user: Option<Uuid>,
    /// A personal token acts for its owner, but only as far as personal tokens go.
    personal_token: bool,
}

impl Authority {
    /// The command line: everything.
    pub fn system() -> Self {
        Self {
            held: Held::Grant(Grant::All),
            breadth: Breadth::Full,
            scope: ManageScope::All,
            acting_user: None,
            personal_token: false,
        }
    }

    /// A signed-in user with `access` in the project.
    pub fn member(user_id: Uuid, access: ProjectAccess) -> Self {
        let grant = access.grant();
        Self {
            breadth: Breadth::of_grant(&grant),
            held: Held::Grant(grant),
            scope: access.scope(user_id),
            acting_user: Some(user_id),
            personal_token: false,
        }
    }

    /// An API token. A personal token acts as its owner (whose current access is
    /// `owner_access`), within its own permissions; a service token manages every token.
    pub fn token(token: &TokenActor, owner_access: Option<ProjectAccess>) -> Self {
        let own = Breadth::of_type(token.token_type);
        let (scope, acting_user, breadth) = match (token.kind, token.owner_id) {
            (TokenKind::Personal, Some(owner)) => match owner_access {
                // No wider than its owner's role: a viewer's full-access token reads.
                Some(access) => (
                    access.scope(owner),
                    Some(owner),
                    own.min(Breadth::of_grant(&access.grant())),
                ),
                None => (ManageScope::Nothing, Some(owner), Breadth::Custom),
            },
            _ => (ManageScope::All, None, own),
        };
        Self {
            held: Held::Set(token.permissions.clone()),
            breadth,
            scope,
            acting_user,
            personal_token: token.kind == TokenKind::Personal,
        }
    }

    /// What the caller holds, spelled out over the project's content types (`viewer`).
    pub fn held<'a>(
        &self,
        content_types: impl IntoIterator<Item = &'a crate::domain::ContentTypeUid>,
    ) -> PermissionSet {
        match &self.held {
            Held::Grant(grant) => grant.resolve(content_types),
            Held::Set(set) => set.clone(),
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

    /// A token of `token_type` may be made (or a token changed to it) only by a caller whose
    /// own grant is at least as wide: full access and read-only gain every content type added
    /// later, which a narrower caller never held.
    pub fn require_type(&self, token_type: TokenType) -> Result<(), AppError> {
        let wanted = Breadth::of_type(token_type);
        if self.breadth >= wanted {
            return Ok(());
        }
        Err(AppError::forbidden(format!(
            "Only a credential with {} access or wider can make a {} token: it gains every content type added later.",
            if wanted == Breadth::Full {
                "full"
            } else {
                "read-only"
            },
            token_type.label().to_lowercase(),
        )))
    }

    /// The ceiling for acting on an existing token (changing, regenerating, revoking it): the
    /// caller must hold every permission the token has now (`effective`, its owner's role
    /// applied), so no credential can take over or shut out a stronger one.
    pub fn require_holds(&self, effective: &PermissionSet) -> Result<(), AppError> {
        match effective.iter().find(|p| !self.held.allows(p)) {
            None => Ok(()),
            Some(missing) => Err(AppError::Forbidden {
                required: Some(missing.to_string()),
                message: format!(
                    "This token holds {missing}, which you do not: only a credential with every permission of a token may change, regenerate or delete it."
                ),
            }),
        }
    }

    /// A new secret for a token goes only to someone who may act as it: a personal token's
    /// secret only to its owner (the user, or one of their own personal tokens). Others may
    /// revoke it, never regenerate it.
    pub fn require_secret_access(
        &self,
        kind: TokenKind,
        owner: Option<Uuid>,
    ) -> Result<(), AppError> {
        if kind == TokenKind::Service || (owner.is_some() && owner == self.acting_user) {
            return Ok(());
        }
        Err(AppError::forbidden(
            "Only its owner can obtain a personal token's secret: you may delete it, not regenerate it.",
        ))
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
            TokenKind::Service if self.personal_token => Err(AppError::forbidden(
                "A personal token cannot create service account tokens: they would outlive its owner's access.",
            )),
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
    user_id: Uuid,
}

impl TokenAbilities {
    pub fn of(plan: Plan, user_id: Uuid, access: ProjectAccess) -> Self {
        Self {
            self_service: plan.allows_self_service(),
            scope: access.scope(user_id),
            user_id,
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

    /// Regenerate: manage it, on a self-service plan, and own it if it is personal (a
    /// personal token's secret goes only to its owner; see `Authority::require_secret_access`).
    pub fn can_regenerate(self, kind: TokenKind, owner: Option<Uuid>, revoked: bool) -> bool {
        self.self_service
            && self.can_manage(kind, owner, revoked)
            && (kind == TokenKind::Service || owner == Some(self.user_id))
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

/// The user themselves (never through an API token), the command line or a super admin: who
/// may end a user's sessions and login access tokens.
pub fn require_self_or_super_admin(actor: &Actor, user_id: uuid::Uuid) -> Result<(), AppError> {
    match &actor.kind {
        ActorKind::User(user) if user.id == user_id => Ok(()),
        _ => require_super_admin(actor)
            .map_err(|_| AppError::forbidden("Only the user or a super admin may do this.")),
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
