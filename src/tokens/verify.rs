//! `verify`: is this token valid, and may it do this? The function every authenticated API
//! call and every protected service goes through. Checksum first, so garbage never reaches
//! the database; then the HMAC digest, answered from the cache or by one indexed lookup.

use super::format::{self, MalformedToken};
use super::hashing::TokenHasher;
use super::store::{Effective, effective, explicit_permissions_of};
use crate::deadline::RequestDeadline;
use crate::domain::{Permission, RestRoutes, RoutePrefix, TokenActor, TokenKind, TokenType};
use crate::entities::{api_token, project};
use crate::error::{AppError, AuthFailure};
use crate::projects::load_content_types;
use crate::verification_cache::{Digest, TokenFacts, VerificationCache};
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// A valid token: who it is and what it may do right now. Shares the cached facts, so a
/// hit costs no copy.
#[derive(Debug, Clone)]
pub struct VerifiedToken(Arc<TokenFacts>);

impl Deref for VerifiedToken {
    type Target = TokenFacts;

    fn deref(&self) -> &TokenFacts {
        &self.0
    }
}

impl VerifiedToken {
    pub fn actor(&self) -> TokenActor {
        TokenActor {
            id: self.id,
            name: self.name.clone(),
            project_id: self.project_id,
            kind: self.kind,
            token_type: self.token_type,
            owner_id: self.owner_id,
            permissions: self.permissions.clone(),
        }
    }

    /// Whether the valid token may do `required`: for a permission known only once the
    /// token's facts are (forward auth maps a path by its project's routes).
    pub fn require(&self, required: &Permission) -> Result<(), VerifyError> {
        if self.permissions.contains(required) {
            Ok(())
        } else {
            Err(VerifyError::Forbidden {
                required: required.clone(),
            })
        }
    }

    /// The token as the actor of a service call, with its owner's access in its project
    /// as read with these facts (so the services need not read it again).
    pub fn as_caller(&self) -> crate::domain::Actor {
        let actor = crate::domain::Actor::token(self.actor());
        match self.kind {
            TokenKind::Personal => actor.with_access(self.project_id, self.owner_access),
            TokenKind::Service => actor,
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

impl VerifyError {
    /// A well-formed token was refused: what a guess gets, and what the throttle counts. A
    /// malformed token (wrong shape or checksum) cannot be a right guess, so it is refused
    /// from memory without being counted; a valid token lacking a permission, or a check that
    /// could not be made, is no failure of the caller's.
    pub fn refused_a_well_formed_token(&self) -> bool {
        matches!(
            self,
            Self::Unknown | Self::Expired | Self::Revoked | Self::OwnerInactive
        )
    }
}

impl VerifyError {
    /// How the metrics count this refusal.
    pub fn outcome(&self) -> crate::metrics::Outcome {
        use crate::metrics::Outcome;
        match self {
            Self::Malformed(_) => Outcome::Malformed,
            Self::Unknown => Outcome::Unknown,
            Self::Expired => Outcome::Expired,
            Self::Revoked => Outcome::Revoked,
            Self::OwnerInactive => Outcome::OwnerInactive,
            Self::Forbidden { .. } => Outcome::Forbidden,
            Self::Backend(_) => Outcome::Error,
        }
    }
}

/// How a refused verification reads to the services' callers.
impl From<VerifyError> for AppError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::Malformed(_) => Self::Unauthenticated(AuthFailure::Malformed),
            VerifyError::Unknown => Self::Unauthenticated(AuthFailure::Unknown),
            VerifyError::Expired => Self::Unauthenticated(AuthFailure::Expired),
            VerifyError::Revoked => Self::Unauthenticated(AuthFailure::Revoked),
            VerifyError::OwnerInactive => Self::Unauthenticated(AuthFailure::OwnerInactive),
            VerifyError::Forbidden { required } => Self::missing_permission(required),
            VerifyError::Backend(db) => Self::from(db),
        }
    }
}

/// Answers verifications: the hasher, the cache and, on a miss, the database.
#[derive(Clone)]
pub struct Verifier {
    db: DatabaseConnection,
    hasher: TokenHasher,
    /// The keys of the ring before the current one: a token hashed under one of them still
    /// verifies until the key is retired.
    older_hashers: Arc<[TokenHasher]>,
    cache: VerificationCache,
    /// `/verify` is routed ahead of every scope, so it bounds its one database read itself.
    deadline: RequestDeadline,
}

impl Verifier {
    pub(super) fn new(
        db: DatabaseConnection,
        hasher: TokenHasher,
        older_hashers: Vec<TokenHasher>,
        cache: VerificationCache,
        deadline: RequestDeadline,
    ) -> Self {
        Self {
            db,
            hasher,
            older_hashers: older_hashers.into(),
            cache,
            deadline,
        }
    }

    pub async fn verify(
        &self,
        presented: &str,
        required: Option<&Permission>,
    ) -> Result<VerifiedToken, VerifyError> {
        let presented = presented.trim();
        format::check(presented)?;
        let digest = self.hasher.digest_bytes(presented.as_bytes());
        let facts = match self.cache.get(&digest) {
            Some(facts) => facts,
            // Boxed: the lookup's future is large, and inline it would be moved on every
            // check, hits included; a miss pays one allocation beside its database round trip.
            None => match Box::pin(self.deadline.bound(self.load_facts(digest))).await {
                Err(VerifyError::Unknown) if !self.older_hashers.is_empty() => {
                    Box::pin(self.under_older_keys(presented)).await?
                }
                loaded => loaded?,
            },
        };
        judge(facts, required)
    }

    /// Unknown under the current key: perhaps hashed under an older key of the ring. Each
    /// older digest is answered from the cache or the known-digest set like the current one,
    /// so an unknown token costs one more HMAC per older key and no lookup.
    async fn under_older_keys(&self, presented: &str) -> Result<Arc<TokenFacts>, VerifyError> {
        for hasher in self.older_hashers.iter() {
            let digest = hasher.digest_bytes(presented.as_bytes());
            if let Some(facts) = self.cache.get(&digest) {
                return Ok(facts);
            }
            match self.deadline.bound(self.load_facts(digest)).await {
                Err(VerifyError::Unknown) => continue,
                found => return found,
            }
        }
        Err(VerifyError::Unknown)
    }

    /// The cache missed: one lookup by digest (plus the project's content types and, for a
    /// personal token, its owner's access), then remember the answer either way.
    #[tracing::instrument(skip_all)]
    async fn load_facts(&self, digest: Digest) -> Result<Arc<TokenFacts>, VerifyError> {
        if self.cache.is_known_unknown(&digest) {
            return Err(VerifyError::Unknown);
        }
        let unlisted = self.cache.is_stored(&digest) == Some(false);
        if unlisted && !self.cache.may_look_up_unlisted() {
            return Err(VerifyError::Unknown);
        }
        let read_at = self.cache.generation();
        let hash = hex::encode(digest);
        let Some((token, Some(project))) = api_token::Entity::find()
            .filter(api_token::Column::SecretHash.eq(&hash))
            .find_also_related(project::Entity)
            .one(&self.db)
            .await?
        else {
            self.cache.remember_unknown(digest);
            return Err(VerifyError::Unknown);
        };
        let token_type = TokenType::parse(&token.token_type).map_err(|_| VerifyError::Unknown)?;
        let kind = TokenKind::parse(&token.kind).map_err(|_| VerifyError::Unknown)?;
        let content_types = load_content_types(&self.db, project.id).await?;
        let explicit = explicit_permissions_of(&self.db, &token, token_type).await?;
        let Effective {
            permissions,
            owner_access,
        } = effective(
            &self.db,
            &token,
            token_type,
            kind,
            &explicit,
            &content_types,
        )
        .await?;
        let facts = Arc::new(TokenFacts {
            id: token.id,
            name: token.name,
            project_id: project.id,
            project_slug: project.slug,
            kind,
            token_type,
            owner_id: token.owner_id,
            permissions,
            expires_at: token.expires_at.map(|t| t.and_utc()),
            revoked: token.revoked_at.is_some(),
            owner_inactive: kind == TokenKind::Personal && owner_access.is_none(),
            owner_access,
            rendered_answer: OnceLock::new(),
            routes: rest_routes(project.route_prefix.as_deref(), &content_types),
            identity_headers: OnceLock::new(),
        });
        if unlisted && !facts.revoked {
            // Made elsewhere and not heard of yet: known from now on.
            self.cache.add_stored([hash.as_str()], false);
        }
        self.cache.insert(digest, facts.clone(), read_at);
        Ok(facts)
    }
}

/// The project's REST mapping, if it has a prefix. A prefix stored by hand that does not
/// parse maps nothing: forward auth then needs an explicit permission.
fn rest_routes(
    prefix: Option<&str>,
    content_types: &[crate::projects::ContentType],
) -> Option<Arc<RestRoutes>> {
    let prefix = RoutePrefix::parse(prefix?).ok()?;
    let uids = content_types.iter().map(|ct| ct.uid.clone()).collect();
    Some(Arc::new(RestRoutes::new(prefix, uids)))
}

/// The answer for known facts. Expiry is compared with the clock here, on every call.
fn judge(
    facts: Arc<TokenFacts>,
    required: Option<&Permission>,
) -> Result<VerifiedToken, VerifyError> {
    if facts.revoked {
        return Err(VerifyError::Revoked);
    }
    if facts.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(VerifyError::Expired);
    }
    if facts.owner_inactive {
        return Err(VerifyError::OwnerInactive);
    }
    let verified = VerifiedToken(facts);
    if let Some(required) = required {
        verified.require(required)?;
    }
    Ok(verified)
}
