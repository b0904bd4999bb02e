//! The change feed between instances on PostgreSQL: every change that affects verification
//! is published with `pg_notify` inside its own transaction (so it is delivered on commit,
//! and never for a change rolled back), and every instance listens on a connection of its own
//! and applies what it hears to its verification cache.
//!
//! While the listener is connected the cache keeps answers long; when it is lost the cache
//! falls back to its short lifetime at once, and when it is back the cache starts afresh (see
//! `VerificationCache::feed_connected`). A connection that dies silently is caught by a
//! heartbeat: the listener sends itself a notification five times a second and counts the
//! feed lost when none has come back for `HEARTBEAT_DEADLINE`, so a silent partition is
//! noticed within about 0.8 s, inside the default fallback lifetime of one second. Other
//! backends have no feed and poll.

use crate::verification_cache::{Invalidation, VerificationCache};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The channel every instance listens on.
pub const CHANNEL: &str = "latchkey_changes";
const HEARTBEAT_EVERY: Duration = Duration::from_millis(200);
const HEARTBEAT_DEADLINE: Duration = Duration::from_millis(600);
const RECONNECT_FIRST: Duration = Duration::from_millis(100);
const RECONNECT_LONGEST: Duration = Duration::from_secs(5);

/// At most this many changes in one notification: a payload must stay under PostgreSQL's
/// 8,000 bytes, and a change takes at most 66.
const CHANGES_PER_NOTIFICATION: usize = 100;

/// Publishes `changes` in the transaction (or connection) `db`; nothing on other backends.
pub async fn publish(db: &impl ConnectionTrait, changes: &[Invalidation]) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    for batch in changes.chunks(CHANGES_PER_NOTIFICATION) {
        notify(db, Invalidation::encode_all(batch)).await?;
    }
    Ok(())
}

/// Adds `changes` to the numbered log that polling instances read (`tokens::DigestSync`).
async fn record(db: &impl ConnectionTrait, changes: &[Invalidation]) -> Result<(), DbErr> {
    use crate::entities::verification_change;
    use sea_orm::{EntityTrait, NotSet, Set};
    if changes.is_empty() {
        return Ok(());
    }
    verification_change::Entity::insert(verification_change::ActiveModel {
        sequence: NotSet,
        changes: Set(Invalidation::encode_all(changes)),
        recorded_at: Set(chrono::Utc::now().naive_utc()),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// One notification on the channel, in `db` (a transaction delivers it on commit).
async fn notify(db: &impl ConnectionTrait, payload: String) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await
    .map(|_| ())
}

/// Starts the listener when `db` is PostgreSQL; it runs until the process ends.
pub fn spawn_listener(db: &DatabaseConnection, cache: VerificationCache) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let mut backoff = RECONNECT_FIRST;
        loop {
            let started = Instant::now();
            let reason = listen(&db, &cache).await;
            cache.feed_lost();
            tracing::warn!(
                reason = %reason,
                "change feed lost; cached answers last the fallback lifetime until it is back"
            );
            if started.elapsed() > RECONNECT_LONGEST {
                backoff = RECONNECT_FIRST;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(RECONNECT_LONGEST);
        }
    });
}

/// Listens until the connection is lost; returns why.
async fn listen(db: &DatabaseConnection, cache: &VerificationCache) -> String {
    let pool = db.get_postgres_connection_pool();
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(error) => return error.to_string(),
    };
    if let Err(error) = listener.listen(CHANNEL).await {
        return error.to_string();
    }
    cache.feed_connected();
    tracing::info!(channel = CHANNEL, "change feed listening");

    // This listener's own heartbeat, told apart from other instances' by a fresh id.
    let heartbeat = format!("h:{}", Uuid::new_v4().simple());
    let mut ticker = tokio::time::interval(HEARTBEAT_EVERY);
    let mut last_echo = Instant::now();
    loop {
        tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    let payload = notification.payload();
                    if payload == heartbeat {
                        last_echo = Instant::now();
                    } else if !payload.starts_with("h:") {
                        apply(cache, payload);
                    }
                }
                Ok(None) => return "the listening connection closed".into(),
                Err(error) => return error.to_string(),
            },
            _ = ticker.tick() => {
                if last_echo.elapsed() > HEARTBEAT_DEADLINE {
                    return format!("no heartbeat came back for {} ms", HEARTBEAT_DEADLINE.as_millis());
                }
                // Through the pool, not the listening connection: it proves the round trip.
                let sent = notify(db, heartbeat.clone()).await;
                if let Err(error) = sent {
                    tracing::debug!(error = %error, "change feed heartbeat not sent");
                }
            }
        }
    }
}

fn apply(cache: &VerificationCache, payload: &str) {
    match Invalidation::decode_all(payload) {
        Some(changes) => changes.iter().for_each(|change| cache.apply(change)),
        None => {
            // Not a change this version knows: dropping every answer is always safe.
            tracing::warn!("an unreadable change arrived; every cached answer dropped");
            cache.forget_everything();
        }
    }
}

/// Commits `txn` with `changes` published and recorded in it, then applies them to this
/// process's cache: the one way a change that affects verification is committed.
pub async fn commit(
    txn: sea_orm::DatabaseTransaction,
    cache: &VerificationCache,
    changes: &[Invalidation],
) -> Result<(), DbErr> {
    record(&txn, changes).await?;
    publish(&txn, changes).await?;
    txn.commit().await?;
    for change in changes {
        cache.apply(change);
    }
    Ok(())
}
