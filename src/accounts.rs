//! Instance users (administrators): creation, sign-in and the disabled flag.

use crate::access::require_super_admin;
use crate::audit::{self, AuditTarget};
use crate::domain::{Actor, DisplayName, Email, Password};
use crate::entities::user;
use crate::error::{AppError, AuthFailure};
use crate::passwords;
use crate::tokens::VerificationCache;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, SqlErr, TransactionTrait,
};
use serde_json::json;
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
}

impl Accounts {
    pub fn new(db: DatabaseConnection, verification: VerificationCache) -> Self {
        Self { db, verification }
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
        let updated = active.update(&txn).await?;
        if disabled {
            crate::sessions::end_sessions_of(&txn, user_id).await?;
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
        txn.commit().await?;
        self.verification.forget_owner(user_id);
        Ok(updated.into())
    }

    /// Checks an email and password. Unknown emails are checked against a dummy hash so the
    /// answer takes the same time either way. Success and failure are both audited.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        client_ip: Option<String>,
    ) -> Result<User, AppError> {
        let found = match Email::parse(email) {
            Ok(email) => {
                user::Entity::find()
                    .filter(user::Column::Email.eq(email.as_str()))
                    .one(&self.db)
                    .await?
            }
            Err(_) => None,
        };
        let stored_hash = found
            .as_ref()
            .map_or_else(|| DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
        let password_ok = passwords::verify(password.to_owned(), stored_hash).await?;

        let txn = self.db.begin().await?;
        let outcome = match found {
            Some(user) if password_ok && !user.disabled => {
                let mut active: user::ActiveModel = user.into();
                active.last_login_at = Set(Some(Utc::now().naive_utc()));
                let user = active.update(&txn).await?;
                let actor = Actor::user(crate::domain::UserActor {
                    id: user.id,
                    email: user.email.clone(),
                    is_super_admin: user.is_super_admin,
                })
                .with_client_ip(client_ip);
                audit::record(
                    &txn,
                    &actor,
                    None,
                    "auth.login_succeeded",
                    AuditTarget::new("user", user.id, &user.email),
                    json!({}),
                )
                .await?;
                Ok(User::from(user))
            }
            other => {
                let actor = Actor::system().with_client_ip(client_ip);
                let target = match &other {
                    Some(user) => AuditTarget::new("user", user.id, &user.email),
                    None => AuditTarget {
                        kind: "user",
                        id: None,
                        label: email.trim().chars().take(254).collect(),
                    },
                };
                let reason = match other {
                    Some(user) if user.disabled && password_ok => "disabled",
                    Some(_) => "wrong_password",
                    None => "unknown_email",
                };
                audit::record(
                    &txn,
                    &actor,
                    None,
                    "auth.login_failed",
                    target,
                    json!({ "reason": reason }),
                )
                .await?;
                Err(AppError::Unauthenticated(AuthFailure::BadCredentials))
            }
        };
        txn.commit().await?;
        outcome
    }
}

impl Accounts {
    /// Changes a password after checking the current one, and ends every session of the
    /// user; the caller re-establishes its own.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new: Password,
        client_ip: Option<String>,
    ) -> Result<(), AppError> {
        let existing = user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound)?;
        if !passwords::verify(current.to_owned(), existing.password_hash.clone()).await? {
            return Err(AppError::invalid(
                "current_password",
                "The current password is not correct.",
            ));
        }
        let hash = passwords::hash(new).await?;
        let txn = self.db.begin().await?;
        let actor = Actor::user(crate::domain::UserActor {
            id: existing.id,
            email: existing.email.clone(),
            is_super_admin: existing.is_super_admin,
        })
        .with_client_ip(client_ip);
        let email = existing.email.clone();
        let mut active: user::ActiveModel = existing.into();
        active.password_hash = Set(hash);
        active.update(&txn).await?;
        crate::sessions::end_sessions_of(&txn, user_id).await?;
        audit::record(
            &txn,
            &actor,
            None,
            "user.password_change",
            AuditTarget::new("user", user_id, &email),
            json!({}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A valid argon2id hash of a random string nobody knows, for timing-safe misses.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Ff9gGN8MIRxVLl3AP1oqfuQmEHVNqCLbZJk4M7mKUc";
