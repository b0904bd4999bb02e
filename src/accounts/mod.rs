//! Instance users (administrators): creation, listing and the disabled flag; signing in
//! and changing passwords are in `credentials`, password hashing in `passwords`.

mod credentials;
pub mod passwords;

pub use credentials::revoke_credentials;

use crate::audit::{self, AuditTarget};
use crate::authority::require_super_admin;
use crate::change_feed;
use crate::domain::{Actor, DisplayName, Email, Password, Theme, UserActor};
use crate::entities::user;
use crate::error::AppError;
use crate::throttle::Throttles;
use crate::verification_cache::Invalidation;
use crate::verification_cache::VerificationCache;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub is_super_admin: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// See `entities::user::Model::credentials_generation`.
    pub credentials_generation: i64,
    pub theme: Theme,
}

impl User {
    /// This user as the actor of a service call.
    pub fn actor(&self) -> Actor {
        Actor::user(UserActor {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            is_super_admin: self.is_super_admin,
        })
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        Self {
            id: model.id,
            email: model.email,
            display_name: model.display_name,
            is_super_admin: model.is_super_admin,
            disabled: model.disabled,
            created_at: model.created_at.and_utc(),
            last_login_at: model.last_login_at.map(|t| t.and_utc()),
            credentials_generation: model.credentials_generation,
            theme: Theme::stored(&model.theme),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: Password,
    pub is_super_admin: bool,
}

#[derive(Clone)]
pub struct Accounts {
    db: DatabaseConnection,
    /// A disabled user's personal tokens stop at once: changes here invalidate them.
    verification: VerificationCache,
    throttles: Arc<Throttles>,
    metrics: crate::metrics::Metrics,
}

impl Accounts {
    pub fn new(
        db: DatabaseConnection,
        verification: VerificationCache,
        throttles: Arc<Throttles>,
        metrics: crate::metrics::Metrics,
    ) -> Self {
        Self {
            db,
            verification,
            throttles,
            metrics,
        }
    }

    #[tracing::instrument(skip_all, fields(super_admin = new.is_super_admin))]
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, AppError> {
        require_super_admin(actor)?;
        let password_hash = passwords::hash(new.password).await?;
        let now = Utc::now().naive_utc();
        let txn = self.db.begin().await?;
        let inserted = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(new.email.as_str().to_owned()),
            display_name: Set(new.display_name.as_str().to_owned()),
            password_hash: Set(password_hash),
            is_super_admin: Set(new.is_super_admin),
            disabled: Set(false),
            created_at: Set(now),
            last_login_at: Set(None),
            credentials_generation: Set(0),
            theme: Set(Theme::default().as_str().to_owned()),
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::conflict("email", "A user with this email already exists.")
            }
            _ => AppError::from(e),
        })?;
        audit::record(
            &txn,
            actor,
            None,
            "user.create",
            AuditTarget::new("user", inserted.id, &inserted.email),
            json!({ "super_admin": inserted.is_super_admin }),
        )
        .await?;
        txn.commit().await?;
        Ok(inserted.into())
    }

    pub async fn get(&self, id: Uuid) -> Result<User, AppError> {
        user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(User::from)
            .ok_or(AppError::NotFound)
    }

    pub async fn find_by_email(&self, email: &Email) -> Result<Option<User>, AppError> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
            .map(User::from))
    }

    pub async fn count(&self) -> Result<u64, AppError> {
        Ok(user::Entity::find().count(&self.db).await?)
    }

    pub async fn list(&self) -> Result<Vec<User>, AppError> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Email)
            .all(&self.db)
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }

    /// Disabling a user stops their personal tokens at once (see token verification).
    #[tracing::instrument(skip_all, fields(user_id = %user_id, disabled))]
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        user_id: Uuid,
        disabled: bool,
    ) -> Result<User, AppError> {
        require_super_admin(actor)?;
        let txn = self.db.begin().await?;
        let existing = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut active: user::ActiveModel = existing.into();
        active.disabled = Set(disabled);
        let mut updated = active.update(&txn).await?;
        if disabled {
            revoke_credentials(&txn, user_id).await?;
            updated.credentials_generation += 1;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::record(
            &txn,
            actor,
            None,
            action,
            AuditTarget::new("user", updated.id, &updated.email),
            json!({}),
        )
        .await?;
        change_feed::commit(txn, &self.verification, &[Invalidation::Owner(user_id)]).await?;
        Ok(updated.into())
    }

    /// The user's own choice of colours; not audited (it changes nothing anyone else sees).
    pub async fn set_theme(&self, user_id: Uuid, theme: Theme) -> Result<(), AppError> {
        user::Entity::update_many()
            .col_expr(
                user::Column::Theme,
                sea_orm::sea_query::Expr::value(theme.as_str()),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The current display names of these users (the audit trail keeps the email an entry
    /// was written under; pages say who that is now). Unknown ids are left out.
    pub async fn display_names(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<(Uuid, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::DisplayName)
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }
}
