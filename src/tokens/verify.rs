//! `verify`: is this token valid, and may it do this? The function every authenticated API
//! call and every protected service goes through. Checksum first, so garbage never reaches
//! the database; then one lookup by keyed hash.

use super::format::{MalformedToken, TokenSecret};
use super::service::{TokenService, explicit_permissions, grant_for, parse_type, uids};
use crate::access::user_access;
use crate::domain::{Permission, PermissionSet, TokenActor, TokenKind, TokenType};
use crate::entities::{api_token, project};
use crate::projects::load_content_types;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A valid token: who it is and what it may do right now.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub id: Uuid,
    pub name: String,
    pub project_id: Uuid,
    pub project_slug: String,
    pub kind: TokenKind,
    pub token_type: TokenType,
    pub owner_id: Option<Uuid>,
    /// Effective permissions: the token's grant, capped by its owner's role if personal.
    pub permissions: PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
}

impl VerifiedToken {
    pub fn actor(&self) -> TokenActor {
        TokenActor {
            id: self.id,
            name: self.name.clone(),
            project_id: self.project_id,
            kind: self.kind,
            owner_id: self.owner_id,
            permissions: self.permissions.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token: {0}")]
    Malformed(#[from] MalformedToken),
    #[error("unknown token")]
    Unknown,
    #[error("expired token")]
    Expired,
    #[error("revoked token")]
    Revoked,
    #[error("the owner of this personal token is disabled or no longer in the project")]
    OwnerInactive,
    #[error("the token lacks the permission {required}")]
    Forbidden { required: Permission },
    /// The answer could not be determined: never treat as valid.
    #[error("verification failed: {0}")]
    Backend(#[from] DbErr),
}

impl TokenService {
    #[tracing::instrument(skip_all, fields(required = required.map(tracing::field::display)))]
    pub async fn verify(
        &self,
        presented: &str,
        required: Option<&Permission>,
    ) -> Result<VerifiedToken, VerifyError> {
        let secret = TokenSecret::parse(presented.trim())?;
        let hash = self.hasher.hash(&secret);
        let (token, project) = api_token::Entity::find()
            .filter(api_token::Column::SecretHash.eq(&hash.hex))
            .find_also_related(project::Entity)
            .one(&self.db)
            .await?
            .ok_or(VerifyError::Unknown)?;
        let project = project.ok_or(VerifyError::Unknown)?;
        if !self.hasher.matches(&secret, &token.secret_hash) {
            return Err(VerifyError::Unknown);
        }
        if token.revoked_at.is_some() {
            return Err(VerifyError::Revoked);
        }
        let expires_at = token.expires_at.map(|t| t.and_utc());
        if expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(VerifyError::Expired);
        }

        let token_type = parse_type(&token).map_err(|_| VerifyError::Unknown)?;
        let kind = TokenKind::parse(&token.kind).map_err(|_| VerifyError::Unknown)?;
        let content_types = load_content_types(&self.db, project.id).await?;
        let explicit = if token_type == TokenType::Custom {
            explicit_permissions(&self.db, &[token.id])
                .await?
                .remove(&token.id)
                .unwrap_or_default()
        } else {
            PermissionSet::new()
        };
        let mut permissions = grant_for(token_type, &explicit).resolve(uids(&content_types));
        if kind == TokenKind::Personal {
            let owner = token.owner_id.ok_or(VerifyError::OwnerInactive)?;
            let access = user_access(&self.db, owner, project.id)
                .await?
                .ok_or(VerifyError::OwnerInactive)?;
            permissions = permissions.intersection(&access.grant().resolve(uids(&content_types)));
        }
        if let Some(required) = required
            && !permissions.contains(required)
        {
            return Err(VerifyError::Forbidden {
                required: required.clone(),
            });
        }
        Ok(VerifiedToken {
            id: token.id,
            name: token.name,
            project_id: project.id,
            project_slug: project.slug,
            kind,
            token_type,
            owner_id: token.owner_id,
            permissions,
            expires_at,
        })
    }
}
