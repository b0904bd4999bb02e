//! A token as callers see it: everything but the secret.

use crate::domain::{PermissionSet, TokenDuration, TokenKind, TokenType};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Tokens expiring within this many days are flagged "expiring soon".
pub const EXPIRING_SOON_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: Uuid,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: TokenKind,
    pub token_type: TokenType,
    /// The token's own grant expanded over the project's content types.
    pub permissions: PermissionSet,
    pub duration: TokenDuration,
    pub expires_at: Option<DateTime<Utc>>,
    pub display_hint: String,
    pub owner: Option<PersonRef>,
    /// The user or token that created it, if it still exists.
    pub created_by: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::ExpiringSoon => "expiring_soon",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

impl TokenView {
    pub fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.revoked_at.is_some() {
            return TokenStatus::Revoked;
        }
        match self.expires_at {
            Some(at) if at <= now => TokenStatus::Expired,
            Some(at) if at - now <= Duration::days(EXPIRING_SOON_DAYS) => TokenStatus::ExpiringSoon,
            _ => TokenStatus::Active,
        }
    }
}
