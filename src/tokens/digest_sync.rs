//! Filling the known-digest set from the database, and keeping it current with the secrets
//! other instances create and regenerate (the polling side of the change feed: on PostgreSQL
//! they are also pushed).

use crate::entities::api_token;
use crate::verification_cache::VerificationCache;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// Fills the set from the database and keeps it current with other instances' changes.
#[derive(Clone)]
pub struct DigestSync {
    db: DatabaseConnection,
    cache: VerificationCache,
}

impl DigestSync {
    pub(super) fn new(db: DatabaseConnection, cache: VerificationCache) -> Self {
        Self { db, cache }
    }

    /// Loads every stored digest. Until this has run, unknown digests are looked up.
    pub async fn load_all(&self) -> Result<usize, DbErr> {
        let hashes = self.stored_hashes(None).await?;
        self.cache
            .add_stored(hashes.iter().map(String::as_str), true);
        Ok(hashes.len())
    }

    /// Adds digests that changed since `since` (other instances' new and regenerated
    /// secrets). Run every second with an overlap that covers commit delays and clock skew.
    pub async fn since(&self, since: DateTime<Utc>) -> Result<usize, DbErr> {
        let hashes = self.stored_hashes(Some(since)).await?;
        self.cache
            .add_stored(hashes.iter().map(String::as_str), false);
        Ok(hashes.len())
    }

    async fn stored_hashes(&self, since: Option<DateTime<Utc>>) -> Result<Vec<String>, DbErr> {
        // Revoked tokens' digests stay out: the set holds live tokens only, so it does not
        // grow with every retired secret.
        let mut select = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::SecretHash)
            .filter(api_token::Column::RevokedAt.is_null());
        if let Some(since) = since {
            select = select.filter(api_token::Column::UpdatedAt.gte(since.naive_utc()));
        }
        select.into_tuple().all(&self.db).await
    }

    /// Syncs every `interval` until the process ends; after failures, at most
    /// `longest_wait` apart.
    pub fn spawn(&self, schedule: crate::background::Schedule, overlap: chrono::Duration) {
        let sync = self.clone();
        let since = std::sync::Arc::new(std::sync::Mutex::new(Utc::now() - overlap));
        crate::background::spawn_periodic("digest sync", schedule, move || {
            let sync = sync.clone();
            let since = since.clone();
            async move {
                let started = Utc::now();
                let from = *since.lock().unwrap_or_else(|p| p.into_inner());
                sync.since(from).await?;
                *since.lock().unwrap_or_else(|p| p.into_inner()) = started - overlap;
                Ok::<(), DbErr>(())
            }
        });
    }
}
