//! Failure counts every instance shares. Failed sign-ins and setup codes are rows in the
//! database, so an attacker who reaches N instances behind a load balancer gets each limit
//! once, not N times. Neither is a hot path (every sign-in attempt hashes a password), so a
//! read before the attempt and an insert after a failure cost nothing beside it.
//!
//! Windows are measured on each instance's clock; instances a few seconds apart move a
//! 15-minute window by those seconds.

use super::limiter::Rule;
use crate::entities::auth_failure;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// Which limit a failure counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    SignInAccount,
    SignInAddress,
    Setup,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignInAccount => "sign_in_account",
            Self::SignInAddress => "sign_in_address",
            Self::Setup => "setup",
        }
    }
}

#[derive(Clone)]
pub struct SharedFailures {
    db: DatabaseConnection,
}

/// The key as stored: a digest, since what someone typed into the email field may be their
/// password.
fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl SharedFailures {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// How long `key` is still held under `rule`: while the window holds `limit` failures,
    /// until the oldest of the newest `limit` leaves it. `None` when it is not held.
    pub async fn held(
        &self,
        scope: Scope,
        key: &str,
        rule: Rule,
    ) -> Result<Option<Duration>, DbErr> {
        let now = Utc::now();
        let recent = self.recent(scope, key, rule, now).await?;
        if recent.len() < rule.limit as usize {
            return Ok(None);
        }
        let Some(oldest_counted) = recent.last() else {
            return Ok(None);
        };
        let window = chrono::Duration::from_std(rule.window).unwrap_or(chrono::Duration::MAX);
        let wait = (oldest_counted.and_utc() + window - now)
            .to_std()
            .unwrap_or_default();
        // At least a second: a wait of zero would tell the client to retry at once.
        Ok(Some(wait.max(Duration::from_secs(1))))
    }

    /// Counts one failure; `true` when it is the one that reaches the limit (for the log).
    pub async fn failed(&self, scope: Scope, key: &str, rule: Rule) -> Result<bool, DbErr> {
        let now = Utc::now();
        auth_failure::Entity::insert(auth_failure::ActiveModel {
            id: Set(Uuid::now_v7()),
            scope: Set(scope.as_str().to_owned()),
            key_digest: Set(digest(key)),
            failed_at: Set(now.naive_utc()),
        })
        .exec(&self.db)
        .await?;
        let recent = self.recent(scope, key, rule, now).await?;
        Ok(recent.len() == rule.limit as usize)
    }

    /// Forgets the key's failures (a successful sign-in clears its account).
    pub async fn forgive(&self, scope: Scope, key: &str) -> Result<(), DbErr> {
        auth_failure::Entity::delete_many()
            .filter(auth_failure::Column::Scope.eq(scope.as_str()))
            .filter(auth_failure::Column::KeyDigest.eq(digest(key)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes failures older than `age` (no window is longer than a day).
    pub async fn prune(&self, age: Duration) -> Result<u64, DbErr> {
        let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        let Some(before) = Utc::now().checked_sub_signed(age) else {
            return Ok(0);
        };
        let deleted = auth_failure::Entity::delete_many()
            .filter(auth_failure::Column::FailedAt.lt(before.naive_utc()))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }

    /// The newest `limit` failures of `key` inside the window, newest first.
    async fn recent(
        &self,
        scope: Scope,
        key: &str,
        rule: Rule,
        now: DateTime<Utc>,
    ) -> Result<Vec<chrono::NaiveDateTime>, DbErr> {
        let window = chrono::Duration::from_std(rule.window).unwrap_or(chrono::Duration::MAX);
        let since = now.checked_sub_signed(window).unwrap_or(now);
        auth_failure::Entity::find()
            .select_only()
            .column(auth_failure::Column::FailedAt)
            .filter(auth_failure::Column::Scope.eq(scope.as_str()))
            .filter(auth_failure::Column::KeyDigest.eq(digest(key)))
            .filter(auth_failure::Column::FailedAt.gt(since.naive_utc()))
            .order_by_desc(auth_failure::Column::FailedAt)
            .limit(u64::from(rule.limit))
            .into_tuple()
            .all(&self.db)
            .await
    }
}
