//! The operations that change a token without issuing a secret: update and revoke.

use super::input::{TokenChanges, TokenChangesInput};
use super::service::{RevokedToken, TokenService};
use super::store::{self, grant_for, type_of, uids};
use super::target::Target;
use super::view;
use crate::audit::{self, AuditTarget};
use crate::change_feed;
use crate::domain::{Action, Actor, PermissionSet};
use crate::entities::api_token;
use crate::error::AppError;
use crate::projects::ContentType;
use crate::verification_cache::Invalidation;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

impl TokenService {
    /// Changes name, description, type and permissions. The duration is fixed at creation.
    /// Narrowing is always allowed; anything added must be held by the actor.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, token_id = %token_id))]
    pub async fn update(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
        input: TokenChangesInput,
    ) -> Result<super::TokenView, AppError> {
        let txn = self.db.begin().await?;
        let Target {
            authority,
            token: current,
            token_type: current_type,
            explicit: current_explicit,
            content_types,
            ..
        } = self
            .lock_target(&txn, actor, project_id, token_id, Action::Update)
            .await?;
        let changes = TokenChanges::parse(input, current_type)?;
        if changes.is_empty() {
            txn.rollback().await?;
            return self.view(current, &current_explicit, &content_types).await;
        }
        let new_type = changes.token_type.unwrap_or(current_type);
        let new_explicit = changes
            .permissions
            .clone()
            .unwrap_or_else(|| current_explicit.clone());
        if new_type != current_type || new_explicit != current_explicit {
            store::ensure_content_types_exist(&new_explicit, &content_types)?;
            let before = grant_for(current_type, &current_explicit).resolve(uids(&content_types));
            let after = grant_for(new_type, &new_explicit).resolve(uids(&content_types));
            let added: PermissionSet = after
                .iter()
                .filter(|p| !before.contains(p))
                .cloned()
                .collect();
            authority.require_all(&added)?;
            if new_type != current_type {
                authority.require_type(new_type)?;
            }
        }
        if let Some(name) = &changes.name {
            store::ensure_name_free(&txn, project_id, name, Some(token_id)).await?;
        }
        let mut details = serde_json::Map::new();
        let mut active: api_token::ActiveModel = current.clone().into();
        if let Some(name) = &changes.name
            && name.as_str() != current.name
        {
            details.insert(
                "name".into(),
                json!({ "from": current.name, "to": name.as_str() }),
            );
            active.name = Set(name.as_str().to_owned());
            active.live_name_key = Set(Some(name.uniqueness_key()));
            active.name_sort = Set(Some(name.sort_key()));
        }
        if let Some(description) = &changes.description
            && description.as_str() != current.description
        {
            details.insert("description".into(), json!({ "changed": true }));
            active.description = Set(description.as_str().to_owned());
        }
        if new_type != current_type {
            details.insert(
                "type".into(),
                json!({ "from": current_type.as_str(), "to": new_type.as_str() }),
            );
            active.token_type = Set(new_type.as_str().to_owned());
        }
        if new_explicit != current_explicit {
            details.insert(
                "permissions".into(),
                json!({ "from": current_explicit, "to": new_explicit }),
            );
        }
        if details.is_empty() {
            txn.rollback().await?;
            return self.view(current, &current_explicit, &content_types).await;
        }
        active.updated_at = Set(Utc::now().naive_utc());
        let updated = active
            .update(&txn)
            .await
            .map_err(store::name_conflict_on_unique)?;
        if new_explicit != current_explicit {
            store::replace_permissions(&txn, token_id, &new_explicit, &content_types).await?;
        }
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.update",
            AuditTarget::new("api_token", token_id, &updated.name),
            serde_json::Value::Object(details),
        )
        .await?;
        change_feed::commit(
            txn,
            &self.cache,
            &[Invalidation::Token(current.secret_hash.clone())],
        )
        .await?;
        self.view(updated, &new_explicit, &content_types).await
    }

    /// The view of a token whose grant and content types were read in the operation.
    async fn view(
        &self,
        token: api_token::Model,
        explicit: &PermissionSet,
        content_types: &[ContentType],
    ) -> Result<super::TokenView, AppError> {
        let permissions = grant_for(type_of(&token)?, explicit).resolve(uids(content_types));
        let named = view::name_one(&self.db, token).await?;
        view::view_of(named, permissions)
    }

    /// Revokes at once; cannot be undone. The name becomes free again. Allowed on every
    /// plan, so a downgraded project can still clean up.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, token_id = %token_id))]
    pub async fn revoke(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
    ) -> Result<RevokedToken, AppError> {
        let txn = self.db.begin().await?;
        let current = self
            .lock_target(&txn, actor, project_id, token_id, Action::Delete)
            .await?
            .token;
        let old_hash = current.secret_hash.clone();
        let revoked = store::mark_revoked(&txn, current, Utc::now()).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.revoke",
            AuditTarget::new("api_token", token_id, &revoked.name),
            json!({}),
        )
        .await?;
        change_feed::commit(txn, &self.cache, &[Invalidation::Retired(old_hash)]).await?;
        tracing::info!("token revoked");
        Ok(RevokedToken {
            id: revoked.id,
            name: revoked.name,
        })
    }
}
