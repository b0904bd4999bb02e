//! The in-process cache of verification answers, keyed by the token's HMAC digest.
//!
//! A positive entry holds everything `verify` needs (project, kind, type, effective
//! permissions, expiry, revoked and owner state), so a hit answers with no database round
//! trip; expiry is still compared with the clock on every hit. A negative entry remembers,
//! briefly, a digest that matched no token, so a flood of made-up (but well-formed) tokens
//! cannot pin the database; a new token can never be in it, as its digest is new.
//!
//! Every change made through this process invalidates what it affects before it returns.
//! Other instances' changes arrive by push on PostgreSQL (`crate::change_feed`): while the
//! feed is connected, entries live the long `pushed` lifetime (five minutes by default);
//! whenever it is not (every other backend, or the feed down or reconnecting), an entry older
//! than the short `fallback` lifetime (one second by default) counts as absent, which bounds
//! how long another instance's change can go unseen here. When the feed (re)connects, every
//! entry is dropped, since changes made while it was away were not heard. A read that raced a change here is never cached: each
//! invalidation moves a generation on, and facts read under an older generation are dropped
//! (see `insert`).

mod budget;
mod digest;
mod invalidation;
mod known_digests;

pub use digest::Digest;
pub use invalidation::Invalidation;

use crate::domain::{PermissionSet, ProjectAccess, RestRoutes, TokenKind, TokenType};
use actix_web::http::header::{HeaderName, HeaderValue};
use budget::PerSecond;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use digest::ByDigest;
use known_digests::KnownDigests;
use moka::sync::Cache;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Forward auth's answer headers for one token (`Latchkey-Token-Id` and the rest).
pub type IdentityHeaders = Box<[(HeaderName, HeaderValue)]>;

const POSITIVE_CAPACITY: u64 = 100_000;
const NEGATIVE_CAPACITY: u64 = 100_000;
const NEGATIVE_TTL: Duration = Duration::from_secs(10);
const UNLISTED_LOOKUPS_PER_SECOND: u32 = 50;

/// What `verify` knows about a token, as of the moment it was read.
#[derive(Debug)]
pub struct TokenFacts {
    pub id: Uuid,
    pub name: String,
    pub project_id: Uuid,
    pub project_slug: String,
    pub kind: TokenKind,
    pub token_type: TokenType,
    pub owner_id: Option<Uuid>,
    /// Effective permissions: the grant, capped by the owner's role for a personal token.
    pub permissions: PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// A personal token whose owner is disabled or no longer in the project.
    pub owner_inactive: bool,
    /// A personal token's owner's access in the project, as read with these facts.
    pub owner_access: Option<ProjectAccess>,
    /// The verify endpoint's answer for these facts, rendered on first use: every later hit
    /// answers with a reference-counted copy instead of serialising anew. Facts never change
    /// in place (a change replaces the entry), so the answer cannot go stale.
    pub rendered_answer: OnceLock<Bytes>,
    /// The project's REST mapping for forward auth, when it has a route prefix.
    pub routes: Option<Arc<RestRoutes>>,
    /// Forward auth's identity headers for these facts, rendered on first use like the
    /// verify answer.
    pub identity_headers: OnceLock<IdentityHeaders>,
}

/// An answer and when it was read.
#[derive(Clone)]
struct Cached {
    read: Instant,
    facts: Arc<TokenFacts>,
}

#[derive(Clone)]
pub struct VerificationCache {
    positive: Cache<Digest, Cached, ByDigest>,
    negative: Cache<Digest, (), ByDigest>,
    known: Arc<KnownDigests>,
    /// Moved on by every invalidation, before it invalidates.
    generation: Arc<AtomicU64>,
    /// The lifetime of an entry while no change feed keeps it true.
    fallback: Duration,
    /// Whether this process has a change feed at all, and whether it is connected now.
    feed: Arc<FeedState>,
    unlisted_budget: Arc<PerSecond>,
    /// Hits and misses of `get`, for the metrics: striped, as on the hot path.
    lookups: Arc<crate::metrics::Striped<2>>,
}

#[derive(Default)]
struct FeedState {
    exists: bool,
    connected: AtomicBool,
}

impl VerificationCache {
    /// A cache whose entries live `fallback`; with `pushed`, a cache fed by a change feed,
    /// whose entries live `pushed` while the feed is connected.
    pub fn new(fallback: Duration, pushed: Option<Duration>) -> Self {
        let longest = pushed.map_or(fallback, |pushed| pushed.max(fallback));
        Self {
            positive: Cache::builder()
                .max_capacity(POSITIVE_CAPACITY)
                .time_to_live(longest)
                .support_invalidation_closures()
                .build_with_hasher(ByDigest::default()),
            negative: Cache::builder()
                .max_capacity(NEGATIVE_CAPACITY)
                .time_to_live(NEGATIVE_TTL.min(fallback.max(Duration::from_millis(1)) * 10))
                .build_with_hasher(ByDigest::default()),
            known: Arc::default(),
            generation: Arc::default(),
            fallback,
            feed: Arc::new(FeedState {
                exists: pushed.is_some(),
                connected: AtomicBool::new(false),
            }),
            unlisted_budget: Arc::new(PerSecond::new(UNLISTED_LOOKUPS_PER_SECOND)),
            lookups: Arc::default(),
        }
    }

    /// `Some(false)` when the digest is not in the known set; `None` before it is loaded.
    pub(crate) fn is_stored(&self, digest: &Digest) -> Option<bool> {
        self.known.contains(digest)
    }

    /// Digests in the known set (for diagnostics, tests and the scale figures).
    pub fn known_digests(&self) -> usize {
        self.known.len()
    }

    /// Whether a digest outside the known set may still be looked up now: it may name a token
    /// another instance made a moment ago, not heard of yet. At most
    /// `UNLISTED_LOOKUPS_PER_SECOND` a second, so a flood of made-up tokens stays off the
    /// database; past that they are refused, as they almost surely deserve.
    pub(crate) fn may_look_up_unlisted(&self) -> bool {
        self.unlisted_budget.take()
    }

    /// Adds stored digests (hex); `complete` marks the set as holding every stored digest.
    pub(crate) fn add_stored<'a>(&self, hashes: impl IntoIterator<Item = &'a str>, complete: bool) {
        let digests = hashes.into_iter().filter_map(|hash| {
            let mut digest = [0u8; 32];
            hex::decode_to_slice(hash, &mut digest).ok()?;
            // A digest that was unknown a moment ago may be a brand-new token.
            self.negative.invalidate(&digest);
            Some(digest)
        });
        self.known.extend(digests, complete);
    }

    pub(crate) fn get(&self, digest: &Digest) -> Option<Arc<TokenFacts>> {
        let found = self.positive.get(digest).filter(|cached| {
            // Without a connected feed nothing keeps an entry true past the fallback lifetime.
            !(self.feed.exists
                && !self.feed.connected.load(Ordering::Acquire)
                && cached.read.elapsed() > self.fallback)
        });
        self.lookups.add(usize::from(found.is_none()), 1);
        found.map(|cached| cached.facts)
    }

    /// How many lookups found an answer, and how many did not.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.lookups.total(0), self.lookups.total(1))
    }

    /// The generation to pass to `insert`: read it before reading the facts.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches facts read under generation `read_at` unless an invalidation ran since: the
    /// read may then predate the change (a revocation committed while it ran). Inserted
    /// first and checked after, so an invalidation between the two cannot be missed: it
    /// either removes the entry itself or moved the generation on before we look.
    pub(crate) fn insert(&self, digest: Digest, facts: Arc<TokenFacts>, read_at: u64) {
        if self.generation() != read_at {
            return;
        }
        self.positive.insert(
            digest,
            Cached {
                read: Instant::now(),
                facts,
            },
        );
        if self.generation() != read_at {
            self.positive.invalidate(&digest);
        }
    }

    fn next_generation(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn is_known_unknown(&self, digest: &Digest) -> bool {
        self.negative.contains_key(digest)
    }

    pub(crate) fn remember_unknown(&self, digest: Digest) {
        self.negative.insert(digest, ());
    }

    /// A token's secret changed or it was changed or revoked: drop its entry.
    pub fn forget_token(&self, stored_hash_hex: &str) {
        let mut digest = [0u8; 32];
        self.next_generation();
        if hex::decode_to_slice(stored_hash_hex, &mut digest).is_ok() {
            self.positive.invalidate(&digest);
        }
    }

    /// A user's role, membership or status changed: their personal tokens' answers too.
    pub fn forget_owner(&self, user_id: Uuid) {
        self.forget_where(move |facts| facts.owner_id == Some(user_id));
    }

    /// The project's content types changed: every grant of the project resolves anew.
    pub fn forget_project(&self, project_id: Uuid) {
        self.forget_where(move |facts| facts.project_id == project_id);
    }

    fn forget_where(&self, predicate: impl Fn(&TokenFacts) -> bool + Send + Sync + 'static) {
        self.next_generation();
        // Cannot fail: the cache was built with invalidation closures. Should it ever,
        // dropping everything is the safe answer.
        if self
            .positive
            .invalidate_entries_if(move |_, cached| predicate(&cached.facts))
            .is_err()
        {
            self.positive.invalidate_all();
        }
    }

    /// Drops every answer (a change that could not be read, or changes not heard).
    pub fn forget_everything(&self) {
        self.next_generation();
        self.positive.invalidate_all();
    }

    /// Applies a change made here or heard from another instance.
    pub fn apply(&self, change: &Invalidation) {
        match change {
            Invalidation::Token(hash) => self.forget_token(hash),
            Invalidation::Retired(hash) => {
                self.forget_token(hash);
                let mut digest = [0u8; 32];
                if hex::decode_to_slice(hash, &mut digest).is_ok() {
                    self.known.remove(&digest);
                }
            }
            Invalidation::Stored(hash) => self.add_stored([hash.as_str()], false),
            Invalidation::Owner(user_id) => self.forget_owner(*user_id),
            Invalidation::Project(project_id) => self.forget_project(*project_id),
        }
    }

    /// The change feed is listening: from now on every change is heard. What was cached
    /// before may have missed changes made while it was away, so it goes.
    pub fn feed_connected(&self) {
        self.forget_everything();
        self.feed.connected.store(true, Ordering::Release);
    }

    /// The change feed is down: entries count only for the fallback lifetime again.
    pub fn feed_lost(&self) {
        self.feed.connected.store(false, Ordering::Release);
    }

    pub fn feed_is_connected(&self) -> bool {
        self.feed.connected.load(Ordering::Acquire)
    }

    /// Entries currently held (approximate; for diagnostics and tests).
    pub fn cached_tokens(&self) -> u64 {
        self.positive.run_pending_tasks();
        self.positive.entry_count()
    }
}

#[cfg(test)]
mod tests;
