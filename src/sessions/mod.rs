//! Dashboard sessions, kept on the server in the `sessions` table: the store actix-session
//! reads and writes (`store`), ending every session of a user at once, and sweeping expired
//! ones. No HTTP here: the dashboard's typed session is `web::session`.

mod store;

pub use store::{CLIENT_IP_KEY, DatabaseSessionStore, HANDLE_KEY, USER_AGENT_KEY, USER_ID_KEY};

use crate::entities::session;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    lifetimes: SessionLifetimes,
}

/// How long a session lasts: `idle` without a request, `absolute` however active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

/// One of a user's live sessions, as their session list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub handle: String,
    pub signed_in_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Sessions {
    pub fn new(db: DatabaseConnection, lifetimes: SessionLifetimes) -> Self {
        Self { db, lifetimes }
    }

    pub fn lifetimes(&self) -> SessionLifetimes {
        self.lifetimes
    }

    /// The store the session middleware keeps sessions in.
    pub fn store(&self) -> DatabaseSessionStore {
        DatabaseSessionStore::new(self.db.clone(), self.lifetimes.absolute)
    }

    /// Removes sessions whose idle time or whole lifetime ran out.
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        let now = Utc::now().naive_utc();
        Ok(session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(session::Column::ExpiresAt.lte(now))
                    .add(session::Column::AbsoluteExpiresAt.lte(now)),
            )
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The user's live signed-in sessions, the most recently active first.
    pub async fn of_user(&self, user_id: Uuid) -> Result<Vec<SessionSummary>, DbErr> {
        let now = Utc::now().naive_utc();
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Handle.is_not_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .filter(
                Condition::any()
                    .add(session::Column::AbsoluteExpiresAt.is_null())
                    .add(session::Column::AbsoluteExpiresAt.gt(now)),
            )
            .order_by_desc(session::Column::LastSeenAt)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(SessionSummary {
                    handle: row.handle?,
                    signed_in_at: row.created_at.map(|t| t.and_utc()),
                    last_seen_at: row.last_seen_at.map(|t| t.and_utc()),
                    ends_at: Some(
                        row.absolute_expires_at
                            .map_or(row.expires_at, |end| end.min(row.expires_at))
                            .and_utc(),
                    ),
                    client_ip: row.client_ip,
                    user_agent: row.user_agent,
                })
            })
            .collect())
    }

    /// Ends one of the user's sessions by its handle; `false` when the user has no such
    /// session (another user's handle ends nothing).
    pub async fn end_one(&self, user_id: Uuid, handle: &str) -> Result<bool, DbErr> {
        let deleted = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Handle.eq(handle))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Sweeps expired sessions every `interval` until the process ends.
    pub fn spawn_sweeper(&self, interval: Duration) {
        let sessions = self.clone();
        let schedule = crate::background::Schedule {
            every: interval,
            longest_wait: interval,
        };
        crate::background::spawn_periodic("session sweep", schedule, move || {
            let sessions = sessions.clone();
            async move {
                let removed = sessions.purge_expired().await?;
                if removed > 0 {
                    tracing::debug!(removed, "expired sessions removed");
                }
                Ok::<(), DbErr>(())
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
