//! Dashboard sessions, kept on the server in the `sessions` table: the store actix-session
//! reads and writes (`store`), ending every session of a user at once, and sweeping expired
//! ones. No HTTP here: the dashboard's typed session is `web::session`.

mod store;

pub use store::{DatabaseSessionStore, USER_ID_KEY};

use crate::entities::session;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
}

impl Sessions {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The store the session middleware keeps sessions in.
    pub fn store(&self) -> DatabaseSessionStore {
        DatabaseSessionStore::new(self.db.clone())
    }

    /// Removes sessions whose idle time ran out.
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now().naive_utc()))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Sweeps expired sessions every `interval` until the process ends.
    pub fn spawn_sweeper(&self, interval: Duration) {
        let sessions = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            loop {
                ticker.tick().await;
                match sessions.purge_expired().await {
                    Ok(0) => {}
                    Ok(removed) => tracing::debug!(removed, "expired sessions removed"),
                    Err(error) => {
                        tracing::warn!(error = %error, "sweeping expired sessions failed")
                    }
                }
            }
        });
    }
}

/// Ends every session of a user, at once (password change, disabling), within the caller's
/// transaction.
pub async fn end_sessions_of(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}
