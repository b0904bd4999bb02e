//! `TokenService`: the token engine's face to the rest of the product. Its operations live
//! beside it by what they do: `issue` (create, regenerate, refresh: a new secret), `change`
//! (update, revoke) and the reads here. Each change runs in one transaction with its audit
//! event, after the project lock (`projects::lock_project`), and loads and checks what it
//! changes once, inside that transaction, so checks hold until commit.

use super::bookmark::{Bookmark, Resume};
use super::digest_sync::DigestSync;
use super::format::TokenSecret;
use super::hashing::TokenHasher;
use super::query::{ListQuery, count_capped, filtered, sorted};
use super::store;
use super::verify::{VerifiedToken, Verifier, VerifyError};
use super::view::{self, TokenView};
use crate::authority;
use crate::domain::{Action, Actor, Permission, Plan};
use crate::error::AppError;
use crate::projects::Project;
use crate::verification_cache::VerificationCache;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect};
use uuid::Uuid;

#[derive(Clone)]
pub struct TokenService {
    pub(super) db: DatabaseConnection,
    pub(super) hasher: TokenHasher,
    pub(super) cache: VerificationCache,
    verifier: Verifier,
    digests: DigestSync,
    professional_cap: u32,
}

/// A token together with its secret, returned only by create, regenerate and refresh.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: TokenView,
    pub secret: TokenSecret,
}

/// What a revocation leaves to say: which token it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedToken {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct TokenPage {
    pub items: Vec<TokenView>,
    /// Each item's place in the list (`Bookmark::encode`), for the links to the pages
    /// beside this one.
    pub bookmarks: Vec<String>,
    /// The rows the list holds, up to `COUNT_CAP`.
    pub total: u64,
    /// False when the list holds more than `total` rows.
    pub total_exact: bool,
    /// Whether rows follow this page, and whether rows precede it.
    pub has_next: bool,
    pub has_previous: bool,
    pub page: u64,
    pub per_page: u64,
}

impl TokenService {
    pub fn new(
        db: DatabaseConnection,
        hasher: TokenHasher,
        older_hashers: Vec<TokenHasher>,
        cache: VerificationCache,
        professional_cap: u32,
        deadline: crate::deadline::RequestDeadline,
    ) -> Self {
        Self {
            verifier: Verifier::new(
                db.clone(),
                hasher.clone(),
                older_hashers,
                cache.clone(),
                deadline,
            ),
            digests: DigestSync::new(db.clone(), cache.clone()),
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

    /// The known-digest set's loading and cross-instance sync.
    pub fn digests(&self) -> &DigestSync {
        &self.digests
    }

    /// See `Verifier::verify`.
    pub async fn verify(
        &self,
        presented: &str,
        required: Option<&Permission>,
    ) -> Result<VerifiedToken, VerifyError> {
        self.verifier.verify(presented, required).await
    }

    pub async fn get(
        &self,
        actor: &Actor,
        project_id: Uuid,
        token_id: Uuid,
    ) -> Result<TokenView, AppError> {
        let authority = authority::resolve(&self.db, actor, project_id).await?;
        authority.require(Permission::api_token(Action::FindOne))?;
        let named = view::one_named(&self.db, project_id, token_id).await?;
        view::only(view::assemble(&self.db, project_id, vec![named], None).await?)
    }

    /// A page of the project's tokens, filtered, searched and sorted in the database.
    #[tracing::instrument(skip_all, fields(project_id = %project_id, page = query.page))]
    pub async fn list(
        &self,
        actor: &Actor,
        project_id: Uuid,
        query: &ListQuery,
    ) -> Result<TokenPage, AppError> {
        let authority = authority::resolve(&self.db, actor, project_id).await?;
        authority.require(Permission::api_token(Action::Find))?;
        let (page, per_page) = query.bounded();
        let mut select = filtered(project_id, query, Utc::now());
        let (total, total_exact) = count_capped(&self.db, select.clone()).await?;
        let backwards = query.resume.as_ref().is_some_and(Resume::is_backwards);
        if let Some(resume) = &query.resume {
            select = select.filter(resume.condition());
        }
        let skipped = query.skipped();
        // One row more than the page shows says whether another page lies beyond.
        let mut models = sorted(select, query.sort, query.order, backwards)
            .offset(skipped)
            .limit(per_page + 1)
            .all(&self.db)
            .await?;
        let beyond = models.len() as u64 > per_page;
        models.truncate(per_page as usize);
        if backwards {
            models.reverse();
        }
        let (has_next, has_previous) = match &query.resume {
            None => (beyond, skipped > 0),
            Some(Resume::After(_)) => (beyond, true),
            // The bookmarked row itself follows, unless it has gone since.
            Some(Resume::Before(_)) => (true, beyond),
        };
        let bookmarks = models
            .iter()
            .map(|model| Bookmark::of(model, query.sort, query.order).encode())
            .collect();
        let named = view::name_all(&self.db, models).await?;
        let items = view::assemble(&self.db, project_id, named, None).await?;
        Ok(TokenPage {
            items,
            bookmarks,
            total,
            total_exact,
            has_next,
            has_previous,
            page,
            per_page,
        })
    }

    /// What `actor` may do in the project, spelled out over its content types.
    pub async fn effective_permissions(
        &self,
        actor: &Actor,
        project_id: Uuid,
    ) -> Result<crate::domain::PermissionSet, AppError> {
        let authority = authority::resolve(&self.db, actor, project_id).await?;
        let content_types = crate::projects::load_content_types(&self.db, project_id).await?;
        Ok(authority.held(content_types.iter().map(|ct| &ct.uid)))
    }

    /// Tokens that count against the plan's cap: neither revoked nor expired.
    pub async fn count_active(&self, project_id: Uuid) -> Result<u64, AppError> {
        Ok(store::count_active(&self.db, project_id, Utc::now()).await?)
    }

    /// How many active tokens each server key has hashed (`latchkey keys list`): a key can
    /// be retired without loss once none is left under it.
    pub async fn active_by_key(&self) -> Result<Vec<(String, i64)>, AppError> {
        use crate::entities::api_token;
        use sea_orm::{EntityTrait, QueryFilter};
        Ok(api_token::Entity::find()
            .select_only()
            .column(api_token::Column::HashKeyId)
            .column_as(api_token::Column::Id.count(), "tokens")
            .filter(super::query::active_condition(Utc::now()))
            .group_by(api_token::Column::HashKeyId)
            .into_tuple::<(String, i64)>()
            .all(&self.db)
            .await?)
    }

    /// The cap that applies to the project, if any.
    pub fn cap_for(&self, project: &Project) -> Option<u32> {
        match project.plan {
            Plan::Professional => Some(project.token_cap.unwrap_or(self.professional_cap)),
            Plan::Free | Plan::ProfessionalUnlimited => None,
        }
    }

    /// The plan's cap must leave room for one more active token.
    pub(super) async fn ensure_under_cap(
        &self,
        conn: &impl ConnectionTrait,
        project: &Project,
    ) -> Result<(), AppError> {
        if let Some(cap) = self.cap_for(project)
            && store::count_active(conn, project.id, Utc::now()).await? >= u64::from(cap)
        {
            return Err(AppError::PlanLimitReached { cap });
        }
        Ok(())
    }

    /// A new secret and its stored form.
    pub(super) fn new_secret(&self) -> Result<(TokenSecret, super::hashing::SecretHash), AppError> {
        let secret = TokenSecret::generate()?;
        let hash = self.hasher.hash(&secret);
        Ok((secret, hash))
    }
}
