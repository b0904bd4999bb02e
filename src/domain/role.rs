//! A member's role in a project, and what it allows.

use super::permission::Grant;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Developer,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Developer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Developer => "developer",
            Self::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Developer => "Developer",
            Self::Viewer => "Viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "developer" => Ok(Self::Developer),
            "viewer" => Ok(Self::Viewer),
            other => Err(format!(
                "Unknown role '{other}': use 'owner', 'admin', 'developer' or 'viewer'."
            )),
        }
    }

    /// The permissions a member of this role holds, and so the ceiling of their personal
    /// tokens. A developer holds every permission but may manage only their own personal
    /// tokens (a scope rule, not a permission); a viewer only reads.
    pub fn grant(self) -> Grant {
        match self {
            Self::Owner | Self::Admin | Self::Developer => Grant::All,
            Self::Viewer => Grant::ReadOnly,
        }
    }

    /// Whether the role manages every token of the project, not only its own personal ones.
    pub fn manages_all_tokens(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }

    pub fn manages_own_tokens(self) -> bool {
        self != Self::Viewer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_strings() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn viewer_only_reads() {
        assert_eq!(Role::Viewer.grant(), Grant::ReadOnly);
        assert!(!Role::Viewer.manages_own_tokens());
        assert!(Role::Developer.manages_own_tokens());
        assert!(!Role::Developer.manages_all_tokens());
        assert!(Role::Admin.manages_all_tokens());
    }
}
