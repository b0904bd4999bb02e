//! Every database-backed answer within a deadline.
//!
//! A database that has gone silent (a partition: packets dropped, no reset) leaves a statement
//! waiting for as long as TCP keeps retrying, which is minutes; the pool's acquire timeout
//! bounds only the wait for a connection, and the server's statement timeout cannot fire on a
//! server that never received the statement. The deadline bounds the whole request: one still
//! unanswered when it passes is dropped and answered 503 `unavailable` with `Retry-After`, as
//! for any other outage. Dropping a request is what a client hanging up already does: an open
//! transaction is rolled back; a commit already sent may or may not land, and the client must
//! treat the outcome as unknown (`docs/operations.md` says what to do).

use crate::error::AppError;
use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use sea_orm::{DbErr, RuntimeErr};
use std::future::Future;
use std::time::Duration;

/// The request deadline, registered once as application data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestDeadline(pub Duration);

impl Default for RequestDeadline {
    fn default() -> Self {
        Self(crate::config::Lifecycle::default().request_deadline)
    }
}

impl RequestDeadline {
    /// Runs `work` within the deadline; past it, the work is dropped and the answer is
    /// "unavailable".
    pub async fn bound<T, E: From<DbErr>>(
        self,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        match tokio::time::timeout(self.0, work).await {
            Ok(result) => result,
            Err(_) => Err(self.passed().into()),
        }
    }

    /// A connection-level error, so that every face classifies it as the database being
    /// unavailable.
    fn passed(self) -> DbErr {
        tracing::warn!(
            deadline_ms = self.0.as_millis(),
            "no answer within the request deadline: answering 503"
        );
        DbErr::Conn(RuntimeErr::Internal(
            "no answer within the request deadline".into(),
        ))
    }
}

/// Middleware body for a scope: its services within the request deadline, answered with the
/// face's own 503 (`E`: the API's JSON error, the dashboard's page) when it passes.
pub async fn within_deadline<E: ResponseError + From<AppError> + 'static>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let deadline = req
        .app_data::<RequestDeadline>()
        .copied()
        .unwrap_or_default();
    match tokio::time::timeout(deadline.0, next.call(req)).await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        // The request went with the dropped future, so the answer travels as an error that
        // carries its response (as the session layer's failures do).
        Err(_) => Err(InternalError::from_response(
            "request deadline exceeded",
            E::from(AppError::from(deadline.passed())).error_response(),
        )
        .into()),
    }
}
