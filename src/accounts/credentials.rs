//! Credentials: signing in with an email and password (timing-safe for unknown emails) and
//! changing one's password.

use super::{Accounts, User, passwords};
use crate::audit::{self, AuditTarget};
use crate::authority::require_self_or_super_admin;
use crate::domain::{Actor, Email, Password};
use crate::entities::user;
use crate::error::{AppError, AuthFailure};
use crate::metrics::SignIn;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

impl Accounts {
    /// Checks an email and password. Unknown emails are checked against a dummy hash so the
    /// answer takes the same time either way. Success and failure are both audited.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<User, AppError> {
        let client_ip = client.map(|address| address.to_string());
        // Checked before the password: while held, even the right one is refused.
        if let Err(retry_after) = self.throttles.check_sign_in(email, client).await? {
            crate::security_event!(
                warn,
                "sign_in_throttled",
                retry_after_seconds = retry_after.as_secs(),
                client_ip = client_ip.as_deref().unwrap_or("-"),
                "sign-in refused: too many failed attempts"
            );
            self.metrics.sign_in(SignIn::Throttled);
            return Err(AppError::RateLimited { retry_after });
        }
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
                let user = User::from(active.update(&txn).await?);
                let actor = user.actor().with_client_ip(client_ip);
                audit::record(
                    &txn,
                    &actor,
                    None,
                    "auth.login_succeeded",
                    AuditTarget::new("user", user.id, &user.email),
                    json!({}),
                )
                .await?;
                Ok(user)
            }
            other => {
                let actor = Actor::system().with_client_ip(client_ip.clone());
                let target = match &other {
                    Some(user) => AuditTarget::new("user", user.id, &user.email),
                    None => AuditTarget {
                        kind: "user",
                        id: None,
                        label: printable(email, 254),
                    },
                };
                let reason = match other {
                    Some(user) if user.disabled && password_ok => "disabled",
                    Some(_) => "wrong_password",
                    None => "unknown_email",
                };
                crate::security_event!(
                    info,
                    "sign_in_failed",
                    reason,
                    client_ip = client_ip.as_deref().unwrap_or("-"),
                    "sign-in failed"
                );
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
        // After the commit: on SQLite the transaction holds the one write lock, which the
        // shared failure counts need too.
        match &outcome {
            Ok(_) => {
                self.metrics.sign_in(SignIn::Succeeded);
                self.throttles.sign_in_succeeded(email).await?
            }
            Err(_) => {
                self.metrics.sign_in(SignIn::Failed);
                self.throttles.sign_in_failed(email, client).await?
            }
        }
        outcome
    }

    /// Changes a password after checking the current one and revokes the user's credentials
    /// (every session, every login access token); the caller re-establishes its own session
    /// under the returned credentials generation.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new: Password,
        client_ip: Option<String>,
    ) -> Result<i64, AppError> {
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
        let actor = User::from(existing.clone())
            .actor()
            .with_client_ip(client_ip);
        let email = existing.email.clone();
        let generation = existing.credentials_generation + 1;
        let mut active: user::ActiveModel = existing.into();
        active.password_hash = Set(hash);
        active.update(&txn).await?;
        revoke_credentials(&txn, user_id).await?;
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
        Ok(generation)
    }
}

impl Accounts {
    /// "Sign out everywhere": every session and login access token of the user ends. By the
    /// user, or a super admin for another user.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn sign_out_everywhere(&self, actor: &Actor, user_id: Uuid) -> Result<(), AppError> {
        require_self_or_super_admin(actor, user_id)?;
        let txn = self.db.begin().await?;
        let user = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        revoke_credentials(&txn, user_id).await?;
        audit::record(
            &txn,
            actor,
            None,
            "user.sessions_end",
            AuditTarget::new("user", user_id, &user.email),
            json!({}),
        )
        .await?;
        txn.commit().await?;
        crate::security_event!(
            info,
            "credentials_revoked",
            user_id = %user_id,
            "every session and login access token of the user ended"
        );
        Ok(())
    }
}

/// Every credential the user holds stops working, within the caller's transaction: the
/// credentials generation moves on (login access tokens and sessions issued under the old one
/// are refused) and every session row is deleted. API tokens are not credentials of the user
/// and are left alone (a personal token follows its owner's standing on its own).
pub async fn revoke_credentials(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::CredentialsGeneration,
            Expr::col(user::Column::CredentialsGeneration).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    crate::sessions::end_sessions_of(conn, user_id).await?;
    Ok(())
}

/// Text an attacker typed, as it may be stored and shown: at most `max` characters, control
/// characters (CR, LF, escapes) written out as `\u{..}` so they cannot forge lines or
/// terminal output.
fn printable(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .take(max)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_unicode().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// A valid argon2id hash of a random string nobody knows, for timing-safe misses.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1Ff9gGN8MIRxVLl3AP1oqfuQmEHVNqCLbZJk4M7mKUc";
