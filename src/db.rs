//! Opening the database: pool sizing, and SQLite's WAL mode and busy timeout.

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a pooled connection before answering 503: with the database
/// gone, every pooled connection is soon stuck or dropped, and a client is better told at once.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long the server may work on one statement. A request gives up on its statements at
/// its deadline (`crate::deadline`), but the server does not know that: this stops the work
/// (and frees its locks) that nobody waits for any more. Far above any statement Latchkey
/// issues, migrations included.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL: use sqlite://, postgres:// or mysql:// (also for MariaDB)")]
    UnsupportedScheme,
    #[error("cannot create the database folder {path}: {source}")]
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create or restrict the database file {path}: {source}")]
    DatabaseFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] DbErr),
}

pub async fn connect(
    url: &str,
    max_connections: Option<u32>,
) -> Result<DatabaseConnection, ConnectError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(ACQUIRE_TIMEOUT);

    if url.starts_with("sqlite:") {
        if let Some(folder) = sqlite_folder(url) {
            crate::private_files::create_dir(&folder).map_err(|source| {
                ConnectError::CreateFolder {
                    path: folder.clone(),
                    source,
                }
            })?;
        }
        if let Some(file) = sqlite_file(url) {
            restrict_database_files(&file).map_err(|source| ConnectError::DatabaseFile {
                path: file.clone(),
                source,
            })?;
        }
        // WAL lets readers run beside the one writer; the busy timeout makes a second writer
        // wait its turn instead of failing at once. FULL syncs the WAL at every commit, so an
        // acknowledged revocation survives a power loss, not only a crash (about 0.3 ms per
        // commit here: docs/performance.md).
        options
            .max_connections(max_connections.unwrap_or(8))
            .map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else if ["postgres:", "postgresql:", "mysql:"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        options
            .max_connections(max_connections.unwrap_or(cores * 4 + 2))
            .statement_timeout(STATEMENT_TIMEOUT)
            .map_sqlx_mysql_pool_opts(|pool| pool.after_connect(limit_mysql_statement_time));
    } else {
        return Err(ConnectError::UnsupportedScheme);
    }
    Ok(Database::connect(options).await?)
}

/// `STATEMENT_TIMEOUT` in each server's words (a test holds them equal).
const MARIADB_STATEMENT_LIMIT: &str = "SET SESSION max_statement_time = 5";
const MYSQL_STATEMENT_LIMIT: &str = "SET SESSION max_execution_time = 5000";

/// MariaDB and MySQL name their statement timeout differently (seconds and milliseconds);
/// each connection sets whichever its server has.
fn limit_mysql_statement_time<'c>(
    connection: &'c mut sea_orm::sqlx::MySqlConnection,
    _: sea_orm::sqlx::pool::PoolConnectionMetadata,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), sea_orm::sqlx::Error>> + Send + 'c>,
> {
    use sea_orm::sqlx::Executor;
    Box::pin(async move {
        if connection.execute(MARIADB_STATEMENT_LIMIT).await.is_err() {
            connection.execute(MYSQL_STATEMENT_LIMIT).await?;
        }
        Ok(())
    })
}

/// The file of a file-backed SQLite database, if the URL names one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The folder holding a file-backed SQLite database, if the URL names one.
fn sqlite_folder(url: &str) -> Option<PathBuf> {
    let parent = sqlite_file(url)?.parent()?.to_owned();
    (!parent.as_os_str().is_empty()).then_some(parent)
}

/// The database file is created for the owner alone before SQLite opens it (SQLite gives
/// its WAL and shared-memory files the same mode); files of an older start are narrowed.
fn restrict_database_files(file: &std::path::Path) -> std::io::Result<()> {
    crate::private_files::create_file(file)?;
    for suffix in ["-wal", "-shm"] {
        let mut companion = file.as_os_str().to_owned();
        companion.push(suffix);
        crate::private_files::restrict_if_present(std::path::Path::new(&companion))?;
    }
    Ok(())
}

/// A cheap round trip for readiness checks.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// The pool's connections, for `/metrics`.
pub fn pool_gauges(db: &DatabaseConnection) -> crate::metrics::PoolGauges {
    use sea_orm::DatabaseBackend;
    let gauges = |size: u32, idle: usize, max: u32| crate::metrics::PoolGauges {
        open: size,
        idle: u32::try_from(idle).unwrap_or(u32::MAX),
        max,
    };
    // Each getter panics on another backend: the match picks the one that is.
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            gauges(
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            gauges(
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            gauges(
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => crate::metrics::PoolGauges::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mysql_statement_limits_say_the_statement_timeout() {
        let seconds = STATEMENT_TIMEOUT.as_secs();
        assert!(MARIADB_STATEMENT_LIMIT.ends_with(&format!("= {seconds}")));
        assert!(MYSQL_STATEMENT_LIMIT.ends_with(&format!("= {}", seconds * 1000)));
    }

    #[test]
    fn sqlite_folder_is_found_for_relative_and_absolute_paths() {
        assert_eq!(
            sqlite_folder("sqlite://./data/latchkey.db?mode=rwc"),
            Some(PathBuf::from("./data"))
        );
        assert_eq!(
            sqlite_folder("sqlite:///var/lib/lk/db.sqlite"),
            Some(PathBuf::from("/var/lib/lk"))
        );
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
        assert_eq!(sqlite_folder("sqlite://latchkey.db"), None);
    }
}
