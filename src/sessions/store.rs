//! actix-session's `SessionStore` over the application database, so that sessions live on
//! the server: logging out, changing a password or disabling a user ends them at once, and
//! every instance behind a load balancer sees the same sessions.

use crate::entities::session;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// The state key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "user_id";
/// State keys copied into columns, so that a user's sessions can be listed and ended: the
/// session's random handle, and the client address and browser it was signed in from.
pub const HANDLE_KEY: &str = "handle";
pub const CLIENT_IP_KEY: &str = "client_ip";
pub const USER_AGENT_KEY: &str = "user_agent";

#[derive(Clone)]
pub struct DatabaseSessionStore {
    db: DatabaseConnection,
    /// However active, a session ends this long after it was created (a sign-in creates one).
    absolute: chrono::Duration,
}

impl DatabaseSessionStore {
    pub fn new(db: DatabaseConnection, absolute: chrono::Duration) -> Self {
        Self { db, absolute }
    }
}

fn storage_id(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}

fn user_id_of(state: &HashMap<String, String>) -> Option<Uuid> {
    state
        .get(USER_ID_KEY)
        .and_then(|raw| serde_json::from_str::<Uuid>(raw).ok())
}

/// A text value of the state (stored JSON-encoded), bounded to its column.
fn text_of(state: &HashMap<String, String>, key: &str, max_chars: usize) -> Option<String> {
    let value: String = serde_json::from_str(state.get(key)?).ok()?;
    Some(value.chars().take(max_chars).collect())
}

fn now() -> chrono::NaiveDateTime {
    Utc::now().naive_utc()
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    (Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())).naive_utc()
}

fn new_session_key() -> Result<SessionKey, anyhow::Error> {
    let bytes = crate::random::bytes::<32>()?;
    SessionKey::try_from(hex::encode(bytes)).map_err(|e| anyhow::anyhow!("{e}"))
}

impl DatabaseSessionStore {
    async fn write(
        &self,
        key: &SessionKey,
        state: &HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        // A fresh random key: no row has it, so this is an insert.
        let model = session::ActiveModel {
            id: Set(storage_id(key)),
            user_id: Set(user_id_of(state)),
            state: Set(serde_json::to_string(state)?),
            expires_at: Set(expiry(ttl)),
            handle: Set(text_of(state, HANDLE_KEY, 32)),
            created_at: Set(Some(now())),
            last_seen_at: Set(Some(now())),
            absolute_expires_at: Set(Some(now() + self.absolute)),
            client_ip: Set(text_of(state, CLIENT_IP_KEY, 64)),
            user_agent: Set(text_of(state, USER_AGENT_KEY, 200)),
        };
        session::Entity::insert(model)
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }
}

impl SessionStore for DatabaseSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let found = session::Entity::find_by_id(storage_id(session_key))
            .one(&self.db)
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        match found {
            Some(row)
                if row.expires_at > now()
                    && row.absolute_expires_at.is_none_or(|end| end > now()) =>
            {
                serde_json::from_str(&row.state)
                    .map(Some)
                    .map_err(|e| LoadError::Deserialization(e.into()))
            }
            _ => Ok(None),
        }
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_session_key().map_err(SaveError::Other)?;
        self.write(&key, &session_state, ttl)
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        // Only an existing row is updated: a session ended elsewhere (logout in another tab,
        // a password change) must not be brought back by a late write of its old state.
        let updated = session::Entity::update_many()
            .col_expr(
                session::Column::UserId,
                Expr::value(user_id_of(&session_state)),
            )
            .col_expr(
                session::Column::State,
                Expr::value(
                    serde_json::to_string(&session_state)
                        .map_err(|e| UpdateError::Serialization(e.into()))?,
                ),
            )
            .col_expr(session::Column::ExpiresAt, Expr::value(expiry(ttl)))
            .col_expr(session::Column::LastSeenAt, Expr::value(now()))
            .col_expr(
                session::Column::Handle,
                Expr::value(text_of(&session_state, HANDLE_KEY, 32)),
            )
            .col_expr(
                session::Column::ClientIp,
                Expr::value(text_of(&session_state, CLIENT_IP_KEY, 64)),
            )
            .col_expr(
                session::Column::UserAgent,
                Expr::value(text_of(&session_state, USER_AGENT_KEY, 200)),
            )
            .filter(session::Column::Id.eq(storage_id(&session_key)))
            .exec(&self.db)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated.rows_affected == 0 {
            // Start over with an empty state rather than resurrect the signed-in user.
            return self.save(HashMap::new(), ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            });
        }
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(expiry(ttl)))
            .col_expr(session::Column::LastSeenAt, Expr::value(now()))
            .filter(session::Column::Id.eq(storage_id(session_key)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        session::Entity::delete_by_id(storage_id(session_key))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
