//! Token management: create, update, regenerate, refresh, revoke, get and list. Each change
//! runs in one transaction with its audit event, after the project lock (see
//! `projects::lock_project`) so that uniqueness and plan checks hold until commit.

use super::authority::Authority;
use super::cache::VerificationCache;
use super::format::TokenSecret;
use super::hashing::TokenHasher;
use super::input::{NewToken, TokenChanges, TokenChangesInput};
use super::view::{PersonRef, TokenView};
use crate::audit::{self, AuditTarget};
use crate::domain::{
    Action, Actor, ContentTypeUid, FieldErrors, Grant, Permission, PermissionSet, Plan,
    TokenDuration, TokenKind, TokenName, TokenType,
};
use crate::entities::{api_token, content_type, token_permission, user};
use crate::error::AppError;
use crate::projects::{ContentType, Project, load_content_types, lock_project};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, NullOrdering};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set, SqlErr,
    TransactionTrait,
};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The last page a listing may ask for; beyond it pages are empty anyway.
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Clone)]
pub struct TokenService {
    pub(super) db: DatabaseConnection,
    pub(super) hasher: TokenHasher,
    pub(super) cache: VerificationCache,
    professional_cap: u32,
}

/// A token together with its secret, returned only by create, regenerate and refresh.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: TokenView,
    pub secret: TokenSecret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Name,
    #[default]
    Created,
    LastUsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Not revoked: active and expired tokens.
    #[default]
    Live,
    Active,
    Expired,
    Revoked,
    Any,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    pub sort: SortKey,
    pub order: SortOrder,
    pub search: Option<String>,
    pub kind: Option<TokenKind>,
    pub token_type: Option<TokenType>,
    pub status: StatusFilter,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
            sort: SortKey::default(),
            order: SortOrder::default(),
            search: None,
            kind: None,
            token_type: None,
            status: StatusFilter::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenPage {
    pub items: Vec<TokenView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl TokenService {
    pub fn new(
        db: DatabaseConnection,
        hasher: TokenHasher,
        cache: VerificationCache,
        professional_cap: u32,
    ) -> Self {
        Self {
            db,
            hasher,
            cache,
            professional_cap,
        }
    }

    /// The verification cache, shared with the services whose changes it must follow.
    pub fn cache(&self) -> &VerificationCache {
        &self.cache
    }

    #[tracing::instrument(skip_all, fields(project_id = %project_id, kind = new.kind.as_str(), token_type = new.token_type.as_str()))]
    pub async fn create(
        &self,
        actor: &Actor,
        project_id: Uuid,
        new: NewToken,
    ) -> Result<IssuedToken, AppError> {
        let (project, content_types, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::Create))?;
        require_self_service(&project)?;
        let owner_id = authority.owner_for(new.kind)?;
        ensure_content_types_exist(&new.permissions, &content_types)?;
        let grant = grant_for(new.token_type, &new.permissions);
        authority.require_all(&grant.resolve(uids(&content_types)))?;

        let secret = TokenSecret::generate()
            .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
        let hash = self.hasher.hash(&secret);
        let now = Utc::now();
        let duration = new.duration.settle(now);
        let expires_at = duration.expiry_from(now);
        let (created_by_user_id, created_by_token_id) = creator_ids(actor);

        let txn = self.db.begin().await?;
        let project = Project::try_from(lock_project(&txn, project_id).await?)?;
        require_self_service(&project)?;
        ensure_name_free(&txn, project_id, &new.name, None).await?;
        self.ensure_under_cap(&txn, &project, now).await?;
        let model = api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(project_id),
            name: Set(new.name.as_str().to_owned()),
            live_name_key: Set(Some(new.name.uniqueness_key())),
            description: Set(new.description.as_str().to_owned()),
            kind: Set(new.kind.as_str().to_owned()),
            token_type: Set(new.token_type.as_str().to_owned()),
            owner_id: Set(owner_id),
            duration: Set(duration.label.clone()),
            lifetime_seconds: Set(duration.lifetime_seconds()),
            expires_at: Set(expires_at.map(|t| t.naive_utc())),
            secret_hash: Set(hash.hex),
            hash_key_id: Set(hash.key_id),
            display_hint: Set(secret.display_hint()),
            created_by_user_id: Set(created_by_user_id),
            created_by_token_id: Set(created_by_token_id),
            created_at: Set(now.naive_utc()),
            updated_at: Set(now.naive_utc()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(name_conflict_on_unique)?;
        insert_permissions(&txn, model.id, &new.permissions, &content_types).await?;
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
        txn.commit().await?;
        self.cache.add_stored([model.secret_hash.as_str()], false);
        tracing::info!(token_id = %model.id, "token created");
        let token = self.view_one(&self.db, model, &content_types).await?;
        Ok(IssuedToken { token, secret })
    }

    /// Changes name, description, type and permissions. The duration is fixed at creation.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, token_id = %token_id))]
    pub async fn update(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
        input: TokenChangesInput,
    ) -> Result<TokenView, AppError> {
        let (project, content_types, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::Update))?;
        require_self_service(&project)?;
        let current = find_token(&self.db, project_id, token_id).await?;
        authority.require_manage(&current)?;
        ensure_live(&current)?;
        let current_type = parse_type(&current)?;
        let changes = TokenChanges::parse(input, current_type)?;
        if changes.is_empty() {
            return self.view_one(&self.db, current, &content_types).await;
        }

        let current_explicit = explicit_permissions(&self.db, &[current.id])
            .await?
            .remove(&current.id)
            .unwrap_or_default();
        let new_type = changes.token_type.unwrap_or(current_type);
        let new_explicit = changes
            .permissions
            .clone()
            .unwrap_or_else(|| current_explicit.clone());
        let grant_changes = new_type != current_type || new_explicit != current_explicit;
        if grant_changes {
            ensure_content_types_exist(&new_explicit, &content_types)?;
            let before = grant_for(current_type, &current_explicit).resolve(uids(&content_types));
            let after = grant_for(new_type, &new_explicit).resolve(uids(&content_types));
            // Narrowing is always allowed; anything added must be held by the actor.
            let added: PermissionSet = after
                .iter()
                .filter(|p| !before.contains(p))
                .cloned()
                .collect();
            authority.require_all(&added)?;
        }

        let txn = self.db.begin().await?;
        lock_project(&txn, project_id).await?;
        let current = find_token(&txn, project_id, token_id).await?;
        ensure_live(&current)?;
        if let Some(name) = &changes.name {
            ensure_name_free(&txn, project_id, name, Some(token_id)).await?;
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
            return self.view_one(&self.db, current, &content_types).await;
        }
        active.updated_at = Set(Utc::now().naive_utc());
        let updated = active.update(&txn).await.map_err(name_conflict_on_unique)?;
        if new_explicit != current_explicit {
            token_permission::Entity::delete_many()
                .filter(token_permission::Column::TokenId.eq(token_id))
                .exec(&txn)
                .await?;
            insert_permissions(&txn, token_id, &new_explicit, &content_types).await?;
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
        txn.commit().await?;
        self.cache.forget_token(&current.secret_hash);
        self.view_one(&self.db, updated, &content_types).await
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
        let (project, content_types, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::Regenerate))?;
        require_self_service(&project)?;
        let current = find_token(&self.db, project_id, token_id).await?;
        authority.require_manage(&current)?;
        ensure_live(&current)?;

        let secret = TokenSecret::generate()
            .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let project = Project::try_from(lock_project(&txn, project_id).await?)?;
        require_self_service(&project)?;
        let current = find_token(&txn, project_id, token_id).await?;
        ensure_live(&current)?;
        let old_hash = current.secret_hash.clone();
        let expired = current.expires_at.is_some_and(|at| at.and_utc() <= now);
        let expires_at = if expired {
            duration_of(&current).expiry_from(now)
        } else {
            current.expires_at.map(|t| t.and_utc())
        };
        let updated = self
            .replace_secret(&txn, current, &secret, expires_at, now)
            .await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.regenerate",
            AuditTarget::new("api_token", token_id, &updated.name),
            json!({ "expires_at": expires_at, "lifetime_restarted": expired }),
        )
        .await?;
        txn.commit().await?;
        self.cache.forget_token(&old_hash);
        self.cache.add_stored([updated.secret_hash.as_str()], false);
        let token = self.view_one(&self.db, updated, &content_types).await?;
        Ok(IssuedToken { token, secret })
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
        let actor = Actor::token(verified.actor()).with_client_ip(client_ip);
        let old_hash = self
            .hasher
            .hash(&TokenSecret::parse(presented).map_err(super::VerifyError::from)?);

        let secret = TokenSecret::generate()
            .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let project = Project::try_from(lock_project(&txn, project_id).await?)?;
        require_self_service(&project)?;
        let current = find_token(&txn, project_id, verified.id).await?;
        // Someone may have revoked or rotated it since verification.
        if current.revoked_at.is_some() || current.secret_hash != old_hash.hex {
            return Err(super::VerifyError::Revoked.into());
        }
        let expires_at = duration_of(&current).expiry_from(now);
        let updated = self
            .replace_secret(&txn, current, &secret, expires_at, now)
            .await?;
        audit::record(
            &txn,
            &actor,
            Some(project_id),
            "token.refresh",
            AuditTarget::new("api_token", updated.id, &updated.name),
            json!({ "expires_at": expires_at }),
        )
        .await?;
        txn.commit().await?;
        self.cache.forget_token(&old_hash.hex);
        self.cache.add_stored([updated.secret_hash.as_str()], false);
        let content_types = load_content_types(&self.db, project_id).await?;
        let token = self.view_one(&self.db, updated, &content_types).await?;
        Ok(IssuedToken { token, secret })
    }

    /// Revokes at once; cannot be undone. The name becomes free again. Allowed on every
    /// plan, so a downgraded project can still clean up.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, token_id = %token_id))]
    pub async fn revoke(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
    ) -> Result<(), AppError> {
        let (_, _, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::Delete))?;
        let current = find_token(&self.db, project_id, token_id).await?;
        if current.revoked_at.is_some() {
            return Err(AppError::NotFound);
        }
        authority.require_manage(&current)?;

        let txn = self.db.begin().await?;
        lock_project(&txn, project_id).await?;
        let current = find_token(&txn, project_id, token_id).await?;
        if current.revoked_at.is_some() {
            return Err(AppError::NotFound);
        }
        let now = Utc::now().naive_utc();
        let old_hash = current.secret_hash.clone();
        let mut active: api_token::ActiveModel = current.into();
        active.revoked_at = Set(Some(now));
        active.live_name_key = Set(None);
        active.updated_at = Set(now);
        let revoked = active.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            Some(project_id),
            "token.revoke",
            AuditTarget::new("api_token", token_id, &revoked.name),
            json!({}),
        )
        .await?;
        txn.commit().await?;
        self.cache.forget_token(&old_hash);
        tracing::info!("token revoked");
        Ok(())
    }

    pub async fn get(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
    ) -> Result<TokenView, AppError> {
        let (_, content_types, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::FindOne))?;
        let model = find_token(&self.db, project_id, token_id).await?;
        self.view_one(&self.db, model, &content_types).await
    }

    /// A page of the project's tokens, filtered, searched and sorted in the database.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, page = query.page))]
    pub async fn list(
        &self,
        actor: &Actor,
        project_id: Uuid,
        query: &ListQuery,
    ) -> Result<TokenPage, AppError> {
        let (_, content_types, authority) = self.context(actor, project_id).await?;
        authority.require(Permission::api_token(Action::Find))?;
        let per_page = query.per_page.clamp(1, 100);
        // Bounded so the offset fits every backend's signed 64-bit OFFSET.
        let page = query.page.clamp(1, MAX_PAGE);
        let select = filtered(project_id, query, Utc::now());
        let total = select.clone().count(&self.db).await?;
        let models = sorted(select, query.sort, query.order)
            .offset((page - 1).saturating_mul(per_page))
            .limit(per_page)
            .all(&self.db)
            .await?;
        let items = self.views(&self.db, models, &content_types).await?;
        Ok(TokenPage {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Loads every stored digest, so that verification can tell a made-up token without a
    /// query. Until this has run, unknown digests are looked up.
    pub async fn load_known_digests(&self) -> Result<usize, DbErr> {
        let hashes: Vec<String> = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::SecretHash)
            .into_tuple()
            .all(&self.db)
            .await?;
        self.cache
            .add_stored(hashes.iter().map(String::as_str), true);
        Ok(hashes.len())
    }

    /// Adds digests that changed since `since` (other instances' new and regenerated
    /// secrets). Run every second with an overlap that covers commit delays and clock skew.
    pub async fn sync_known_digests(&self, since: DateTime<Utc>) -> Result<usize, DbErr> {
        let hashes: Vec<String> = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::SecretHash)
            .filter(api_token::Column::UpdatedAt.gte(since.naive_utc()))
            .into_tuple()
            .all(&self.db)
            .await?;
        self.cache
            .add_stored(hashes.iter().map(String::as_str), false);
        Ok(hashes.len())
    }

    /// Keeps the digest set current with other instances' changes.
    pub fn spawn_digest_sync(&self, interval: std::time::Duration, overlap: chrono::Duration) {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut since = Utc::now() - overlap;
            loop {
                ticker.tick().await;
                let started = Utc::now();
                match service.sync_known_digests(since).await {
                    Ok(_) => since = started - overlap,
                    Err(error) => {
                        tracing::warn!(error = %error, "syncing stored token digests failed; will retry")
                    }
                }
            }
        });
    }

    /// Tokens that count against the plan's cap: neither revoked nor expired.
    pub async fn count_active(&self, project_id: Uuid) -> Result<u64, AppError> {
        Ok(count_active(&self.db, project_id, Utc::now()).await?)
    }

    /// The cap that applies to the project, if any.
    pub fn cap_for(&self, project: &Project) -> Option<u32> {
        match project.plan {
            Plan::Professional => Some(project.token_cap.unwrap_or(self.professional_cap)),
            Plan::Free | Plan::ProfessionalUnlimited => None,
        }
    }

    async fn context(
        &self,
        actor: &Actor,
        project_id: Uuid,
    ) -> Result<(Project, Vec<ContentType>, Authority), AppError> {
        let project = Project::try_from(
            crate::entities::project::Entity::find_by_id(project_id)
                .one(&self.db)
                .await?
                .ok_or(AppError::NotFound)?,
        )?;
        let content_types = load_content_types(&self.db, project_id).await?;
        let authority = Authority::of(&self.db, actor, project_id, &content_types).await?;
        Ok((project, content_types, authority))
    }

    async fn ensure_under_cap(
        &self,
        conn: &impl ConnectionTrait,
        project: &Project,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if let Some(cap) = self.cap_for(project)
            && count_active(conn, project.id, now).await? >= u64::from(cap)
        {
            return Err(AppError::PlanLimitReached { cap });
        }
        Ok(())
    }

    async fn replace_secret(
        &self,
        conn: &impl ConnectionTrait,
        current: api_token::Model,
        secret: &TokenSecret,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<api_token::Model, AppError> {
        let hash = self.hasher.hash(secret);
        let mut active: api_token::ActiveModel = current.into();
        active.secret_hash = Set(hash.hex);
        active.hash_key_id = Set(hash.key_id);
        active.display_hint = Set(secret.display_hint());
        active.expires_at = Set(expires_at.map(|t| t.naive_utc()));
        active.updated_at = Set(now.naive_utc());
        Ok(active.update(conn).await?)
    }

    async fn view_one(
        &self,
        conn: &impl ConnectionTrait,
        model: api_token::Model,
        content_types: &[ContentType],
    ) -> Result<TokenView, AppError> {
        self.views(conn, vec![model], content_types)
            .await?
            .pop()
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a token view went missing")))
    }

    /// Builds views with three batched reads: explicit permissions, people and creator tokens.
    async fn views(
        &self,
        conn: &impl ConnectionTrait,
        models: Vec<api_token::Model>,
        content_types: &[ContentType],
    ) -> Result<Vec<TokenView>, AppError> {
        let custom_ids: Vec<Uuid> = models
            .iter()
            .filter(|m| m.token_type == TokenType::Custom.as_str())
            .map(|m| m.id)
            .collect();
        let mut explicit = explicit_permissions(conn, &custom_ids).await?;

        let user_ids: HashSet<Uuid> = models
            .iter()
            .flat_map(|m| [m.owner_id, m.created_by_user_id])
            .flatten()
            .collect();
        let people: HashMap<Uuid, String> = if user_ids.is_empty() {
            HashMap::new()
        } else {
            user::Entity::find()
                .filter(user::Column::Id.is_in(user_ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect()
        };
        let token_ids: HashSet<Uuid> = models
            .iter()
            .filter_map(|m| m.created_by_token_id)
            .collect();
        let creator_tokens: HashMap<Uuid, String> = if token_ids.is_empty() {
            HashMap::new()
        } else {
            api_token::Entity::find()
                .filter(api_token::Column::Id.is_in(token_ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect()
        };

        models
            .into_iter()
            .map(|model| {
                let token_type = parse_type(&model)?;
                let kind = TokenKind::parse(&model.kind)
                    .map_err(|e| anyhow::anyhow!("token {} has a bad kind: {e}", model.id))?;
                let own = explicit.remove(&model.id).unwrap_or_default();
                let person = |id: Uuid| {
                    people.get(&id).map(|label| PersonRef {
                        id,
                        label: label.clone(),
                    })
                };
                let created_by = model.created_by_user_id.and_then(person).or_else(|| {
                    model.created_by_token_id.and_then(|id| {
                        creator_tokens.get(&id).map(|name| PersonRef {
                            id,
                            label: format!("token {name}"),
                        })
                    })
                });
                Ok(TokenView {
                    id: model.id,
                    project_id: model.project_id,
                    permissions: grant_for(token_type, &own).resolve(uids(content_types)),
                    duration: duration_of(&model),
                    kind,
                    token_type,
                    owner: model.owner_id.and_then(person),
                    created_by,
                    name: model.name,
                    description: model.description,
                    expires_at: model.expires_at.map(|t| t.and_utc()),
                    display_hint: model.display_hint,
                    created_at: model.created_at.and_utc(),
                    updated_at: model.updated_at.and_utc(),
                    last_used_at: model.last_used_at.map(|t| t.and_utc()),
                    revoked_at: model.revoked_at.map(|t| t.and_utc()),
                })
            })
            .collect()
    }
}

pub(super) fn grant_for(token_type: TokenType, explicit: &PermissionSet) -> Grant {
    match token_type {
        TokenType::ReadOnly => Grant::ReadOnly,
        TokenType::FullAccess => Grant::All,
        TokenType::Custom => Grant::Exactly(explicit.clone()),
    }
}

pub(super) fn uids(content_types: &[ContentType]) -> impl Iterator<Item = &ContentTypeUid> {
    content_types.iter().map(|ct| &ct.uid)
}

pub(super) fn parse_type(model: &api_token::Model) -> Result<TokenType, AppError> {
    TokenType::parse(&model.token_type).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("token {} has a bad type: {e}", model.id))
    })
}

fn duration_of(model: &api_token::Model) -> TokenDuration {
    TokenDuration::from_stored(model.duration.clone(), model.lifetime_seconds)
}

/// The explicit permission sets of custom tokens, in one query.
pub(super) async fn explicit_permissions(
    conn: &impl ConnectionTrait,
    token_ids: &[Uuid],
) -> Result<HashMap<Uuid, PermissionSet>, DbErr> {
    let mut sets: HashMap<Uuid, PermissionSet> = HashMap::new();
    if token_ids.is_empty() {
        return Ok(sets);
    }
    let rows = token_permission::Entity::find()
        .filter(token_permission::Column::TokenId.is_in(token_ids.iter().copied()))
        .find_also_related(content_type::Entity)
        .all(conn)
        .await?;
    for (grant, content_type) in rows {
        let Some(content_type) = content_type else {
            continue;
        };
        let permission = ContentTypeUid::parse(&content_type.uid)
            .and_then(|uid| Permission::new(uid, crate::domain::Action::parse(&grant.action)?));
        if let Ok(permission) = permission {
            sets.entry(grant.token_id).or_default().insert(permission);
        }
    }
    Ok(sets)
}

fn require_self_service(project: &Project) -> Result<(), AppError> {
    if project.plan.allows_self_service() {
        Ok(())
    } else {
        Err(AppError::PlanRequired { plan: project.plan })
    }
}

fn ensure_content_types_exist(
    permissions: &PermissionSet,
    content_types: &[ContentType],
) -> Result<(), AppError> {
    let unknown: Vec<String> = permissions
        .iter()
        .filter(|p| !content_types.iter().any(|ct| ct.uid == *p.content_type()))
        .map(ToString::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(FieldErrors::single(
            "permissions",
            format!(
                "These permissions name content types that do not exist in this project: {}.",
                unknown.join(", ")
            ),
        )))
    }
}

fn ensure_live(model: &api_token::Model) -> Result<(), AppError> {
    if model.revoked_at.is_some() {
        Err(AppError::Conflict {
            field: None,
            message: "This token has been revoked and can no longer be changed.".into(),
        })
    } else {
        Ok(())
    }
}

fn creator_ids(actor: &Actor) -> (Option<Uuid>, Option<Uuid>) {
    match &actor.kind {
        crate::domain::ActorKind::System => (None, None),
        crate::domain::ActorKind::User(user) => (Some(user.id), None),
        crate::domain::ActorKind::Token(token) => (token.owner_id, Some(token.id)),
    }
}

async fn find_token(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    token_id: Uuid,
) -> Result<api_token::Model, AppError> {
    api_token::Entity::find_by_id(token_id)
        .filter(api_token::Column::ProjectId.eq(project_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn ensure_name_free(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    name: &TokenName,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    let mut query = api_token::Entity::find()
        .filter(api_token::Column::ProjectId.eq(project_id))
        .filter(api_token::Column::LiveNameKey.eq(name.uniqueness_key()));
    if let Some(id) = except {
        query = query.filter(api_token::Column::Id.ne(id));
    }
    if query.one(conn).await?.is_some() {
        return Err(name_taken());
    }
    Ok(())
}

fn name_taken() -> AppError {
    AppError::conflict(
        "name",
        "A token with this name already exists in this project.",
    )
}

/// The unique index is the last line of defence against two writers choosing one name.
fn name_conflict_on_unique(error: DbErr) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => name_taken(),
        _ => AppError::from(error),
    }
}

async fn insert_permissions(
    conn: &impl ConnectionTrait,
    token_id: Uuid,
    permissions: &PermissionSet,
    content_types: &[ContentType],
) -> Result<(), AppError> {
    if permissions.is_empty() {
        return Ok(());
    }
    let rows = permissions.iter().filter_map(|permission| {
        let content_type = content_types
            .iter()
            .find(|ct| ct.uid == *permission.content_type())?;
        Some(token_permission::ActiveModel {
            token_id: Set(token_id),
            content_type_id: Set(content_type.id),
            action: Set(permission.action().as_str().to_owned()),
        })
    });
    token_permission::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    Ok(())
}

async fn count_active(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::ProjectId.eq(project_id))
        .filter(active_condition(now))
        .count(conn)
        .await
}

fn active_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(api_token::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now.naive_utc())),
        )
}

fn filtered(project_id: Uuid, query: &ListQuery, now: DateTime<Utc>) -> Select<api_token::Entity> {
    let mut select = api_token::Entity::find().filter(api_token::Column::ProjectId.eq(project_id));
    select = match query.status {
        StatusFilter::Live => select.filter(api_token::Column::RevokedAt.is_null()),
        StatusFilter::Active => select.filter(active_condition(now)),
        StatusFilter::Expired => select
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.lte(now.naive_utc())),
        StatusFilter::Revoked => select.filter(api_token::Column::RevokedAt.is_not_null()),
        StatusFilter::Any => select,
    };
    if let Some(kind) = query.kind {
        select = select.filter(api_token::Column::Kind.eq(kind.as_str()));
    }
    if let Some(token_type) = query.token_type {
        select = select.filter(api_token::Column::TokenType.eq(token_type.as_str()));
    }
    if let Some(search) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        select = select.filter(
            Expr::expr(Func::lower(Expr::col((
                api_token::Entity,
                api_token::Column::Name,
            ))))
            .like(LikeExpr::new(pattern).escape('!')),
        );
    }
    select
}

fn sorted(
    select: Select<api_token::Entity>,
    key: SortKey,
    order: SortOrder,
) -> Select<api_token::Entity> {
    let order = match order {
        SortOrder::Asc => Order::Asc,
        SortOrder::Desc => Order::Desc,
    };
    let select = match key {
        SortKey::Name => select.order_by(api_token::Column::Name, order.clone()),
        SortKey::Created => select.order_by(api_token::Column::CreatedAt, order.clone()),
        // Never-used tokens go last whichever way the list is sorted.
        SortKey::LastUsed => select.order_by_with_nulls(
            api_token::Column::LastUsedAt,
            order.clone(),
            NullOrdering::Last,
        ),
    };
    // The id (a time-ordered UUID) breaks ties so pages never overlap.
    select.order_by(api_token::Column::Id, order)
}

/// Escapes LIKE wildcards with `!`, which needs no quoting on any backend.
fn escape_like(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '!') {
            escaped.push('!');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::{Migrator, MigratorTrait};
    use sea_orm::sea_query::Asterisk;
    use sea_orm::{DbBackend, QueryTrait, Statement};

    /// SQLite's plan for `statement`, one line per step.
    async fn sqlite_plan(db: &DatabaseConnection, statement: Statement) -> String {
        let explain = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", statement.sql),
            statement.values.map(|values| values.0).unwrap_or_default(),
        );
        let rows = db.query_all_raw(explain).await.unwrap();
        rows.iter()
            .map(|row| row.try_get::<String>("", "detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The dashboard's list of 10,000 tokens stays fast only while each page of the default
    /// (not revoked) list is read in index order and its total counted from an index alone.
    #[tokio::test]
    async fn live_token_lists_are_served_by_indexes() {
        // One connection: each connection to `:memory:` is a database of its own.
        let db = crate::db::connect("sqlite::memory:", Some(1))
            .await
            .unwrap();
        Migrator::up(&db, None).await.unwrap();
        let query = ListQuery::default();
        assert_eq!(query.status, StatusFilter::Live);
        let select = filtered(Uuid::now_v7(), &query, Utc::now());

        let pages = [
            (
                SortKey::Created,
                SortOrder::Desc,
                "idx_api_tokens_live_created",
            ),
            (
                SortKey::Created,
                SortOrder::Asc,
                "idx_api_tokens_live_created",
            ),
            (SortKey::Name, SortOrder::Asc, "idx_api_tokens_live_name"),
            (SortKey::Name, SortOrder::Desc, "idx_api_tokens_live_name"),
            (
                SortKey::LastUsed,
                SortOrder::Desc,
                "idx_api_tokens_live_last_used",
            ),
        ];
        for (key, order, index) in pages {
            let page = sorted(select.clone(), key, order).offset(7450).limit(50);
            let plan = sqlite_plan(&db, page.build(DbBackend::Sqlite)).await;
            assert!(
                plan.contains(index) && !plan.contains("TEMP B-TREE"),
                "{key:?} {order:?} should be read in the order of {index}:\n{plan}"
            );
        }

        let count = select
            .select_only()
            .expr(Func::count(Expr::col(Asterisk)))
            .build(DbBackend::Sqlite);
        let plan = sqlite_plan(&db, count).await;
        assert!(
            plan.contains("COVERING INDEX idx_api_tokens_live_"),
            "the total should be counted from an index:\n{plan}"
        );
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_off!"), "50!%!_off!!");
    }
}
