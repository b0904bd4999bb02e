//! The one error type of the service layer. Its variants say what went wrong in domain
//! terms; the dashboard and the JSON API each map them once to their own face.

use crate::domain::{FieldErrors, Plan};
use crate::random::RandomUnavailable;
use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: input that does not parse or breaks a rule, per field.
    #[error("invalid input: {0}")]
    Validation(FieldErrors),
    /// 404: missing, or outside what the caller may see (never 403, so nothing leaks).
    #[error("not found")]
    NotFound,
    /// 401: missing, malformed, unknown, expired or revoked credentials.
    #[error("authentication failed: {0}")]
    Unauthenticated(AuthFailure),
    /// 403: authenticated, but not allowed. `required` names the missing permission.
    #[error("forbidden: {message}")]
    Forbidden {
        required: Option<String>,
        message: String,
    },
    /// 409: the change collides with existing state (a duplicate name, say).
    #[error("conflict: {message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    /// 403: the project's plan does not include self-service token management.
    #[error("the {} plan does not include self-service token management", plan.as_str())]
    PlanRequired { plan: Plan },
    /// 403: the plan's cap of active tokens is reached.
    #[error("the plan allows {cap} active tokens")]
    PlanLimitReached { cap: u32 },
    /// 429: too many failed attempts; try again after `retry_after`.
    #[error("too many failed attempts; retry after {retry_after:?}")]
    RateLimited { retry_after: std::time::Duration },
    /// 503: the database cannot be reached. Fail closed.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// 500: any other database error; the text is logged, never shown.
    #[error("database error")]
    Db(#[source] DbErr),
    /// 500: anything else unexpected.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why credentials were refused. Callers outside the process see one message for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("missing credentials")]
    Missing,
    #[error("malformed token")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("expired token")]
    Expired,
    #[error("revoked token")]
    Revoked,
    #[error("the token's owner is no longer active in the project")]
    OwnerInactive,
    #[error("wrong email or password")]
    BadCredentials,
}

/// What a 503 asks a client to wait before trying again: a database outage is either over in
/// moments (a failover, a restart) or not soon, and a second is cheap to wait.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 1;

/// Whole seconds to wait for a `RateLimited` refusal, rounded up and at least one.
pub fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl AppError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden {
            required: None,
            message: message.into(),
        }
    }

    pub fn missing_permission(required: impl ToString) -> Self {
        let required = required.to_string();
        Self::Forbidden {
            message: format!("This action needs the {required} permission."),
            required: Some(required),
        }
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::single(field, message))
    }
}

impl From<RandomUnavailable> for AppError {
    fn from(error: RandomUnavailable) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if is_unreachable(&error) {
            Self::Unavailable(error)
        } else {
            Self::Db(error)
        }
    }
}

/// Connection-level failures: the database is down or the pool is exhausted.
fn is_unreachable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                e.as_ref(),
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
            ) || stopped_by_statement_timeout(e)
        }
        _ => false,
    }
}

/// The server gave up on the statement (`crate::db`'s statement timeouts): the database is
/// too slow to answer, which a client should treat like its absence.
fn stopped_by_statement_timeout(error: &sea_orm::sqlx::Error) -> bool {
    let Some(database) = error.as_database_error() else {
        return false;
    };
    // MySQL's ER_QUERY_TIMEOUT has only the generic SQLSTATE, so it is told by its number.
    if let Some(mysql) = database.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
        return matches!(mysql.number(), 1969 | 3024);
    }
    // PostgreSQL's query_canceled.
    database.code().is_some_and(|code| code == "57014")
}
