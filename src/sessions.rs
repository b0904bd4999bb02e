//! Server-side dashboard sessions as data: ending every session of a user, and dropping
//! expired ones. The actix-session store over this table lives in `web::session_store`.

use crate::entities::session;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Ends every session of a user, at once (password change, disabling).
pub async fn end_sessions_of(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes sessions whose idle time ran out.
pub async fn purge_expired(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(Utc::now().naive_utc()))
        .exec(conn)
        .await?
        .rows_affected)
}
