//! Bringing the schema up to date exactly once, however many instances start together.
//!
//! On PostgreSQL and MySQL/MariaDB the migrations run under a database lock (a session-level
//! advisory lock; `GET_LOCK`) held on a connection of their own: the first instance to take
//! it migrates, the others wait for it and then find nothing left to apply. The lock is tried
//! in a loop rather than awaited in one statement, so the statement timeout never cuts a
//! wait short. SQLite has one writer by nature and a single instance per file.

use crate::db;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use std::time::{Duration, Instant};

/// The advisory-lock key on PostgreSQL: "LATCHKEY" in ASCII, one number no other program is
/// likely to pick.
const POSTGRES_LOCK_KEY: i64 = 0x4c41_5443_484b_4559;
/// The named lock on MySQL/MariaDB.
const MYSQL_LOCK_NAME: &str = "latchkey.migrations";
const LOCK_RETRY: Duration = Duration::from_millis(100);
/// How long an instance waits for another's migrations before giving up (and exiting, so that
/// its supervisor restarts it): far above any migration Latchkey ships.
const LOCK_PATIENCE: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Connect(#[from] db::ConnectError),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(
        "another instance has held the migration lock for {} s; is a migration stuck?",
        LOCK_PATIENCE.as_secs()
    )]
    LockTimeout,
}

/// What one call did: how many migrations it applied, and whether it waited for another
/// instance to finish first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    pub applied: usize,
    pub waited: bool,
}

/// Applies every pending migration, under the migration lock where the backend has one.
pub async fn migrate_up(url: &str, db: &DatabaseConnection) -> Result<Migrated, MigrateError> {
    under_lock(url, db, |connection| async move {
        let pending = Migrator::get_pending_migrations(&connection).await?.len();
        Migrator::up(&connection, None).await?;
        Ok(pending)
    })
    .await
}

/// Rolls back `steps` migrations, under the same lock (so no instance migrates meanwhile).
pub async fn migrate_down(
    url: &str,
    db: &DatabaseConnection,
    steps: u32,
) -> Result<(), MigrateError> {
    under_lock(url, db, |connection| async move {
        Migrator::down(&connection, Some(steps)).await?;
        Ok(0)
    })
    .await
    .map(|_| ())
}

/// Runs `work` on a connection holding the lock (on SQLite: on `db` itself), and logs it.
async fn under_lock<F, Fut>(
    url: &str,
    db: &DatabaseConnection,
    work: F,
) -> Result<Migrated, MigrateError>
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<usize, DbErr>>,
{
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Sqlite {
        let applied = work(db.clone()).await?;
        log(applied, false);
        return Ok(Migrated {
            applied,
            waited: false,
        });
    }
    // A pool of one: the lock is a property of a session, and every statement of the
    // migrations must run in the session that holds it.
    let connection = db::connect(url, Some(1)).await?;
    let waited = acquire(&connection, backend).await?;
    let outcome = work(connection.clone()).await;
    let released = release(&connection, backend).await;
    connection.close().await.ok();
    let applied = outcome?;
    released?;
    log(applied, waited);
    Ok(Migrated { applied, waited })
}

fn log(applied: usize, waited: bool) {
    tracing::info!(applied, waited, "schema migrated");
}

/// Takes the lock, waiting while another instance holds it; `true` when it had to wait.
async fn acquire(
    connection: &DatabaseConnection,
    backend: DatabaseBackend,
) -> Result<bool, MigrateError> {
    let started = Instant::now();
    let mut waited = false;
    loop {
        if try_lock(connection, backend).await? {
            return Ok(waited);
        }
        if !waited {
            tracing::info!("another instance is migrating the schema; waiting for it");
            waited = true;
        }
        if started.elapsed() > LOCK_PATIENCE {
            return Err(MigrateError::LockTimeout);
        }
        tokio::time::sleep(LOCK_RETRY).await;
    }
}

/// The backend's lock statement: PostgreSQL's advisory-lock function of `postgres`, or
/// MySQL/MariaDB's named-lock function `mysql`.
fn lock_statement(backend: DatabaseBackend, postgres: &str, mysql: &str) -> Statement {
    match backend {
        DatabaseBackend::Postgres => Statement::from_sql_and_values(
            backend,
            format!("SELECT {postgres}($1)"),
            [POSTGRES_LOCK_KEY.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            format!("SELECT {mysql}"),
            [MYSQL_LOCK_NAME.into()],
        ),
    }
}

async fn try_lock(
    connection: &DatabaseConnection,
    backend: DatabaseBackend,
) -> Result<bool, DbErr> {
    let statement = lock_statement(backend, "pg_try_advisory_lock", "GET_LOCK(?, 0)");
    let row = connection
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::Custom("the lock query returned no row".into()))?;
    Ok(match backend {
        DatabaseBackend::Postgres => row.try_get_by_index::<bool>(0)?,
        // 1 taken, 0 held elsewhere, NULL on an error.
        _ => row.try_get_by_index::<Option<i64>>(0)? == Some(1),
    })
}

async fn release(connection: &DatabaseConnection, backend: DatabaseBackend) -> Result<(), DbErr> {
    let statement = lock_statement(backend, "pg_advisory_unlock", "RELEASE_LOCK(?)");
    connection.execute_raw(statement).await.map(|_| ())
}
