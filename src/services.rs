//! The services every entry point (HTTP server, command line, tests, benchmarks) works
//! through, their construction and their background tasks. Nothing here knows HTTP, and the
//! database handle stays inside: every statement is issued by a service.

use crate::accounts::Accounts;
use crate::audit::AuditLog;
use crate::background::Schedule;
use crate::config::Settings;
use crate::db;
use crate::error::AppError;
use crate::metrics::{Gauges, Metrics};
use crate::projects::Projects;
use crate::sessions::{SessionLifetimes, Sessions};
use crate::throttle::Throttles;
use crate::tokens::{LastUsedRecorder, TokenHasher, TokenService};
use crate::verification_cache::VerificationCache;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// How often this instance reads the change log for what other instances changed.
const DIGEST_SYNC: Schedule = Schedule {
    every: Duration::from_secs(1),
    // Short even in an outage: until it polls, secrets made on other instances cost a
    // lookup here.
    longest_wait: Duration::from_secs(4),
};
/// How long change-log rows are kept: an instance reads the log from where it started.
const CHANGE_LOG_KEPT: Duration = Duration::from_secs(3600);
/// Pending last-used times wait in memory meanwhile; none is lost.
const LAST_USED_LONGEST_WAIT: Duration = Duration::from_secs(60);

/// How often expired dashboard sessions are swept from the database.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(10 * 60);

#[derive(Clone)]
pub struct Services {
    db: DatabaseConnection,
    pub tokens: TokenService,
    pub accounts: Accounts,
    pub projects: Projects,
    pub audit: AuditLog,
    pub sessions: Sessions,
    pub last_used: LastUsedRecorder,
    /// Failure counts of every face: guesses are held back the same everywhere.
    pub throttles: Arc<Throttles>,
    /// What `/metrics` reports: counted by every face.
    pub metrics: Metrics,
}

impl Services {
    /// Services over a migrated database.
    pub fn new(db: DatabaseConnection, settings: &Settings) -> Self {
        let hashing = settings.keys.derive("token-hash");
        let hasher = TokenHasher::new(&hashing.current);
        let older_hashers = hashing
            .older
            .iter()
            .map(|key| TokenHasher::new(key))
            .collect();
        // Only PostgreSQL has a change feed to keep long-lived answers true.
        let pushed = (db.get_database_backend() == sea_orm::DatabaseBackend::Postgres)
            .then(|| Duration::from_secs(u64::from(settings.verify_cache_pushed_seconds)));
        let cache = VerificationCache::new(
            Duration::from_millis(u64::from(settings.verify_cache_ttl_ms)),
            pushed,
        );
        let throttles = Arc::new(Throttles::new(&settings.throttle, db.clone()));
        let metrics = Metrics::new();
        Self {
            tokens: TokenService::new(
                db.clone(),
                hasher,
                older_hashers,
                cache.clone(),
                settings.professional_token_cap,
                crate::deadline::RequestDeadline(settings.lifecycle.request_deadline),
            ),
            accounts: Accounts::new(
                db.clone(),
                cache.clone(),
                throttles.clone(),
                metrics.clone(),
            ),
            projects: Projects::new(db.clone(), cache),
            audit: AuditLog::new(db.clone()),
            sessions: Sessions::new(
                db.clone(),
                SessionLifetimes {
                    idle: chrono::Duration::minutes(i64::from(settings.session_idle_minutes)),
                    absolute: chrono::Duration::hours(i64::from(settings.session_absolute_hours)),
                },
            ),
            last_used: LastUsedRecorder::new(db.clone()),
            throttles,
            metrics,
            db,
        }
    }

    /// Connects and brings the schema up to date (once, however many instances start).
    pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Self> {
        let db = db::connect(&settings.database_url, settings.database_max_connections).await?;
        crate::schema::migrate_up(&settings.database_url, &db).await?;
        Ok(Self::new(db, settings))
    }

    /// What a long-running server needs before it answers: every stored digest loaded; then
    /// the digest sync, the session sweeper and the last-used flusher running.
    pub async fn start_background_tasks(&self, settings: &Settings) -> Result<usize, AppError> {
        crate::change_feed::spawn_listener(&self.db, self.tokens.cache().clone());
        let stored = self.tokens.digests().load_all().await?;
        self.tokens.digests().spawn(DIGEST_SYNC);
        self.sessions.spawn_sweeper(SESSION_SWEEP_INTERVAL);
        let (failures, log) = (
            self.throttles.shared().clone(),
            self.tokens.digests().clone(),
        );
        let schedule = Schedule {
            every: SESSION_SWEEP_INTERVAL,
            longest_wait: SESSION_SWEEP_INTERVAL,
        };
        crate::background::spawn_periodic("prune", schedule, move || {
            let (failures, log) = (failures.clone(), log.clone());
            async move {
                // No limit's window is longer than a day (`Rule::parse`).
                failures.prune(Duration::from_secs(24 * 3600)).await?;
                log.prune_log(CHANGE_LOG_KEPT).await
            }
        });
        self.last_used.spawn_flusher(
            Schedule {
                every: Duration::from_secs(u64::from(settings.last_used_flush_seconds)),
                longest_wait: LAST_USED_LONGEST_WAIT,
            },
            self.metrics.clone(),
        );
        Ok(stored)
    }

    /// What `/metrics` reads when scraped.
    pub fn gauges(&self) -> Gauges {
        let cache = self.tokens.cache();
        let (cache_hits, cache_misses) = cache.hits_and_misses();
        Gauges {
            known_digests: cache.known_digests() as u64,
            cached_answers: cache.cached_tokens(),
            cache_hits,
            cache_misses,
            change_feed_connected: cache.feed_is_connected(),
            pool: db::pool_gauges(&self.db),
        }
    }

    /// The database answers a round trip.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(db::ping(&self.db).await?)
    }

    /// Closes the connection pool: every later statement fails as if the database were gone.
    pub async fn close(&self) -> Result<(), AppError> {
        Ok(self.db.clone().close().await?)
    }
}
