//! The operations that issue a secret: create, regenerate and refresh. The secret is
//! generated before the transaction, stored only as its HMAC, and its digest enters the
//! known-digest set before the caller can reveal it.

use super::format::TokenSecret;
use super::input::NewToken;
use super::service::{IssuedToken, TokenService};
use super::store::{self, creator_ids, duration_of, grant_for, uids};
use super::target::Target;
use super::verify::VerifyError;
use super::view::{self, Named};
use crate::audit::{self, AuditTarget};
use crate::change_feed;
use crate::domain::{Action, Actor, ActorKind, Permission};
use crate::entities::api_token;
use crate::error::AppError;
use crate::projects::{Project, load_content_types, lock_project};
use crate::verification_cache::Invalidation;
use chrono::Utc;
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

impl TokenService {
    #[tracing::instrument(skip_all, fields(project_id = %project_id, kind = new.kind.as_str(), token_type = new.token_type.as_str()))]
    pub async fn create(
        &self,
        actor: &Actor,
        project_id: Uuid,
        new: NewToken,
    ) -> Result<IssuedToken, AppError> {
        let (secret, hash) = self.new_secret()?;
        let now = Utc::now();
        let duration = new.duration.settle(now);
        let expires_at = duration.expiry_from(now);
        let (created_by_user_id, created_by_token_id) = creator_ids(actor);

        let txn = self.db.begin().await?;
        let project = Project::try_from(lock_project(&txn, project_id).await?)?;
        let authority = crate::authority::resolve(&txn, actor, project_id).await?;
        authority.require(Permission::api_token(Action::Create))?;
        store::require_self_service(&project)?;
        let owner_id = authority.owner_for(new.kind)?;
        let content_types = load_content_types(&txn, project_id).await?;
        store::ensure_content_types_exist(&new.permissions, &content_types)?;
        let permissions = grant_for(new.token_type, &new.permissions).resolve(uids(&content_types));
        authority.require_all(&permissions)?;
        authority.require_type(new.token_type)?;
        store::ensure_name_free(&txn, project_id, &new.name, None).await?;
        self.ensure_under_cap(&txn, &project).await?;
        let model = api_token::Model {
            id: Uuid::now_v7(),
            project_id,
            name: new.name.as_str().to_owned(),
            live_name_key: Some(new.name.uniqueness_key()),
            name_sort: Some(new.name.sort_key()),
            recent_clients: None,
            description: new.description.as_str().to_owned(),
            kind: new.kind.as_str().to_owned(),
            token_type: new.token_type.as_str().to_owned(),
            owner_id,
            duration: duration.label.clone(),
            lifetime_seconds: duration.lifetime_seconds(),
            expires_at: expires_at.map(|t| t.naive_utc()),
            secret_hash: hash.hex,
            hash_key_id: hash.key_id,
            display_hint: secret.display_hint(),
            created_by_user_id,
            created_by_token_id,
            created_at: now.naive_utc(),
            updated_at: now.naive_utc(),
            last_used_at: None,
            revoked_at: None,
        };
        // Every value is known here: the row is not read back (MySQL would need a second
        // statement for that).
        api_token::Entity::insert(api_token::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await
            .map_err(store::name_conflict_on_unique)?;
        store::insert_permissions(&txn, model.id, &new.permissions, &content_types).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.create",
            AuditTarget::new("api_token", model.id, &model.name),
            json!({
                "kind": model.kind,
                "type": model.token_type,
                "permissions": new.permissions,
                "duration": model.duration,
                "expires_at": expires_at,
            }),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.cache,
            &[Invalidation::Stored(model.secret_hash.clone())],
        )
        .await?;
        tracing::info!(token_id = %model.id, "token created");
        let named = self.named_new(actor, model).await?;
        Ok(IssuedToken {
            token: view::view_of(named, permissions)?,
            secret,
        })
    }

    /// A new token's row with its names: a signed-in user made it (and owns it if it is
    /// personal), so nothing needs reading; a token's owner is read by name.
    async fn named_new(&self, actor: &Actor, token: api_token::Model) -> Result<Named, AppError> {
        Ok(match &actor.kind {
            ActorKind::User(user) => Named {
                owner: token.owner_id.map(|_| user.display_name.clone()),
                creator: Some(user.display_name.clone()),
                creator_token: None,
                token,
            },
            ActorKind::System => Named {
                owner: None,
                creator: None,
                creator_token: None,
                token,
            },
            ActorKind::Token(_) => view::name_one(&self.db, token).await?,
        })
    }

    /// A new secret for the same token; the old secret stops at once. The expiry stays,
    /// unless the token had already expired, in which case its lifetime starts again.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, token_id = %token_id))]
    pub async fn regenerate(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
    ) -> Result<IssuedToken, AppError> {
        let (secret, hash) = self.new_secret()?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let Target {
            project,
            authority,
            token: current,
            kind,
            ..
        } = self
            .lock_target(&txn, actor, project_id, token_id, Action::Regenerate)
            .await?;
        authority.require_secret_access(kind, current.owner_id)?;
        let old_hash = current.secret_hash.clone();
        let expired = current.expires_at.is_some_and(|at| at.and_utc() <= now);
        if expired {
            // An expired token does not count against the plan's cap; alive again, it does.
            self.ensure_under_cap(&txn, &project).await?;
        }
        let expires_at = if expired {
            duration_of(&current).expiry_from(now)
        } else {
            current.expires_at.map(|t| t.and_utc())
        };
        let hint = secret.display_hint();
        let updated = store::replace_secret(&txn, current, hash, hint, expires_at, now).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.regenerate",
            AuditTarget::new("api_token", token_id, &updated.name),
            json!({ "expires_at": expires_at, "lifetime_restarted": expired }),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.cache,
            &[
                Invalidation::Retired(old_hash),
                Invalidation::Stored(updated.secret_hash.clone()),
            ],
        )
        .await?;
        self.issued(updated, secret).await
    }

    /// Self-service rotation by the token itself: a new secret with the same settings and a
    /// fresh lifetime of the original duration. An expired token cannot refresh.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(
        &self,
        presented: &str,
        client_ip: Option<String>,
    ) -> Result<IssuedToken, AppError> {
        let verified = self.verify(presented, None).await?;
        let project_id = verified.project_id;
        let actor = verified.as_caller().with_client_ip(client_ip);
        let old_hash = self
            .hasher
            .hash(&TokenSecret::parse(presented).map_err(VerifyError::from)?);

        let (secret, hash) = self.new_secret()?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let project = Project::try_from(lock_project(&txn, project_id).await?)?;
        store::require_self_service(&project)?;
        let current = store::find(&txn, project_id, verified.id).await?;
        // Someone may have revoked or rotated it since verification.
        if current.revoked_at.is_some() || current.secret_hash != old_hash.hex {
            return Err(VerifyError::Revoked.into());
        }
        let expires_at = duration_of(&current).expiry_from(now);
        let hint = secret.display_hint();
        let updated = store::replace_secret(&txn, current, hash, hint, expires_at, now).await?;
        audit::record(
            &txn,
            &actor,
            Some(project_id),
            "token.refresh",
            AuditTarget::new("api_token", updated.id, &updated.name),
            json!({ "expires_at": expires_at }),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.cache,
            &[
                Invalidation::Retired(old_hash.hex),
                Invalidation::Stored(updated.secret_hash.clone()),
            ],
        )
        .await?;
        self.issued(updated, secret).await
    }

    /// The view of a token whose secret was just replaced, with that secret.
    async fn issued(
        &self,
        token: api_token::Model,
        secret: TokenSecret,
    ) -> Result<IssuedToken, AppError> {
        let project_id = token.project_id;
        let named = view::name_one(&self.db, token).await?;
        let token = view::only(view::assemble(&self.db, project_id, vec![named], None).await?)?;
        Ok(IssuedToken { token, secret })
    }
}
