//! Keeping this instance's known-digest set and cache current with what other instances
//! change, by polling the numbered change log that `change_feed::commit` writes in each
//! change's own transaction. On PostgreSQL the feed pushes the same changes at once; the log
//! is what holds while the feed is down, and all there is on MySQL/MariaDB.
//!
//! A number is taken when its row is inserted and seen when its transaction commits, so a
//! later number can be seen first (a commit held up by a lock). A number skipped over is a
//! gap, asked for again on every poll until it appears or `GAP_PATIENCE` has passed: a
//! change rolled back never appears, and no transaction outlives the statement timeout by
//! that much.

use crate::entities::{api_token, verification_change};
use crate::verification_cache::{Invalidation, VerificationCache};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a skipped number is waited for.
const GAP_PATIENCE: Duration = Duration::from_secs(60);
/// At most this many skipped numbers are waited for at once; more cannot be in flight.
const MOST_GAPS: usize = 1_000;
/// Rows read per poll; a longer backlog is read over the next polls.
const ROWS_PER_POLL: u64 = 5_000;

/// Fills the set from the database and keeps it current with other instances' changes.
#[derive(Clone)]
pub struct DigestSync {
    db: DatabaseConnection,
    cache: VerificationCache,
    position: Arc<Mutex<Position>>,
}

/// How far the log has been read: every number up to `last` seen, except the gaps.
#[derive(Debug, Default)]
struct Position {
    last: i64,
    /// Skipped numbers, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
}

impl Position {
    /// Takes in the numbers one poll read (ascending).
    fn advance(&mut self, read: &[i64], now: Instant) {
        for number in read {
            self.gaps.remove(number);
            if *number > self.last {
                let mut skipped = self.last + 1;
                while skipped < *number && self.gaps.len() < MOST_GAPS {
                    self.gaps.insert(skipped, now);
                    skipped += 1;
                }
                self.last = *number;
            }
        }
        self.gaps
            .retain(|_, missed| now.duration_since(*missed) < GAP_PATIENCE);
    }
}

impl DigestSync {
    pub(super) fn new(db: DatabaseConnection, cache: VerificationCache) -> Self {
        Self {
            db,
            cache,
            position: Arc::default(),
        }
    }

    /// Loads every stored digest. Until this has run, unknown digests are looked up. The
    /// log's position is read first, so a change made meanwhile is read again, not missed.
    pub async fn load_all(&self) -> Result<usize, DbErr> {
        let newest: Option<Option<i64>> = verification_change::Entity::find()
            .select_only()
            .expr(Func::max(Expr::col(verification_change::Column::Sequence)))
            .into_tuple()
            .one(&self.db)
            .await?;
        if let Some(newest) = newest.flatten() {
            let mut position = self.position.lock().unwrap_or_else(|p| p.into_inner());
            position.last = position.last.max(newest);
        }
        // Revoked tokens' digests stay out: the set holds live tokens only, so it does not
        // grow with every retired secret.
        let hashes: Vec<String> = api_token::Entity::find()
            .select_only()
            .column(api_token::Column::SecretHash)
            .filter(api_token::Column::RevokedAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        self.cache
            .add_stored(hashes.iter().map(String::as_str), true);
        Ok(hashes.len())
    }

    /// Applies the changes logged since the last poll (and any that were skipped over and
    /// have appeared since); how many rows it read.
    pub async fn poll(&self) -> Result<usize, DbErr> {
        let (last, gaps) = {
            let position = self.position.lock().unwrap_or_else(|p| p.into_inner());
            (
                position.last,
                position.gaps.keys().copied().collect::<Vec<_>>(),
            )
        };
        let mut unseen = Condition::any().add(verification_change::Column::Sequence.gt(last));
        if !gaps.is_empty() {
            unseen = unseen.add(verification_change::Column::Sequence.is_in(gaps));
        }
        let rows: Vec<(i64, String)> = verification_change::Entity::find()
            .select_only()
            .column(verification_change::Column::Sequence)
            .column(verification_change::Column::Changes)
            .filter(unseen)
            .order_by_asc(verification_change::Column::Sequence)
            .limit(ROWS_PER_POLL)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (_, payload) in &rows {
            match Invalidation::decode_all(payload) {
                Some(changes) => changes.iter().for_each(|change| self.cache.apply(change)),
                // Written by a newer version: assume the worst.
                None => self.cache.forget_everything(),
            }
        }
        let read: Vec<i64> = rows.iter().map(|(number, _)| *number).collect();
        self.position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .advance(&read, Instant::now());
        Ok(rows.len())
    }

    /// Deletes log rows older than `age`: an instance reads the log from where it started.
    pub async fn prune_log(&self, age: Duration) -> Result<u64, DbErr> {
        let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        let Some(before) = chrono::Utc::now().checked_sub_signed(age) else {
            return Ok(0);
        };
        let deleted = verification_change::Entity::delete_many()
            .filter(verification_change::Column::RecordedAt.lt(before.naive_utc()))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }

    /// Polls on `schedule` until the process ends.
    pub fn spawn(&self, schedule: crate::background::Schedule) {
        let sync = self.clone();
        crate::background::spawn_periodic("change log poll", schedule, move || {
            let sync = sync.clone();
            async move { sync.poll().await.map(|_| ()) }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_skipped_over_are_waited_for_until_they_appear_or_patience_ends() {
        let start = Instant::now();
        let mut position = Position::default();
        position.advance(&[1, 2, 5], start);
        assert_eq!(position.last, 5);
        assert_eq!(position.gaps.keys().copied().collect::<Vec<_>>(), [3, 4]);
        // 4 commits late; 3 was rolled back and never comes.
        position.advance(&[4, 6], start + Duration::from_secs(1));
        assert_eq!(position.gaps.keys().copied().collect::<Vec<_>>(), [3]);
        position.advance(&[], start + GAP_PATIENCE);
        assert!(position.gaps.is_empty());
        assert_eq!(position.last, 6);
    }

    #[test]
    fn a_huge_jump_tracks_a_bounded_number_of_gaps() {
        let mut position = Position::default();
        position.advance(&[10_000_000], Instant::now());
        assert_eq!(position.gaps.len(), MOST_GAPS);
        assert_eq!(position.last, 10_000_000);
    }
}
