//! Every digest stored in the database, once loaded: a digest outside the set is unknown
//! without a query, so even an endless stream of distinct made-up tokens never reaches the
//! database. This process adds its own new secrets before acknowledging them; a sync every
//! second adds other instances' (`DigestSync`).

use super::cache::{ByDigest, Digest, VerificationCache};
use crate::entities::api_token;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Default)]
pub(super) struct KnownDigests {
    loaded: AtomicBool,
    digests: RwLock<HashSet<Digest, ByDigest>>,
}

impl KnownDigests {
    /// `Some(false)` when the digest is certainly not stored; `None` before the set is loaded.
    pub(super) fn contains(&self, digest: &Digest) -> Option<bool> {
        if !self.loaded.load(Ordering::Acquire) {
            return None;
        }
        let digests = self.digests.read().unwrap_or_else(|p| p.into_inner());
        Some(digests.contains(digest))
    }

    /// Adds digests; `complete` marks the set as holding every stored digest.
    pub(super) fn extend(&self, added: impl IntoIterator<Item = Digest>, complete: bool) {
        let mut digests = self.digests.write().unwrap_or_else(|p| p.into_inner());
        digests.extend(added);
        if complete {
            self.loaded.store(true, Ordering::Release);
        }
    }
}

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
        let mut select = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::SecretHash);
        if let Some(since) = since {
            select = select.filter(api_token::Column::UpdatedAt.gte(since.naive_utc()));
        }
        select.into_tuple().all(&self.db).await
    }

    /// Syncs every `interval` until the process ends.
    pub fn spawn(&self, interval: std::time::Duration, overlap: chrono::Duration) {
        let sync = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut since = Utc::now() - overlap;
            loop {
                ticker.tick().await;
                let started = Utc::now();
                match sync.since(since).await {
                    Ok(_) => since = started - overlap,
                    Err(error) => {
                        tracing::warn!(error = %error, "syncing stored token digests failed; will retry")
                    }
                }
            }
        });
    }
}
