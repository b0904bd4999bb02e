//! What a person may do in one project, and which of its tokens they manage. Pure rules: the
//! `authority` module resolves them for a caller and every face asks it.

use super::permission::Grant;
use super::role::Role;
use super::token_attributes::TokenKind;
use uuid::Uuid;

/// A user's standing in a project: their role there, or everything as a super admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    SuperAdmin,
    Member(Role),
}

impl ProjectAccess {
    /// The permissions held, and so the ceiling of anything this user creates.
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

    /// Which of the project's tokens `user_id`, holding this access, manages.
    pub fn scope(self, user_id: Uuid) -> ManageScope {
        match self {
            Self::SuperAdmin => ManageScope::All,
            Self::Member(role) if role.manages_all_tokens() => ManageScope::All,
            Self::Member(role) if role.manages_own_tokens() => ManageScope::OwnPersonal(user_id),
            Self::Member(_) => ManageScope::Nothing,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SuperAdmin => "Super admin",
            Self::Member(role) => role.label(),
        }
    }
}

/// The tokens a caller may change, regenerate or revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageScope {
    /// Every token of the project.
    All,
    /// Only personal tokens owned by this user.
    OwnPersonal(Uuid),
    /// Reads only.
    Nothing,
}

impl ManageScope {
    /// Whether a token of `kind` owned by `owner` is within this scope.
    pub fn covers(self, kind: TokenKind, owner: Option<Uuid>) -> bool {
        match self {
            Self::All => true,
            Self::OwnPersonal(user) => kind == TokenKind::Personal && owner == Some(user),
            Self::Nothing => false,
        }
    }

    /// Whether tokens may be created at all (personal ones at least).
    pub fn creates(self) -> bool {
        self != Self::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developers_manage_only_their_own_personal_tokens() {
        let me = Uuid::now_v7();
        let scope = ProjectAccess::Member(Role::Developer).scope(me);
        assert!(scope.covers(TokenKind::Personal, Some(me)));
        assert!(!scope.covers(TokenKind::Personal, Some(Uuid::now_v7())));
        assert!(!scope.covers(TokenKind::Service, None));
        assert!(
            ProjectAccess::Member(Role::Admin)
                .scope(me)
                .covers(TokenKind::Service, None)
        );
        assert!(!ProjectAccess::Member(Role::Viewer).scope(me).creates());
    }
}
